"""The run command: python -m sandboxes (via ./dev.sh run).

Starts the commercetools emulator, the provider sandboxes and both services on this
machine, registers the connector with `python -m deploy setup`, walks one Nuvei and one
Optty payment through the whole flow, prints how to do it yourself, and runs until Ctrl-C.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

import requests

from . import optty
from .emulator import EmulatorClient, nuvei_payment, payment_draft
from .stack import CLIENT_ID, PROJECT_KEY, ROOT, Ports, Stack

DEFAULT_PORTS = Ports(emulator=8989, sandboxes=8990, extension=8080, notification=8081)


def main() -> int:
    parser = argparse.ArgumentParser(prog="./dev.sh run", description=__doc__)
    parser.add_argument("--free-ports", action="store_true", help="use any free ports instead of 8080/8081/8989/8990")
    parser.add_argument("--no-demo", action="store_true", help="start everything, skip the example payment")
    args = parser.parse_args()

    stack = Stack(
        Ports.free() if args.free_ports else DEFAULT_PORTS,
        ROOT / ".stack" / "logs",
        client_secret="local-client-secret",
        extension_password="local-extension-password",
    )
    print(f"starting the local stack (logs in {stack.log_dir.relative_to(ROOT)}/) ...", flush=True)
    stack.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        deployed = stack.deploy("setup")
        print(deployed.stdout + deployed.stderr, end="")
        if deployed.returncode != 0:
            return deployed.returncode
        _print_endpoints(stack)
        if not args.no_demo:
            _demo(stack)
        _print_example(stack)
        print("running; press Ctrl-C to stop", flush=True)
        while all(process.poll() is None for process in stack.processes.values()):
            time.sleep(1)
        print("a process stopped; see the logs in .stack/logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def _print_endpoints(stack: Stack) -> None:
    print(
        f"""
  commercetools emulator  {stack.emulator_url}  (project {PROJECT_KEY}, client {CLIENT_ID} / {stack.client_secret})
  provider sandboxes      {stack.sandboxes_url}/<provider>
  extension service       {stack.extension_url}  (Basic commercetools / {stack.extension_password})
  notification service    {stack.notification_url}
""",
        flush=True,
    )


def _demo(stack: Stack) -> None:
    emulator = EmulatorClient(stack.emulator_url, PROJECT_KEY, CLIENT_ID, stack.client_secret)
    _nuvei_demo(stack, emulator)
    _optty_demo(stack, emulator)


def _nuvei_demo(stack: Stack, emulator: EmulatorClient) -> None:
    print("1. the storefront creates a Nuvei payment; commercetools calls the extension:")
    created = emulator.create_payment(nuvei_payment())
    payment = created.json()
    fields = payment.get("custom", {}).get("fields", {})
    print(f"   HTTP {created.status_code}: payment {payment.get('id')}, interfaceId {payment.get('interfaceId')}")
    print(f"   sessionToken {fields.get('sessionToken')}")
    print("2. Nuvei's sandbox sends an approved DMN to the notification service:")
    sent = requests.post(
        f"{stack.sandboxes_url}/nuvei/_sandbox/sessions/{fields.get('sessionToken')}/dmn",
        json={"status": "APPROVED"},
        timeout=30,
    ).json()
    print(f"   the notification service answered {sent['notification']}")
    print("3. the payment now holds the transaction:")
    _print_outcome(emulator, payment["id"])


def _optty_demo(stack: Stack, emulator: EmulatorClient) -> None:
    print("4. the storefront creates an Optty payment (sessionRequest: provider, shopper, items);")
    print("   the extension creates the Optty order:")
    created = emulator.create_payment(payment_draft("optty", session_request=optty.session_request(autoCapture=False)))
    payment = created.json()
    fields = payment.get("custom", {}).get("fields", {})
    print(f"   HTTP {created.status_code}: payment {payment.get('id')}, interfaceId {payment.get('interfaceId')}")
    print(f"   sessionToken {fields.get('sessionToken')}")
    print(f"   redirectUrl  {fields.get('redirectUrl')}")
    print("5. the shopper completes the checkout; Optty's sandbox sends its webhook, which the")
    print("   notification service checks by reading the order back from Optty:")
    completed = optty.SandboxControl(f"{stack.sandboxes_url}/optty").complete(payment["id"], "SUCCESSFUL")
    print(f"   the notification service answered {completed['notification']}")
    print("6. the payment now holds the transaction:")
    _print_outcome(emulator, payment["id"])


def _print_outcome(emulator: EmulatorClient, payment_id: str) -> None:
    stored = emulator.get_payment(payment_id)
    print("   " + json.dumps(stored["transactions"]))
    print(f"   paymentStatus {json.dumps(stored['paymentStatus'])}\n", flush=True)


def _print_example(stack: Stack) -> None:
    api = f"{stack.emulator_url}/{PROJECT_KEY}"
    field = "python3 -c 'import json,sys; print(json.load(sys.stdin)%s)'"
    print(
        f"""Try it yourself (copy and paste):

TOKEN=$(curl -s -u {CLIENT_ID}:{stack.client_secret} -X POST '{stack.emulator_url}/oauth/token?grant_type=client_credentials' | {field % '["access_token"]'})
PAYMENT=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' {api}/payments \\
  -d '{{"amountPlanned": {{"currencyCode": "EUR", "centAmount": 4250}}, "paymentMethodInfo": {{"paymentInterface": "nuvei"}}}}')
echo "$PAYMENT" | python3 -m json.tool
SESSION=$(echo "$PAYMENT" | {field % '["custom"]["fields"]["sessionToken"]'})
curl -s -X POST -H 'Content-Type: application/json' {stack.sandboxes_url}/nuvei/_sandbox/sessions/$SESSION/dmn -d '{{"status": "APPROVED"}}' | python3 -m json.tool
curl -s -H "Authorization: Bearer $TOKEN" {api}/payments/$(echo "$PAYMENT" | {field % '["id"]'}) | python3 -m json.tool

An Optty payment needs a sessionRequest (see README); once created, complete its order with
curl -s -X POST -H 'Content-Type: application/json' {stack.sandboxes_url}/optty/_sandbox/orders/<payment id>/complete -d '{{"status": "SUCCESSFUL"}}'
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
