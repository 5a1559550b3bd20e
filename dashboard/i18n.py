"""The dashboard's side of the one translation system in `etl.i18n` (gettext catalogues read with Babel).

Texts, numbers, percentages and dates come from `etl.i18n`, re-exported here for the dashboard's layers; this
module adds only what the browser needs: the locale tags and the formatter of numbers in table cells.
"""

from __future__ import annotations

from etl.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    MISSING,
    Lang,
    count_text,
    has,
    integer,
    long_date,
    normalize_language,
    number,
    percent,
    percentage_points,
    t,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALES",
    "MISSING",
    "Lang",
    "count_text",
    "grid_number_format",
    "has",
    "integer",
    "long_date",
    "normalize_language",
    "number",
    "percent",
    "percentage_points",
    "t",
]

LOCALES: dict[Lang, str] = {"nl": "nl-NL", "en": "en-GB"}  # for numbers formatted in the browser (tables)


def grid_number_format(lang: Lang, digits: int) -> dict[str, str]:
    """A table cell formatter (AG Grid valueFormatter, assets/dashAgGridFunctions.js) that writes a number in
    `lang`: 90,6 / 1.095 in Dutch, 90.6 / 1,095 in English, a dash when empty; the cell keeps the number, so it
    still sorts as one."""
    return {"function": f"raakNumber(params.value, '{LOCALES[lang]}', {digits})"}
