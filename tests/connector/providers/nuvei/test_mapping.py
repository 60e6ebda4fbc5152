from dataclasses import replace

import pytest

from connector.errors import InvalidInput, InvalidNotification
from connector.money import Money
from connector.payment import Payment
from connector.providers.nuvei import mapping
from tests.factories import payment_json, transaction_json

NOTIFY = "https://notifications.example.test/notifications/nuvei"


def order(**payment_fields):
    payment = Payment.from_json(payment_json(**payment_fields))
    return payment, mapping.order_request(payment, NOTIFY)


def test_order_request_owns_reference_amount_currency_and_callback():
    payment, request = order()
    assert request == {
        "transactionType": "Auth",
        "clientUniqueId": payment.id,
        "amount": "19.99",
        "currency": "EUR",
        "urlDetails": {"notificationUrl": NOTIFY},
    }


# Alike in shape to tests/connector/test_money.py's table, on purpose: here the amount is in Nuvei's request.
@pytest.mark.parametrize(
    ("cents", "currency", "digits", "amount"),
    [
        (1000, "JPY", 0, "1000"),
        (1999, "EUR", 2, "19.99"),
        (1500, "KWD", 3, "1.500"),
        # The payment's own fractionDigits decide, not a table of currencies: a project
        # may use a currency the table does not know, or with other digits.
        (1500, "XAU", 3, "1.500"),
        (1999, "HUF", 0, "1999"),
    ],
)
def test_amount_respects_fraction_digits(cents, currency, digits, amount):
    _, request = order(cent_amount=cents, currency=currency, fraction_digits=digits)
    assert request["amount"] == amount
    assert request["currency"] == currency


def test_session_request_fields_pass_into_the_order():
    _, request = order(
        session_request={
            "userTokenId": "shopper-7",
            "transactionType": "Sale",
            "billingAddress": {"country": "DE", "email": "shopper@example.test", "city": "Berlin"},
            "urlDetails": {"successUrl": "https://shop.example.test/ok"},
            "deviceDetails": {"ipAddress": "192.0.2.1"},  # not checked, passed through
        }
    )
    assert request["userTokenId"] == "shopper-7"
    assert request["transactionType"] == "Sale"
    assert request["billingAddress"]["city"] == "Berlin"
    assert request["urlDetails"] == {"successUrl": "https://shop.example.test/ok", "notificationUrl": NOTIFY}
    assert request["deviceDetails"] == {"ipAddress": "192.0.2.1"}


def fields_of(error: InvalidInput) -> set[str]:
    return {e.field for e in error.errors}


def test_every_invalid_field_is_named_at_once():
    with pytest.raises(InvalidInput) as raised:
        order(
            session_request={
                "transactionType": "Refund",
                "billingAddress": {"country": "Germany", "email": "not-an-email"},
                "urlDetails": {"successUrl": "javascript:alert(1)"},
            }
        )
    assert fields_of(raised.value) == {
        "sessionRequest.transactionType",
        "sessionRequest.billingAddress.country",
        "sessionRequest.billingAddress.email",
        "sessionRequest.urlDetails.successUrl",
    }


def test_owned_fields_cannot_be_overridden():
    with pytest.raises(InvalidInput) as raised:
        order(session_request={"amount": "1.00", "urlDetails": {"notificationUrl": "https://attacker.example"}})
    assert fields_of(raised.value) == {"sessionRequest.amount", "sessionRequest.urlDetails.notificationUrl"}


def test_authentication_fields_are_refused():
    with pytest.raises(InvalidInput) as raised:
        order(session_request={"merchantId": "someone-else", "checksum": "x"})
    assert fields_of(raised.value) == {"sessionRequest.merchantId", "sessionRequest.checksum"}


def test_a_zero_amount_is_refused_before_calling_nuvei():
    with pytest.raises(InvalidInput) as raised:
        order(cent_amount=0)
    assert fields_of(raised.value) == {"amountPlanned.centAmount"}


def test_session_from_the_answer_masks_the_checksum():
    answer = {"status": "SUCCESS", "sessionToken": "tok", "orderId": 4100, "errCode": 0}
    session = mapping.session({"checksum": "secret-hash", "amount": "1.00"}, answer)
    assert (session.session_token, session.interface_id, session.status_code) == ("tok", "4100", "SUCCESS")
    assert session.interactions[0].request == {"checksum": "***", "amount": "1.00"}


def dmn(**overrides):
    fields = {
        "clientUniqueId": "payment-1",
        "TransactionID": "711",
        "transactionType": "Auth",
        "Status": "APPROVED",
        "totalAmount": "19.99",
        "currency": "EUR",
        "ppp_status": "OK",
        "Reason": "",
        **overrides,
    }
    return mapping.read_dmn(fields)


def nuvei_says(**overrides) -> mapping.TransactionDetails:
    """Nuvei's read-back of the DMN's transaction, agreeing with `dmn()` unless told otherwise."""
    said = {"transaction_id": "711", "type": "Auth", "status": "APPROVED", "client_unique_id": "payment-1"}
    return mapping.TransactionDetails(**{**said, **overrides})


# One row per case of Nuvei's statuses: the rows are alike in shape on purpose.
@pytest.mark.parametrize(
    ("transaction_type", "status", "expected"),
    [
        ("Auth", "APPROVED", ("Authorization", "Success")),
        ("Auth", "DECLINED", ("Authorization", "Failure")),
        ("Auth", "ERROR", ("Authorization", "Failure")),
        ("Auth", "PENDING", ("Authorization", "Pending")),
        ("Sale", "APPROVED", ("Charge", "Success")),
        ("Settle", "APPROVED", ("Charge", "Success")),
        ("Credit", "APPROVED", ("Refund", "Success")),
        ("Void", "APPROVED", ("CancelAuthorization", "Success")),
        ("Sale", "SUCCESS", ("Charge", "Success")),
        ("Auth", "approved", ("Authorization", "Success")),
        ("auth", "Approved", ("Authorization", "Success")),
        ("SALE", "declined", ("Charge", "Failure")),
        ("settle", "Pending", ("Charge", "Pending")),
    ],
)
def test_status_mapping(transaction_type, status, expected):
    event = mapping.verified_event(
        dmn(transactionType=transaction_type, Status=status),
        {},
        nuvei_says(type=transaction_type, status=status, client_unique_id="payment-1"),
    )
    [change] = event.transactions
    assert (change.type, change.state) == expected
    assert change.interaction_id == "711"
    assert change.amount == Money(1999, "EUR", 2)


def test_the_status_is_written_as_nuvei_spelled_it():
    event = mapping.verified_event(
        dmn(Status="approved", Reason="Approved by issuer"), {}, nuvei_says(status="approved")
    )
    assert (event.status_code, event.status_text) == ("approved", "Approved by issuer")


def test_a_status_the_connector_does_not_know_is_pending():
    event = mapping.verified_event(
        dmn(Status="UNDER_REVIEW", ppp_status="PENDING"), {"Status": "UNDER_REVIEW"}, nuvei_says(status="UNDER_REVIEW")
    )
    [change] = event.transactions
    assert (change.type, change.state, change.interaction_id) == ("Authorization", "Pending", "711")
    assert event.status_code == "UNDER_REVIEW" and "UNDER_REVIEW" in event.status_text
    assert event.interaction.request == {"Status": "UNDER_REVIEW"}


def test_the_state_is_nuveis_now_not_the_dmns():
    """A PENDING DMN delivered after Nuvei approved the transaction records what Nuvei
    holds: its checksum covers the Status it was sent with, not what happened since."""
    event = mapping.verified_event(dmn(Status="PENDING"), {}, nuvei_says(status="APPROVED"))
    assert [change.state for change in event.transactions] == ["Success"]
    assert event.status_code == "APPROVED"


@pytest.mark.parametrize(
    ("dmn_fields", "said", "named"),
    [
        ({"clientUniqueId": "payment-2"}, {}, "clientUniqueId 'payment-2' (Nuvei: 'payment-1')"),
        ({"transactionType": "Sale"}, {}, "transactionType 'Sale' (Nuvei: 'Auth')"),
        ({"transactionType": "Settle", "relatedTransactionId": "9"}, {"type": "Settle", "related_transaction_id": "8"},
         "relatedTransactionId '9' (Nuvei: '8')"),
        ({"AuthCode": "111111"}, {"auth_code": "222222"}, "AuthCode '111111' (Nuvei: '222222')"),
        ({}, {"client_unique_id": None}, "clientUniqueId 'payment-1' (Nuvei: None)"),
    ],
)  # fmt: skip
def test_a_dmn_nuvei_disagrees_with_is_refused(dmn_fields, said, named):
    with pytest.raises(InvalidNotification, match=r"disagrees with getTransactionDetails\.do") as raised:
        mapping.verified_event(dmn(**dmn_fields), {}, nuvei_says(**said))
    assert named in str(raised.value)


def test_a_dmn_for_a_transaction_nuvei_does_not_hold_is_refused():
    with pytest.raises(InvalidNotification, match="Nuvei holds no transaction 711"):
        mapping.verified_event(dmn(), {}, None)


def test_what_only_nuvei_names_is_taken_from_nuvei():
    """A DMN without relatedTransactionId or AuthCode agrees; Nuvei's values are recorded."""
    said = nuvei_says(type="Settle", related_transaction_id="700", auth_code="123456", client_unique_id=None)
    event = mapping.verified_event(dmn(transactionType="Settle"), {}, said)
    assert event.interaction.response == {"transactions": [said.logged()]}
    assert event.facts == mapping.NuveiFacts((said,))


def test_a_follow_up_in_any_spelling_must_name_a_transaction_of_the_payment():
    fields = {"transactionType": "SETTLE", "relatedTransactionId": "999"}
    event = mapping.verified_event(dmn(**fields), fields, nuvei_says(type="Settle", related_transaction_id="999"))
    with pytest.raises(InvalidNotification, match="relatedTransactionId"):
        mapping.check_against(event, Payment.from_json(payment_json(transactions=[transaction_json()])))
    known = Payment.from_json(payment_json(transactions=[transaction_json(interaction_id="999")]))
    mapping.check_against(event, known)


def test_the_check_reads_what_nuvei_said_not_the_log():
    fields = {"transactionType": "Settle", "relatedTransactionId": "999"}
    event = mapping.verified_event(dmn(**fields), fields, nuvei_says(type="Settle", related_transaction_id="999"))
    unlogged = replace(event, interaction=replace(event.interaction, response={"transactions": []}))
    with pytest.raises(InvalidNotification, match="relatedTransactionId"):
        mapping.check_against(unlogged, Payment.from_json(payment_json(transactions=[transaction_json()])))


def test_the_first_transaction_must_be_for_the_planned_amount():
    event = mapping.verified_event(dmn(totalAmount="1.00"), {}, nuvei_says())
    with pytest.raises(InvalidNotification, match=r"totalAmount 1\.00 is not the payment.s 19\.99"):
        mapping.check_against(event, Payment.from_json(payment_json()))


def test_untracked_transaction_types_change_nothing():
    fields = dmn(transactionType="Auth3D")
    assert not mapping.changes_money(fields)
    event = mapping.event(fields, {})
    assert event.transactions == () and event.status_code is None


def test_the_event_logs_only_the_fields_the_connector_uses():
    fields = {
        "cardNumber": "4****1111",
        "nameOnCard": "A Shopper",
        "email": "a@example.test",
        "Status": "APPROVED",
        "AuthCode": "123456",
    }
    event = mapping.verified_event(dmn(Reason="Approved by issuer"), fields, nuvei_says())
    assert (event.payment_id, event.status_code, event.status_text) == ("payment-1", "APPROVED", "Approved by issuer")
    assert event.interaction.request == {"Status": "APPROVED", "AuthCode": "123456"}


@pytest.mark.parametrize("missing", ["clientUniqueId", "TransactionID", "Status", "totalAmount", "currency"])
def test_a_dmn_without_a_required_field_is_invalid(missing):
    fields = {
        "clientUniqueId": "p",
        "TransactionID": "1",
        "transactionType": "Auth",
        "Status": "APPROVED",
        "totalAmount": "1.00",
        "currency": "EUR",
    }
    del fields[missing]
    with pytest.raises(InvalidNotification, match=missing):
        mapping.read_dmn(fields)


def test_an_amount_the_currency_cannot_hold_is_invalid():
    with pytest.raises(InvalidNotification, match="totalAmount"):
        mapping.verified_event(dmn(totalAmount="19.999"), {}, nuvei_says())
