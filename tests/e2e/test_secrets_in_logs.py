"""No secret, token or card number in any log line the services write."""
import json

import requests

from sandboxes.emulator import nuvei_payment
from sandboxes.nuvei import CREDENTIALS


def test_logs_are_json_lines_without_secrets(stack, emulator, nuvei):
    # A whole flow first, so that the logs hold every kind of line.
    payment = emulator.create_payment(nuvei_payment()).json()
    session_token = payment["custom"]["fields"]["sessionToken"]
    nuvei.dmn(session_token, status="APPROVED")
    requests.post(
        f"{stack.extension_url}/openOrder",
        json={"clientUniqueId": payment["id"], "currency": "EUR", "amount": "19.99"},
        auth=("commercetools", stack.extension_password),
        timeout=10,
    )
    secrets = [CREDENTIALS["NUVEI_SECRET_KEY"], stack.client_secret, stack.extension_password, "4****1111", "Test Shopper"]
    for service in ("extension", "notification"):
        lines = [line for line in stack.log(service).splitlines() if line.startswith("{")]
        assert any(payment["id"] in line for line in lines)
        for line in lines:
            json.loads(line)
            for secret in secrets:
                assert secret not in line, f"{service} logged a secret: {line}"
