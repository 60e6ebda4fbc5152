"""A commercetools project as deploy sees it, held in memory."""

from __future__ import annotations

from deploy.commands import Project
from deploy.resources import EXTENSION_KEY


class RecordingProject(Project):
    """The types it is given (none unless told), no extension; what setup would write is
    recorded instead of sent."""

    def __init__(self, types: dict[str, dict] | None = None):
        super().__init__(commercetools=None)
        self.types = types or {}
        self.written: list[str] = []

    def type(self, key):
        return self.types.get(key)

    def extension(self):
        return None

    def fingerprint(self):
        return None

    def apply_type(self, key, plan):
        self.written.append(key)

    def apply_extension(self, plan, header):
        self.written.append(EXTENSION_KEY)
