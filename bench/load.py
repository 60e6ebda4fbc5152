"""wrk, the load generator: one run, its results as numbers."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).parent / "scripts" / "post.lua"


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # connection errors, timeouts and non-2xx/3xx answers
    detail: dict[str, int]  # the failures by kind

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk() -> str:
    """wrk, the load generator (Debian's package `wrk`)."""
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "bench: the load generator wrk is missing; install it (Debian/Ubuntu: sudo apt-get install wrk, "
            "macOS: brew install wrk) and run again"
        )
    return found


def run(
    url: str,
    body: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    content_type: str = "application/json",
    authorization: str | None = None,
    close: bool = False,
    payments: list[str] | None = None,
    work_dir: Path,
) -> Result:
    """POSTs `body` (with __ID__ replaced by a fresh id per request) for `seconds`."""
    body_file = work_dir / f"body-{abs(hash(body))}.txt"
    body_file.write_text(body)
    env = {
        **os.environ,
        "BENCH_BODY": str(body_file),
        "BENCH_CONTENT_TYPE": content_type,
        "BENCH_RUN": secrets.token_hex(3),
    }
    if authorization:
        env["BENCH_AUTHORIZATION"] = authorization
    if close:
        env["BENCH_CLOSE"] = "1"
    if payments:
        payments_file = work_dir / "payments.txt"
        payments_file.write_text("\n".join(payments) + "\n")
        env["BENCH_PAYMENTS"] = str(payments_file)
    command = [
        wrk(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(seconds, 1):.0f}s",
        "--timeout",
        "5s",
        "-s",
        str(SCRIPT),
        url,
    ]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    line = next(line for line in finished.stdout.splitlines() if line.startswith("BENCH_JSON "))
    data = json.loads(line.removeprefix("BENCH_JSON "))
    return Result(
        requests=data["requests"],
        seconds=data["seconds"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        failures=data["connect"] + data["read"] + data["write"] + data["timeout"] + data["non2xx"],
        detail={key: data[key] for key in ("connect", "read", "write", "timeout", "non2xx") if data[key]},
    )
