"""Chart and table downloads a Dutch (or English) user can open: headers in the language, shares as percentages.

Dutch: `;` between columns, decimal comma, UTF-8 with BOM, "58,6%" — what Dutch Excel reads as columns and
numbers. English: the international form (`,`, decimal point). The Excel download carries the same headers, the
shares as numbers formatted as percentages, dates as dates. Internal codes of a few columns (scope, series,
projection status) and yes/no are put into words; code columns (region_code, group_code, …) stay as they are, so a
download can be joined to other data.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
from babel.numbers import get_decimal_symbol

from dashboard.i18n import Lang, has, percent, t
from etl.i18n import BABEL_LOCALES, LANGUAGES
from etl.templates.xlsx import column_letter  # openpyxl loads only when a download is written

CSV_SEPARATOR = {"nl": ";", "en": ","}
DECIMAL = {lang: get_decimal_symbol(BABEL_LOCALES[lang]) for lang in LANGUAGES}  # "," in nl_NL, "." in en_GB
PERCENT_DIGITS = 1
XLSX_PERCENT_FORMAT = "0.0%"
XLSX_DATE_FORMAT = "yyyy-mm-dd"
MAX_COLUMN_WIDTH = 60

PERCENT_COLUMNS = frozenset(
    {"coverage", "coverage_reporting", "completeness", "target", "gap", "gap_trajectory", "share", "value"}
)
DATE_COLUMNS = frozenset({"reference_date", "date", "deadline", "projected_date"})
TIMESTAMP_COLUMNS = frozenset({"uploaded_at", "last_upload"})
BOOLEAN_COLUMNS = frozenset({"has_return", "on_track", "not_applicable", "lags"})

# Headers are the catalogue's `download.column.<column>` (a column without one: its name with spaces); the coded
# values of these columns are its `download.value.<column>.<code>` (a code without one stays as it is).
VALUE_COLUMNS = frozenset({"scope", "series", "projection_status"})


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would treat as a formula (=, +, -, @, tab, CR first) gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def header(column: str, lang: Lang) -> str:
    """The column's header in `lang` (an unknown column: its name with spaces)."""
    key = f"download.column.{column}"
    return t(key, lang) if has(key) else column.replace("_", " ")


def yes_no(value: object, lang: Lang) -> str:
    """ "ja"/"nee" or "yes"/"no" for a true or false value."""
    return t("yes" if value else "no", lang)


def value_text(column: str, value: Any, lang: Lang) -> Any:
    """The words for a coded value of one of VALUE_COLUMNS (`national` → "landelijk"); other values stay."""
    key = f"download.value.{column}.{value}"
    return t(key, lang) if isinstance(value, str) and has(key) else value


def percent_text(value: Any, lang: Lang) -> Any:
    """0.586 → "58,6%" (nl) / "58.6%" (en), which Excel reads as a percentage; empty stays empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or isinstance(value, bool):
        return value
    return percent(float(value), lang, PERCENT_DIGITS)


def _words(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Yes/no and the coded values of VALUE_COLUMNS in `lang`."""
    frame = frame.copy()
    for column in frame.columns:
        if column in BOOLEAN_COLUMNS:
            frame[column] = frame[column].map(lambda v: v if v is None else yes_no(v, lang))
        elif column in VALUE_COLUMNS:
            frame[column] = frame[column].map(lambda v, column=column: value_text(column, v, lang))
    return frame


def csv_bytes(frame: pd.DataFrame, lang: Lang) -> bytes:
    """CSV in the language's form: nl `;` + decimal comma, en `,` + point; UTF-8 with BOM; CRLF (RFC 4180)."""
    out = _words(frame, lang)
    for column in out.columns:
        if column in PERCENT_COLUMNS and pd.api.types.is_numeric_dtype(frame[column]):
            out[column] = out[column].map(lambda v: percent_text(v, lang))
    out.columns = [header(column, lang) for column in frame.columns]
    text = out.to_csv(index=False, sep=CSV_SEPARATOR[lang], decimal=DECIMAL[lang], lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _as_dates(values: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    parsed = parse(values)
    return parsed.where(parsed.notna(), None)


def xlsx_bytes(frame: pd.DataFrame, lang: Lang) -> bytes:
    """An Excel workbook with the same headers; shares as numbers shown as percentages, dates as dates."""
    out = _words(frame, lang)
    for column in out.columns:
        if column in DATE_COLUMNS:
            out[column] = _as_dates(out[column], lambda s: pd.to_datetime(s, errors="coerce").dt.date)
        elif column in TIMESTAMP_COLUMNS:
            out[column] = _as_dates(
                out[column], lambda s: pd.to_datetime(s, errors="coerce", utc=True).dt.tz_localize(None)
            )
    columns = list(frame.columns)
    out.columns = [header(column, lang) for column in columns]
    buffer = io.BytesIO()
    sheet_name = t("download.sheet", lang)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name=sheet_name)
        sheet = writer.sheets[sheet_name]
        for position, column in enumerate(columns, start=1):
            letter = column_letter(position)
            number_format = (
                XLSX_PERCENT_FORMAT
                if column in PERCENT_COLUMNS and pd.api.types.is_numeric_dtype(frame[column])
                else XLSX_DATE_FORMAT
                if column in DATE_COLUMNS
                else None
            )
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                    cell.number_format = number_format
            width = max([len(str(out.columns[position - 1]))] + [len(str(v)) for v in out.iloc[:, position - 1]])
            sheet.column_dimensions[letter].width = min(width + 2, MAX_COLUMN_WIDTH)
        sheet.freeze_panes = "A2"
    return buffer.getvalue()
