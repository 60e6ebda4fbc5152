"""Provider status words, compared as the providers' documentation allows them to be
written: in any case and with or without separators. `COMPLETED`, `completed`,
`fraudPending`, `FRAUD_PENDING` and `payment-pending` each name one status.

Every provider's mapping tables are StatusTables (word → meaning) or StatusWords (a
set), so that an answer spelled unlike the examples still finds its meaning. What the
connector writes on a payment stays the provider's own word, as received.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

from marshmallow import ValidationError, validate

log = logging.getLogger(__name__)

V = TypeVar("V")

# Underscores, hyphens, spaces, dots...: anything but letters and digits.
_SEPARATORS = re.compile(r"[\W_]+")


def status_key(word: str) -> str:
    """The form in which two spellings of one status word are equal."""
    return _SEPARATORS.sub("", word).casefold()


def same_status(word: object, expected: str) -> bool:
    """Whether `word` (as a provider sent it) is the status `expected`."""
    return isinstance(word, str) and status_key(word) == status_key(expected)


class StatusWords:
    """A set of status words; `in` accepts any spelling of a member."""

    def __init__(self, words: Iterable[str]):
        self._words: dict[str, str] = {}
        for word in words:
            spelled = self._words.setdefault(status_key(word), word)
            if spelled != word:
                raise ValueError(f"{word!r} and {spelled!r} are one status word")

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and status_key(word) in self._words

    def __iter__(self) -> Iterator[str]:
        return iter(self._words.values())

    def __len__(self) -> int:
        return len(self._words)

    def __repr__(self) -> str:
        return f"StatusWords({list(self)!r})"


class StatusTable(Mapping[str, V]):
    """A provider's status words and what each means to the connector; looked up by any
    spelling of the word. Iterates over the words as the table spells them."""

    def __init__(self, table: Mapping[str, V]):
        self._words = StatusWords(table)
        self._values = {status_key(word): value for word, value in table.items()}

    def __getitem__(self, word: object) -> V:
        if not isinstance(word, str):
            raise KeyError(word)
        return self._values[status_key(word)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"StatusTable({dict(self)!r})"


class OneOfStatus(validate.OneOf):
    """marshmallow's OneOf for status and event words: any spelling of a choice passes
    (and is kept as sent); the choices still document the field (an OpenAPI enum)."""

    def __init__(self, choices: Iterable[str], **kwargs):
        super().__init__(choices, **kwargs)
        self._words = StatusWords(self.choices)

    def __call__(self, value):
        if value not in self._words:
            raise ValidationError(self._format_error(value))
        return value


def unknown_status_text(provider: str, word: str) -> str:
    """The paymentStatus.interfaceText of an accepted order (or a transaction) whose status
    word the connector does not know: it is recorded as Pending, never refused, and logged
    so that the word can be added to the provider's table."""
    log.warning("%s reported status %r, which the connector does not know: recorded as Pending", provider, word)
    return f"{word}: a status the connector does not know, recorded as Pending"


def state_or_pending(states: StatusTable[str], word: object, provider: str, about: str | None = None) -> str:
    """The transaction state `states` gives a provider's status word; a word it does not
    know, or none, is Pending and logged (unknown_status_text), naming what it is the
    status of (`about`) where given."""
    try:
        return states[word]
    except KeyError:
        unknown_status_text(provider, str(word) if about is None else f"{word} ({about})")
        return "Pending"
