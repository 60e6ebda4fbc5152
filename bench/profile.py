"""Where an extension request's CPU goes: py-spy samples one worker under load, and the
samples are grouped by the code they fall in."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

# py-spy names a frame "function (path/relative/to/sys.path.py:line)". A sample goes to
# the group of its innermost frame that has one, the first group listed whose marker the
# frame holds.
GROUPS = (
    ("logging", ("(logging/", "(connector/logs.py")),
    ("metrics", ("(prometheus_client/", "(connector/metrics.py")),
    # orjson is native code, which py-spy shows as the Python frame that called it.
    ("JSON", ("(json/", "orjson", "json (", "loads (", "dumps (")),
    (
        "validation (marshmallow, fast paths)",
        ("(marshmallow/", "(connector/payment.py", "(connector/session_request.py"),
    ),
    (
        "HTTP client (connector/wire.py; urllib3 behind a proxy)",
        ("(connector/wire.py", "(connector/http.py", "(urllib3/", "(http/client.py", "(email/"),
    ),
    ("our code", ("(connector/", "(extension/", "(notification/")),
    ("framework (Flask, Werkzeug)", ("(flask/", "(werkzeug/")),
    ("server (gunicorn, gevent)", ("(gunicorn/", "(gevent/", "(threading.py")),
)
# Sockets serve both the server and the HTTP client: their time goes to whoever called.
PASS_THROUGH = ("(gevent/_socket", "(socket.py", "(selectors.py", "(ssl.py")


def py_spy() -> str | None:
    found = Path(sys.executable).parent / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


def record(pid: int, seconds: int, output: Path) -> subprocess.Popen | None:
    """Starts sampling `pid` (CPU only: the thread holding the GIL); None without py-spy."""
    spy = py_spy()
    if spy is None:
        return None
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            str(output),
            "--nonblocking",
            "--gil",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def split(raw: Path) -> dict[str, float]:
    """The share of samples in each group, largest first."""
    counts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        counts[_group(frames)] += int(count)
    total = sum(counts.values()) or 1
    return {group: count / total for group, count in counts.most_common()}


def _group(frames: list[str]) -> str:
    for frame in reversed(frames):
        if any(marker in frame for marker in PASS_THROUGH):
            continue
        for group, markers in GROUPS:
            if any(marker in frame for marker in markers):
                return group
    return "other"


def top(raw: Path, count: int) -> list[str]:
    """The `count` functions with the most samples of their own, as "share function (file)"."""
    counts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        innermost = stack.rsplit(";", 1)[-1]
        counts[innermost.rsplit(":", 1)[0] + ")" if ":" in innermost else innermost] += int(samples)
    total = sum(counts.values()) or 1
    return [f"{samples / total:5.1%}  {function}" for function, samples in counts.most_common(count)]
