"""Logs as one JSON object per line, each carrying the request's correlation id and the
process that wrote it (which gunicorn worker)."""

from __future__ import annotations

import logging
import sys
import time

import orjson

from . import correlation


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _utc_time(record.created),
            "level": record.levelname,
            "service": self.service,
            "pid": record.process,
            "logger": record.name,
            "message": record.getMessage(),
            "correlationId": getattr(record, "correlation_id", None),
            "tenant": getattr(record, "tenant", None),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


_make_record = logging.getLogRecordFactory()


def _record_with_correlation_id(*args, **kwargs) -> logging.LogRecord:
    # Taken when the record is made, in the request's own context, whenever it is written.
    record = _make_record(*args, **kwargs)
    record.correlation_id = correlation.current()
    record.tenant = correlation.current_tenant()
    return record


def configure(service: str, level: str) -> None:
    """Sends every logger's records to standard error as JSON lines, gunicorn's own lines
    (in this process: a worker, or the master where the app is preloaded) as JSON too, and
    Python's warnings with them."""
    logging.setLogRecordFactory(_record_with_correlation_id)
    # The caller's file and line, which no line shows, cost the most to gather (the
    # "Optimization" section of the logging documentation). The other record fields stay:
    # they are cheap, and a formatter that is not ours may show them (gunicorn's writes
    # the process id with %d, which fails on the None that switching them off leaves).
    logging._srcfile = None
    formatter = JsonFormatter(service)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # gunicorn's loggers keep their handlers (gunicorn's choice of where to write: its
    # error log, syslog), in our format.
    for name in ("gunicorn.error", "gunicorn.access"):
        for gunicorn_handler in logging.getLogger(name).handlers:
            gunicorn_handler.setFormatter(formatter)
    logging.captureWarnings(True)
    # Their own access and request lines would duplicate ours, unformatted.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def _utc_time(created: float) -> str:
    """ISO 8601 with milliseconds, UTC: 2026-11-24T13:36:26.723Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created * 1000) % 1000:03d}Z"
