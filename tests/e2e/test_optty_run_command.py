"""The run command's walk-through of an Optty payment (./dev.sh run)."""
import json

from sandboxes.__main__ import _optty_demo


def test_the_run_command_walks_an_optty_payment_to_a_successful_authorization(stack, emulator, capsys):
    _optty_demo(stack, emulator)
    printed = capsys.readouterr().out
    assert "redirectUrl  http://" in printed and "sessionToken " in printed
    transactions = json.loads(next(line for line in printed.splitlines() if line.strip().startswith("[")))
    assert [(t["type"], t["state"]) for t in transactions] == [("Authorization", "Success")]
    assert 'paymentStatus {"interfaceCode": "SUCCESSFUL"}' in printed
