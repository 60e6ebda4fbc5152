import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.errors import InvalidInput
from connector.payment import Payment, PaymentSchema, read_well_formed
from tests.factories import payment_json, transaction_json


def test_reads_what_the_connector_uses():
    data = payment_json(
        cent_amount=1500,
        currency="KWD",
        fraction_digits=3,
        interface="Nuvei",
        session_request={"userTokenId": "u1"},
        transactions=[transaction_json(interaction_id="T-9")],
        interface_id="order-1",
        status_code="APPROVED",
        version=7,
    )
    payment = Payment.from_json(data)
    assert payment.id == data["id"] and payment.version == 7
    assert payment.amount_planned.decimal_text() == "1.500"
    assert payment.provider_name == "nuvei"
    assert payment.session_request() == {"userTokenId": "u1"}
    assert payment.transaction("T-9", "Authorization").state == "Success"
    assert payment.transaction("T-9", "Charge") is None
    assert payment.interface_id == "order-1" and payment.status_code == "APPROVED"


def test_recorded_or_awaiting_finds_a_type_under_its_id_or_pending_without_one():
    recorded = transaction_json("CancelAuthorization", "Success", "O-1")
    awaiting = transaction_json("CancelAuthorization", "Pending", None)
    others = [
        transaction_json("CancelAuthorization", "Success", "O-2"),  # another id
        transaction_json("CancelAuthorization", "Failure", None),  # settled without an id
        transaction_json("Charge", "Pending", None),  # another type
    ]
    payment = Payment.from_json(payment_json(transactions=[*others, awaiting, recorded]))
    assert [t.id for t in payment.recorded_or_awaiting("CancelAuthorization", "O-1")] == [
        awaiting["id"],
        recorded["id"],
    ]
    assert payment.recorded_or_awaiting("Refund", "O-1") == ()


def test_fraction_digits_default_from_the_currency():
    assert Payment.from_json(payment_json(currency="JPY", fraction_digits=None)).amount_planned.fraction_digits == 0


def test_no_custom_type_reads_as_none():
    payment = Payment.from_json(payment_json())
    assert payment.custom_fields is None
    assert payment.session_request() == {}
    assert not payment.has_session


@pytest.mark.parametrize(
    "fields",
    [{"sessionToken": "t"}, {"redirectUrl": "https://pay.example.test"}],
)
def test_a_token_or_redirect_means_a_session_exists(fields):
    assert Payment.from_json(payment_json(custom_fields=fields)).has_session


def test_an_interface_id_means_a_session_exists():
    assert Payment.from_json(payment_json(interface_id="410000001")).has_session


def test_invalid_fields_are_named_with_their_path():
    data = payment_json()
    data["amountPlanned"]["centAmount"] = "lots"
    data["amountPlanned"]["currencyCode"] = "euro"
    del data["version"]
    with pytest.raises(InvalidInput) as raised:
        Payment.from_json(data)
    assert {error.field for error in raised.value.errors} == {
        "amountPlanned.centAmount",
        "amountPlanned.currencyCode",
        "version",
    }


def test_unknown_fields_are_ignored():
    data = payment_json()
    data["somethingNew"] = {"nested": True}
    assert Payment.from_json(data).id == data["id"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        # Found by fuzzing: Python reads these, but no provider's API takes them, and
        # sending them failed the extension.
        ('{"quantity": 18446744073709551616}', "the integer 18446744073709551616"),
        ('{"amount": 1e400}', "the number 1e400"),
        ('{"amount": NaN}', "not valid JSON"),
        ('{"amount": -Infinity}', "not valid JSON"),
    ],
)
def test_unusable_session_request(raw, message):
    payment = Payment.from_json(payment_json(session_request=raw))
    with pytest.raises(InvalidInput, match=message) as raised:
        payment.session_request()
    assert raised.value.errors[0].field == "sessionRequest"


def test_a_session_request_keeps_64_bit_integers():
    raw = '{"low": -9223372036854775808, "high": 18446744073709551615, "amount": 1.5e300}'
    assert Payment.from_json(payment_json(session_request=raw)).session_request() == {
        "low": -(2**63),
        "high": 2**64 - 1,
        "amount": 1.5e300,
    }


# The fast path and the schema: same payment whenever the fast path answers. Examples
# are valid payments with at most one field replaced by something odd, so that every
# rule of the schema meets values on both of its sides.

_odd = st.one_of(st.none(), st.integers(-3, 3), st.booleans(), st.text(max_size=3), st.just({}), st.just([]))
_money = st.fixed_dictionaries(
    {"centAmount": st.integers(0, 10**6), "currencyCode": st.sampled_from(["EUR", "JPY", "KWD"])},
    optional={"fractionDigits": st.one_of(st.none(), st.integers(0, 4)), "type": st.just("centPrecision")},
)  # fmt: skip
_transaction = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=4), "type": st.sampled_from(["Authorization", "Charge", "Refund"]),
     "state": st.sampled_from(["Initial", "Pending", "Success", "Failure"])},
    optional={"interactionId": st.one_of(st.none(), st.text(max_size=4)), "amount": st.one_of(st.none(), _money)},
)  # fmt: skip
_interaction = st.fixed_dictionaries(
    {"fields": st.dictionaries(st.sampled_from(["type", "request", "response"]), st.text(max_size=4))}
)
_payment = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=8), "version": st.integers(0, 9), "amountPlanned": _money},
    optional={
        "paymentMethodInfo": st.fixed_dictionaries({}, optional={"paymentInterface": st.text(max_size=6)}),
        "paymentStatus": st.fixed_dictionaries({}, optional={"interfaceCode": st.text(max_size=6)}),
        "custom": st.fixed_dictionaries(
            {}, optional={"type": st.fixed_dictionaries({}, optional={"id": st.text(max_size=4)}),
                          "fields": st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3)}),
        "interfaceId": st.one_of(st.none(), st.text(max_size=4)),
        "transactions": st.lists(_transaction, max_size=3),
        "interfaceInteractions": st.lists(_interaction, max_size=2),
    },
)  # fmt: skip
# Where a value may be replaced: a path of keys and list indexes.
_PLACES = [
    ("id",), ("version",), ("amountPlanned",), ("amountPlanned", "centAmount"), ("amountPlanned", "currencyCode"),
    ("amountPlanned", "fractionDigits"), ("paymentMethodInfo",), ("paymentMethodInfo", "paymentInterface"),
    ("paymentStatus",), ("paymentStatus", "interfaceCode"), ("custom",), ("custom", "type"), ("custom", "type", "id"),
    ("custom", "fields"), ("interfaceId",), ("transactions",), ("transactions", 0), ("transactions", 0, "id"),
    ("transactions", 0, "type"), ("transactions", 0, "state"), ("transactions", 0, "interactionId"),
    ("transactions", 0, "amount"), ("transactions", 0, "amount", "centAmount"), ("interfaceInteractions",),
    ("interfaceInteractions", 0), ("interfaceInteractions", 0, "fields"),
]  # fmt: skip


def _replaced(data: dict, place: tuple, value) -> dict:
    container = data
    for step in place[:-1]:
        try:
            container = container[step]
        except (KeyError, IndexError, TypeError):
            return data
    if isinstance(container, dict) or (isinstance(container, list) and len(container) > place[-1]):
        container[place[-1]] = value
    return data


@settings(max_examples=300, deadline=None)
@given(_payment)
def test_valid_payments_read_the_same_both_ways(data):
    assert read_well_formed(data) == PaymentSchema().load(data)


ODD_VALUES = [None, -1, 0, 7, True, "", "x", "EUR", 1.5, {}, [], [{}], {"id": 1}]
RICH = {
    "id": "p-1", "version": 3,
    "amountPlanned": {"type": "centPrecision", "centAmount": 1500, "currencyCode": "KWD", "fractionDigits": 3},
    "paymentMethodInfo": {"paymentInterface": "nuvei"}, "paymentStatus": {"interfaceCode": "OK"},
    "custom": {"type": {"typeId": "type", "id": "t-1"}, "fields": {"sessionToken": "tok"}}, "interfaceId": "41",
    "transactions": [{"id": "t", "type": "Charge", "state": "Pending", "interactionId": "i",
                      "amount": {"centAmount": 1500, "currencyCode": "KWD", "fractionDigits": 3}}],
    "interfaceInteractions": [{"type": {"typeId": "type", "id": "i"}, "fields": {"type": "x", "request": "{}"}}],
}  # fmt: skip


@pytest.mark.parametrize("place", _PLACES, ids=["/".join(map(str, place)) for place in _PLACES])
def test_an_odd_value_anywhere_is_read_the_same_or_left_to_the_schema(place):
    for odd in ODD_VALUES:
        data = _replaced(copy.deepcopy(RICH), place, odd)
        fast = read_well_formed(data)
        if fast is not None:
            assert PaymentSchema().load(data) == fast, (place, odd)


def test_the_fast_path_takes_the_payments_commercetools_sends():
    data = payment_json(session_request={"a": 1}, transactions=[transaction_json()], interface_id="41", status_code="X")
    data["interfaceInteractions"] = [
        {"type": {"typeId": "type", "id": "t"}, "fields": {"type": "nuvei.dmn", "request": "{}", "response": "[]"}}
    ]
    assert read_well_formed(data) == PaymentSchema().load(data)
    assert read_well_formed(data).interactions[0].response == "[]"
