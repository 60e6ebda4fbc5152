"""What the end-to-end tests of python -m deploy share: what setup writes in a project,
a snapshot that shows whether anything was written, and the output of a command that
works on several tenants."""

from __future__ import annotations

import re

from connector.custom_types import CUSTOM_TYPES
from deploy.resources import EXTENSION_KEY, FINGERPRINT_CONTAINER, FINGERPRINT_KEY

# The keys of what setup writes: two types, the extension and the fingerprint object.
DEPLOYED_KEYS = {*(custom_type.key for custom_type in CUSTOM_TYPES), EXTENSION_KEY, FINGERPRINT_KEY}


def project_snapshot(emulator) -> dict[str, dict]:
    """Every type, extension and custom object of deploy's container as stored (version and
    modification time included), by id: an equal snapshot later means nothing was written."""
    listings = ("types", "extensions", f"custom-objects/{FINGERPRINT_CONTAINER}")
    snapshot = {}
    for listing in listings:
        answer = emulator.request("GET", listing, params={"limit": 500})
        answer.raise_for_status()
        snapshot.update({found["id"]: found for found in answer.json()["results"]})
    return snapshot


def by_tenant(stdout: str) -> dict[str, list[str]]:
    """A command's output lines by the tenant each names ("tenant <name>: ..."), without
    that prefix; every line must name one."""
    lines: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        named = re.fullmatch(r"tenant ([a-z0-9][a-z0-9-]*): (.*)", line)
        assert named, f"a line that names no tenant: {line!r}"
        lines.setdefault(named[1], []).append(named[2])
    return lines
