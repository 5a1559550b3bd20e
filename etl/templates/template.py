"""Excel templates per region and round, written so that `etl.workbook.read` finds everything again by its labels.

One instructions sheet, one protected sheet per municipality (only the Status and Toelichting cells are unlocked,
Status with a dropdown) and a hidden `_meta` sheet, written by `etl.templates.xlsx`. :func:`template_bytes` can type
values in as it writes (the demo data generator); :func:`fill_template` writes values into an existing template's
input cells by municipality code and point number, with openpyxl (used by the tests and benchmarks).
"""

from __future__ import annotations

import io
import math
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from etl.admin.rounds import get_round
from etl.reference.framework import StatusScale, load_status_scale
from etl.store import models as m
from etl.store.db import session_scope
from etl.store.issues import UserError
from etl.templates import xlsx
from etl.workbook.layout import INSTRUCTIONS_SHEET, TEMPLATE_VERSION, framework_versions, sheet_names
from etl.workbook.read import META_SHEET, Sheet, find_code, find_points_table, parse_municipality_code

_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # a template as a download
HEADER_ROW = 9  # 1-based row of the points table header
HEADERS = ("Nr", "Niveau", "Titel", "Status", "Toelichting", "Tekst van het punt")
COLUMN_WIDTHS = (14, 30, 46, 28, 45, 100)  # the first column also holds the labels of the header block
LINE_HEIGHT_POINTS = 13  # one line of 11-point text; rows are sized to their longest wrapped text
CHARACTERS_PER_WIDTH_UNIT = 1.1
LEVEL_COLUMN, TITLE_COLUMN, STATUS_COLUMN, COMMENT_COLUMN, TEXT_COLUMN = 2, 3, 4, 5, 6  # 1-based, as in HEADERS
INSTRUCTION_WIDTHS = (10, 28, 28, 20)


def status_choices(scale: StatusScale) -> list[str]:
    """The dropdown entries: `0 - Niet gestart` … `4 - Ingevoerd en geborgd`, `n.v.t.`."""
    return [f"{s.value} - {s.label_nl}" for s in scale.statuses] + [scale.not_applicable_label_nl]


def status_choice(scale: StatusScale, status: int | None, not_applicable: bool) -> str:
    """The dropdown entry for a stored status."""
    if not_applicable or status is None:  # the database keeps no status only for n.v.t.
        return scale.not_applicable_label_nl
    return f"{status} - {scale.status(status).label_nl}"


def template_filename(region_code: str, round_label: str) -> str:
    """`RAAK_2009_GG3406.xlsx`."""
    return _UNSAFE_IN_FILE_NAME.sub("-", f"RAAK_{round_label}_{region_code}") + ".xlsx"


@dataclass(frozen=True)
class _Municipality:
    code: str
    name: str


def _region_municipalities(session: Session, region: m.Region, division_year: int) -> list[_Municipality]:
    rows = session.execute(
        select(m.Municipality.code, m.Municipality.name)
        .join(m.MunicipalityDivision, m.MunicipalityDivision.municipality_code == m.Municipality.code)
        .where(m.MunicipalityDivision.region_code == region.code, m.MunicipalityDivision.year == division_year)
        .order_by(m.Municipality.name)
    )
    return [_Municipality(code, name) for code, name in rows]


def previous_round_values(
    session: Session, codes: list[str], rnd: m.Round, framework_version: str
) -> tuple[str | None, dict[tuple[str, int], tuple[int | None, bool]]]:
    """The round before `rnd` (latest earlier reference date) and its current statuses of `codes`: the only values
    a template is prefilled with, so a municipality that sent nothing then is never filled from older rounds."""
    previous = session.scalar(
        select(m.Round).where(m.Round.reference_date < rnd.reference_date).order_by(m.Round.reference_date.desc())
    )
    if previous is None:
        return None, {}
    rows = session.execute(
        select(
            m.Assessment.municipality_code, m.Assessment.point_number, m.Assessment.status, m.Assessment.not_applicable
        ).where(
            m.Assessment.is_current,
            m.Assessment.round_id == previous.id,
            m.Assessment.framework_version == framework_version,
            m.Assessment.municipality_code.in_(codes),
        )
    )
    return previous.label, {(code, number): (status, na) for code, number, status, na in rows}


def prefill_note(name: str, previous: str | None, prefilled: bool, round_label: str) -> tuple[str, bool]:
    """The line at the top of a prefilled template's sheet, and whether it is a warning (nothing to copy)."""
    if prefilled:
        return (
            f"Vooraf ingevuld met de aanlevering van ronde {previous}: controleer en wijzig elke status. Ongewijzigd "
            f"uploaden telt als een aanlevering voor ronde {round_label}.",
            False,
        )
    return (
        f"LET OP: {name} leverde in ronde {previous or '–'} niets aan; dit blad is NIET vooraf ingevuld. "
        "Laat het leeg als de gemeente ook nu niets aanlevert.",
        True,
    )


def _instructions(region: m.Region, rnd: m.Round, scale: StatusScale, count: int) -> xlsx.Sheet:
    ws = xlsx.Sheet(INSTRUCTIONS_SHEET, fit_to_page_width=True, widths=dict(enumerate(INSTRUCTION_WIDTHS, start=1)))
    ws.set(1, 1, f"RAAK-monitor: zelfevaluatie {region.name}, ronde {rnd.label}", "title")
    lines = [
        f"Peildatum: {rnd.reference_date:%d-%m-%Y}."
        + (f" Uiterste inleverdatum: {rnd.deadline:%d-%m-%Y}." if rnd.deadline else ""),
        f"Dit bestand heeft één tabblad per gemeente van de regio ({count} gemeenten).",
        "",
        "Zo vult u het in:",
        "1. Kies per punt in de kolom Status een waarde uit de lijst. U mag ook een getal 0 tot en met 4 "
        f"of '{scale.not_applicable_label_nl}' typen.",
        "2. Licht in de kolom Toelichting vooral een status toe die lager is dan in de vorige ronde.",
        "3. Vul per gemeente alle punten in. Levert een gemeente niets aan, laat dan het hele tabblad leeg.",
        "4. Wijzig de gemeentecode, de kopregel van de tabel en de puntnummers niet; rijen en kolommen "
        "invoegen of verplaatsen mag.",
        "5. Sla het bestand op (.xlsx, .xls of .ods) en upload het in de RAAK-monitor. Bij een fout krijgt u "
        "per cel te zien wat er mis is; er wordt dan niets opgeslagen.",
        "",
        "Statusschaal:",
    ]
    for offset, line in enumerate(lines, start=3):
        ws.set(offset, 1, line)
    row = 3 + len(lines)
    for column, header in enumerate(("Waarde", "Omschrijving", "English", "Telt als ingevoerd"), start=1):
        ws.set(row, column, header, "label")
    for status in scale.statuses:
        row += 1
        ws.set(row, 1, status.value, "left")
        ws.set(row, 2, status.label_nl)
        ws.set(row, 3, status.label_en)
        ws.set(row, 4, "ja" if status.implemented else "nee")
    row += 1
    ws.set(row, 1, scale.not_applicable_label_nl)
    ws.set(row, 2, "Niet van toepassing")
    ws.set(row, 3, scale.not_applicable_label_en)
    ws.set(row, 4, "telt niet mee")
    return ws


def _municipality_sheet(
    name: str,
    municipality: _Municipality,
    region: m.Region,
    rnd: m.Round,
    points: list[_Point],
    levels: dict[str, str],
    scale: StatusScale,
    prefill: Mapping[tuple[str, int], tuple[int | None, bool]],
    note: tuple[str, bool] | None = None,
    values: Mapping[int, int | str | None] | None = None,
    comments: Mapping[int, str] | None = None,
) -> xlsx.Sheet:
    ws = xlsx.Sheet(
        name,
        may_format_rows_and_columns=True,  # people may widen columns and rows to read the texts
        fit_to_page_width=True,
        frozen_rows=HEADER_ROW,
        widths=dict(enumerate(COLUMN_WIDTHS, start=1)),
    )
    ws.set(1, 1, f"RAAK-zelfevaluatie {municipality.name}, ronde {rnd.label}", "title")
    if note:
        ws.set(2, 1, note[0], "warning" if note[1] else "label")
    block = (
        ("Gemeentecode", municipality.code),
        ("Gemeente", municipality.name),
        ("Regio", f"{region.name} ({region.code})"),
        ("Ronde", rnd.label),
        ("Peildatum", f"{rnd.reference_date:%d-%m-%Y}"),
    )
    for row, (label, value) in enumerate(block, start=3):
        ws.set(row, 1, label, "label")
        ws.set(row, 2, value)
    for column, header in enumerate(HEADERS, start=1):
        ws.set(HEADER_ROW, column, header, "header")
    values, comments = values or {}, comments or {}
    for row, point in enumerate(points, start=HEADER_ROW + 1):
        level = f"{point.level_code} - {levels[point.level_code]}" if point.level_code else "Algemeen"
        before = prefill.get((municipality.code, point.number))
        status = values.get(point.number, status_choice(scale, *before) if before else None)
        ws.set(row, 1, point.number, "wrap")
        ws.set(row, LEVEL_COLUMN, level, "wrap")
        ws.set(row, TITLE_COLUMN, point.title_nl, "wrap")
        ws.set(row, STATUS_COLUMN, status, "input")
        ws.set(row, COMMENT_COLUMN, comments.get(point.number), "input")
        ws.set(row, TEXT_COLUMN, point.text_nl, "wrap")
        ws.heights[row] = _row_height({LEVEL_COLUMN: level, TITLE_COLUMN: point.title_nl, TEXT_COLUMN: point.text_nl})
    status_letter = xlsx.column_letter(STATUS_COLUMN)
    ws.validations.append(
        xlsx.ListValidation(
            f"{status_letter}{HEADER_ROW + 1}:{status_letter}{HEADER_ROW + len(points)}",
            tuple(status_choices(scale)),
            error_title="Status",
            error=f"Kies een waarde uit de lijst, of typ 0 tot en met 4 of {scale.not_applicable_label_nl}.",
            prompt_title="Status",
            prompt="Kies uit de lijst (of typ 0-4 / n.v.t.).",
        )
    )
    return ws


def _row_height(texts: Mapping[int, str]) -> float:
    """Enough height for the longest text wrapped in its column (spreadsheet programs leave it to the writer)."""
    lines = max(
        math.ceil(len(text) / (COLUMN_WIDTHS[column - 1] * CHARACTERS_PER_WIDTH_UNIT)) for column, text in texts.items()
    )
    return LINE_HEIGHT_POINTS * max(1, lines) + 2


@dataclass(frozen=True)
class _Point:
    number: int
    level_code: str | None
    title_nl: str
    text_nl: str


@dataclass(frozen=True)
class TemplateContext:
    """What every template of one framework version shares, looked up once (the demo writes 118 templates);
    plain values, so it outlives the session that read it."""

    framework_version: str
    points: list[_Point]
    levels: dict[str, str]
    scale: StatusScale

    @classmethod
    def load(cls, session: Session) -> TemplateContext:
        versions = framework_versions(session)
        if not versions:
            raise UserError("no framework loaded; run `raak reference load`")
        version = versions[-1]
        points = [
            _Point(p.number, p.level_code, p.title_nl, p.text_nl)
            for p in session.scalars(
                select(m.Point).where(m.Point.framework_version == version).order_by(m.Point.number)
            )
        ]
        levels = {
            code: name
            for code, name in session.execute(
                select(m.Level.code, m.Level.name_nl).where(m.Level.framework_version == version)
            )
        }
        return cls(version, points, levels, load_status_scale())


def template_bytes(
    session: Session,
    region_code: str,
    round_label: str,
    *,
    prefill: bool = False,
    values: Mapping[str, Mapping[int, int | str | None]] | None = None,
    comments: Mapping[str, Mapping[int, str]] | None = None,
    context: TemplateContext | None = None,
) -> tuple[str, bytes]:
    """The template of one region and round, and its file name (`RAAK_<round>_<region>.xlsx`).

    `values` and `comments` (municipality code → point → status or text, as :func:`fill_template` takes them) are
    typed into the input cells as the file is written: a filled return in one pass (used by `raak demo`).
    """
    region = session.get(m.Region, region_code.strip().upper())
    if region is None:
        known = ", ".join(session.scalars(select(m.Region.code).order_by(m.Region.code)))
        raise UserError(f"unknown region {region_code!r} (known: {known})")
    rnd = get_round(session, round_label.strip())
    municipalities = _region_municipalities(session, region, rnd.division_year)
    if not municipalities:
        raise UserError(f"region {region.code} has no municipalities in the {rnd.division_year} division")
    context = context or TemplateContext.load(session)
    codes = [municipality.code for municipality in municipalities]
    previous_label, previous = (
        previous_round_values(session, codes, rnd, context.framework_version) if prefill else (None, {})
    )
    returned = {code for code, _ in previous}
    values = {parse_municipality_code(code) or code: row for code, row in (values or {}).items()}
    comments = {parse_municipality_code(code) or code: row for code, row in (comments or {}).items()}
    unknown = sorted(({*values, *comments}) - set(codes))
    if unknown:
        raise ValueError(f"no sheet for municipality {', '.join(unknown)} in the template")
    numbers = {point.number for point in context.points}
    for code, row in (*values.items(), *comments.items()):
        for number in row:
            if number not in numbers:
                raise ValueError(f"{code}: the template has no point {number}")

    sheets = [_instructions(region, rnd, context.scale, len(municipalities))]
    for municipality, name in zip(municipalities, sheet_names([x.name for x in municipalities]), strict=True):
        note = (
            prefill_note(municipality.name, previous_label, municipality.code in returned, rnd.label)
            if prefill
            else None
        )
        sheets.append(
            _municipality_sheet(
                name,
                municipality,
                region,
                rnd,
                context.points,
                context.levels,
                context.scale,
                previous,
                note,
                values.get(municipality.code),
                comments.get(municipality.code),
            )
        )
    meta = xlsx.Sheet(META_SHEET, hidden=True)
    for entry in (
        ("template_version", TEMPLATE_VERSION),
        ("framework_version", context.framework_version),
        ("round", rnd.label),
        ("region", region.code),
        ("generated_at", datetime.now(UTC).isoformat(timespec="seconds")),
    ):
        meta.append(entry)
    sheets.append(meta)
    return template_filename(region.code, rnd.label), xlsx.workbook_bytes(sheets)


def write_template(session: Session, region_code: str, round_label: str, out: Path, *, prefill: bool = False) -> Path:
    """Write the template of one region and round to `out`: a file, or a folder (an existing one, or a path
    without an extension) that gets `RAAK_<round>_<region>.xlsx`."""
    filename, data = template_bytes(session, region_code, round_label, prefill=prefill)
    out = Path(out)
    folder = out.is_dir() or not out.suffix
    target = out / filename if folder else out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def template_workbook(
    engine: Engine, region_code: str, round_label: str, *, prefill: bool = False
) -> tuple[bytes, str]:
    """The template of one region and round as bytes with its file name (`write_template` in a transaction of its
    own, for the web pages)."""
    with tempfile.TemporaryDirectory(prefix="raak-template-") as folder, session_scope(engine) as session:
        path = write_template(session, region_code, round_label, Path(folder), prefill=prefill)
        return path.read_bytes(), template_filename(region_code, round_label)


def fill_template(
    path_or_bytes: str | Path | bytes,
    values: Mapping[str, Mapping[int, int | str | None]],
    comments: Mapping[str, Mapping[int, str]] | None = None,
) -> bytes:
    """Write statuses (int → number, str → text as is, None → blank) and comments into a template's input cells."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    book = openpyxl.load_workbook(source)
    comments = comments or {}
    wanted = {parse_municipality_code(code) or code for code in {*values, *comments}}
    done: set[str] = set()
    for ws in book.worksheets:
        grid = Sheet(ws.title, [list(row) for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)])
        found = find_code(grid)
        code = parse_municipality_code(found.value) if found else None
        if code not in wanted:
            continue
        table = find_points_table(grid)
        if table is None:
            raise ValueError(f"sheet {ws.title!r} has no points table")
        numbers = {grid.value(row, table.number_column): row for row in table.rows}
        rows = {int(number): row for number, row in numbers.items() if isinstance(number, int | float)}
        for key, statuses in values.items():
            if parse_municipality_code(key) == code:
                for number, status in statuses.items():
                    ws.cell(_row(rows, number, code) + 1, table.status_column + 1, status)
        for key, texts in comments.items():
            if parse_municipality_code(key) == code:
                if table.comment_column is None:
                    raise ValueError(f"sheet {ws.title!r} has no Toelichting column")
                for number, text in texts.items():
                    ws.cell(_row(rows, number, code) + 1, table.comment_column + 1, text)
        done.add(code)
    if wanted - done:
        raise ValueError(f"no sheet for municipality {', '.join(sorted(wanted - done))} in the template")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(rows: Mapping[int, int], number: int, code: str) -> int:
    if number not in rows:
        raise ValueError(f"{code}: the template has no point {number}")
    return rows[number]
