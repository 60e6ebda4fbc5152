from urllib.parse import parse_qsl

import pytest
from requests.structures import CaseInsensitiveDict

from connector.errors import NotAuthentic
from connector.providers.paynova.signature import body_digest, digest, event_digest, verify_event

# Paynova's published vectors (its API client's tests), all with the secret below.
PUBLISHED_SECRET = "SECRET_KEYSECRET"
# A POST-redirect with one payment: the session fields, then the payment's status,
# transaction id and amount.
REDIRECT_VALUES = (
    "a148910e-226f-43e6-8f72-a33900e2214c",  # ORDER_ID
    "775e3b3b-ff40-4078-bdee-a33900e22164",  # SESSION_ID
    "7e2e7e8cf17640e5b9da6887eea0860a",  # ORDER_NUMBER
    "Completed",  # SESSION_STATUS
    "SEK",  # CURRENCY_CODE
    "Completed",  # PAYMENT_1_STATUS
    "201405281543270574",  # PAYMENT_1_TRANSACTION_ID
    "100.00",  # PAYMENT_1_AMOUNT
)
REDIRECT_VECTOR = "6645208808A61B72182CD0A2119B44AC54D1D344"
PUBLISHED_EVENT = {
    "EVENT_TYPE": "SESSION_END",
    "EVENT_TIMESTAMP": "2014-05-28 15:00:29Z",
    "DELIVERY_TIMESTAMP": "2014-05-28 15:00:29Z",
    "MERCHANT_ID": "1262823",
}
EVENT_VECTOR = "89283237A406B7D5BE3FAC3F5AC512B093DEFD78"
PUBLISHED_BODY = (
    b"CUSTOM_DATA_COUNT=0&DELIVERY_TIMESTAMP=2014-05-30+08%3a07%3a54Z&DIGEST=1E16B78487A4086E36B3BD07B87BA7CF7DB61981"
    b"&EVENT_TIMESTAMP=2014-05-30+08%3a07%3a54Z&EVENT_TYPE=SESSION_END&MERCHANT_ID=1262823"
    b"&ORDER_ID=8cf4f5d8-a09c-458b-a0ef-a33b0085f589&ORDER_NUMBER=e392501f92dc423397f1864c24457ddb"
    b"&SESSION_ID=9f963a0c-4838-4760-bb12-a33b0085f5a1&SESSION_STATUS=COMPLETED&SESSION_STATUS_REASON=PAYMENT_COMPLETED"
)
BODY_VECTOR = "72A72DD41B50C265847670A1566E152E2E4DA466"

# Our own, computed outside Python: printf '%s' 'PAYMENT;...;sandbox-paynova-secret' | sha1sum
SECRET = "sandbox-paynova-secret"
EVENT = {
    "EVENT_TYPE": "PAYMENT",
    "EVENT_TIMESTAMP": "2026-11-24 13:36:28Z",
    "DELIVERY_TIMESTAMP": "2026-11-24 13:36:29Z",
    "MERCHANT_ID": "4999",
    "ORDER_NUMBER": "not covered by DIGEST",
}
OWN_EVENT_VECTOR = "F4B9EB9F7DED8672A5185536239D2DCE76C86FB1"
OWN_BODY = b"EVENT_TYPE=PAYMENT&MERCHANT_ID=4999&AMOUNT=19.99"
OWN_BODY_VECTOR = "B826FC2FC8879B06968BF6F6DFBE98262966D996"


def test_the_digest_scheme_reproduces_the_published_post_redirect_vector():
    assert digest(REDIRECT_VALUES, PUBLISHED_SECRET) == REDIRECT_VECTOR


def test_event_digest_published_vector():
    assert event_digest(PUBLISHED_EVENT, PUBLISHED_SECRET) == EVENT_VECTOR


def test_body_digest_published_vector():
    assert body_digest(PUBLISHED_BODY, PUBLISHED_SECRET) == BODY_VECTOR


def test_the_published_body_carries_a_matching_event_digest():
    fields = dict(parse_qsl(PUBLISHED_BODY.decode()))
    verify_event(fields, CaseInsensitiveDict({"pn-digest": BODY_VECTOR}), PUBLISHED_BODY, PUBLISHED_SECRET)


def test_own_vectors():
    assert event_digest(EVENT, SECRET) == OWN_EVENT_VECTOR
    assert body_digest(OWN_BODY, SECRET) == OWN_BODY_VECTOR


def verify(fields, headers=None, body=OWN_BODY, secret=SECRET):
    verify_event(fields, CaseInsensitiveDict(headers or {}), body, secret)


def test_either_hex_case_is_accepted_and_pn_digest_is_optional():
    verify({**EVENT, "DIGEST": OWN_EVENT_VECTOR.lower()})
    verify({**EVENT, "DIGEST": OWN_EVENT_VECTOR}, {"Pn-Digest": OWN_BODY_VECTOR.lower()})


def test_fields_outside_the_digest_may_change():
    """What DIGEST does not cover is checked against the payment elsewhere."""
    verify({**EVENT, "DIGEST": OWN_EVENT_VECTOR, "ORDER_NUMBER": "another"})


@pytest.mark.parametrize(
    ("fields", "headers"),
    [
        ({**EVENT, "DIGEST": OWN_EVENT_VECTOR, "MERCHANT_ID": "5000"}, {}),
        ({**EVENT, "DIGEST": OWN_EVENT_VECTOR, "DELIVERY_TIMESTAMP": "2026-11-25 00:00:00Z"}, {}),
        ({**EVENT, "DIGEST": "0" * 40}, {}),
        (EVENT, {}),  # no DIGEST at all
        ({**EVENT, "DIGEST": OWN_EVENT_VECTOR}, {"Pn-Digest": "0" * 40}),  # the body was changed
        ({**EVENT, "DIGEST": OWN_EVENT_VECTOR}, {"Pn-Digest": ""}),
    ],
)
def test_anything_else_is_not_authentic(fields, headers):
    with pytest.raises(NotAuthentic):
        verify(fields, headers)


def test_another_secret_is_not_authentic():
    with pytest.raises(NotAuthentic):
        verify({**EVENT, "DIGEST": OWN_EVENT_VECTOR}, secret="another-secret")
