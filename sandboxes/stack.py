"""Starts and stops the local stack: the commercetools emulator, the provider
sandboxes and both services (under gunicorn, with the production settings)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from connector.providers import REGISTRY

from .kits import kits

ROOT = Path(__file__).resolve().parent.parent
PROJECT_KEY = "connector-local"
CLIENT_ID = "connector"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Ports:
    emulator: int
    sandboxes: int
    extension: int
    notification: int

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port())


@dataclass
class Stack:
    ports: Ports
    log_dir: Path
    overrides: dict[str, str] = field(default_factory=dict)
    # The providers the services are configured for; the sandboxes serve them all.
    providers: tuple[str, ...] = tuple(REGISTRY)
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    extension_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.emulator}"

    @property
    def sandboxes_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.sandboxes}"

    @property
    def extension_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.extension}"

    @property
    def notification_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.notification}"

    @property
    def env(self) -> dict[str, str]:
        """The connector's configuration for this stack."""
        return {
            "CTP_PROJECT_KEY": PROJECT_KEY,
            "CTP_CLIENT_ID": CLIENT_ID,
            "CTP_CLIENT_SECRET": self.client_secret,
            "CTP_API_URL": self.emulator_url,
            "CTP_AUTH_URL": self.emulator_url,
            "EXTENSION_USERNAME": "commercetools",
            "EXTENSION_PASSWORD": self.extension_password,
            "EXTENSION_PUBLIC_URL": self.extension_url,
            "NOTIFICATION_PUBLIC_URL": self.notification_url,
            **self._sandbox_env(self.providers),
            **self.overrides,
        }

    def _sandbox_env(self, providers: Iterable[str]) -> dict[str, str]:
        """The providers configured against their sandboxes, with the sandboxes' test accounts."""
        env: dict[str, str] = {}
        every_kit = kits()
        for name in providers:
            env.update(every_kit[name].credentials)
            env.update(every_kit[name].connector_env(f"{self.sandboxes_url}/{name}"))
        return env

    def start(self) -> Stack:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.spawn(
                "emulator",
                ["node", str(ROOT / "sandboxes" / "platform.mjs")],
                {
                    "EMULATOR_PORT": str(self.ports.emulator),
                    "EMULATOR_CLIENT_ID": CLIENT_ID,
                    "EMULATOR_CLIENT_SECRET": self.client_secret,
                },
            )
            self.spawn("sandboxes", self.sandboxes_command(), self._sandbox_env(REGISTRY))
            self.spawn("extension", self.gunicorn_command("extension.wsgi:app", self.ports.extension))
            self.spawn("notification", self.gunicorn_command("notification.wsgi:app", self.ports.notification))
            self.wait_healthy("emulator", f"{self.emulator_url}/_emulator/health")
            self.wait_healthy("sandboxes", f"{self.sandboxes_url}/health")
            self.wait_healthy("extension", f"{self.extension_url}/health")
            self.wait_healthy("notification", f"{self.notification_url}/health")
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def running(self) -> bool:
        return bool(self.processes)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def deploy(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Runs `python -m deploy <args>` against the emulator (`env` overrides settings)."""
        return subprocess.run(
            [sys.executable, "-m", "deploy", *args],
            check=False,
            cwd=ROOT,
            env={**os.environ, **self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
        )

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def log_entries(self, name: str) -> list[dict]:
        """The JSON lines of a service's log."""
        return [json.loads(line) for line in self.log(name).splitlines() if line.startswith("{")]

    def sandboxes_command(self) -> list[str]:
        # One process, as the sandboxes keep their records in memory; threads enough for
        # a benchmark's 64 clients waiting on an added latency.
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "128",
            "--keep-alive",
            "75",
            "--bind",
            f"127.0.0.1:{self.ports.sandboxes}",
            "--log-level",
            "warning",
            "--no-control-socket",
            "sandboxes.server:from_environment()",
        ]

    @staticmethod
    def gunicorn_command(app: str, port: int) -> list[str]:
        """gunicorn with the production settings from deploy/."""
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            app,
        ]

    def spawn(self, name: str, command: list[str], extra_env: dict[str, str] | None = None) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def wait_healthy(self, name: str, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited during start-up:\n{self.log(name)[-3000:]}")
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not become healthy within {timeout}s:\n{self.log(name)[-3000:]}")
