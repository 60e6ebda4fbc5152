"""Nuvei's local kit: the sandbox (app.py), the run command's demo, the benchmark's
checkout and how the fuzzing test signs a DMN (sandboxes/kits.py)."""

from __future__ import annotations

from collections.abc import Mapping

from sandboxes.kits import Demo, Fuzzing, Kit, Signable

from ..signature import dmn_checksum
from . import app


def sign_dmn(dmn: Signable, env: Mapping[str, str]) -> None:
    """As Nuvei does: its merchant's ids, and advanceResponseChecksum over the fields sent."""
    if not isinstance(dmn.fields, dict):
        return
    dmn.fields.update(merchant_id=env["NUVEI_MERCHANT_ID"], merchant_site_id=env["NUVEI_MERCHANT_SITE_ID"])
    dmn.fields["advanceResponseChecksum"] = dmn_checksum(dmn.sent_fields(), env["NUVEI_SECRET_KEY"])


KIT = Kit.of(
    app,
    checkout=lambda sandbox: None,  # Nuvei needs no sessionRequest
    demo=Demo(
        session_request=lambda sandbox: None,
        notification="an approved DMN",
        control="sessions/{sessionToken}/dmn",
        body={"status": "APPROVED"},
    ),
    fuzzing=Fuzzing(payment_paths=(("clientUniqueId",), ("currency",)), sign=sign_dmn),
)
