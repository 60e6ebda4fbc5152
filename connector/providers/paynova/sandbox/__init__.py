"""Paynova's local kit: the sandbox (app.py), the run command's demo, the benchmark's
checkout and how the fuzzing test signs an event hook (sandboxes/kits.py)."""

from __future__ import annotations

from collections.abc import Mapping

from sandboxes.kits import Demo, Fuzzing, Kit, Signable

from .. import examples
from ..signature import BODY_DIGEST_HEADER, body_digest, event_digest
from . import app


def sign_event_hook(event: Signable, env: Mapping[str, str]) -> None:
    """As Paynova does: its merchant id, DIGEST over the fields sent, and Pn-Digest over
    the body."""
    if not isinstance(event.fields, dict):
        return
    secret = env["PAYNOVA_SECRET_KEY"]
    event.fields["MERCHANT_ID"] = env["PAYNOVA_MERCHANT_ID"]
    event.fields["DIGEST"] = event_digest(event.sent_fields(), secret)
    event.headers[BODY_DIGEST_HEADER] = body_digest(event.sent_body(), secret)


def _last_attempt(control_answer: dict) -> dict:
    """Paynova's control reports every delivery attempt; the last one is the answer that counts."""
    return control_answer["deliveries"][0][-1]


KIT = Kit.of(
    app,
    checkout=lambda sandbox: examples.session_request(),
    demo=Demo(
        session_request=lambda sandbox: examples.session_request(),
        notification="an AUTHORIZED PAYMENT event",
        control="sessions/{sessionToken}/payment",
        body={"status": "AUTHORIZED"},
        delivery=_last_attempt,
    ),
    fuzzing=Fuzzing(payment_paths=(("ORDER_NUMBER",), ("CURRENCY_CODE",)), sign=sign_event_hook),
)
