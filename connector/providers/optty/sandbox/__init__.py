"""Optty's local kit: the sandbox (app.py), the run command's demo and the benchmark's
checkout (sandboxes/kits.py). Optty signs no webhook: the connector reads the order back."""

from __future__ import annotations

from sandboxes.kits import Demo, Kit

from .. import examples
from . import app

KIT = Kit.of(
    app,
    checkout=lambda sandbox: examples.session_request(),
    demo=Demo(
        session_request=lambda sandbox: examples.session_request(autoCapture=False),
        notification="the webhook of the completed checkout",
        control="orders/{id}/complete",
        body={"status": "SUCCESSFUL"},
    ),
)
