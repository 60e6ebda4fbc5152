"""Nexway's local kit: the sandbox (app.py), the run command's demo, the benchmark's
checkout and the Basic credentials its notifications carry (sandboxes/kits.py)."""

from __future__ import annotations

from sandboxes.kits import Demo, Fuzzing, Kit

from .. import examples
from . import app

KIT = Kit.of(
    app,
    checkout=lambda sandbox: examples.session_request(),
    demo=Demo(
        # Product 9061 waits for Nexway's fraud check, so that the order's completion is news.
        session_request=lambda sandbox: examples.session_request("9061"),
        notification="the order event completed",
        control="orders/{interfaceId}/events",
        body={"type": "completed"},
    ),
    fuzzing=Fuzzing(
        payment_paths=(("order", "partnerOrderNumber"), ("order", "currency")),
        # The credentials the merchant set in Nexway's back office.
        basic_credentials=lambda env: (env["NEXWAY_NOTIFICATION_USERNAME"], env["NEXWAY_NOTIFICATION_PASSWORD"]),
    ),
)
