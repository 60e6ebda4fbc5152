"""The run command: python -m sandboxes (via ./dev.sh run).

Starts the commercetools emulator, the provider sandboxes and both services on this
machine, registers the connector with `python -m deploy setup`, walks one payment per
provider through the whole flow (sandboxes/demos.py), prints how to do it yourself, and
runs until Ctrl-C. With --tenants, the services serve the two tenants of
sandboxes/local-tenants.yaml, each its own project with its own provider accounts.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from . import demos
from .stack import DEFAULT_PORTS, LOCAL_TENANTS, ROOT, Ports, Shop, Stack


def main() -> int:
    parser = argparse.ArgumentParser(prog="./dev.sh run", description=__doc__)
    parser.add_argument("--free-ports", action="store_true", help="use any free ports instead of 8080/8081/8989/8990")
    parser.add_argument("--no-demo", action="store_true", help="start everything, skip the example payments")
    parser.add_argument(
        "--tenants",
        action="store_true",
        help=f"serve the two tenants of {LOCAL_TENANTS.relative_to(ROOT)} instead of one",
    )
    parser.add_argument(
        "--env",
        action="store_true",
        help="print the connector's settings for the local stack (NAME=value lines) and start nothing",
    )
    args = parser.parse_args()

    stack = Stack(
        Ports.free() if args.free_ports else DEFAULT_PORTS,
        ROOT / ".stack" / "logs",
        client_secret="local-client-secret",
        extension_password="local-extension-password",
        document=LOCAL_TENANTS if args.tenants else None,
    )
    if args.env:  # for commands beside the running stack: env $(./dev.sh run --env) python -m ...
        if args.tenants:
            stack.write_document()
        print("\n".join(f"{name}={value}" for name, value in sorted(stack.env.items())))
        return 0
    print(f"starting the local stack (logs in {stack.log_dir.relative_to(ROOT)}/) ...", flush=True)
    stack.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        deployed = stack.deploy("setup")
        print(deployed.stdout + deployed.stderr, end="")
        if deployed.returncode != 0:
            return deployed.returncode
        shops = stack.shops()
        _print_endpoints(stack, shops)
        if not args.no_demo:
            print(demos.INTRO)
            for shop in shops:
                if len(shops) > 1:
                    print(f"── tenant {shop.name} (project {shop.project_key}) ──")
                demos.run_all(shop.emulator(), shop.sandboxes)
            if len(shops) > 1:
                _print_separation(shops)
        _print_example(stack, shops[0])
        print("running; press Ctrl-C to stop", flush=True)
        while all(process.poll() is None for process in stack.processes.values()):
            time.sleep(1)
        print("a process stopped; see the logs in .stack/logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def _print_endpoints(stack: Stack, shops: list[Shop]) -> None:
    print(
        f"""
  commercetools emulator  {stack.emulator_url}
  provider sandboxes      {stack.sandboxes_url}/<provider or account>
  extension service       {stack.extension_url}
  notification service    {stack.notification_url}
""",
        flush=True,
    )
    for shop in shops:
        accounts = ", ".join(shop.accounts.values())
        print(
            f"""  tenant {shop.name}: project {shop.project_key} (client {shop.client[0]} / {shop.client[1]})
    extension {shop.extension_url} (Basic {shop.extension_credentials[0]} / {shop.extension_credentials[1]})
    accounts  {accounts}
""",
            flush=True,
        )


def _print_separation(shops: list[Shop]) -> None:
    """Where the demos' payments ended up: each tenant's in its own project."""
    for shop in shops:
        payments = shop.emulator().payments()
        transactions = sum(len(payment["transactions"]) for payment in payments)
        print(f"project {shop.project_key} holds {len(payments)} payments with {transactions} transactions")
    print(flush=True)


def _print_example(stack: Stack, shop: Shop) -> None:
    api = f"{stack.emulator_url}/{shop.project_key}"
    field = "python3 -c 'import json,sys; print(json.load(sys.stdin)%s)'"
    client_id, client_secret = shop.client
    print(
        f"""Try it yourself (copy and paste; tenant {shop.name}):

TOKEN=$(curl -s -u {client_id}:{client_secret} -X POST '{stack.emulator_url}/oauth/token?grant_type=client_credentials' | {field % '["access_token"]'})
PAYMENT=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' {api}/payments \\
  -d '{{"amountPlanned": {{"currencyCode": "EUR", "centAmount": 4250}}, "paymentMethodInfo": {{"paymentInterface": "nuvei"}}}}')
echo "$PAYMENT" | python3 -m json.tool
SESSION_TOKEN=$(echo "$PAYMENT" | {field % '["custom"]["fields"]["sessionToken"]'})
{demos.control_command(shop.sandboxes, "nuvei")} | python3 -m json.tool
curl -s -H "Authorization: Bearer $TOKEN" {api}/payments/$(echo "$PAYMENT" | {field % '["id"]'}) | python3 -m json.tool

The other providers need a sessionRequest (the demos' are session_request() in
connector/providers/<provider>/examples.py; the README's "Providers" has each provider's steps). Once a
payment exists, its provider's sandbox sends the notification with ($PAYMENT_ID,
$INTERFACE_ID and $SESSION_TOKEN from the payment):
{demos.control_commands(shop.sandboxes)}
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
