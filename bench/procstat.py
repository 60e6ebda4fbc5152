"""CPU and memory of a process and its children, read from /proc."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _stat_fields(int(entry.name))[1] == str(pid):
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return sorted(found)


def family(pid: int) -> list[int]:
    """A gunicorn master and its workers."""
    return [pid, *children(pid)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _stat_fields(pid: int) -> list[str]:
    # The command name may contain spaces; the fields after it are space-separated.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
