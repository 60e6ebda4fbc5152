"""Masking secrets and card data before anything is logged or stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

# Keys (compared case-insensitively) whose values never leave the connector.
SENSITIVE_KEYS = frozenset(
    key.lower()
    for key in (
        "authorization",
        "password",
        "secret",
        "secretKey",
        "merchantSecretKey",
        "clientSecret",
        "client_secret",
        "access_token",
        "refresh_token",
        "checksum",
        "advanceResponseChecksum",
        "responsechecksum",
        "cardNumber",
        "cardHolderName",
        "nameOnCard",
        "CVV",
        "cvv2",
        "expirationMonth",
        "expirationYear",
        "ccCardNumber",
        "ccExpMonth",
        "ccExpYear",
        "bin",
        "last4Digits",
        "expMonth",
        "expYear",
        "Token",
        "tokenId",
        "userPaymentOptionId",
    )
)


def redact(value: Any, extra_keys: Iterable[str] = ()) -> Any:
    """A copy of `value` with every sensitive key's value replaced by a mask."""
    keys = SENSITIVE_KEYS | {key.lower() for key in extra_keys} if extra_keys else SENSITIVE_KEYS
    return _redact(value, keys)


def _redact(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: MASK if str(k).lower() in keys else _redact(v, keys) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(item, keys) for item in value]
    return value
