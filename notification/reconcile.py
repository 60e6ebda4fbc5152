"""python -m notification.reconcile: settles payments whose notifications never came.

It pages through our payments (a commercetools query, never a scan in memory) that have
an Initial or Pending transaction, or an open session and no transaction, last modified
between --older-than minutes and --max-age days ago. For each it asks the provider what
became of it and applies the answer through the very code path notifications take, so
that it is safe to run anywhere and any number of times: a repeat, a second run at the
same time (409s are retried on the fresh version) and a later notification change nothing.

A provider without a read API is skipped with a log line; one that keeps failing is
skipped for the rest of the run and reported. The exit status is 1 when commercetools or
a provider failed, so that a scheduler alerts.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO
from urllib.parse import urlencode

from connector import correlation, logs
from connector.configuration import BuiltTenant, UnknownTenant, built_tenants, read_configuration
from connector.ctp import Commercetools
from connector.environment import ConfigError
from connector.errors import CommercetoolsUnavailable, ConnectorError, ProviderUnavailable
from connector.http import Deadline
from connector.payment import Payment
from connector.providers import REGISTRY, Providers
from connector.providers.base import Call, Provider
from connector.tenants import DEFAULT_TENANT

from .notifications import Notifications

log = logging.getLogger("notification.reconcile")

PAGE_SIZE = 100
# A provider that fails this many payments in a row is down: its other payments wait
# for the next run.
FAILURES_BEFORE_DOWN = 3
# commercetools' answer to a page of payments.
COMMERCETOOLS_SECONDS = 20.0

OUTCOMES = ("changed", "unchanged", "failed", "skipped")


@dataclass(frozen=True)
class Options:
    providers: tuple[str, ...]
    older_than: timedelta
    max_age: timedelta
    dry_run: bool = False
    limit: int | None = None
    concurrency: int = 4  # calls at once toward each provider
    rate: float = 10.0  # calls per second toward each provider at most


@dataclass
class Summary:
    """What a run did, by provider and outcome; printed as one JSON line at the end."""

    by_provider: dict[str, Counter] = field(default_factory=dict)
    commercetools_failed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, provider: str, outcome: str) -> None:
        with self._lock:
            self.by_provider.setdefault(provider, Counter())[outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(counts[outcome] for counts in self.by_provider.values())

    @property
    def failed(self) -> bool:
        return self.commercetools_failed or self.total("failed") > 0

    def as_json(self) -> dict:
        return {
            "event": "reconciliation.summary",
            "seen": sum(self.total(outcome) for outcome in OUTCOMES),
            **{outcome: self.total(outcome) for outcome in OUTCOMES},
            "commercetoolsFailed": self.commercetools_failed,
            "byProvider": {name: {o: counts[o] for o in OUTCOMES} for name, counts in sorted(self.by_provider.items())},
        }


def where_predicate(providers: tuple[str, ...], older_than: timedelta, max_age: timedelta, now: datetime) -> str:
    """Our payments, of these providers, that may await a provider's word."""
    interfaces = sorted({spelling for name in providers for spelling in (name, name.capitalize(), name.upper())})
    names = ", ".join(json.dumps(interface) for interface in interfaces)
    return (
        f"paymentMethodInfo(paymentInterface in ({names}))"
        f' and lastModifiedAt <= "{_timestamp(now - older_than)}" and lastModifiedAt >= "{_timestamp(now - max_age)}"'
        ' and (transactions(state in ("Initial", "Pending")) or (interfaceId is defined and transactions is empty))'
    )


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RateLimit:
    """At most `per_second` starts, spread evenly, across the threads that share it."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic):
        self._interval = 1 / per_second
        self._clock = clock
        self._next = clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        time.sleep(max(0.0, start - now))


class _ProviderLane:
    """Calls toward one provider: bounded concurrency, a rate limit, and a count of
    failures in a row after which the provider is down for this run."""

    def __init__(self, provider: Provider, options: Options):
        self.provider = provider
        self.pool = ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix=f"reconcile-{provider.name}")
        self.rate = RateLimit(options.rate)
        self._failures_in_a_row = 0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self._failures_in_a_row >= FAILURES_BEFORE_DOWN

    def failed(self) -> None:
        with self._lock:
            self._failures_in_a_row += 1

    def answered(self) -> None:
        with self._lock:
            self._failures_in_a_row = 0


class Reconciliation:
    def __init__(
        self,
        commercetools: Commercetools,
        providers: Providers,
        timeout: float,
        out: TextIO = sys.stdout,
        tenant: str = DEFAULT_TENANT,
    ):
        self.commercetools = commercetools
        self.providers = providers
        self.timeout = timeout
        self.out = out
        self.tenant = tenant
        self.notifications = Notifications(providers, commercetools, timeout)

    def run(self, options: Options, now: datetime | None = None) -> Summary:
        summary = Summary()
        lanes = {name: _ProviderLane(self.providers.get(name), options) for name in options.providers}
        where = where_predicate(options.providers, options.older_than, options.max_age, now or datetime.now(UTC))
        try:
            for number, page in enumerate(self._pages(where, options.limit), start=1):
                futures = [
                    lane.pool.submit(self._settle, payment, lane, options, summary)
                    for payment in page
                    if (lane := lanes.get(payment.provider_name or "")) is not None
                ]
                for future in futures:
                    future.result()
                self._print({"event": "reconciliation.page", "page": number, "payments": len(page)} | _totals(summary))
        except CommercetoolsUnavailable as error:
            log.error("reconciliation stopped: commercetools failed: %s", error)
            summary.commercetools_failed = True
        finally:
            for lane in lanes.values():
                lane.pool.shutdown(wait=True)
        self._print(summary.as_json())
        return summary

    def _pages(self, where: str, limit: int | None) -> Iterator[list[Payment]]:
        """Pages of payments by ascending id, each query starting after the last id seen,
        so that paging stays cheap and nothing is skipped while payments change."""
        last_id, remaining = None, limit
        while remaining is None or remaining > 0:
            size = PAGE_SIZE if remaining is None else min(PAGE_SIZE, remaining)
            predicate = where if last_id is None else f'{where} and id > "{last_id}"'
            query = urlencode({"where": predicate, "sort": "id asc", "limit": size, "withTotal": "false"})
            found = self.commercetools.read(f"payments?{query}", Deadline(COMMERCETOOLS_SECONDS)) or {}
            page = [Payment.from_json(result) for result in found.get("results", [])]
            if not page:
                return
            yield page
            last_id = page[-1].id
            remaining = None if remaining is None else remaining - len(page)
            if len(page) < size:
                return

    def _settle(self, payment: Payment, lane: _ProviderLane, options: Options, summary: Summary) -> None:
        name = lane.provider.name
        if lane.down:
            summary.count(name, "failed")
            return
        correlation_id = f"reconcile-{uuid.uuid4().hex[:16]}"
        tokens = correlation.bind(correlation_id), correlation.bind_tenant(self.tenant)  # in this worker thread
        try:
            lane.rate.wait()
            event = lane.provider.read_back(payment, Call(Deadline(self.timeout), correlation_id))
            lane.answered()
            if event is None:
                summary.count(name, "unchanged")
            elif options.dry_run:
                actions = self.notifications.actions(lane.provider, event, payment, correlation_id)
                self._show(payment, actions, summary, name)
            else:
                changed = self.notifications.apply(lane.provider, event, correlation_id, just_read=payment)
                summary.count(name, "changed" if changed else "unchanged")
        except ProviderUnavailable as error:
            lane.failed()
            log.warning("payment %s: %s", payment.id, error)
            summary.count(name, "failed")
        except CommercetoolsUnavailable as error:
            log.error("payment %s: commercetools failed: %s", payment.id, error)
            summary.count(name, "failed")
        except ConnectorError as error:  # the provider's answer does not fit the payment
            log.warning("payment %s left as it is: %s", payment.id, error)
            summary.count(name, "failed")
        finally:
            correlation.unbind_tenant(tokens[1])
            correlation.unbind(tokens[0])

    def _show(self, payment: Payment, actions: list[dict], summary: Summary, provider: str) -> None:
        summary.count(provider, "changed" if actions else "unchanged")
        if actions:
            self._print({"event": "reconciliation.wouldChange", "paymentId": payment.id, "actions": actions})

    def _print(self, line: dict) -> None:
        print(json.dumps({**line, "tenant": self.tenant}), file=self.out, flush=True)


def _totals(summary: Summary) -> dict:
    return {outcome: summary.total(outcome) for outcome in OUTCOMES}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m notification.reconcile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", metavar="NAME", help="only this tenant's payments (default: every tenant's)")
    parser.add_argument("--provider", choices=sorted(REGISTRY), help="only this provider's payments")
    parser.add_argument(
        "--older-than",
        type=_non_negative,
        default=15,
        metavar="MINUTES",
        help="last modified at least this long ago (default 15; 0 takes every such payment)",
    )
    parser.add_argument(
        "--max-age",
        type=_non_negative,
        default=30,
        metavar="DAYS",
        help="last modified at most this long ago (default 30)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    parser.add_argument("--limit", type=_positive, metavar="N", help="at most this many payments")
    parser.add_argument("--concurrency", type=_positive, default=4, help="calls at once toward each provider")
    parser.add_argument("--rate", type=float, default=10.0, help="calls per second toward each provider at most")
    return parser.parse_args(argv)


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    """Every tenant of the deployment in turn, or the one --tenant names; a tenant that
    fails does not stop the others, and makes the exit status non-zero."""
    args = parse(argv)
    try:
        configuration = read_configuration()
        # An empty name (an unset variable in a scheduler's command line) is no tenant either.
        tenants = configuration.chosen(args.tenant)
    except UnknownTenant as error:
        print(f"reconcile: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"reconcile: configuration error: {error}", file=sys.stderr)
        return 2
    if args.provider:
        # A tenant without the provider has none of its payments; only when no tenant has
        # it is --provider a mistake, which each tenant then reports.
        tenants = [tenant for tenant in tenants if args.provider in tenant.settings.providers] or tenants
    logs.configure("reconcile", configuration.deployment.log_level)
    failed = False
    for built in built_tenants(configuration, tenants=tenants):
        token = correlation.bind_tenant(built.tenant.name)  # on every log line of the tenant's run
        try:
            failed |= _reconcile(built, args)
        finally:
            correlation.unbind_tenant(token)
    return 1 if failed else 0


def _reconcile(built: BuiltTenant, args: argparse.Namespace) -> bool:
    """Whether the tenant's run failed."""
    tenant, commercetools, providers = built.tenant, built.commercetools, built.providers
    settings = tenant.settings
    readable = []
    for name in [args.provider] if args.provider else sorted(settings.providers):
        if name not in settings.providers:
            log.error("%s is not configured for this tenant; its payments are not reconciled", name)
        elif not providers.get(name).reads_back:
            log.warning("%s offers no way to read a payment back; its payments are not reconciled", name)
        else:
            readable.append(name)
    if not readable:
        print(json.dumps({**Summary().as_json(), "tenant": tenant.name}))
        return args.provider is not None
    options = Options(
        providers=tuple(readable),
        older_than=timedelta(minutes=args.older_than),
        max_age=timedelta(days=args.max_age),
        dry_run=args.dry_run,
        limit=args.limit,
        concurrency=args.concurrency,
        rate=args.rate,
    )
    return Reconciliation(commercetools, providers, settings.provider_timeout, tenant=tenant.name).run(options).failed


if __name__ == "__main__":
    sys.exit(main())
