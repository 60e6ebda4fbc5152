"""Starts and stops the local stack: the commercetools emulator, the provider
sandboxes and both services (under gunicorn, with the production settings).

By default the services serve one tenant, configured by environment variables. Given a
configuration document (sandboxes/local-tenants.yaml, say), they serve its tenants, each
a project of the emulator with provider accounts of its own in the sandboxes. Given
replicas, each service runs as that many gunicorn masters behind a round-robin balancer
(sandboxes/balancer.py), as pods behind a load balancer would."""

from __future__ import annotations

import functools
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import requests

from connector.configuration import described_tenants
from connector.providers import REGISTRY
from connector.tenants import FILE_VARIABLE
from connector.tenants import Tenant as DescribedTenant
from deploy.resources import extension_path

from .emulator import EmulatorClient
from .kits import kits

ROOT = Path(__file__).resolve().parent.parent
PROJECT_KEY = "connector-local"
CLIENT_ID = "connector"
LOCAL_TENANTS = ROOT / "sandboxes" / "local-tenants.yaml"
SERVICES = {"extension": "extension.wsgi:app", "notification": "notification.wsgi:app"}


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


# The run command's ports, which the local tenants document names.
DEFAULT_PORTS = Ports(emulator=8989, sandboxes=8990, extension=8080, notification=8081)


@dataclass(frozen=True)
class Shop:
    """One tenant of the stack, as its merchant sees it."""

    name: str
    emulator_url: str
    project_key: str
    client: tuple[str, str]  # its commercetools API client: id, secret
    extension_url: str
    extension_credentials: tuple[str, str]
    sandboxes_url: str
    accounts: Mapping[str, str]  # provider → the tenant's account, a sandbox at /<account>

    @property
    def sandboxes(self) -> dict[str, str]:
        """Provider → the sandbox of the tenant's account."""
        return {provider: f"{self.sandboxes_url}/{account}" for provider, account in self.accounts.items()}

    def emulator(self) -> EmulatorClient:
        return EmulatorClient(self.emulator_url, self.project_key, *self.client)


@dataclass
class Stack:
    ports: Ports
    log_dir: Path
    overrides: dict[str, str] = field(default_factory=dict)
    # The providers the services are configured for; the sandboxes serve them all.
    providers: tuple[str, ...] = tuple(REGISTRY)
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    extension_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    # A configuration document written for the default ports; None: one tenant.
    document: Path | None = None
    replicas: int = 1
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # With replicas: each service's instances behind its balancer, by process name.
    replica_urls: dict[str, dict[str, str]] = field(default_factory=dict)

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
    def document_path(self) -> Path:
        """Where the stack writes its document, with its own ports."""
        return self.log_dir / "tenants.yaml"

    def write_document(self) -> None:
        """The document with the addresses it names for the default ports made this stack's."""
        assert self.document is not None
        text = self.document.read_text()
        for default, actual in (
            (DEFAULT_PORTS.emulator, self.ports.emulator),
            (DEFAULT_PORTS.sandboxes, self.ports.sandboxes),
        ):
            text = text.replace(f"http://127.0.0.1:{default}", f"http://127.0.0.1:{actual}")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.document_path.write_text(text)

    @functools.cached_property
    def tenants(self) -> dict[str, DescribedTenant]:
        """The document's tenants, each as the variables it stands for (CTP_PROJECT_KEY, ...);
        read once the stack has written its document."""
        described = described_tenants({FILE_VARIABLE: str(self.document_path)})
        assert described is not None, "a stack without a document has no tenants"
        return described.tenants

    def shops(self) -> list[Shop]:
        """The stack's tenants: the one of the variables, or the document's."""
        if self.document is None:
            return [self._shop("default", self.env, {provider: provider for provider in self.providers})]
        return [self._shop(name, tenant.environ, tenant.accounts) for name, tenant in self.tenants.items()]

    def _shop(self, name: str, settings: Mapping[str, str], accounts: Mapping[str, str]) -> Shop:
        """A tenant of its settings (the variables it stands for) and its accounts (by
        provider), each account's sandbox at /<account>."""
        return Shop(
            name,
            self.emulator_url,
            settings["CTP_PROJECT_KEY"],
            (settings["CTP_CLIENT_ID"], settings["CTP_CLIENT_SECRET"]),
            self.extension_url + extension_path(name if self.document is not None else None),
            (settings["EXTENSION_USERNAME"], settings["EXTENSION_PASSWORD"]),
            self.sandboxes_url,
            accounts,
        )

    @property
    def env(self) -> dict[str, str]:
        """The connector's configuration for this stack."""
        if self.document is not None:
            tenants = {FILE_VARIABLE: str(self.document_path)}
        else:
            tenants = {
                "CTP_PROJECT_KEY": PROJECT_KEY,
                "CTP_CLIENT_ID": CLIENT_ID,
                "CTP_CLIENT_SECRET": self.client_secret,
                "CTP_API_URL": self.emulator_url,
                "CTP_AUTH_URL": self.emulator_url,
                "EXTENSION_USERNAME": "commercetools",
                "EXTENSION_PASSWORD": self.extension_password,
                **self._sandbox_env(self.providers),
            }
        return {
            **tenants,
            "EXTENSION_PUBLIC_URL": self.extension_url,
            "NOTIFICATION_PUBLIC_URL": self.notification_url,
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
        if self.document is not None:
            self.write_document()
        try:
            self.spawn(
                "emulator",
                ["node", str(ROOT / "sandboxes" / "platform.mjs")],
                {
                    "EMULATOR_PORT": str(self.ports.emulator),
                    "EMULATOR_CLIENT_ID": CLIENT_ID,
                    "EMULATOR_CLIENT_SECRET": self.client_secret,
                    "EMULATOR_CLIENTS": json.dumps(self._tenant_clients()),
                },
            )
            self.spawn("sandboxes", self.sandboxes_command(), self._sandbox_env(REGISTRY))
            for service, app in SERVICES.items():
                self._spawn_service(service, app, getattr(self.ports, service))
            self.wait_healthy("emulator", f"{self.emulator_url}/_emulator/health")
            self.wait_healthy("sandboxes", f"{self.sandboxes_url}/health")
            for service in SERVICES:
                for name, url in self.instances(service).items():
                    self.wait_healthy(name, f"{url}/health")
                self.wait_healthy(service, f"{getattr(self, f'{service}_url')}/health")
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn_service(self, service: str, app: str, port: int) -> None:
        """The service on `port`: one gunicorn master, or with replicas, each on a port of
        its own behind a balancer on `port`."""
        if self.replicas == 1:
            self.spawn(service, self.gunicorn_command(app, port))
            return
        backends = []
        for number in range(1, self.replicas + 1):
            instance_port = free_port()
            self.spawn(f"{service}-{number}", self.gunicorn_command(app, instance_port))
            self.replica_urls.setdefault(service, {})[f"{service}-{number}"] = f"http://127.0.0.1:{instance_port}"
            backends.append(f"127.0.0.1:{instance_port}")
        self.spawn(service, [sys.executable, "-m", "sandboxes.balancer", "--port", str(port), *backends])

    def instances(self, service: str) -> dict[str, str]:
        """The service's replicas behind its balancer, by process name: their URLs."""
        return self.replica_urls.get(service, {})

    def _tenant_clients(self) -> dict[str, str]:
        """The commercetools API clients of the document's tenants, by id: their secrets."""
        if self.document is None:
            return {}
        return {
            tenant.environ["CTP_CLIENT_ID"]: tenant.environ["CTP_CLIENT_SECRET"] for tenant in self.tenants.values()
        }

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
        self.replica_urls.clear()

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

    def log_lines(self, name: str) -> list[str]:
        """The lines of a process's log, split where the process ended them (at a newline):
        a JSON line may hold U+0085 or U+2028 (in a fuzzed URL's path, say), at which
        str.splitlines() would split it too."""
        text = self.log(name)
        return text.removesuffix("\n").split("\n") if text else []

    def log_entries(self, name: str) -> list[dict]:
        """The JSON lines of a service's log."""
        return [json.loads(line) for line in self.log_lines(name) if line.startswith("{")]

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
