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
from openpyxl.utils import get_column_letter

from dashboard.i18n import Lang

SHEET_NAME = {"nl": "gegevens", "en": "data"}
CSV_SEPARATOR = {"nl": ";", "en": ","}
DECIMAL = {"nl": ",", "en": "."}
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

HEADERS: dict[str, tuple[str, str]] = {
    "region_code": ("Regiocode", "Region code"),
    "region_name": ("Regio", "Region"),
    "municipality_code": ("Gemeentecode", "Municipality code"),
    "municipality_name": ("Gemeente", "Municipality"),
    "scope": ("Niveau", "Scope"),
    "n_expected": ("Verwachte gemeenten", "Expected municipalities"),
    "n_returns": ("Aangeleverde gemeenten", "Municipalities with a return"),
    "coverage": ("Dekking", "Coverage"),
    "coverage_reporting": ("Dekking onder aanleverende gemeenten", "Coverage among reporting municipalities"),
    "completeness": ("Volledigheid", "Completeness"),
    "target": ("Doel op de peildatum", "Target at the reference date"),
    "on_track": ("Op koers", "On track"),
    "gap": ("Afstand tot het einddoel", "Gap to the final target"),
    "gap_trajectory": ("Achterstand op het doeltraject", "Behind the target trajectory"),
    "projection_status": ("Prognose", "Projection"),
    "projected_date": ("Prognose: doel bereikt op", "Projection: target reached on"),
    "rank": ("Positie", "Rank"),
    "has_return": ("Aangeleverd", "Returned"),
    "n_applicable": ("Punten van toepassing", "Applicable points"),
    "n_implemented": ("Punten ingevoerd", "Points implemented"),
    "n_not_applicable": ("Punten n.v.t.", "Points n/a"),
    "n_assessed": ("Antwoorden", "Answers"),
    "weight": ("Gewicht", "Weight"),
    "level_code": ("Niveau (code)", "Level (code)"),
    "group_code": ("Onderdeel (code)", "Part (code)"),
    "name": ("Naam", "Name"),
    "series": ("Reeks", "Series"),
    "date": ("Datum", "Date"),
    "value": ("Waarde", "Value"),
    "round_label": ("Ronde", "Round"),
    "reference_date": ("Peildatum", "Reference date"),
    "framework_version": ("Versie RAAK-kader", "RAAK framework version"),
    "point_number": ("Punt", "Point"),
    "title": ("Titel", "Title"),
    "share": ("Aandeel ingevoerd", "Share implemented"),
    "key": ("Status (code)", "Status (code)"),
    "label": ("Status", "Status"),
    "status_label": ("Status", "Status"),
    "status": ("Status (waarde)", "Status (value)"),
    "color": ("Kleur", "Colour"),
    "comment": ("Toelichting", "Comment"),
    "n": ("Aantal", "Count"),
    "lags": ("Blijft achter", "Lags"),
    "improved": ("Verbeterd", "Improved"),
    "regressed": ("Achteruit", "Regressed"),
    "unchanged": ("Gelijk", "Unchanged"),
    "applicability_changed": ("n.v.t. gewijzigd", "n/a changed"),
    "n_compared": ("Vergeleken gemeenten", "Municipalities compared"),
    "n_uploads": ("Uploads", "Uploads"),
    "n_accepted": ("Geaccepteerd", "Accepted"),
    "n_rejected": ("Afgewezen", "Rejected"),
    "n_duplicate": ("Dubbel", "Duplicate"),
    "last_upload": ("Laatste upload", "Last upload"),
    "upload_id": ("Upload", "Upload"),
    "filename": ("Bestand", "File"),
    "uploaded_at": ("Geüpload", "Uploaded"),
    "uploader": ("Door", "By"),
    "n_issues": ("Meldingen", "Issues"),
    "severity": ("Ernst", "Severity"),
    "code": ("Code", "Code"),
    "sheet": ("Blad", "Sheet"),
    "cell": ("Cel", "Cell"),
    "message_nl": ("Melding", "Message (Dutch)"),
    "message_en": ("Melding (Engels)", "Message"),
    "deadline": ("Deadline", "Deadline"),
    "n_points": ("Punten", "Points"),
    "at": ("Tijdstip", "Time"),
    "actor": ("Gebruiker", "User"),
    "action": ("Handeling", "Action"),
    "remote_addr": ("Adres", "Address"),
    "detail": ("Details", "Details"),
}
VALUE_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "scope": {"national": ("landelijk", "national"), "region": ("regio", "region")},
    "series": {
        "actual": ("dekking", "coverage"),
        "target": ("doeltraject", "target trajectory"),
        "projection": ("trend", "trend"),
    },
    "projection_status": {
        "reached": ("doel bereikt", "target reached"),
        "projected": ("doel bereikt op datum", "target reached on date"),
        "not_at_current_pace": ("niet in het huidige tempo", "not at the current pace"),
        "too_few_rounds": ("te weinig rondes", "too few rounds"),
    },
}
YES_NO = {"nl": ("ja", "nee"), "en": ("yes", "no")}


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would treat as a formula (=, +, -, @, tab, CR first) gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def header(column: str, lang: Lang) -> str:
    """The column's header in `lang` (an unknown column: its name with spaces)."""
    nl, en = HEADERS.get(column, (column.replace("_", " "), column.replace("_", " ")))
    return en if lang == "en" else nl


def percent_text(value: Any, lang: Lang) -> Any:
    """0.586 → "58,6%" (nl) / "58.6%" (en), which Excel reads as a percentage; empty stays empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or isinstance(value, bool):
        return value
    text = f"{float(value) * 100:.{PERCENT_DIGITS}f}%"
    return text.replace(".", DECIMAL[lang])


def _words(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Yes/no and the coded values of VALUE_TEXTS in `lang`."""
    index = 1 if lang == "en" else 0
    frame = frame.copy()
    for column in frame.columns:
        if column in BOOLEAN_COLUMNS:
            yes, no = YES_NO[lang]
            frame[column] = frame[column].map(lambda v, yes=yes, no=no: v if v is None else (yes if v else no))
        elif column in VALUE_TEXTS:
            texts = {code: pair[index] for code, pair in VALUE_TEXTS[column].items()}
            frame[column] = frame[column].map(lambda v, texts=texts: texts.get(v, v))
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
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name=SHEET_NAME[lang])
        sheet = writer.sheets[SHEET_NAME[lang]]
        for position, column in enumerate(columns, start=1):
            letter = get_column_letter(position)
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
