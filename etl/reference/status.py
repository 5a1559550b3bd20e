"""Parse a status cell as people type it: `3`, `3.0`, `" 3 "`, `Ingevoerd`, `3 - Ingevoerd`, `n.v.t.`, ...

The accepted spellings come from the status scale in `data_templates/status_scale.yaml`, never from code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from etl.reference.framework import StatusScale, load_status_scale

# "3", "3.0", "3,0" (Dutch decimal comma), optionally followed by a separator and a label: "3 - Ingevoerd", "3: x".
_NUMBER_AND_LABEL = re.compile(r"^(?P<number>[+-]?\d{1,9})(?:[.,]0+)?(?:\s*[-–—:.)]\s*|\s+)?(?P<label>.*)$")


PARSED_CACHE_SIZE = 4096  # distinct cell values whose outcome a parser remembers
CACHED_TYPES = frozenset({int, float, str})  # values remembered (by type and value: 3, 3.0 and "3" apart)


class InvalidStatus(ValueError):
    """A status cell holds something that is not on the scale; the message lists what is accepted."""


@dataclass(frozen=True)
class StatusValue:
    """A parsed status: a value on the scale, or n.v.t. (then `status` is None)."""

    status: int | None
    not_applicable: bool


def _fold(text: str) -> str:
    """Case- and whitespace-insensitive form of a label."""
    return " ".join(text.split()).casefold()


class StatusParser:
    """Turns a cell value into a :class:`StatusValue`, `None` for a blank cell, or raises :class:`InvalidStatus`."""

    def __init__(self, scale: StatusScale) -> None:
        self.scale = scale
        self.values = frozenset(scale.values)
        self.labels: dict[str, int] = {}
        for status in scale.statuses:
            self.labels[_fold(status.label_nl)] = status.value
            self.labels[_fold(status.label_en)] = status.value
        spellings = {scale.not_applicable_key, scale.not_applicable_label_nl, scale.not_applicable_label_en}
        self.not_applicable = {_fold(s) for s in (*spellings, *scale.not_applicable_aliases)}
        self.not_applicable |= {s.replace(".", "") for s in self.not_applicable}
        self._parsed: dict[tuple[type, object], StatusValue | None] = {}

    def accepted(self) -> str:
        """A short description of what a status cell may hold, for error messages."""
        low, high = min(self.values), max(self.values)
        return f"{low}-{high}, {self.scale.not_applicable_label_nl}"

    def parse(self, raw: object) -> StatusValue | None:
        """Parse one cell value (as read from the workbook); what parsed once is remembered (a national round has
        14,630 status cells and a handful of distinct values)."""
        key = (type(raw), raw)
        try:
            return self._parsed[key]
        except (KeyError, TypeError):  # not seen yet, or not hashable
            pass
        parsed = self._parse(raw)
        if len(self._parsed) < PARSED_CACHE_SIZE and type(raw) in CACHED_TYPES:
            self._parsed[key] = parsed
        return parsed

    def _parse(self, raw: object) -> StatusValue | None:
        if raw is None:
            return None
        if isinstance(raw, bool):  # TRUE/FALSE is a cell type of its own, not a number
            raise InvalidStatus(f"{raw!r}")
        if isinstance(raw, int | float):
            return self._number(raw, raw)
        if not isinstance(raw, str):
            raise InvalidStatus(f"{raw!r}")
        text = _fold(raw)
        if not text:
            return None
        if text in self.not_applicable or text.replace(".", "") in self.not_applicable:
            return StatusValue(None, True)
        if text in self.labels:
            return StatusValue(self.labels[text], False)
        match = _NUMBER_AND_LABEL.match(text)
        if match is None:
            raise InvalidStatus(raw)
        parsed = self._number(int(match.group("number")), raw)
        label = match.group("label").strip()
        if label and self.labels.get(label) != parsed.status:
            raise InvalidStatus(raw)  # "3 - Niet gestart": number and label disagree
        return parsed

    def _number(self, number: float, raw: object) -> StatusValue:
        if number != number or number not in self.values or int(number) != number:  # NaN, out of range, 2.5
            raise InvalidStatus(raw)
        return StatusValue(int(number), False)


@lru_cache(maxsize=1)
def default_parser() -> StatusParser:
    """The parser for the shipped status scale."""
    return StatusParser(load_status_scale())
