"""Municipal changes (mergers, annexations, renumberings, the one split) and the divisions they lead to.

Pure functions over `Change` records, shared by the reference load (which derives the 2009 and 2010 divisions
from 2008), validation (which names a dissolved municipality's successor) and the metrics (which map an earlier
round onto a later division). A division year Y is the CBS convention: the municipalities of 1 January Y, so a
change dated D first shows in the division of the year after D, or of D's year when D is 1 January.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

FULL_SHARE = 1.0


@dataclass(frozen=True)
class Change:
    """`old_code` passed (`share` of its population) to `new_code` on `on`."""

    on: date
    old_code: str
    new_code: str
    share: float = FULL_SHARE
    change_type: str = ""


def division_date(year: int) -> date:
    """The day a division year describes: 1 January."""
    return date(year, 1, 1)


def changes_between(changes: Iterable[Change], from_year: int, to_year: int) -> list[Change]:
    """The changes after the division of `from_year` up to and including the one of `to_year`, oldest first."""
    start, end = division_date(from_year), division_date(to_year)
    return sorted((c for c in changes if start < c.on <= end), key=lambda c: (c.on, c.new_code, c.old_code))


def apply_changes(codes: Iterable[str], changes: Iterable[Change], from_year: int, to_year: int) -> set[str]:
    """The municipality codes of `to_year`, from those of `from_year` and the changes in between."""
    result = set(codes)
    for change in changes_between(changes, from_year, to_year):
        result.discard(change.old_code)
        result.add(change.new_code)
    return result


def crosswalk(
    codes: Iterable[str], changes: Iterable[Change], from_year: int, to_year: int
) -> dict[str, dict[str, float]]:
    """old code → {new code: share of the old municipality's population}, over every change in between.

    Starts from the identity over `codes` and follows each change in date order, so a municipality that merged
    twice ends at its last successor and a split divides its share by the shares in the change file.
    """
    shares: dict[str, dict[str, float]] = {code: {code: FULL_SHARE} for code in codes}
    for (on, old), parts in _grouped(changes_between(changes, from_year, to_year)).items():
        del on
        total = sum(change.share for change in parts) or FULL_SHARE
        for mapping in shares.values():
            weight = mapping.pop(old, None)
            if weight is None:
                continue
            for change in parts:
                mapping[change.new_code] = mapping.get(change.new_code, 0.0) + weight * change.share / total
    return shares


def _grouped(changes: Sequence[Change]) -> dict[tuple[date, str], list[Change]]:
    grouped: dict[tuple[date, str], list[Change]] = defaultdict(list)
    for change in changes:
        grouped[(change.on, change.old_code)].append(change)
    return dict(grouped)


def predecessors(walk: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Invert a crosswalk: new code → {old code: share of the old municipality that went to it}."""
    result: dict[str, dict[str, float]] = defaultdict(dict)
    for old, mapping in walk.items():
        for new, share in mapping.items():
            result[new][old] = share
    return dict(result)


def main_successor(parts: Mapping[str, float]) -> str:
    """The successor that received the largest share (ties: lowest code)."""
    return min(parts, key=lambda code: (-parts[code], code))
