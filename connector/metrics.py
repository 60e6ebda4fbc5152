"""Prometheus metrics, counted over every worker of a service.

Under gunicorn a service runs in several worker processes and any one of them answers
/metrics. So each worker writes its values to files (prometheus_client's multiprocess
mode) in one directory for all workers of its gunicorn master, and /metrics adds up that
directory. The app sets this up itself, whatever gunicorn's command line: with
deploy/gunicorn.conf.py or without, the app preloaded in the master or loaded by each
worker.

- One directory per master, named after the master process: its pid, and on Linux a
  digest of its start time, pid namespace and boot, since a pid comes back (a container's
  master is pid 1 after every restart). The workers of one master share it; two services
  or two masters never do, and the files of an earlier run are never counted. It is made
  in PROMETHEUS_MULTIPROC_DIR where an operator sets that (a volume, say), else in the
  system's temporary directory.
- A worker settles on the directory when it first makes a value or answers /metrics. Its
  master is its parent then, whether the app was loaded in the worker or, preloaded, in
  the master, which answers no request and so makes no value. So nothing makes a value
  before: each labelled metric makes one per label set on first use, through the
  functions below, and the metric without labels (whose value comes with it) is made on
  first use too.
- Counters and histograms only: the files of a worker that died stay and keep counting,
  as Prometheus counters must, so nothing has to happen when a worker exits. (A gauge of
  live values would need the files of dead workers removed: multiprocess.mark_process_dead.)

Outside gunicorn (one process: tests, a development server) the values stay in memory.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable

from .environment import ConfigError

# gunicorn's master sets this before it loads anything of the app; its workers inherit it.
_UNDER_GUNICORN = os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")
_FILES_ROOT = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.gettempdir()
if _UNDER_GUNICORN:
    # prometheus_client decides on import whether values live in files, by this variable;
    # each worker points it at its master's directory before it makes a value.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _FILES_ROOT

from prometheus_client import (  # noqa: E402 - after the variable above
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

_REQUESTS = Counter(
    "connector_http_requests_total",
    "Requests answered, by endpoint, status and tenant.",
    ["service", "endpoint", "method", "status", "tenant"],
)
_REQUEST_SECONDS = Histogram(
    "connector_http_request_duration_seconds", "Time to answer a request.", ["service", "endpoint", "tenant"]
)
_PROVIDER_CALLS = Counter(
    "connector_provider_calls_total", "Calls to payment providers, by outcome.", ["provider", "operation", "outcome"]
)
_PROVIDER_SECONDS = Histogram(
    "connector_provider_call_duration_seconds", "Time a provider took to answer.", ["provider", "operation"]
)
_NOTIFICATIONS = Counter(
    "connector_notifications_total",
    "Provider notifications: applied, repeat (already applied), refused (not authentic or unusable), failed (retry).",
    ["provider", "outcome"],
)


def check_files_root() -> None:
    """Under gunicorn, that metric files can be made in their root (made if need be); a
    ConfigError says where not, so that start-up stops rather than every request fail."""
    if not _UNDER_GUNICORN:
        return
    try:
        os.makedirs(_FILES_ROOT, exist_ok=True)
        with tempfile.TemporaryFile(dir=_FILES_ROOT):
            pass
    except OSError as error:
        raise ConfigError(
            f"PROMETHEUS_MULTIPROC_DIR: metric files cannot be made in {_FILES_ROOT} ({error.strerror})"
        ) from None


def exposition() -> tuple[bytes, str]:
    """The metrics of every worker of this service, in Prometheus' text format."""
    if _UNDER_GUNICORN:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=_master_directory(os.getpid()))
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


@functools.lru_cache(maxsize=1)
def _master_directory(worker_pid: int) -> str:
    """The files' directory of this worker's master, made if need be, and the one where
    prometheus_client makes this worker's files. Remembered by the worker's pid, as a
    process forked from this one has another master."""
    directory = os.path.join(_FILES_ROOT, f"connector-metrics-{_process_identity(os.getppid())}")
    os.makedirs(directory, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


def _process_identity(pid: int) -> str:
    """A name no other process of this host gets, now or later: the pid, with a digest of
    the process's start time, pid namespace and boot where /proc tells them (Linux)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            start_time = stat.read().rsplit(b")", 1)[1].split()[19]  # field 22, after the name
        with open("/proc/sys/kernel/random/boot_id", "rb") as boot:
            boot_id = boot.read().strip()
        namespace = os.readlink("/proc/self/ns/pid").encode()  # the master's too
    except OSError:  # no /proc: a developer's machine, say
        return str(pid)
    return f"{pid}-{hashlib.sha256(b' '.join((start_time, namespace, boot_id))).hexdigest()[:16]}"


def _ready_for_values() -> None:
    if _UNDER_GUNICORN:
        _master_directory(os.getpid())


def _children(metric) -> Callable:
    """metric.labels(...), remembered: labels() takes a lock and builds a tuple on every
    call, and a service needs the same few children on every request. A child's value is
    made with it, so the worker's directory is settled first."""

    def child(*labels):
        _ready_for_values()
        return metric.labels(*labels)

    return functools.lru_cache(maxsize=1024)(child)


request_counter = _children(_REQUESTS)
request_timer = _children(_REQUEST_SECONDS)
provider_call_counter = _children(_PROVIDER_CALLS)
provider_call_timer = _children(_PROVIDER_SECONDS)
notification_counter = _children(_NOTIFICATIONS)


def _made_on_first_use(make: Callable[[], Counter]) -> Callable[[], Counter]:
    """make(), once, on first use: a metric without labels makes its value with itself, so
    it must wait until the worker's directory is settled."""
    made: list[Counter] = []
    lock = threading.Lock()  # two threads' first uses must not both register the metric

    def metric() -> Counter:
        if not made:
            with lock:
                if not made:
                    _ready_for_values()
                    made.append(make())
        return made[0]

    return metric


commercetools_conflicts = _made_on_first_use(
    lambda: Counter(
        "connector_commercetools_conflicts_total", "Payment updates retried after commercetools answered 409."
    )
)
