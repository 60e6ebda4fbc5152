"""Checks shared by every provider's `sessionRequest`."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError

from .errors import FieldError, InvalidInput

_MISSING = object()


def load(schema: Schema, session_request: Mapping[str, Any], owned: Mapping[str, Any]) -> dict[str, Any]:
    """Validates `session_request` with the provider's schema and checks that it leaves
    the connector's own fields alone; raises one InvalidInput with every error.

    `owned` maps a dotted path inside sessionRequest to the connector's value: such a
    field may repeat that value, never change it."""
    if not session_request and (empty := _loaded_when_empty(schema)) is not None:
        return copy.deepcopy(empty)  # a payment without sessionRequest: checked once per schema
    errors = [
        FieldError(f"sessionRequest.{path}", f"is set by the connector to {_shown(expected)}")
        for path, expected in owned.items()
        if (given := _lookup(session_request, path)) is not _MISSING and not _same(given, expected)
    ]
    try:
        loaded = schema.load(session_request)
    except ValidationError as error:
        errors += InvalidInput.from_messages(error.messages, prefix="sessionRequest").errors
    if errors:
        raise InvalidInput(sorted(errors, key=lambda e: e.field))
    return loaded


@functools.cache
def _loaded_when_empty(schema: Schema) -> dict[str, Any] | None:
    """What the schema makes of an empty sessionRequest (its defaults); None when it
    refuses one (required keys)."""
    try:
        return schema.load({})
    except ValidationError:
        return None


def _shown(value: Any) -> str:
    """A value as the storefront would write it in its JSON."""
    return str(value) if isinstance(value, Decimal) else json.dumps(value)


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, Mapping) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _same(given: Any, expected: Any) -> bool:
    if given == expected:
        return True
    try:  # amounts: "10.0" and 10 are the same as "10.00"
        return Decimal(str(given)) == Decimal(str(expected))
    except (InvalidOperation, ValueError):
        return False
