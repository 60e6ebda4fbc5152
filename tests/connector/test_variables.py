"""The declared environment variables are exactly what the code reads, and what the
README documents."""

import re
from pathlib import Path

from connector.providers import all_variables, read_settings

README = Path(__file__).resolve().parents[2] / "README.md"


class RecordingEnviron(dict):
    def __init__(self, values):
        super().__init__(values)
        self.read = set()

    def get(self, name, default=None):
        self.read.add(name)
        return super().get(name, default)


def plausible(name: str) -> str:
    if name.endswith("_URL"):
        return "https://service.example.test"
    return {"PROVIDER_TIMEOUT_MS": "5000", "LOG_LEVEL": "INFO", "CTP_SCOPES": "manage_project:shop"}.get(name, "value")


def test_the_code_reads_exactly_the_declared_variables(env):
    # Every variable set (every provider enabled), so that every one is read.
    environ = RecordingEnviron({variable.name: plausible(variable.name) for variable in all_variables()} | env)
    read_settings(environ)
    assert environ.read == {variable.name for variable in all_variables()}


def test_the_readme_documents_every_variable():
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", section))
    declared = {variable.name for variable in all_variables()}
    assert declared <= documented, f"undocumented: {sorted(declared - documented)}"
    unknown = (
        documented
        - declared
        - {
            "OAUTHLIB_INSECURE_TRANSPORT",
            "OAUTHLIB_RELAX_TOKEN_SCOPE",
            "PROMETHEUS_MULTIPROC_DIR",
            "WEB_CONCURRENCY",
            "GUNICORN_THREADS",
            "GUNICORN_WORKER_CLASS",
        }
    )
    assert not unknown, f"documented but not read: {sorted(unknown)}"
