"""python -m deploy setup [--dry-run] | status | teardown [--tenant NAME]

Works on every tenant of the deployment, one after another, or on the one named. A tenant
that fails (its project unreachable, say) does not stop the others; the exit status is
then non-zero."""

from __future__ import annotations

import argparse
import sys

from connector.configuration import Configuration, Tenant, read_configuration
from connector.ctp import Commercetools, CommercetoolsAuthError
from connector.environment import ConfigError
from connector.errors import CommercetoolsUnavailable

from . import commands
from .resources import DeployError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    setup_parser = sub.add_parser("setup", help="create or update the custom types and the API extension")
    setup_parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    sub.add_parser("status", help="exit non-zero when the project differs from the configuration")
    sub.add_parser("teardown", help="remove the API extension")
    for command in sub.choices.values():
        command.add_argument("--tenant", metavar="NAME", help="only this tenant (default: every tenant)")
    args = parser.parse_args(argv)

    try:
        configuration = read_configuration()
        chosen = configuration.chosen(args.tenant)
    except ConfigError as error:
        return _fail(f"configuration error: {error}")
    return max(_on_tenant(configuration, tenant, args) for tenant in chosen)


def _on_tenant(configuration: Configuration, tenant: Tenant, args: argparse.Namespace) -> int:
    """The command on one tenant's project: 0, 1 (status: the project differs) or 2 (failed)."""
    named = f"tenant {tenant.name}: " if configuration.from_document else ""

    def out(line: str) -> None:
        print(f"{named}{line}", flush=True)

    settings = tenant.settings
    try:
        if args.command != "teardown":
            settings.require("EXTENSION_PUBLIC_URL", "EXTENSION_USERNAME", "EXTENSION_PASSWORD")
        project = commands.Project(Commercetools(settings.commercetools))
        out(f"project {settings.commercetools.project_key} at {settings.commercetools.api_url}")
        path = configuration.path_of(tenant)
        if args.command == "setup":
            return commands.setup(settings, project, out, dry_run=args.dry_run, tenant=path)
        if args.command == "status":
            return commands.status(settings, project, out, tenant=path)
        return commands.teardown(project, out)
    except ConfigError as error:
        return _fail(f"{named}configuration error: {error}")
    except CommercetoolsAuthError as error:
        return _fail(f"{named}{error}")
    except CommercetoolsUnavailable as error:
        return _fail(f"{named}cannot use the commercetools project: {error}")
    except DeployError as error:
        return _fail(f"{named}{error}")


def _fail(message: str) -> int:
    print(f"deploy: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
