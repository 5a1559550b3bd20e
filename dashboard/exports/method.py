"""The PDF's method chapter, written for its readers (steering group, NJi) in Dutch and English.

No table names, settings or library names: those are for developers and stay in docs/metrics.md, which holds the
same rules as formulas with a worked example. The numbers in the text (target dates and value, the projection's
completeness threshold, how many weakest points) come from `dashboard.analytics.metrics` and the report's target, so the
text cannot drift from what was calculated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

from dashboard.analytics.metrics import (
    MIN_COMPLETENESS_FOR_PROJECTION,
    MIN_ROUNDS_FOR_PROJECTION,
    WEAKEST_POINTS_COUNT,
    Target,
)
from dashboard.i18n import Lang, long_date, percent, t

Kind = Literal["h", "p", "f"]  # a sub-heading, a paragraph, a formula (set apart, wraps inside the margins)

# The chapter's blocks in order, as catalogue keys `method.<nn>.<kind>`: the last part says how a block is set.
METHOD: tuple[str, ...] = (
    "method.01.h",
    "method.02.p",
    "method.03.h",
    "method.04.f",
    "method.05.p",
    "method.06.h",
    "method.07.f",
    "method.08.p",
    "method.09.f",
    "method.10.h",
    "method.11.p",
    "method.12.h",
    "method.13.p",
    "method.14.f",
    "method.15.p",
    "method.16.f",
    "method.17.h",
    "method.18.p",
    "method.19.h",
    "method.20.p",
    "method.21.h",
    "method.22.p",
    "method.23.h",
    "method.24.f",
    "method.25.p",
)


def method_text(
    lang: Lang, target: Target, points: int, groups: Sequence[str], levels: Sequence[str]
) -> list[tuple[Kind, str]]:
    """The method chapter's blocks in `lang`, with the target, the thresholds and the framework's group names and
    level letters (in the report's language, from the framework data) filled in."""
    values = {
        "points": points,
        "groups": ", ".join(name.lower() for name in groups),
        "first_level": levels[0] if levels else "",
        "last_level": levels[-1] if levels else "",
        "value": percent(target.value, lang),
        "start": long_date(target.start, lang),
        "end": long_date(target.end, lang),
        "min_completeness": percent(MIN_COMPLETENESS_FOR_PROJECTION, lang),
        "min_rounds": MIN_ROUNDS_FOR_PROJECTION,
        "weakest": WEAKEST_POINTS_COUNT,
    }
    return [(_kind(key), t(key, lang, **values)) for key in METHOD]


def _kind(key: str) -> Kind:
    """How the block `method.<nn>.<kind>` is set."""
    return cast(Kind, key.rsplit(".", 1)[1])
