"""python -m notification.reconcile, run as the CronJob runs it, against the emulator and
the Nuvei sandbox (the provider that reads back): payments whose notification was lost
are settled once, however many runs there are, and a provider outage is reported."""

import json

from .conftest import PROVIDER_TIMEOUT_MS
from .modification_support import printed, transactions
from .nuvei_support import interactions, paid_without_dmn, reconcile, start_reconcile, summary


def test_a_payment_whose_dmn_was_lost_is_settled_by_one_run_and_untouched_by_a_second(emulator, nuvei, stack):
    payment, lost = paid_without_dmn(emulator, nuvei)
    first = reconcile(stack)
    assert first.returncode == 0, first.stdout + first.stderr
    assert summary(first.stdout)["changed"] >= 1
    settled = emulator.get_payment(payment["id"])
    assert transactions(settled) == [("Authorization", "Success", lost["TransactionID"], 1999)]
    [read_back] = interactions(settled, "nuvei.getTransactionDetails")
    assert json.loads(read_back["request"]) == {"transactionIds": [], "clientUniqueId": payment["id"]}
    assert read_back["correlationId"].startswith("reconcile-")

    second = reconcile(stack)
    assert second.returncode == 0, second.stdout + second.stderr
    assert emulator.get_payment(payment["id"]) == settled
    # A later DMN for the same transaction changes nothing either.
    token = payment["custom"]["fields"]["sessionToken"]
    late = nuvei.dmn(token, status="APPROVED", transactionId=lost["TransactionID"])["notification"]
    assert (late["status"], json.loads(late["body"])) == (200, {"status": "unchanged"})
    assert emulator.get_payment(payment["id"]) == settled


def test_two_runs_at_once_change_the_payment_once(emulator, nuvei, stack):
    payment, lost = paid_without_dmn(emulator, nuvei)
    runs = [start_reconcile(stack), start_reconcile(stack)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    settled = emulator.get_payment(payment["id"])
    assert [t["interactionId"] for t in settled["transactions"]] == [lost["TransactionID"]]
    assert len(interactions(settled, "nuvei.getTransactionDetails")) == 1  # one of the runs wrote
    assert settled["paymentStatus"]["interfaceCode"] == "APPROVED"


def test_a_dry_run_prints_what_would_change_and_changes_nothing(emulator, nuvei, stack):
    payment, lost = paid_without_dmn(emulator, nuvei)
    dry = reconcile(stack, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    [would] = [line for line in printed(dry.stdout, "reconciliation.wouldChange") if line["paymentId"] == payment["id"]]
    added = next(action for action in would["actions"] if action["action"] == "addTransaction")
    assert added["transaction"]["interactionId"] == lost["TransactionID"]
    assert emulator.get_payment(payment["id"]) == payment


def test_a_nuvei_outage_is_reported_with_a_failing_exit_and_nothing_written(emulator, nuvei, stack):
    payment, _ = paid_without_dmn(emulator, nuvei)
    for fault in ("unavailable", "slow"):
        if fault == "unavailable":
            nuvei.outage(503)
        else:
            nuvei.latency(PROVIDER_TIMEOUT_MS + 300)
        run = reconcile(stack)
        nuvei.outage(None)
        nuvei.latency(0)
        assert run.returncode == 1, (fault, run.stdout, run.stderr)
        reported = summary(run.stdout)
        assert reported["byProvider"]["nuvei"]["failed"] >= 1 and reported["failed"] >= 1
        assert "nuvei is unavailable" in run.stderr
        assert emulator.get_payment(payment["id"]) == payment
