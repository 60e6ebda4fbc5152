"""The commercetools client's failure handling, with commercetools' HTTP stubbed."""

import json

import pytest
import requests
import responses

from connector import ctp
from connector.ctp import Commercetools, CommercetoolsAuthError
from connector.errors import CommercetoolsUnavailable, PaymentNotFound
from connector.http import Deadline
from connector.payment import Payment
from tests.factories import PAYMENT_ID, payment_json

TOKEN_URL = "https://auth.example.test/oauth/token"
API = "https://api.example.test/shop"


@pytest.fixture
def commercetools(settings, monkeypatch):
    monkeypatch.setattr(ctp.time, "sleep", lambda _seconds: None)
    return Commercetools(settings.commercetools)


@pytest.fixture
def token():
    responses.post(
        TOKEN_URL,
        json={"access_token": "t1", "token_type": "Bearer", "expires_in": 3600, "scope": "manage_project:shop"},
    )


def conflict(version):
    return {
        "statusCode": 409,
        "message": "Version mismatch.",
        "errors": [{"code": "ConcurrentModification", "message": "Version mismatch.", "currentVersion": version}],
    }


def a_payment_that_keeps_changing() -> str:
    """A payment whose every update commercetools refuses as a conflict; its id."""
    data = payment_json()
    url = f"{API}/payments/{data['id']}"
    responses.get(url, json=data)
    responses.post(url, status=409, json=conflict(9))
    return data["id"]


@responses.activate
def test_reads_a_payment(commercetools, token):
    data = payment_json(version=3)
    responses.get(f"{API}/payments/{data['id']}", json=data)
    payment = commercetools.get_payment(data["id"])
    assert (payment.id, payment.version) == (data["id"], 3)
    assert responses.calls[1].request.headers["Authorization"] == "Bearer t1"


@responses.activate
def test_a_missing_payment_is_not_found(commercetools, token):
    responses.get(
        f"{API}/payments/{PAYMENT_ID}", status=404, json={"statusCode": 404, "message": "not found", "errors": []}
    )
    with pytest.raises(PaymentNotFound):
        commercetools.get_payment(PAYMENT_ID)


@responses.activate
def test_an_id_that_is_no_uuid_is_not_even_asked_for(commercetools):
    with pytest.raises(PaymentNotFound):
        commercetools.get_payment("0" * 255)
    assert len(responses.calls) == 0


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
@responses.activate
def test_server_failures_are_unavailability_never_not_found(commercetools, token, status):
    responses.get(f"{API}/payments/{PAYMENT_ID}", status=status, body="upstream trouble")
    with pytest.raises(CommercetoolsUnavailable):
        commercetools.get_payment(PAYMENT_ID)


@responses.activate
def test_unreachable_is_unavailability(commercetools, token):
    responses.get(f"{API}/payments/{PAYMENT_ID}", body=requests.ConnectionError("refused"))
    with pytest.raises(CommercetoolsUnavailable, match="unreachable"):
        commercetools.get_payment(PAYMENT_ID)


@responses.activate
def test_rejected_client_credentials_say_so(commercetools):
    responses.post(TOKEN_URL, status=401, json={"error": "invalid_client", "error_description": "bad credentials"})
    with pytest.raises(CommercetoolsAuthError, match="CTP_CLIENT_ID/CTP_CLIENT_SECRET"):
        commercetools.get_payment(PAYMENT_ID)


@responses.activate
def test_a_revoked_token_is_replaced_once(commercetools):
    responses.post(TOKEN_URL, json={"access_token": "t1", "token_type": "Bearer", "expires_in": 3600})
    responses.post(TOKEN_URL, json={"access_token": "t2", "token_type": "Bearer", "expires_in": 3600})
    data = payment_json()
    responses.get(
        f"{API}/payments/{data['id']}",
        status=401,
        json={
            "statusCode": 401,
            "message": "invalid_token",
            "errors": [{"code": "invalid_token", "message": "invalid_token"}],
        },
    )
    responses.get(f"{API}/payments/{data['id']}", json=data)
    assert commercetools.get_payment(data["id"]).id == data["id"]
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer t2"


@pytest.mark.parametrize(
    ("just_read", "payment_calls"),
    [
        (False, ["GET", "POST", "GET", "POST"]),
        # A payment the caller has just read is planned on without reading it again.
        (True, ["POST", "GET", "POST"]),
    ],
)
@responses.activate
def test_modify_retries_a_conflict_on_the_fresh_version(commercetools, token, just_read, payment_calls):
    stale = payment_json(version=1)
    fresh = {**stale, "version": 2}
    url = f"{API}/payments/{stale['id']}"
    if not just_read:
        responses.get(url, json=stale)
    responses.post(url, status=409, json=conflict(2))
    responses.get(url, json=fresh)
    responses.post(url, json={**fresh, "version": 3})
    seen_versions = []

    def plan(payment):
        seen_versions.append(payment.version)
        return [{"action": "setStatusInterfaceCode", "interfaceCode": "APPROVED"}]

    known = Payment.from_json(stale) if just_read else None
    payment, changed = commercetools.modify_payment(stale["id"], plan, "corr-1", just_read=known)
    assert changed and payment.version == 3
    assert seen_versions == [1, 2]
    assert [c.request.method for c in responses.calls if "/payments/" in c.request.url] == payment_calls
    update = responses.calls[-1].request
    assert json.loads(update.body)["version"] == 2
    assert update.headers["X-Correlation-ID"] == "corr-1"


@responses.activate
def test_modify_sends_nothing_when_there_is_nothing_to_do(commercetools, token):
    data = payment_json()
    responses.get(f"{API}/payments/{data['id']}", json=data)
    _, changed = commercetools.modify_payment(data["id"], lambda payment: [])
    assert not changed
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]  # token, read


@responses.activate
def test_modify_gives_up_on_endless_conflicts(commercetools, token):
    payment_id = a_payment_that_keeps_changing()
    with pytest.raises(CommercetoolsUnavailable, match="kept changing"):
        commercetools.modify_payment(payment_id, lambda p: [{"action": "setStatusInterfaceCode", "interfaceCode": "X"}])
    assert (
        sum(call.request.method == "POST" and "/payments/" in call.request.url for call in responses.calls)
        == ctp.MODIFY_ATTEMPTS
    )


@responses.activate
def test_modify_stops_retrying_at_the_deadline(commercetools, token):
    payment_id = a_payment_that_keeps_changing()
    now = [0.0]
    deadline = Deadline(1.0, clock=lambda: now[0])

    def slow_plan(payment):
        now[0] += 0.6  # each attempt takes 0.6 s of the 1 s budget
        return [{"action": "setStatusInterfaceCode", "interfaceCode": "X"}]

    with pytest.raises(CommercetoolsUnavailable, match="deadline"):
        commercetools.modify_payment(payment_id, slow_plan, deadline=deadline)
    updates = [call for call in responses.calls if call.request.method == "POST" and "/payments/" in call.request.url]
    assert len(updates) == 1  # the second attempt's update would have started past the deadline
