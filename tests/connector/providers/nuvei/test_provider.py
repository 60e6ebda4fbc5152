import pytest

from connector.ctp import Commercetools
from connector.errors import InvalidNotification, NotAuthentic, ProviderDisabled, ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.modifications import Balance, Modification
from connector.payment import Payment
from connector.providers import Providers, read_settings
from connector.providers.base import Call, Notification
from connector.providers.nuvei.signature import MODIFICATION_FIELDS, TRANSACTION_DETAILS_FIELDS, checksum
from tests.factories import payment_json, signed_dmn

DETAILS = "/ppp/api/v1/getTransactionDetails.do"
SETTLE = "/ppp/api/v1/settleTransaction.do"
SECRET = "nuvei-secret-value"


def call() -> Call:
    """A fresh request context: its deadline starts now, not at import."""
    return Call(Deadline(5), "corr")


@pytest.fixture
def nuvei(env, provider_api):
    settings = read_settings({**env, "NUVEI_API_URL": f"{provider_api.url}/ppp/api/v1"})
    return Providers.from_settings(settings, Commercetools(settings.commercetools)).get("nuvei")


def details(**overrides) -> dict:
    """getTransactionDetails.do's answer for the approved Auth 711 of payment-1."""
    said = {
        "transactionId": "711",
        "transactionType": "Auth",
        "transactionStatus": "APPROVED",
        "clientUniqueId": "payment-1",
        "authCode": "111361",
        **overrides,
    }
    return {"status": "SUCCESS", "errCode": 0, "reason": "", "transactionDetails": said}


NOT_FOUND = {"status": "ERROR", "errCode": 1140, "reason": "Transaction not found"}


def test_knows_where_nuvei_calls_back(nuvei):
    assert nuvei.context.notification_url == "https://notifications.example.test/notifications/nuvei"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_signed_dmn_read_back_from_nuvei_becomes_an_event(nuvei, provider_api, method):
    provider_api.post(DETAILS, json=details())
    fields = signed_dmn(AuthCode="111361")
    notification = Notification(method, form=fields) if method == "POST" else Notification(method, query=fields)
    event = nuvei.read_notification(notification, call())
    assert event.payment_id == "payment-1"
    [change] = event.transactions
    assert (change.type, change.state, change.interaction_id) == ("Authorization", "Success", "711")
    assert "advanceResponseChecksum" not in event.interaction.request
    assert event.interaction.response == {
        "transactions": [details()["transactionDetails"] | {"relatedTransactionId": None}]
    }
    [asked] = provider_api.calls_to(DETAILS)
    sent = asked.json()
    assert sent["transactionId"] == "711" and "clientUniqueId" not in sent
    assert sent["checksum"] == checksum(sent, TRANSACTION_DETAILS_FIELDS, SECRET)


def test_a_dmn_replayed_onto_another_payment_is_refused(nuvei, provider_api):
    provider_api.post(DETAILS, json=details(clientUniqueId="payment-0"))
    with pytest.raises(InvalidNotification, match="clientUniqueId 'payment-1' \\(Nuvei: 'payment-0'\\)"):
        nuvei.read_notification(Notification("POST", form=signed_dmn()), call())


def test_a_dmn_for_a_transaction_nuvei_does_not_hold_is_refused(nuvei, provider_api):
    provider_api.post(DETAILS, json=NOT_FOUND)
    with pytest.raises(InvalidNotification, match="Nuvei holds no transaction 711"):
        nuvei.read_notification(Notification("POST", form=signed_dmn()), call())


@pytest.mark.parametrize("answer", [{"status": 503, "json": {}}, {"json": {"status": "SUCCESS"}}])
def test_a_dmn_that_cannot_be_read_back_is_for_later(nuvei, provider_api, answer):
    provider_api.post(DETAILS, **answer)
    with pytest.raises(ProviderUnavailable):
        nuvei.read_notification(Notification("POST", form=signed_dmn()), call())


def test_a_dmn_that_changes_no_money_is_not_read_back(nuvei, provider_api):
    event = nuvei.read_notification(Notification("POST", form=signed_dmn(transactionType="Auth3D")), call())
    assert event.transactions == ()
    assert provider_api.calls == []


def test_a_tampered_dmn_is_not_authentic_and_nuvei_is_not_asked(nuvei, provider_api):
    fields = {**signed_dmn(), "Status": "APPROVED", "totalAmount": "0.01"}
    with pytest.raises(NotAuthentic):
        nuvei.read_notification(Notification("POST", form=fields), call())
    assert provider_api.calls == []


def test_signature_is_checked_before_anything_else(nuvei):
    with pytest.raises(NotAuthentic):
        nuvei.read_notification(Notification("POST", form={"clientUniqueId": "p"}), call())


def test_a_dmn_for_another_merchant_site_is_refused(nuvei):
    with pytest.raises(InvalidNotification, match="merchant_site_id"):
        nuvei.read_notification(
            Notification("POST", form=signed_dmn(merchant_id="merchant-1", merchant_site_id="other")), call()
        )


def test_a_disabled_provider_is_named(env):
    for name in ("NUVEI_MERCHANT_ID", "NUVEI_MERCHANT_SITE_ID", "NUVEI_SECRET_KEY"):
        del env[name]
    settings = read_settings(env)
    with pytest.raises(ProviderDisabled) as raised:
        Providers.from_settings(settings, Commercetools(settings.commercetools)).get("nuvei")
    assert raised.value.errors[0].field == "paymentMethodInfo.paymentInterface"


# -- capture, refund, cancel


def money(cents: int) -> dict:
    return {"type": "centPrecision", "centAmount": cents, "currencyCode": "EUR", "fractionDigits": 2}


def authorized(*transactions: dict, auth_code: str | None = "111361") -> Payment:
    """A payment whose Auth 711 a verified DMN recorded (with Nuvei's authCode)."""
    data = payment_json(interface_id="order-1", custom_fields={"sessionToken": "tok"})
    data["transactions"] = [
        {"id": "auth", "type": "Authorization", "state": "Success", "interactionId": "711", "amount": money(1999)},
        *transactions,
    ]
    said = '{"transactions":[{"authCode":%s,"transactionId":"711","transactionType":"Auth"}]}' % (
        f'"{auth_code}"' if auth_code else "null"
    )
    data["interfaceInteractions"] = [{"fields": {"type": "nuvei.dmn", "request": "{}", "response": said}}]
    return Payment.from_json(data)


def initial(type_: str = "Charge", cents: int = 1000, transaction_id: str = "ct-capture-1") -> dict:
    return {"id": transaction_id, "type": type_, "state": "Initial", "amount": money(cents)}


def prepared_for(nuvei, payment: Payment):
    """The provider call for the payment's Initial transaction."""
    [index] = [n for n, t in enumerate(payment.transactions) if t.state == "Initial"]
    transaction = payment.transactions[index]
    modification = Modification(transaction.id, transaction.type, transaction.amount, index)
    return nuvei.prepare_modification(payment, modification, Balance.of(payment.transactions, "EUR"))


def test_a_capture_settles_the_auth_with_its_auth_code_and_the_transaction_id_as_client_request_id(nuvei, provider_api):
    payment = authorized(initial())
    prepared = prepared_for(nuvei, payment)
    assert prepared.operation == "nuvei.settle"
    provider_api.post(SETTLE, json={"status": "SUCCESS", "transactionStatus": "APPROVED", "transactionId": "801"})
    result = nuvei.send_modification(prepared, call())
    assert (result.state, result.interaction_id) == ("Success", "801")
    [sent] = provider_api.calls_to(SETTLE)
    request = sent.json()
    assert {key: request[key] for key in prepared.logged} == {
        "clientRequestId": "ct-capture-1",
        "clientUniqueId": payment.id,
        "amount": "10.00",
        "currency": "EUR",
        "relatedTransactionId": "711",
        "authCode": "111361",
    }
    assert "urlDetails" not in request
    assert request["checksum"] == checksum(request, MODIFICATION_FIELDS, SECRET)
    assert request["merchantId"] == "merchant-1" and request["merchantSiteId"] == "site-1"


def test_a_declined_settle_is_a_failure_with_nuvei_s_reason(nuvei, provider_api):
    payment = authorized(initial())
    prepared = prepared_for(nuvei, payment)
    answer = {
        "status": "SUCCESS",
        "transactionStatus": "DECLINED",
        "transactionId": "802",
        "gwErrorCode": -1,
        "gwErrorReason": "Decline",
    }
    provider_api.post(SETTLE, json=answer)
    result = nuvei.send_modification(prepared, call())
    assert (result.state, result.interaction_id, result.response["gwErrorReason"]) == ("Failure", "802", "Decline")


def test_a_refused_request_is_a_refusal_with_nuvei_s_code(nuvei, provider_api):
    payment = authorized(initial())
    prepared = prepared_for(nuvei, payment)
    provider_api.post(SETTLE, json={"status": "ERROR", "errCode": 1140, "reason": "Related transaction not found"})
    with pytest.raises(ProviderRefused) as raised:
        nuvei.send_modification(prepared, call())
    assert (raised.value.code, raised.value.message) == ("1140", "Related transaction not found")
    assert provider_api.calls_to(DETAILS) == []


def test_a_repeat_refused_by_nuvei_takes_the_first_outcome_from_the_read_back(nuvei, provider_api):
    payment = authorized(initial())
    prepared = prepared_for(nuvei, payment)
    provider_api.post(SETTLE, json={"status": "ERROR", "errCode": 1069, "reason": "Duplicate request"})
    provider_api.post(DETAILS, json=details(transactionId="801", transactionType="Settle", relatedTransactionId="711"))
    result = nuvei.send_modification(prepared, call())
    assert (result.state, result.interaction_id) == ("Success", "801")
    assert result.response["repeat"]["errCode"] == 1069
    [asked] = provider_api.calls_to(DETAILS)
    assert asked.json()["clientUniqueId"] == payment.id and "transactionId" not in asked.json()


@pytest.mark.parametrize(
    "latest",
    [
        details(),  # the Auth: Nuvei never made the settle it refused
        details(transactionId="711", transactionType="Settle", relatedTransactionId="711"),  # an id the payment has
        details(transactionId="801", transactionType="Settle", relatedTransactionId="700"),  # another auth's
    ],
)
def test_a_repeat_whose_first_call_cannot_be_told_is_pending_never_a_failure(nuvei, provider_api, latest):
    payment = authorized(initial())
    prepared = prepared_for(nuvei, payment)
    provider_api.post(SETTLE, json={"status": "ERROR", "errCode": 1069, "reason": "Duplicate request"})
    provider_api.post(DETAILS, json=latest)
    result = nuvei.send_modification(prepared, call())
    assert (result.state, result.interaction_id) == ("Pending", None)


def test_no_answer_is_unavailability(nuvei, provider_api):
    payment = authorized(initial())
    prepared = prepared_for(nuvei, payment)
    provider_api.post(SETTLE, status=502, body="bad gateway")
    with pytest.raises(ProviderUnavailable):
        nuvei.send_modification(prepared, call())


# -- reconciliation


def test_a_pending_transaction_is_read_back_by_its_id(nuvei, provider_api):
    data = payment_json(interface_id="order-1", custom_fields={"sessionToken": "tok"})
    data["transactions"] = [
        {"id": "auth", "type": "Authorization", "state": "Pending", "interactionId": "711", "amount": money(1999)}
    ]
    provider_api.post(DETAILS, json=details(clientUniqueId=data["id"]))
    event = nuvei.read_back(Payment.from_json(data), call())
    assert [(c.type, c.state, c.interaction_id) for c in event.transactions] == [("Authorization", "Success", "711")]
    assert event.interaction.type == "nuvei.getTransactionDetails"
    assert event.interaction.request == {"transactionIds": ["711"]}
    assert [call.json()["transactionId"] for call in provider_api.calls_to(DETAILS)] == ["711"]


def test_an_open_session_without_transactions_is_read_back_by_client_unique_id(nuvei, provider_api):
    payment = Payment.from_json(payment_json(interface_id="order-1", custom_fields={"sessionToken": "tok"}))
    provider_api.post(DETAILS, json=details(clientUniqueId=payment.id))
    event = nuvei.read_back(payment, call())
    [change] = event.transactions
    assert (change.type, change.state, change.interaction_id, change.amount) == (
        "Authorization",
        "Success",
        "711",
        None,
    )
    assert provider_api.calls_to(DETAILS)[0].json()["clientUniqueId"] == payment.id


def test_nothing_at_nuvei_is_nothing_to_change(nuvei, provider_api):
    payment = Payment.from_json(payment_json(interface_id="order-1", custom_fields={"sessionToken": "tok"}))
    provider_api.post(DETAILS, json=NOT_FOUND)
    assert nuvei.read_back(payment, call()) is None


def test_an_outage_during_the_read_back_is_unavailability(nuvei, provider_api):
    payment = Payment.from_json(payment_json(interface_id="order-1", custom_fields={"sessionToken": "tok"}))
    provider_api.post(DETAILS, status=503, body="down")
    with pytest.raises(ProviderUnavailable):
        nuvei.read_back(payment, call())
