"""The run command: python -m sandboxes (via ./dev.sh run).

Starts the commercetools emulator, the provider sandboxes and both services on this
machine, registers the connector with `python -m deploy setup`, walks one payment per
provider through the whole flow (sandboxes/demos.py), prints how to do it yourself, and
runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from . import demos
from .emulator import EmulatorClient
from .stack import CLIENT_ID, PROJECT_KEY, ROOT, Ports, Stack

DEFAULT_PORTS = Ports(emulator=8989, sandboxes=8990, extension=8080, notification=8081)


def main() -> int:
    parser = argparse.ArgumentParser(prog="./dev.sh run", description=__doc__)
    parser.add_argument("--free-ports", action="store_true", help="use any free ports instead of 8080/8081/8989/8990")
    parser.add_argument("--no-demo", action="store_true", help="start everything, skip the example payment")
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
    )
    if args.env:  # for commands beside the running stack: env $(./dev.sh run --env) python -m ...
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
        _print_endpoints(stack)
        if not args.no_demo:
            emulator = EmulatorClient(stack.emulator_url, PROJECT_KEY, CLIENT_ID, stack.client_secret)
            demos.run_all(emulator, stack.sandboxes_url)
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


def _print_example(stack: Stack) -> None:
    api = f"{stack.emulator_url}/{PROJECT_KEY}"
    field = "python3 -c 'import json,sys; print(json.load(sys.stdin)%s)'"
    print(
        f"""Try it yourself (copy and paste):

TOKEN=$(curl -s -u {CLIENT_ID}:{stack.client_secret} -X POST '{stack.emulator_url}/oauth/token?grant_type=client_credentials' | {field % '["access_token"]'})
PAYMENT=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' {api}/payments \\
  -d '{{"amountPlanned": {{"currencyCode": "EUR", "centAmount": 4250}}, "paymentMethodInfo": {{"paymentInterface": "nuvei"}}}}')
echo "$PAYMENT" | python3 -m json.tool
SESSION_TOKEN=$(echo "$PAYMENT" | {field % '["custom"]["fields"]["sessionToken"]'})
{demos.control_command(stack.sandboxes_url, "nuvei")} | python3 -m json.tool
curl -s -H "Authorization: Bearer $TOKEN" {api}/payments/$(echo "$PAYMENT" | {field % '["id"]'}) | python3 -m json.tool

The other providers need a sessionRequest (the demos' are session_request() in
connector/providers/<provider>/examples.py; the README's "Providers" has each provider's steps). Once a
payment exists, its provider's sandbox sends the notification with ($PAYMENT_ID,
$INTERFACE_ID and $SESSION_TOKEN from the payment):
{demos.control_commands(stack.sandboxes_url)}
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
