"""The export's Excel workbook: the numbers behind every chart, one sheet per table, and a sheet of the columns.

Each table sheet holds the rows of one table of `raak report --json` (same values: shares as fractions shown as
percentages, dates as dates), with a header naming the unit. The "Kolommen"/"Columns" sheet describes every column
and names its source and the charts it feeds. Text that a spreadsheet would run as a formula is neutralised with
`dashboard.web.components.neutralise`, the same rule as the dashboard's downloads.

The file is written as XML text by `etl.templates.xlsx` (the templates' writer) with this module's stylesheet: the
same cells, number formats, header style, widths, frozen header and filters that openpyxl wrote, about ten times
faster (openpyxl took ~2 s for the national workbook's 118,000 cells).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.analytics.metrics import Lang
from dashboard.analytics.report import jsonable
from dashboard.exports.content import NATIONAL, ExportContent, safe_name
from dashboard.exports.downloads import neutralise
from dashboard.i18n import t
from etl.templates.xlsx import Sheet, Stylesheet, Value, workbook_bytes

HEADER_FILL = "00D9D9D9"  # light grey behind the header row
MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH = 8, 60
WIDTH_SAMPLE_ROWS = 200  # rows looked at to size a column
NUMBER_FORMATS = {"share": "0.0%", "count": "0", "days": "0", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
HEADER = "header"
# Excel's built-in number formats by code (id 1 is "0"); the others are defined in the stylesheet from id 164 on
BUILTIN_FORMATS = {"0": 1}
FIRST_CUSTOM_FORMAT = 164
# Text that cannot be written in an XML file (ASCII control characters other than tab, newline, carriage return);
# openpyxl refused such text the same way.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# unit key → (short label for the header, explanation for the columns sheet), per language
UNITS: dict[str, dict[Lang, tuple[str, str]]] = {
    "share": {
        "nl": ("%", "aandeel tussen 0 en 1, getoond als percentage"),
        "en": ("%", "share between 0 and 1, shown as a percentage"),
    },
    "count": {"nl": ("aantal", "aantal"), "en": ("count", "count")},
    "days": {"nl": ("dagen", "aantal dagen"), "en": ("days", "number of days")},
    "date": {"nl": ("datum", "datum (JJJJ-MM-DD)"), "en": ("date", "date (YYYY-MM-DD)")},
    "datetime": {"nl": ("UTC", "datum en tijd in UTC"), "en": ("UTC", "date and time in UTC")},
    "flag": {"nl": ("WAAR/ONWAAR", "ja (WAAR) of nee (ONWAAR)"), "en": ("TRUE/FALSE", "yes (TRUE) or no (FALSE)")},
    "number": {"nl": ("getal", "getal"), "en": ("number", "number")},
    "per_year": {"nl": ("per jaar", "aandeel per jaar"), "en": ("per year", "share per year")},
    "text": {"nl": ("", "tekst"), "en": ("", "text")},
    "code": {"nl": ("", "code"), "en": ("", "code")},
}

# field → unit, (label nl, label en), (description nl, description en)
COLUMNS: dict[str, tuple[str, tuple[str, str], tuple[str, str]]] = {
    "scope": (
        "code",
        ("Gebied", "Scope"),
        ("national = landelijk, region = één regio", "national = the whole country, region = one region"),
    ),
    "region_code": ("code", ("Regiocode", "Region code"), ("CBS-code van de regio (GGxxxx)", "CBS region code")),
    "region_name": ("text", ("Regio", "Region"), ("Naam van de regio", "Name of the region")),
    "municipality_code": (
        "code",
        ("Gemeentecode", "Municipality code"),
        ("CBS-code van de gemeente (GMxxxx)", "CBS municipality code (GMxxxx)"),
    ),
    "municipality_name": ("text", ("Gemeente", "Municipality"), ("Naam van de gemeente", "Name of the municipality")),
    "round_label": ("text", ("Ronde", "Round"), ("Label van de ronde", "Label of the round")),
    "reference_date": (
        "date",
        ("Peildatum", "Reference date"),
        ("Peildatum van de ronde", "The round's reference date"),
    ),
    "n_expected": (
        "count",
        ("Verwacht", "Expected"),
        (
            "Gemeenten die een aanlevering horen te sturen (indeling van de ronde, met een regio)",
            "Municipalities expected to return (the round's division, with a region)",
        ),
    ),
    "n_returns": (
        "count",
        ("Aangeleverd", "Returned"),
        ("Gemeenten met een geaccepteerde aanlevering", "Municipalities with an accepted return"),
    ),
    "coverage": (
        "share",
        ("Dekking", "Coverage"),
        (
            "Ingevoerde punten / toepasselijke punten, gewogen gemiddeld; zonder aanlevering telt een gemeente als 0",
            "Implemented points / applicable points, weighted mean; a municipality without a return counts as 0",
        ),
    ),
    "coverage_reporting": (
        "share",
        ("Dekking aanleverend", "Coverage reporting"),
        (
            "Dekking onder alleen de gemeenten die aanleverden",
            "Coverage among the municipalities that returned only",
        ),
    ),
    "completeness": (
        "share",
        ("Volledigheid", "Completeness"),
        ("Aangeleverd / verwacht (aantal gemeenten, ongewogen)", "Returned / expected (municipalities, unweighted)"),
    ),
    "target": (
        "share",
        ("Doel op peildatum", "Target at reference date"),
        (
            "Waarde van het doeltraject (lineair naar het doel 2011) op de peildatum",
            "The target trajectory (linear to the 2011 target) at the reference date",
        ),
    ),
    "gap": (
        "share",
        ("Nog te gaan tot het doel", "Still to go to the target"),
        (
            "Einddoel − dekking, in procentpunten (0 als het doel bereikt is)",
            "Final target − coverage (0 when reached)",
        ),
    ),
    "gap_trajectory": (
        "share",
        ("Achter op het doeltraject", "Behind the target trajectory"),
        (
            "Doel op de peildatum − dekking, in procentpunten (0 als op koers)",
            "Target at the reference date − coverage (0 when on track)",
        ),
    ),
    "on_track": (
        "flag",
        ("Op koers", "On track"),
        ("Dekking ≥ doel op de peildatum", "Coverage ≥ target at the reference date"),
    ),
    "projection_status": (
        "code",
        ("Prognose", "Projection"),
        (
            "reached = doel bereikt, projected = bereikt op de prognosedatum, not_at_current_pace = niet in het "
            "huidige tempo, too_few_rounds = te weinig rondes met volledigheid ≥ 50 %, insufficient_data = geen "
            "prognose: geen aanleveringen in deze ronde of de trend ligt al achter de peildatum",
            "reached, projected (reached on the projected date), not_at_current_pace, too_few_rounds (fewer than "
            "two rounds with completeness ≥ 50 %), insufficient_data (no projection: no returns in this round, "
            "or the trend crosses before the reference date)",
        ),
    ),
    "projected_date": (
        "date",
        ("Doel bereikt op", "Target reached on"),
        (
            "Datum waarop de trendlijn (kleinste kwadraten) het doel haalt, of waarop het doel gehaald werd",
            "Date on which the least-squares trend reaches the target, or on which it was reached",
        ),
    ),
    "rank": ("count", ("Positie", "Rank"), ("Positie naar dekking (1 = hoogste)", "Rank by coverage (1 = highest)")),
    "has_return": (
        "flag",
        ("Aangeleverd", "Returned"),
        ("Of de gemeente in deze ronde aanleverde", "Whether the municipality returned in this round"),
    ),
    "n_applicable": (
        "count",
        ("Toepasselijk", "Applicable"),
        ("Beantwoorde punten min n.v.t.", "Answered points minus n.v.t."),
    ),
    "n_implemented": (
        "count",
        ("Ingevoerd", "Implemented"),
        (
            "Punten met een status die als ingevoerd telt (statusschaal)",
            "Points whose status counts as implemented (status scale)",
        ),
    ),
    "n_not_applicable": (
        "count",
        ("n.v.t.", "n.v.t."),
        ("Punten beantwoord met n.v.t. (niet van toepassing)", "Points answered n.v.t. (not applicable)"),
    ),
    "n_assessed": ("count", ("Beantwoord", "Answered"), ("Antwoorden op het punt", "Answers on the point")),
    "weight": (
        "number",
        ("Gewicht", "Weight"),
        (
            "Gewicht in de gemiddelden (kinderen 0-17 — een schatting van CBS-cijfers tenzij aantallen geladen "
            "zijn —, inwoners, of 1; Bron: CBS)",
            "Weight in the means (children 0-17 — a CBS estimate unless counts were loaded —, inhabitants, or 1; "
            "population: Bron: CBS)",
        ),
    ),
    "level_code": (
        "code",
        ("Niveau", "Level"),
        ("Niveau van het zorgcontinuüm (a-e; leeg = algemeen)", "Level of the care continuum (a-e; empty = general)"),
    ),
    "group_code": (
        "code",
        ("Onderdeel", "Group"),
        (
            "Onderdeel van de aanpak (preventie, vroege interventie, bescherming)",
            "Part of the approach (prevention, early intervention, protection)",
        ),
    ),
    "name": ("text", ("Naam", "Name"), ("Naam van het niveau of onderdeel", "Name of the level or group")),
    "series": (
        "code",
        ("Reeks", "Series"),
        (
            "actual = dekking, target = doeltraject, projection = trendlijn",
            "actual = coverage, target = target trajectory, projection = trend line",
        ),
    ),
    "date": ("date", ("Datum", "Date"), ("Datum van het punt in de grafiek", "Date of the point in the chart")),
    "value": (
        "share",
        ("Waarde", "Value"),
        ("Dekking, doel of trendwaarde op de datum", "Coverage, target or trend value on the date"),
    ),
    "framework_version": (
        "code",
        ("Kader", "Framework"),
        ("Versie van het RAAK-kader", "Version of the RAAK framework"),
    ),
    "point_number": ("count", ("Punt", "Point"), ("Nummer van het RAAK-punt (1-35)", "Number of the RAAK point")),
    "title": ("text", ("Titel", "Title"), ("Korte titel van het punt", "Short title of the point")),
    "text_nl": (
        "text",
        ("Tekst (Actieplan 2007)", "Text (2007 action plan, Dutch)"),
        ("Volledige tekst van het punt", "Full text of the point"),
    ),
    "share": (
        "share",
        ("Aandeel ingevoerd", "Share implemented"),
        ("Ingevoerde antwoorden / toepasselijke antwoorden", "Implemented answers / applicable answers"),
    ),
    "improved": (
        "count",
        ("Verbeterd", "Improved"),
        ("Punten met een hogere status dan in de vorige ronde", "Points with a higher status than the previous round"),
    ),
    "regressed": (
        "count",
        ("Teruggevallen", "Regressed"),
        ("Punten met een lagere status dan in de vorige ronde", "Points with a lower status than the previous round"),
    ),
    "unchanged": (
        "count",
        ("Gelijk", "Unchanged"),
        ("Punten met dezelfde status (of twee keer n.v.t.)", "Points with the same status (or n.v.t. twice)"),
    ),
    "applicability_changed": (
        "count",
        ("n.v.t. gewijzigd", "n.v.t. changed"),
        ("Punten die in één van beide rondes n.v.t. waren", "Points that were n.v.t. in one of the two rounds"),
    ),
    "n_compared": (
        "count",
        ("Vergeleken gemeenten", "Municipalities compared"),
        ("Gemeenten met een aanlevering in beide rondes", "Municipalities with a return in both rounds"),
    ),
    "status": (
        "count",
        ("Status", "Status"),
        ("Status 0-4 op de statusschaal (leeg bij n.v.t.)", "Status 0-4 on the status scale (empty when n.v.t.)"),
    ),
    "not_applicable": (
        "flag",
        ("n.v.t.", "n.v.t."),
        ("Of het punt als niet van toepassing is beantwoord", "Whether the point was answered not applicable"),
    ),
    "label": ("text", ("Statusnaam", "Status label"), ("Naam van de status", "Name of the status")),
    "comment": (
        "text",
        ("Toelichting", "Comment"),
        ("Toelichting van de gemeente, zoals aangeleverd", "The municipality's comment, as returned"),
    ),
    "n_uploads": (
        "count",
        ("Uploads", "Uploads"),
        ("Bestanden geüpload voor de regio", "Files uploaded for the region"),
    ),
    "n_accepted": ("count", ("Geaccepteerd", "Accepted"), ("Geaccepteerde bestanden", "Accepted files")),
    "n_rejected": ("count", ("Afgewezen", "Rejected"), ("Afgewezen bestanden", "Rejected files")),
    "n_duplicate": (
        "count",
        ("Dubbel", "Duplicate"),
        ("Bestanden die gelijk waren aan een eerder bestand", "Files identical to an earlier one"),
    ),
    "last_upload": ("datetime", ("Laatste upload", "Last upload"), ("Tijdstip van de laatste upload", "Last upload")),
}

# key-value rows: JSON path in `raak report --json` → unit, (label nl, label en)
NATIONAL_ROWS: dict[str, tuple[str, tuple[str, str]]] = {
    "national.coverage": ("share", ("Landelijke dekking", "National coverage")),
    "national.coverage_reporting": ("share", ("Dekking onder aanleverende gemeenten", "Coverage among reporting")),
    "national.completeness": ("share", ("Volledigheid", "Completeness")),
    "national.n_expected": ("count", ("Verwachte gemeenten", "Municipalities expected")),
    "national.n_returns": ("count", ("Gemeenten met aanlevering", "Municipalities returned")),
    "national.target": ("share", ("Doel op de peildatum", "Target at the reference date")),
    "national.on_track": ("flag", ("Landelijk op koers", "National on track")),
    "national.gap": ("share", ("Nog te gaan tot het doel", "Still to go to the target")),
    "national.gap_trajectory": ("share", ("Achter op het doeltraject", "Behind the target trajectory")),
    "national.regions_on_track": ("count", ("Regio's op koers", "Regions on track")),
    "national.n_regions": ("count", ("Regio's", "Regions")),
    "national.days_to_target": ("days", ("Dagen van peildatum tot doeldatum", "Days from reference to target date")),
    "national.weighting": ("code", ("Weging", "Weighting")),
    "national.projection.status": ("code", ("Prognose", "Projection")),
    "national.projection.reached_on": ("date", ("Doel bereikt op", "Target reached on")),
    "national.projection.slope_per_year": ("per_year", ("Stijging per jaar (trend)", "Rise per year (trend)")),
    "national.projection.intercept": ("share", ("Trend bij de start van het doel", "Trend at the target's start")),
    "national.projection.origin": ("date", ("Startdatum van de trend", "Origin of the trend")),
    "national.projection.rounds_used": ("text", ("Rondes in de trend", "Rounds in the trend")),
    "changes.previous_round": ("text", ("Vorige ronde", "Previous round")),
    "changes.national.improved": ("count", ("Punten verbeterd", "Points improved")),
    "changes.national.regressed": ("count", ("Punten teruggevallen", "Points regressed")),
    "changes.national.unchanged": ("count", ("Punten gelijk", "Points unchanged")),
    "changes.national.applicability_changed": ("count", ("Punten n.v.t. gewijzigd", "Points n.v.t. changed")),
    "changes.national.n_compared": ("count", ("Gemeenten vergeleken", "Municipalities compared")),
}
ABOUT_ROWS: dict[str, tuple[str, tuple[str, str]]] = {
    "round.label": ("text", ("Ronde", "Round")),
    "round.reference_date": ("date", ("Peildatum", "Reference date")),
    "round.deadline": ("date", ("Deadline", "Deadline")),
    "round.is_open": ("flag", ("Open voor aanlevering", "Open for returns")),
    "round.division_year": ("count", ("Gemeentelijke indeling (jaar)", "Municipal division (year)")),
    "target.start": ("date", ("Start doeltraject", "Target start")),
    "target.end": ("date", ("Einde doeltraject", "Target end")),
    "target.value": ("share", ("Doelwaarde", "Target value")),
    "weighting": ("code", ("Weging", "Weighting")),
    "population_year": ("count", ("Jaar bevolkingscijfers", "Population year")),
    "data_version": ("text", ("Gegevensversie", "Data version")),
    "lang": ("code", ("Taal", "Language")),
}


@dataclass(frozen=True)
class TableSheet:
    """One sheet of rows: its name per language, columns, where the rows come from, which charts they feed."""

    key: str
    names: tuple[str, str]
    source: str
    columns: tuple[str, ...]
    charts: tuple[str, ...]
    rows: Callable[[ExportContent], list[dict[str, Any]]]
    national_only: bool = False


def _region_rows(frame: pd.DataFrame, content: ExportContent, *, with_national: bool = False) -> pd.DataFrame:
    """All rows in a national export; the region's rows (and the national ones if asked) in a region export."""
    if content.national:
        return frame
    keep = frame["region_code"] == content.request.region_code
    if with_national:
        keep |= frame["scope"] == NATIONAL
    return frame[keep]


def _with_text(frame: pd.DataFrame, content: ExportContent) -> list[dict[str, Any]]:
    texts = [content.point_text(v, n) for v, n in zip(frame["framework_version"], frame["point_number"], strict=True)]
    return jsonable(frame.assign(text_nl=texts))


def _statuses(content: ExportContent) -> list[dict[str, Any]]:
    frames = [part.detail.cells.assign(region_code=part.code) for part in content.regions]
    return jsonable(pd.concat(frames, ignore_index=True)) if frames else []


def _completeness(content: ExportContent) -> list[dict[str, Any]]:
    frame = _region_rows(content.completeness.regions, content)
    return jsonable(frame.assign(last_upload=pd.to_datetime(frame["last_upload"], utc=True).dt.tz_localize(None)))


REGION_COLUMNS = ("region_code", "region_name")
AGGREGATE_COLUMNS = ("n_expected", "n_returns", "coverage", "coverage_reporting", "completeness")
UPLOAD_COLUMNS = ("n_uploads", "n_accepted", "n_rejected", "n_duplicate", "last_upload")
CHANGE_COLUMNS = ("improved", "regressed", "unchanged", "applicability_changed")
POINT_COLUMNS = (
    "framework_version",
    "point_number",
    "level_code",
    "group_code",
    "title",
    "n_assessed",
    "n_not_applicable",
    "n_implemented",
    "n_applicable",
    "share",
    "text_nl",
)

SHEETS: tuple[TableSheet, ...] = (
    TableSheet(
        "trajectory",
        ("Traject", "Trajectory"),
        "raak report --json: trajectory",
        ("series", "date", "value", "round_label", "completeness", "coverage_reporting"),
        ("national_trajectory",),
        lambda c: jsonable(c.report.trajectory),
        national_only=True,
    ),
    TableSheet(
        "history",
        ("Verloop", "History"),
        "raak report --json: history",
        ("scope", *REGION_COLUMNS, "round_label", "reference_date", *AGGREGATE_COLUMNS, "target", "on_track"),
        ("national_trajectory",),
        lambda c: jsonable(_region_rows(c.report.history, c, with_national=True)),
    ),
    TableSheet(
        "regions",
        ("Regio's", "Regions"),
        "raak report --json: regions",
        (
            *REGION_COLUMNS,
            *AGGREGATE_COLUMNS,
            "target",
            "on_track",
            "gap",
            "gap_trajectory",
            "projection_status",
            "projected_date",
            "rank",
        ),
        ("national_ranking", "national_map_regions"),
        lambda c: jsonable(_region_rows(c.report.regions, c)),
    ),
    TableSheet(
        "municipalities",
        ("Gemeenten", "Municipalities"),
        "raak report --json: municipalities",
        (
            "municipality_code",
            "municipality_name",
            *REGION_COLUMNS,
            "has_return",
            "coverage",
            "n_applicable",
            "n_implemented",
            "n_not_applicable",
            "weight",
        ),
        ("national_map_municipalities",),
        lambda c: jsonable(_region_rows(c.report.municipalities, c)),
    ),
    TableSheet(
        "groups",
        ("Onderdelen", "Groups"),
        "raak report --json: groups",
        ("scope", "region_code", "group_code", "name", *AGGREGATE_COLUMNS, "target", "gap_trajectory"),
        ("national_groups",),
        lambda c: jsonable(_region_rows(c.report.groups, c, with_national=True)),
    ),
    TableSheet(
        "levels",
        ("Niveaus", "Levels"),
        "raak report --json: levels",
        ("scope", "region_code", "level_code", "name", *AGGREGATE_COLUMNS, "target", "gap_trajectory"),
        ("national_continuum", "REGION_continuum"),
        lambda c: jsonable(_region_rows(c.report.levels, c, with_national=True)),
    ),
    TableSheet(
        "points",
        ("Punten", "Points"),
        "raak report --json: points",
        POINT_COLUMNS,
        (),
        lambda c: _with_text(c.report.points, c),
        national_only=True,
    ),
    TableSheet(
        "weakest_points",
        ("Zwakste punten", "Weakest points"),
        "raak report --json: weakest_points",
        POINT_COLUMNS,
        ("national_weakest_points",),
        lambda c: _with_text(c.report.weakest_points, c),
        national_only=True,
    ),
    TableSheet(
        "change_regions",
        ("Verandering regio's", "Change regions"),
        "raak report --json: changes.regions",
        (*REGION_COLUMNS, *CHANGE_COLUMNS, "n_compared"),
        ("national_change",),
        lambda c: jsonable(_region_rows(c.report.changes_regions, c)),
    ),
    TableSheet(
        "change_municipalities",
        ("Verandering gemeenten", "Change municipalities"),
        "raak report --json: changes.municipalities",
        ("municipality_code", "municipality_name", "region_code", *CHANGE_COLUMNS),
        ("REGION_change",),
        lambda c: jsonable(_region_rows(c.report.changes_municipalities, c)),
    ),
    TableSheet(
        "returns",
        ("Aanlevering", "Returns"),
        "completeness_table (dashboard page Aanlevering)",
        (*REGION_COLUMNS, "n_expected", "n_returns", "completeness", *UPLOAD_COLUMNS),
        ("national_returns",),
        _completeness,
    ),
    TableSheet(
        "statuses",
        ("Statussen", "Statuses"),
        "region_detail: cells (dashboard page Regio, status per gemeente en punt)",
        (
            "region_code",
            "municipality_code",
            "municipality_name",
            "framework_version",
            "point_number",
            "title",
            "status",
            "not_applicable",
            "label",
            "comment",
        ),
        (),
        _statuses,
    ),
)
KEY_VALUE_SHEETS: dict[str, tuple[tuple[str, str], dict[str, tuple[str, tuple[str, str]]]]] = {
    "about": (("Over deze export", "About this export"), ABOUT_ROWS),
    "national": (("Landelijk", "National"), NATIONAL_ROWS),
}
COLUMNS_SHEET = ("Kolommen", "Columns")
KEY_VALUE_FIELDS = ("indicator", "value", "unit", "field")
COLUMNS_FIELDS = ("sheet", "column", "field", "unit", "description", "source", "charts")


def _t(key: str, lang: Lang, **values: object) -> str:
    """The workbook's text `xlsx.<key>` from the catalogue."""
    return t(f"xlsx.{key}", lang, **values)


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang == "en" else pair[0]


def header(field: str, lang: Lang) -> str:
    """A column header with its unit: "Dekking (%)", "Verwacht (aantal)", "Regio"."""
    unit, labels, _ = COLUMNS[field]
    short = UNITS[unit][lang][0]
    return f"{_pick(labels, lang)} ({short})" if short else _pick(labels, lang)


def lookup(document: dict[str, Any], path: str) -> Any:
    """The value at a dotted path ("national.projection.status") of a `raak report --json` document."""
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def cell_value(value: Any, unit: str) -> Any:
    """A JSON value as a spreadsheet value: ISO dates as dates, lists as text, text neutralised."""
    if value is None:
        return None
    if unit == "date" and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if unit == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    return neutralise(value)


def _stylesheet() -> Stylesheet:
    """The workbook's styles: the default cell, the header (bold, grey, wrapped at the top) and one style per
    number format (as openpyxl wrote them: Calibri 11, formats not built into Excel numbered from 164)."""
    codes = list(dict.fromkeys(NUMBER_FORMATS.values()))
    customs = [code for code in codes if code not in BUILTIN_FORMATS]
    ids = BUILTIN_FORMATS | {code: FIRST_CUSTOM_FORMAT + n for n, code in enumerate(customs)}
    custom = [f'<numFmt numFmtId="{ids[code]}" formatCode="{code}"/>' for code in customs]
    plain = '<xf numFmtId="{}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<numFmts count="{len(custom)}">{"".join(custom)}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b val="1"/></font></fonts>'
        '<fills count="3"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill>'
        f'<fill><patternFill patternType="solid"><fgColor rgb="{HEADER_FILL}"/></patternFill></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{2 + len(codes)}">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
        'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
        + "".join(plain.format(ids[code]) for code in codes)
        + "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    )
    index = {"default": 0, HEADER: 1} | {code: 2 + n for n, code in enumerate(codes)}
    return Stylesheet(xml, index)


STYLESHEET = _stylesheet()


class _TableWriter:
    """One sheet being filled row by row: a frozen header with a filter, each value in its unit's number format,
    and columns as wide as their longest text among the first WIDTH_SAMPLE_ROWS rows."""

    def __init__(self, name: str, header_row: list[Any]) -> None:
        self.sheet = Sheet(name, protected=False, frozen_rows=1, stylesheet=STYLESHEET, auto_filter=True)
        self.longest = [0] * len(header_row)
        self.row = 0
        self.write(header_row, [""] * len(header_row), style=HEADER)

    def write(self, values: list[Any], units: list[str], style: str | None = None) -> None:
        """The next row; `style` for every cell, else each cell's number format (a blank stays unformatted)."""
        self.row += 1
        sample = self.row <= WIDTH_SAMPLE_ROWS
        for column, (value, unit) in enumerate(zip(values, units, strict=True), start=1):
            if value is None:
                continue
            if sample:
                self.longest[column - 1] = max(self.longest[column - 1], len(str(value)))
            cell_style = style or NUMBER_FORMATS.get(unit, "default")
            self.sheet.set(self.row, column, _cell(value, self.sheet.name, self.row, column), cell_style)

    def done(self) -> Sheet:
        """The sheet with its column widths."""
        self.sheet.widths = {
            column: min(max(longest + 2, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH)
            for column, longest in enumerate(self.longest, start=1)
        }
        return self.sheet


def _cell(value: Any, sheet: str, row: int, column: int) -> Value:
    """A value as the writer takes it; empty text is an empty cell (as openpyxl wrote it)."""
    if isinstance(value, str):
        if ILLEGAL_CHARACTERS.search(value):
            raise ValueError(f"sheet {sheet!r}, row {row}, column {column}: text with a control character")
        return value or None
    if value is None or isinstance(value, bool | int | float | date):
        return value
    raise TypeError(f"sheet {sheet!r}, row {row}, column {column}: cannot write {type(value).__name__} to Excel")


def _key_value_sheet(
    name: str, rows: list[tuple[str, str, Any, str]], source: str, lang: Lang
) -> tuple[Sheet, list[list[Any]]]:
    """A sheet of (label, unit, value, field) rows, and its lines for the columns sheet."""
    sheet = _TableWriter(name, [_t(key, lang) for key in KEY_VALUE_FIELDS])
    for label, unit, value, path in rows:
        values = [neutralise(label), cell_value(value, unit), UNITS[unit][lang][1], path]
        sheet.write(values, ["text", unit, "", ""])
    lines = [[name, _t(f, lang), f, "", _t(f"kv.{f}", lang), source, ""] for f in KEY_VALUE_FIELDS]
    return sheet.done(), lines


def _table_sheet(table: TableSheet, content: ExportContent) -> tuple[Sheet, list[list[Any]]]:
    """A sheet of one table's rows under headers with units, and its lines for the columns sheet."""
    lang = content.request.lang
    name = _pick(table.names, lang)
    units = [COLUMNS[f][0] for f in table.columns]
    sheet = _TableWriter(name, [header(f, lang) for f in table.columns])
    for record in table.rows(content):
        sheet.write([cell_value(record.get(f), u) for f, u in zip(table.columns, units, strict=True)], units)
    charts = ", ".join(f"{safe_name(content.request.round_label)}_{chart}" for chart in table.charts)
    lines = [
        [name, header(f, lang), f, UNITS[COLUMNS[f][0]][lang][1], _pick(COLUMNS[f][2], lang), table.source, charts]
        for f in table.columns
    ]
    return sheet.done(), lines


def _columns_sheet(described: list[list[Any]], lang: Lang) -> Sheet:
    """The sheet describing every column of every sheet, itself included."""
    name = _pick(COLUMNS_SHEET, lang)
    own = [[name, _t(k, lang), k, "", _t(f"columns.{k}", lang), _t("source.about", lang), ""] for k in COLUMNS_FIELDS]
    sheet = _TableWriter(name, [_t(key, lang) for key in COLUMNS_FIELDS])
    for row in [*described, *own]:
        sheet.write([neutralise(value) for value in row], [""] * len(row))
    return sheet.done()


def _about_rows(content: ExportContent, document: dict[str, Any], lang: Lang) -> list[tuple[str, str, Any, str]]:
    request = content.request
    scope = _t("scope.national", lang) if content.national else _t("scope.region", lang, code=request.region_code)
    made_at = content.made_at.astimezone().replace(tzinfo=None).isoformat(timespec="minutes")
    rows = [
        (_t("made_at", lang), "text", made_at, ""),
        (_t("scope", lang), "text", scope, ""),
        (_t("demo", lang), "text", _t("demo.yes" if content.demo else "demo.no", lang), ""),
    ]
    rows += [(_pick(label, lang), unit, lookup(document, path), path) for path, (unit, label) in ABOUT_ROWS.items()]
    return rows


def write_workbook(content: ExportContent, path: Path) -> Path:
    """Write the workbook of `content` to `path`: about, national, one sheet per table, then the columns sheet."""
    lang = content.request.lang
    document = content.report.to_dict()
    about, national = (_pick(names, lang) for names, _ in KEY_VALUE_SHEETS.values())
    national_rows = [(_pick(label, lang), unit, lookup(document, p), p) for p, (unit, label) in NATIONAL_ROWS.items()]
    sheets: list[Sheet] = []
    described: list[list[Any]] = []
    parts = [
        _key_value_sheet(about, _about_rows(content, document, lang), _t("source.about", lang), lang),
        _key_value_sheet(national, national_rows, "raak report --json", lang),
    ]
    parts += [_table_sheet(table, content) for table in SHEETS if content.national or not table.national_only]
    for sheet, lines in parts:
        sheets.append(sheet)
        described += lines
    sheets.append(_columns_sheet(described, lang))
    path.write_bytes(workbook_bytes(sheets, created=content.made_at))
    return path
