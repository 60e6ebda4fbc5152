"""Logging set-up: every line JSON, gunicorn's included, and nothing broken for a
formatter that is not ours."""

import io
import json
import logging
import os
import warnings

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from connector import logs


@pytest.fixture(autouse=True)
def _restored_logging():
    """The process's logging as it was: configure() changes it for the whole process."""
    logging.captureWarnings(False)  # as an earlier test's configure() may have left it
    root = logging.getLogger()
    handlers, level, factory = root.handlers[:], root.level, logging.getLogRecordFactory()
    gunicorn_handlers = {name: logging.getLogger(name).handlers[:] for name in ("gunicorn.error", "gunicorn.access")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    for name, kept in gunicorn_handlers.items():
        logging.getLogger(name).handlers[:] = kept
    logging.captureWarnings(False)


def test_a_line_carries_the_process_that_wrote_it(capsys):
    logs.configure("extension", "INFO")
    logging.getLogger("connector.test").info("hello %s", "there")
    [line] = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert (entry["service"], entry["logger"], entry["message"]) == ("extension", "connector.test", "hello there")
    assert entry["pid"] == os.getpid()


def test_a_formatter_that_is_not_ours_still_gets_every_record_field(capsys):
    logs.configure("extension", "INFO")
    written = io.StringIO()
    theirs = logging.StreamHandler(written)
    theirs.setFormatter(logging.Formatter("[%(process)d] [%(thread)d] [%(processName)s] %(message)s"))
    logger = logging.getLogger("someone.else")
    logger.addHandler(theirs)
    logger.propagate = False
    try:
        logger.warning("still formatted")
    finally:
        logger.removeHandler(theirs)
    assert written.getvalue().startswith(f"[{os.getpid()}] [")
    assert "Logging error" not in capsys.readouterr().err


def test_gunicorns_own_lines_are_json_where_it_writes_them(capsys):
    gunicorn_log = Logger(Config())  # as gunicorn sets up its logging, before it loads the app
    logs.configure("extension", "INFO")
    gunicorn_log.info("Worker exiting (pid: %s)", 4242)
    [line] = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert (entry["logger"], entry["message"]) == ("gunicorn.error", "Worker exiting (pid: 4242)")
    assert (entry["service"], entry["pid"]) == ("extension", os.getpid())


def test_a_python_warning_is_a_json_line(capsys):
    logs.configure("extension", "INFO")
    warnings.warn("an odd value", UserWarning, stacklevel=1)
    [line] = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert entry["logger"] == "py.warnings" and "UserWarning: an odd value" in entry["message"]
