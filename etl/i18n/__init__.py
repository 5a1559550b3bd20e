"""Every text a person reads, in Dutch (default) and English, and numbers, percentages and dates per language.

The texts live in two gettext catalogues, `locale/nl/LC_MESSAGES/raak.po` and `locale/en/LC_MESSAGES/raak.po`,
read with Babel once per process. A message id is a key such as `nav.national` (a prefix per area: `figure.`,
`pdf.`, `xlsx.`, `report.`, `method.`, `download.`, `issue.`, none for the pages); its text may hold
`{placeholders}`, filled by :func:`t`. Numbers, percentages and dates are written by Babel's locale functions for
nl_NL and en_GB. This package sits at the bottom of the house so the ETL, the exports and the pages share it.

Names from the data (points, levels, statuses, regions) come from the database in the chosen language; the
catalogues hold only the interface's own words.
"""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")
DEFAULT_LANGUAGE: Lang = "nl"
BABEL_LOCALES: dict[Lang, str] = {"nl": "nl_NL", "en": "en_GB"}
MISSING = "–"  # an undefined number or date
FORMATTED_NUMBERS_KEPT = 16_384  # formatted shares kept per process (a few MB at most)
DOMAIN = "raak"
LOCALE_DIR = Path(__file__).with_name("locale")


def catalogue_path(lang: Lang) -> Path:
    """The .po file of `lang`."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: Lang) -> dict[str, str]:
    """Key → text of `lang`, read from its .po file once per process (no compiled .mo, no build step)."""
    from babel.messages.pofile import read_po  # here, like Babel's number and date functions below: the .xls
    # reader's own process imports this package for its texts and starts faster without Babel

    with catalogue_path(lang).open("rb") as file:
        messages = read_po(file, locale=BABEL_LOCALES[lang], domain=DOMAIN)
    return {str(message.id): str(message.string) for message in messages if message.id}


def normalize_language(value: object) -> Lang:
    """The language asked for in the URL, or Dutch for anything else (a crafted callback may send any JSON)."""
    return "en" if isinstance(value, str) and value.strip().lower() == "en" else DEFAULT_LANGUAGE


def has(key: str) -> bool:
    """Whether the catalogues hold `key` (for texts whose key is built from data, such as a column name)."""
    return key in catalogue(DEFAULT_LANGUAGE)


def t(key: str, lang: Lang, **values: object) -> str:
    """The text `key` in `lang`, with `{placeholders}` filled in; a key missing from the catalogue raises KeyError."""
    texts = catalogue("en" if lang == "en" else "nl")
    try:
        text = texts[key]
    except KeyError:
        raise KeyError(f"no text {key!r} in the {lang} catalogue ({catalogue_path(lang)})") from None
    return text.format(**values) if values else text


def count_text(key: str, count: int, lang: Lang) -> str:
    """`key` with {count} filled in, or its `.one` form for exactly one ("1 melding", not "1 meldingen")."""
    return t(f"{key}.one", lang) if count == 1 and has(f"{key}.one") else t(key, lang, count=count)


def _undefined(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent(value: float | None, lang: Lang, digits: int = 1) -> str:
    """A share as text: 0.635 → "63,5%" (nl_NL) / "63.5%" (en_GB); "–" when undefined."""
    if value is None or _undefined(value):
        return MISSING
    return _percent(float(value), lang, digits)


@lru_cache(maxsize=FORMATTED_NUMBERS_KEPT)
def _percent(value: float, lang: Lang, digits: int) -> str:
    """Babel's formatting, kept per value: a page shows the same few hundred shares (k of 35 points) many times."""
    from babel.numbers import format_percent

    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=BABEL_LOCALES[lang])


def percentage_points(value: float | None, lang: Lang, digits: int = 1) -> str:
    """A difference of shares in percentage points, without unit: 0.414 → `41,4` (nl) / `41.4` (en)."""
    if value is None or _undefined(value):
        return MISSING
    return number(value * 100, lang, digits)


def number(value: float, lang: Lang, digits: int = 1) -> str:
    """A number with `digits` decimals and no grouping: `41,4` (nl) / `41.4` (en)."""
    from babel.numbers import format_decimal

    pattern = "0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=BABEL_LOCALES[lang])


def integer(value: int, lang: Lang) -> str:
    """A whole number with thousands separators: `1.095` in Dutch, `1,095` in English."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0", locale=BABEL_LOCALES[lang])


def long_date(day: date | None, lang: Lang) -> str:
    """`31 december 2011` / `31 December 2011`; a dash when unknown."""
    if day is None:
        return MISSING
    from babel.dates import format_date

    return format_date(day, format="long", locale=BABEL_LOCALES[lang])


def both_languages(key: str, **values: object) -> tuple[str, str]:
    """The text `key` in Dutch and in English, for what stores both (an issue in a return, an error of a job)."""
    return t(key, "nl", **values), t(key, "en", **values)
