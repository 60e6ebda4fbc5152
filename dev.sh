#!/usr/bin/env bash
# Set-up and entry points for a fresh machine (Python 3.11+, Node.js 20+, npm; the
# benchmark also needs wrk, which it names how to install when it is missing):
#   ./dev.sh run     start the connector locally with the emulator and the sandboxes
#   ./dev.sh test    lint, format and type checks, then the whole test suite (extra
#                    arguments go to pytest)
#   ./dev.sh bench   measure what a checkout request costs (--quick: tiny counts)
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}

install() {
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "dev.sh: Python 3.11 or newer is required ($python)" >&2; exit 1; }
  command -v node >/dev/null && command -v npm >/dev/null ||
    { echo "dev.sh: Node.js and npm are required for the commercetools emulator" >&2; exit 1; }

  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local wanted
  wanted=$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)
  if [ "$(cat .venv/.installed 2>/dev/null)" != "$wanted" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
    echo "$wanted" > .venv/.installed
  fi

  wanted=$(sha256sum package-lock.json | cut -c1-16)
  if [ "$(cat node_modules/.installed 2>/dev/null)" != "$wanted" ]; then
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$wanted" > node_modules/.installed
  fi
}

check_code() {
  .venv/bin/ruff check --quiet .
  .venv/bin/ruff format --check --quiet .
  .venv/bin/mypy
}

case "${1:-}" in
  run)
    install
    exec .venv/bin/python -m sandboxes "${@:2}"
    ;;
  test)
    install
    check_code
    exec .venv/bin/python -m pytest "${@:2}"
    ;;
  bench)
    install
    exec .venv/bin/python -m bench "${@:2}"
    ;;
  *)
    echo "usage: ./dev.sh run | test [pytest arguments] | bench [--quick]" >&2
    exit 2
    ;;
esac
