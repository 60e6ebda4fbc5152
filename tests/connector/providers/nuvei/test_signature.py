import pytest

from connector.errors import NotAuthentic
from connector.providers.nuvei.signature import OPEN_ORDER_FIELDS, checksum, dmn_checksum, verify_dmn

SECRET = "sandbox-nuvei-secret"

# Vectors computed outside Python: printf '%s' '<concatenation>' | sha256sum
REQUEST_VECTOR = "efe9a5873b290861124ce2a894f96b6f682c556a62d81e75f7d4bc187ff16829"
DMN_VECTOR = "30adc3cd43bed2cf18e7d2c714c16cbeec29aeb877e359b46e073abd7f86c88c"

REQUEST = {
    "merchantId": "8000000000001",
    "merchantSiteId": "210001",
    "clientRequestId": "req-0001",
    "amount": "19.99",
    "currency": "EUR",
    "timeStamp": "20261124133627",
}
DMN = {
    "totalAmount": "19.99",
    "currency": "EUR",
    "responseTimeStamp": "2026-11-24.13:36:28",
    "PPP_TransactionID": "123456789",
    "Status": "APPROVED",
    "productId": "",
}


def test_open_order_checksum_vector():
    assert checksum(REQUEST, OPEN_ORDER_FIELDS, SECRET) == REQUEST_VECTOR


def test_dmn_checksum_vector():
    assert dmn_checksum(DMN, SECRET) == DMN_VECTOR


def test_a_missing_product_id_counts_as_empty():
    fields = {k: v for k, v in DMN.items() if k != "productId"}
    assert dmn_checksum(fields, SECRET) == DMN_VECTOR


def test_verify_accepts_either_hex_case():
    verify_dmn({**DMN, "advanceResponseChecksum": DMN_VECTOR.upper()}, SECRET)


@pytest.mark.parametrize(
    "fields",
    [
        {**DMN, "advanceResponseChecksum": DMN_VECTOR, "Status": "DECLINED"},  # a field changed
        {**DMN, "advanceResponseChecksum": DMN_VECTOR, "totalAmount": "1999.00"},
        {**DMN, "advanceResponseChecksum": "0" * 64},
        DMN,  # no checksum at all
    ],
)
def test_verify_refuses_anything_else(fields):
    with pytest.raises(NotAuthentic):
        verify_dmn(fields, SECRET)


def test_verify_refuses_another_secret():
    with pytest.raises(NotAuthentic):
        verify_dmn({**DMN, "advanceResponseChecksum": DMN_VECTOR}, "another-secret")
