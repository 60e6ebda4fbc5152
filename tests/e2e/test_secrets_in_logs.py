"""No secret, token, card or shopper data in any line the local stack logged during the
whole session, and nothing but JSON lines from the services. Runs after every other test
(tests/e2e/conftest.py), on all they had the stack log."""

import base64
import json
import math

import pytest
import requests

from connector.providers import REGISTRY, all_variables
from connector.providers.kustom.sandbox import app as kustom
from connector.providers.nexway.examples import session_request as nexway_request
from connector.providers.nuvei.sandbox.app import CARD
from connector.providers.optty.examples import session_request as optty_request
from connector.providers.paynova.examples import session_request as paynova_request
from connector.providers.paynova.sandbox import app as paynova
from sandboxes.emulator import nuvei_payment

# The connector's own services, which write JSON lines only.
SERVICES = ("extension", "notification")


@pytest.mark.runs_last
def test_no_log_line_of_the_session_holds_a_secret_token_or_shopper_data(request, stack, emulator, nuvei):
    assert request.session.items[-1] is request.node, "the scan must run after every other test"
    payment = nuvei_flow(stack, emulator, nuvei)  # lines of every kind, even when this test runs alone
    private = private_values(stack, emulator)
    assert {emulator.access_token, payment["custom"]["fields"]["sessionToken"]} <= private  # the listings work
    stack.stop()  # so that the services' last lines, written on shutdown, are read too
    logs = {path.stem: stack.log_lines(path.stem) for path in stack.log_dir.glob("*.log")}

    assert set(SERVICES) <= set(logs)
    assert any(payment["id"] in line for line in logs["notification"])
    not_json = [f"{name}: {line}" for name in SERVICES for line in logs[name] if not is_json_object(line)]
    assert not not_json, "\n".join(not_json[:20])
    leaks = [f"{name}: {line}" for name, lines in logs.items() for line in lines_holding(lines, private)]
    assert not leaks, "\n".join(leaks[:20])


def nuvei_flow(stack, emulator, nuvei) -> dict:
    """A payment through checkout, notification and the storefront's openOrder."""
    payment = emulator.create_payment(nuvei_payment()).json()
    nuvei.dmn(payment["custom"]["fields"]["sessionToken"], status="APPROVED")
    requests.post(
        f"{stack.extension_url}/openOrder",
        json={"clientUniqueId": payment["id"], "currency": "EUR", "amount": "19.99"},
        auth=("commercetools", stack.extension_password),
        timeout=10,
    ).raise_for_status()
    return payment


def private_values(stack, emulator) -> set[str]:
    """What no line may hold: the configured secrets, also base64-encoded, the tokens
    handed out, and the shoppers' card and contact data."""
    secrets = configured_secrets(stack.env)
    encoded = {form for secret in secrets for form in base64_forms(secret)}
    return secrets | encoded | issued_tokens(stack, emulator) | shopper_data()


def configured_secrets(env: dict[str, str]) -> set[str]:
    """The value of every variable the connector declares secret, each of them set."""
    names = [variable.name for variable in all_variables() if variable.secret]
    assert all(env.get(name) for name in names), "the stack leaves a secret unset, which the scan would miss"
    return {env[name] for name in names}


def base64_forms(secret: str) -> list[str]:
    """How the secret shows inside base64 (a Basic Authorization header): encoded at each
    of the three offsets a base64 group can start at, less the characters it shares with
    its neighbours."""
    forms = []
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + secret.encode()).decode()
        first, end = math.ceil(offset * 8 / 6), (offset + len(secret.encode())) * 8 // 6
        forms.append(encoded[first:end])
    return forms


def issued_tokens(stack, emulator) -> set[str]:
    """The commercetools tokens and every token and session id a sandbox handed out."""
    tokens = set(emulator.tokens())
    for name in REGISTRY:
        answer = requests.get(f"{stack.sandboxes_url}/{name}/_sandbox/issued", timeout=5)
        answer.raise_for_status()
        tokens.update(answer.json()["issued"])
    return tokens


def shopper_data() -> set[str]:
    """The card and the shoppers' contact data the tests and the sandboxes use."""
    optty_shopper = optty_request()["billingAddress"]
    return {
        *CARD.values(),
        kustom.SHOPPER["email"],
        nexway_request()["customer"]["email"],
        optty_shopper["email"],
        optty_shopper["streetAddress"],
        optty_shopper["phoneNumber"],
        paynova_request()["billTo"]["address"]["street1"],
        *paynova.CUSTOMER.values(),
    }


def lines_holding(lines: list[str], values: set[str]) -> list[str]:
    """The lines that hold any of the values (each looked for in the whole log first,
    which is fast, as hundreds of values meet thousands of lines)."""
    text = "\n".join(lines)
    found = [value for value in values if value in text]
    return [line for line in lines if any(value in line for value in found)]


def is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
