"""One local stack per test session: the commercetools emulator with its extension
shim, the provider sandboxes, and both services under gunicorn, all over real HTTP."""

from __future__ import annotations

import pytest
import requests

from connector.providers.nuvei.sandbox import app as nuvei_sandbox
from sandboxes.common import answer_late
from sandboxes.emulator import EmulatorClient
from sandboxes.stack import CLIENT_ID, LOCAL_TENANTS, PROJECT_KEY, Ports, Shop, Stack

# Each provider's sandbox fixtures, for every end-to-end module.
from .kustom_sandbox import kustom  # noqa: F401
from .nexway_support import nexway  # noqa: F401
from .optty_flow import optty, optty_sandbox  # noqa: F401
from .paynova_support import _undo_paynova_faults, paynova  # noqa: F401

# Short, so that the provider-timeout test does not take the default 5 s.
PROVIDER_TIMEOUT_MS = 1000


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


def pytest_collection_finish(session):
    """Tests marked runs_last go after all others. Here rather than in
    pytest_collection_modifyitems, where plugins (--failed-first) may reorder after us."""
    session.items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)  # stable


def deployed(stack: Stack):
    """The stack started, the connector registered in its projects; stopped after."""
    stack.start()
    try:
        registered = stack.deploy("setup")
        assert registered.returncode == 0, registered.stdout + registered.stderr
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    overrides = {"PROVIDER_TIMEOUT_MS": str(PROVIDER_TIMEOUT_MS)}
    yield from deployed(Stack(Ports.free(), tmp_path_factory.mktemp("stack-logs"), overrides=overrides))


@pytest.fixture(scope="session")
def tenant_stack(tmp_path_factory):
    """A second stack, for the tests of tenants: the two tenants of the local tenants
    document, each service run as two gunicorn masters behind a round-robin balancer, as
    two pods behind a load balancer would be."""
    overrides = {"PROVIDER_TIMEOUT_MS": str(PROVIDER_TIMEOUT_MS), "WEB_CONCURRENCY": "1"}
    logs = tmp_path_factory.mktemp("tenant-stack-logs")
    yield from deployed(Stack(Ports.free(), logs, overrides=overrides, document=LOCAL_TENANTS, replicas=2))


@pytest.fixture(scope="session")
def shops(tenant_stack) -> dict[str, Shop]:
    """The tenant stack's tenants by name: shop-de and shop-fr."""
    return {shop.name: shop for shop in tenant_stack.shops()}


@pytest.fixture(scope="session")
def emulator(stack) -> EmulatorClient:
    return EmulatorClient(stack.emulator_url, PROJECT_KEY, CLIENT_ID, stack.client_secret)


class NuveiSandbox:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def dmn(self, session_token: str, **options) -> dict:
        answer = requests.post(f"{self.base_url}/_sandbox/sessions/{session_token}/dmn", json=options, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def orders(self, payment_id: str) -> list[dict]:
        return requests.get(
            f"{self.base_url}/_sandbox/orders", params={"clientUniqueId": payment_id}, timeout=5
        ).json()["orders"]

    def latency(self, ms: int) -> None:
        requests.post(f"{self.base_url}/_sandbox/latency", json={"ms": ms}, timeout=5).raise_for_status()

    def late_answers(self, ms: int, count: int = 1, operation: str | None = None) -> None:
        answer_late(self.base_url, ms, count, operation)

    def control(self, path: str, **options) -> dict:
        answer = requests.post(f"{self.base_url}/_sandbox/{path}", json=options, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def outage(self, status: int | None) -> None:
        """Every Nuvei API call answers `status` (None: Nuvei is back)."""
        self.control("outage", status=status)

    def holds(self, transaction: dict) -> dict:
        """Nuvei holds a transaction made elsewhere (an approved Auth of 19.99 EUR unless
        told otherwise); its signed DMN, not sent."""
        held = {
            "transactionType": "Auth",
            "transactionStatus": "APPROVED",
            "amount": "19.99",
            "currency": "EUR",
            **transaction,
        }
        self.control("transactions", transactions=[held])
        return nuvei_sandbox.dmn_fields(
            held,
            nuvei_sandbox.CREDENTIALS["NUVEI_MERCHANT_ID"],
            nuvei_sandbox.CREDENTIALS["NUVEI_MERCHANT_SITE_ID"],
            nuvei_sandbox.CREDENTIALS["NUVEI_SECRET_KEY"],
        )

    def transactions(self, payment_id: str, **criteria) -> list[dict]:
        """What Nuvei holds for the payment, oldest first."""
        query = {"clientUniqueId": payment_id, **criteria}
        return requests.get(f"{self.base_url}/_sandbox/transactions", params=query, timeout=5).json()["transactions"]

    def notifications(self, payment_id: str) -> list[dict]:
        """The modification DMNs sent (with their deliveries) or lost, for the payment."""
        query = {"clientUniqueId": payment_id}
        return requests.get(f"{self.base_url}/_sandbox/notifications", params=query, timeout=5).json()["notifications"]


def post_dmn(stack, fields: dict) -> requests.Response:
    """Posts a DMN to the notification service as Nuvei would."""
    return requests.post(f"{stack.notification_url}/notifications/nuvei", data=fields, timeout=30)


@pytest.fixture(scope="session")
def nuvei(stack) -> NuveiSandbox:
    return NuveiSandbox(f"{stack.sandboxes_url}/nuvei")


@pytest.fixture(autouse=True)
def _undo_injected_faults(stack, emulator, nuvei):
    yield
    if stack.running:  # the log scan stops it at the end
        nuvei.latency(0)
        nuvei.late_answers(0, 0)
        nuvei.outage(None)
        nuvei.control("declines", count=0)
        nuvei.control("lose-notifications", count=0)
        emulator.fault("none")
