import pytest

from connector.errors import ProviderRefused, ProviderUnavailable
from connector.http import Deadline
from connector.providers.kustom.client import KustomClient, KustomConfig, OrderChange, OrderChanged
from sandboxes.stack import free_port

from .factories import decline, managed_order, order_answer

TOKEN = "0b1d9815-165e-42e2-8867-35bc03789e00"
CHARGE_URL = f"/customer-token/v1/tokens/{TOKEN}/order"
ORDER_URL = "/ordermanagement/v1/orders/ord-1"
ORDER = {"order_amount": 1999, "purchase_currency": "EUR", "order_lines": []}


@pytest.fixture
def kustom(provider_api):
    return provider_api


@pytest.fixture
def client(kustom):
    return KustomClient(KustomConfig("kco_test_api_unit-key", kustom.url))


def charge(client, token: str = TOKEN):
    return client.create_order(token, dict(ORDER), "idem-1", Deadline(5))


def test_a_charge_sends_the_api_key_and_the_idempotency_key(kustom, client):
    kustom.post(CHARGE_URL, json=order_answer())
    result = charge(client)
    [call] = kustom.calls
    assert call.headers["Authorization"] == "Basic kco_test_api_unit-key"
    assert call.headers["Klarna-Idempotency-Key"] == "idem-1"
    assert call.json() == ORDER
    assert (result.declined, result.answer["order_id"]) == (False, "ord-1")


def test_the_customer_token_cannot_leave_its_path_segment(kustom, client):
    kustom.post("/customer-token/v1/tokens/a/../b/order", json=order_answer())
    assert charge(client, "a/../b").answer["order_id"] == "ord-1"
    assert kustom.calls[0].raw_path == "/customer-token/v1/tokens/a%2F..%2Fb/order"


@pytest.mark.parametrize("code", ["PAYMENT_METHOD_FAILED", "TOKEN_SUSPENDED", "TOKEN_CANCELLED", "TOKEN_FORBIDDEN"])
def test_declines_are_an_answer_not_an_error(kustom, client, code):
    kustom.post(CHARGE_URL, status=403, json={**decline(code), "debug": "dropped"})
    result = charge(client)
    assert result.declined
    assert result.answer == {**decline(code)}


@pytest.mark.parametrize(
    ("status", "body", "code", "message"),
    [
        (
            400,
            {
                "error_code": "BAD_REQUEST",
                "error_messages": ["Bad value: order_lines[0].total_tax_amount"],
                "correlation_id": "c1",
            },
            "BAD_REQUEST",
            "Bad value: order_lines[0].total_tax_amount",
        ),
        (
            404,
            {"error_code": "TOKEN_NOT_FOUND", "error_messages": ["Token not found"], "correlation_id": "c2"},
            "TOKEN_NOT_FOUND",
            "Token not found",
        ),
        (409, {"error_code": "CONFLICT", "error_messages": [], "correlation_id": "c3"}, "CONFLICT", "CONFLICT"),
        (403, {"error_code": "NOT_ALLOWED"}, "NOT_ALLOWED", "NOT_ALLOWED"),
        (401, None, "HTTP 401", "HTTP 401"),
    ],
)
def test_other_client_errors_are_refusals(kustom, client, status, body, code, message):
    kustom.post(CHARGE_URL, status=status, **({"json": body} if body else {"body": ""}))
    with pytest.raises(ProviderRefused) as raised:
        charge(client)
    assert (raised.value.code, raised.value.message) == (code, message)
    assert raised.value.details["httpStatus"] == status


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "json": {"error_code": "INTERNAL_SERVER_ERROR"}},
        {"status": 503, "json": {"error_code": "SERVICE_UNAVAILABLE"}},
        {"status": 200, "body": "<html>maintenance</html>"},
        {"status": 200, "json": {"fraud_status": "ACCEPTED"}},
    ],
)
def test_failures_are_unavailability(kustom, client, answer):
    kustom.post(CHARGE_URL, **answer)
    with pytest.raises(ProviderUnavailable):
        charge(client)


def test_an_order_without_a_fraud_status_is_taken(kustom, client):
    """HTTP 200 says Kustom created the order: refusing it for a missing word would
    leave an order at Kustom with no payment."""
    kustom.post(CHARGE_URL, json={"order_id": "ord-1", "redirect_url": "https://kustom.example.test/r"})
    assert charge(client).answer["order_id"] == "ord-1"


def test_no_call_once_the_deadline_passed(kustom, client):
    with pytest.raises(ProviderUnavailable, match="deadline"):
        client.create_order(TOKEN, dict(ORDER), "idem-1", Deadline(0))


def test_reading_an_order(kustom, client):
    kustom.get(ORDER_URL, json=managed_order("p1"))
    assert client.read_order("ord-1", Deadline(5))["merchant_reference1"] == "p1"
    assert kustom.calls[0].headers["Authorization"] == "Basic kco_test_api_unit-key"


def test_an_unknown_order_reads_as_none_and_failures_as_unavailability(kustom, client):
    kustom.get(ORDER_URL, status=404, json={"error_code": "NO_SUCH_ORDER"})
    kustom.get("/ordermanagement/v1/orders/ord-2", status=503, body="")
    assert client.read_order("ord-1", Deadline(5)) is None
    with pytest.raises(ProviderUnavailable):
        client.read_order("ord-2", Deadline(5))


def test_acknowledging_an_order(kustom, client):
    kustom.post(f"{ORDER_URL}/acknowledge", status=204)
    client.acknowledge("ord-1", Deadline(5))
    assert kustom.calls[0].headers["Authorization"] == "Basic kco_test_api_unit-key"
    kustom.post(f"{ORDER_URL}/acknowledge", status=500)
    with pytest.raises(ProviderUnavailable):
        client.acknowledge("ord-1", Deadline(5))


def test_an_unreachable_kustom_is_unavailability():
    client = KustomClient(KustomConfig("kco_test_api_unit-key", f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(ProviderUnavailable, match="request failed"):
        charge(client)


def change(action: str = "captures", body: dict | None = None, order_id: str = "ord-1") -> OrderChange:
    default = {"captured_amount": 1000, "reference": "tx-1"} if action == "captures" else None
    return OrderChange(order_id, action, body or default, "tx-1")


def test_a_capture_sends_its_key_and_amount_and_reads_the_new_id_from_capture_id(kustom, client):
    kustom.post(
        f"{ORDER_URL}/captures", status=201, headers={"Capture-Id": "cap-1", "Location": f"{ORDER_URL}/captures/cap-1"}
    )
    changed = client.change_order(change(), Deadline(5))
    [call] = kustom.calls
    assert call.headers["Klarna-Idempotency-Key"] == "tx-1"
    assert call.headers["Authorization"] == "Basic kco_test_api_unit-key"
    assert call.json() == {"captured_amount": 1000, "reference": "tx-1"}
    assert changed == OrderChanged(
        "cap-1", {"httpStatus": 201, "Capture-Id": "cap-1", "Location": f"{ORDER_URL}/captures/cap-1"}
    )


def test_a_refund_without_refund_id_is_named_by_its_location(kustom, client):
    location = f"https://api.kustom.co{ORDER_URL}/refunds/ref-7"
    kustom.post(f"{ORDER_URL}/refunds", status=201, headers={"Location": location})
    changed = client.change_order(change("refunds", {"refunded_amount": 500, "reference": "tx-1"}), Deadline(5))
    assert changed.created_id == "ref-7"


@pytest.mark.parametrize("action", ["cancel", "release-remaining-authorization"])
def test_a_cancellation_posts_no_body_and_creates_nothing(kustom, client, action):
    kustom.post(f"{ORDER_URL}/{action}", status=204)
    assert client.change_order(change(action), Deadline(5)) == OrderChanged(None, {"httpStatus": 204})
    [call] = kustom.calls
    assert (call.body, call.headers["Klarna-Idempotency-Key"]) == (b"", "tx-1")


def test_the_order_id_cannot_leave_its_path_segment(kustom, client):
    kustom.post("/ordermanagement/v1/orders/a/../b/cancel", status=204)
    client.change_order(change("cancel", order_id="a/../b"), Deadline(5))
    assert kustom.calls[0].raw_path == "/ordermanagement/v1/orders/a%2F..%2Fb/cancel"


@pytest.mark.parametrize(
    ("status", "code"),
    [(403, "CAPTURE_NOT_ALLOWED"), (404, "NO_SUCH_ORDER"), (400, "BAD_REQUEST"), (401, "UNAUTHORIZED")],
)
def test_kustoms_refusals_are_refusals_with_its_error(kustom, client, status, code):
    body = {
        "error_code": code,
        "error_messages": ["Captured amount is higher than the remaining authorized amount."],
        "correlation_id": "c-9",
    }
    kustom.post(f"{ORDER_URL}/captures", status=status, json=body)
    with pytest.raises(ProviderRefused) as refused:
        client.change_order(change(), Deadline(5))
    assert (refused.value.code, refused.value.message) == (code, body["error_messages"][0])
    assert refused.value.details == {"httpStatus": status, **body}


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "json": {"error_code": "INTERNAL_SERVER_ERROR"}},
        {"status": 503, "body": ""},
        {"status": 409, "json": {"error_code": "CONFLICT"}},  # the same key still in progress
        {"status": 201, "body": ""},  # done, but Kustom does not say what it created
    ],
)
def test_answers_after_which_the_money_may_have_moved_are_unavailability(kustom, client, answer):
    kustom.post(f"{ORDER_URL}/captures", **answer)
    with pytest.raises(ProviderUnavailable):
        client.change_order(change(), Deadline(5))
