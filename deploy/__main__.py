"""python -m deploy setup [--dry-run] | status | teardown"""

from __future__ import annotations

import argparse
import sys

from connector.ctp import Commercetools, CommercetoolsAuthError
from connector.environment import ConfigError
from connector.errors import CommercetoolsUnavailable
from connector.providers import read_settings

from . import commands
from .resources import DeployError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    setup_parser = sub.add_parser("setup", help="create or update the custom types and the API extension")
    setup_parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    sub.add_parser("status", help="exit non-zero when the project differs from the configuration")
    sub.add_parser("teardown", help="remove the API extension")
    args = parser.parse_args(argv)

    def out(line: str) -> None:
        print(line, flush=True)

    try:
        settings = read_settings()
        if args.command != "teardown":
            settings.require("EXTENSION_PUBLIC_URL", "EXTENSION_USERNAME", "EXTENSION_PASSWORD")
        ct = Commercetools(settings.commercetools)
        project = commands.Project(ct)
        out(f"project {settings.commercetools.project_key} at {settings.commercetools.api_url}")
        if args.command == "setup":
            return commands.setup(settings, project, out, dry_run=args.dry_run)
        if args.command == "status":
            return commands.status(settings, project, out)
        return commands.teardown(project, out)
    except ConfigError as error:
        return _fail(f"configuration error: {error}")
    except CommercetoolsAuthError as error:
        return _fail(str(error))
    except CommercetoolsUnavailable as error:
        return _fail(f"cannot use the commercetools project: {error}")
    except DeployError as error:
        return _fail(str(error))


def _fail(message: str) -> int:
    print(f"deploy: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
