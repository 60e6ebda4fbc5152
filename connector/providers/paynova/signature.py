"""Paynova's digests: SHA-1 hex of values joined with ";" and the merchant's secret key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from ...errors import NotAuthentic

# The event hook fields DIGEST covers, in order; the payment fields are not among them.
EVENT_DIGEST_FIELDS = ("EVENT_TYPE", "EVENT_TIMESTAMP", "DELIVERY_TIMESTAMP", "MERCHANT_ID")
BODY_DIGEST_HEADER = "Pn-Digest"


def digest(values: Iterable[str], secret: str) -> str:
    """Paynova's digest scheme: the values and the secret joined with ";", SHA-1,
    upper-case hex (the POST-redirect and event hook DIGESTs both use it)."""
    return hashlib.sha1(";".join([*values, secret]).encode("utf-8")).hexdigest().upper()


def event_digest(fields: Mapping[str, str], secret: str) -> str:
    """The DIGEST field of an event hook notification."""
    return digest((fields.get(name, "") for name in EVENT_DIGEST_FIELDS), secret)


def body_digest(body: bytes, secret: str) -> str:
    """The Pn-Digest header: the raw form body followed by the secret."""
    return hashlib.sha1(body + secret.encode("utf-8")).hexdigest().upper()


def verify_event(fields: Mapping[str, str], headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """Raises NotAuthentic unless DIGEST matches and, when Paynova sends it, Pn-Digest too."""
    if not _matches(fields.get("DIGEST", ""), event_digest(fields, secret)):
        raise NotAuthentic("the notification's DIGEST does not match")
    header = headers.get(BODY_DIGEST_HEADER)
    if header is not None and not _matches(header, body_digest(body, secret)):
        raise NotAuthentic(f"the notification's {BODY_DIGEST_HEADER} header does not match")


def _matches(given: str, expected: str) -> bool:
    # Paynova sends upper-case hex; either case is accepted, compared in constant time.
    return bool(given) and hmac.compare_digest(given.upper().encode(), expected.encode())
