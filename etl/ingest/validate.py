"""Check a read workbook against the reference data and the round: strict in content, every finding located.

Findings are :class:`etl.store.issues.Issue` records with a code and severity from :data:`SEVERITIES` and texts
from the catalogue's `issue.<code>` (documented, code by code, in `docs/return-format.md`). Any error rejects the
whole file; warnings never do.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

from etl.i18n import both_languages
from etl.reference.status import InvalidStatus, StatusParser, default_parser
from etl.store import models as m
from etl.store.aggregates import NO_LEVEL, CountingRules, note_locked
from etl.store.issues import Issue, Severity
from etl.workbook.layout import TEMPLATE_VERSION, version_order
from etl.workbook.read import (
    CodeCell,
    PointsTable,
    Sheet,
    Workbook,
    cell_ref,
    cell_text,
    find_code,
    find_points_table,
    is_blank,
    meta_values,
    parse_municipality_code,
    parse_point_number,
)

MAX_LISTED = 12  # numbers or names listed in one message before "…"
MAX_NUMBER_DIGITS = 9  # longer digit runs are text (and int() refuses 4,300+ digits)

# code → severity; the message is the catalogue's `issue.<code>` (etl.i18n) in Dutch and English, with its
# placeholders filled from the keyword arguments of `Findings.add`.
SEVERITIES: dict[str, Severity] = {
    "no_municipality_sheet": "error",
    "no_returns": "error",
    "missing_municipality_code": "error",
    "invalid_municipality_code": "error",
    "unknown_municipality": "error",
    "municipality_not_in_division": "error",
    "municipality_dissolved": "error",
    "municipality_not_yet_formed": "error",
    "municipality_not_in_region": "error",
    "region_not_allowed": "error",
    "duplicate_municipality": "error",
    "no_points_table": "error",
    "ambiguous_point_column": "error",
    "invalid_point_number": "error",
    "unknown_point": "error",
    "duplicate_point": "error",
    "missing_points": "error",
    "invalid_status": "error",
    "missing_status": "error",
    "no_return": "warning",
    "round_missing": "error",
    "round_assumed": "warning",
    "round_unknown": "error",
    "round_closed": "error",
    "round_mismatch": "error",
    "region_unknown": "error",
    "region_mismatch": "error",
    "framework_version_unknown": "error",
    "framework_version_old": "warning",
    "template_version_unknown": "error",
    "template_version_old": "warning",
    "formula_in_input": "warning",
    "status_decreased": "warning",
    "duplicate_file": "warning",
}


def _listing(items: Collection[object]) -> str:
    shown = [str(item) for item in list(items)[:MAX_LISTED]]
    return ", ".join(shown) + (", …" if len(items) > MAX_LISTED else "")


@dataclass
class Findings:
    """Collects issues for one file."""

    file: str
    issues: list[Issue] = field(default_factory=list)

    def add(self, code: str, sheet: str | None = None, cell: str | None = None, /, **values: object) -> None:
        nl, en = both_languages(f"issue.{code}", **values)
        self.issues.append(Issue(SEVERITIES[code], code, self.file, sheet, cell, nl, en))

    @property
    def has_errors(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)


@dataclass(frozen=True)
class PointValue:
    """One point of a municipality's return, with the address of its status cell."""

    number: int
    status: int | None
    not_applicable: bool
    comment: str | None
    cell: str


@dataclass(frozen=True)
class MunicipalityReturn:
    """The 35 (or however many the framework has) points of one municipality."""

    code: str
    sheet: str
    points: tuple[PointValue, ...]


@dataclass
class Validation:
    """Everything the loader needs, and every finding."""

    round: m.Round | None
    region_code: str | None
    framework_version: str | None
    template_version: str | None
    returns: list[MunicipalityReturn]
    issues: list[Issue]
    counting: CountingRules | None = None  # read with the reference data: the loader counts without a query

    @property
    def has_errors(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)


# --- round, region and versions -----------------------------------------------------------------------------


def workbook_meta(workbook: Workbook | None) -> dict[str, tuple[str, str]]:
    """The `_meta` key/value pairs (empty when the sheet is absent)."""
    sheet = workbook.meta_sheet if workbook else None
    return meta_values(sheet) if sheet else {}


def resolve_round(
    session: Session,
    meta: Mapping[str, tuple[str, str]],
    given: str | None,
    findings: Findings,
    meta_sheet: str,
    *,
    lock: bool = False,
) -> m.Round | None:
    """The round from `_meta` and/or the caller; the single open round when neither states one.

    A closed round is returned too: the caller reports `round_closed` unless the file is a duplicate. `lock`: a
    round named by its label is read `FOR UPDATE` on PostgreSQL (the ingest's round lock, in the same round trip).
    """
    stated = meta.get("round")
    label = stated[0] if stated and stated[0] else None
    given = given.strip() if given and given.strip() else None
    if label and given and label != given:
        findings.add("round_mismatch", meta_sheet, stated[1] if stated else None, meta=label, given=given)
        return None
    label = label or given
    if label is None:
        open_rounds = list(session.scalars(select(m.Round).where(m.Round.is_open).order_by(m.Round.reference_date)))
        if len(open_rounds) != 1:
            findings.add("round_missing", open=_listing([r.label for r in open_rounds]) or "-")
            return None
        findings.add("round_assumed", round=open_rounds[0].label)
        return open_rounds[0]
    by_label = select(m.Round).where(m.Round.label == label)
    found = session.scalar(by_label.with_for_update() if lock else by_label)
    if found is not None and lock:
        note_locked(session, [found.id])
    if found is None:
        known = list(session.scalars(select(m.Round.label).order_by(m.Round.reference_date)))
        cell = stated[1] if stated else None
        findings.add("round_unknown", meta_sheet if stated else None, cell, round=label, known=_listing(known) or "-")
        return None
    return found


def _framework_version(
    reference: ReferenceData, meta: Mapping[str, tuple[str, str]], findings: Findings, meta_sheet: str
) -> str | None:
    known = reference.framework_versions
    if not known:
        findings.add("framework_version_unknown", version="-", known="-")
        return None
    newest = known[-1]
    stated = meta.get("framework_version")
    if not stated or not stated[0]:
        return newest
    version, cell = stated
    if version not in known:
        findings.add("framework_version_unknown", meta_sheet, cell, version=version, known=_listing(known))
        return None
    if version != newest:
        findings.add("framework_version_old", meta_sheet, cell, version=version, newest=newest)
    return version


def _template_version(meta: Mapping[str, tuple[str, str]], findings: Findings, meta_sheet: str) -> str | None:
    stated = meta.get("template_version")
    if not stated or not stated[0]:
        return None
    version, cell = stated
    if version == TEMPLATE_VERSION:
        return version
    if _whole_number(version) is not None and int(version) < int(TEMPLATE_VERSION):
        findings.add("template_version_old", meta_sheet, cell, version=version, current=TEMPLATE_VERSION)
    else:
        findings.add("template_version_unknown", meta_sheet, cell, version=version, current=TEMPLATE_VERSION)
    return version


def _region(
    reference: ReferenceData,
    meta: Mapping[str, tuple[str, str]],
    given: str | None,
    allowed: Collection[str] | None,
    findings: Findings,
    meta_sheet: str,
) -> str | None:
    stated = meta.get("region")
    from_meta = stated[0].upper() if stated and stated[0] else None
    given = given.strip().upper() if given and given.strip() else None
    cell = stated[1] if stated else None
    if from_meta and given and from_meta != given:
        findings.add("region_mismatch", meta_sheet, cell, meta=from_meta, given=given)
        return None
    region = from_meta or given
    if region is None:
        return None
    if region not in reference.regions:
        findings.add("region_unknown", meta_sheet if from_meta else None, cell if from_meta else None, region=region)
        return None
    if allowed is not None and region not in allowed:
        location = (meta_sheet, cell) if from_meta else (None, None)
        findings.add("region_not_allowed", *location, allowed=_listing(sorted(allowed)) or "-", region=region)
    return region


# --- reference data, read once per batch of files ----------------------------------------------------------

# The tables validation reads: a write to any of them in this process makes every ReferenceCache read anew.
REFERENCE_TABLES = frozenset(
    model.__tablename__
    for model in (
        m.Municipality,
        m.MunicipalityDivision,
        m.MunicipalChange,
        m.Point,
        m.FrameworkVersion,
        m.Region,
        m.StatusLevel,
    )
)
_writes = itertools.count(1)  # next() on every write to a reference table (see the listeners below)
_generation = [0]  # the number of the last such write


class Change(NamedTuple):
    """A municipal change as validation uses it: when, which municipality, which one it became."""

    change_date: date
    old_code: str
    new_code: str


@dataclass
class ReferenceData:
    """The reference data one moment of the database holds that validation reads: municipalities (name, region),
    municipal changes, framework versions and their points, regions, and (read on first use) each year's division.
    """

    municipalities: dict[str, tuple[str, str | None]]  # code → (name, region)
    changes: tuple[Change, ...]
    framework_versions: tuple[str, ...]  # oldest first
    points: dict[str, tuple[int, ...]]  # framework version → its point numbers, in order
    regions: frozenset[str]
    counting: dict[str, CountingRules]  # framework version → what the stored aggregates count (see load)
    divisions: dict[int, tuple[frozenset[str], dict[str, tuple[str, str | None]]]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session) -> ReferenceData:
        M, C, P = m.Municipality, m.MunicipalChange, m.Point
        municipalities = {
            code: (name, region) for code, name, region in session.execute(select(M.code, M.name, M.region_code))
        }
        changes = tuple(Change(*row) for row in session.execute(select(C.change_date, C.old_code, C.new_code)))
        versions = tuple(sorted(session.scalars(select(m.FrameworkVersion.version)), key=version_order))
        points: dict[str, dict[int, tuple[str, str]]] = {}  # version → number → (level or NO_LEVEL, group)
        rows = session.execute(select(P.framework_version, P.number, P.level_code, P.group).order_by(P.number))
        for version, number, level, group in rows:
            points.setdefault(version, {})[number] = (level or NO_LEVEL, group)
        regions = frozenset(session.scalars(select(m.Region.code)))
        implemented = frozenset(session.scalars(select(m.StatusLevel.value).where(m.StatusLevel.implemented)))
        return cls(
            municipalities,
            changes,
            versions,
            {version: tuple(numbers) for version, numbers in points.items()},
            regions,
            {version: CountingRules(numbers, implemented) for version, numbers in points.items()},
        )

    def division(self, session: Session, year: int) -> tuple[frozenset[str], dict[str, tuple[str, str | None]]]:
        """The municipalities of `year`'s division, and every municipality with its region of that year where it
        has one (read on first use of the year)."""
        if year not in self.divisions:
            D = m.MunicipalityDivision
            in_division = {
                code: region
                for code, region in session.execute(select(D.municipality_code, D.region_code).where(D.year == year))
            }
            municipalities = self.municipalities | {
                code: (self.municipalities[code][0], region) for code, region in in_division.items()
            }
            self.divisions[year] = (frozenset(in_division), municipalities)
        return self.divisions[year]


class ReferenceCache:
    """Reference data for a batch of files, read in the first file's transaction instead of in every file's.

    The caller of a batch (`raak ingest` of a folder, the demo, the benchmark) makes one and passes it to each
    file; a file on its own needs none. What validation reads is read anew when the database differs (another
    engine or URL) or when this process wrote to a reference table since (a reference load, a division, a
    framework: any ORM flush or Core INSERT/UPDATE/DELETE on :data:`REFERENCE_TABLES`). The round itself, its
    state and the previous round's statuses are never cached: each file reads them in its own transaction.
    A reference load by another process while a batch runs is seen by the next batch, as if the batch's files
    had come in before it.
    """

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._data: ReferenceData | None = None

    def get(self, session: Session) -> ReferenceData:
        """The reference data, read in `session` unless what was read before is still what the database holds."""
        bind = session.get_bind()
        # the pool, not the engine object: `session_scope(write_first=True)` makes a new one per transaction
        key = (id(bind.engine.pool), bind.engine.url.render_as_string(hide_password=True), _generation[0])
        if self._data is None or key != self._key:
            self._data = ReferenceData.read(session)
            self._key = key
        return self._data


def _note_write() -> None:
    _generation[0] = next(_writes)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    """An ORM flush that touched a reference table makes every ReferenceCache stale."""
    for instance in itertools.chain(session.new, session.dirty, session.deleted):
        if getattr(instance, "__tablename__", None) in REFERENCE_TABLES:
            _note_write()
            return


@event.listens_for(Engine, "before_execute")
def _executing(_connection: object, statement: object, *_arguments: object) -> None:
    """A Core INSERT/UPDATE/DELETE of a reference table makes every ReferenceCache stale."""
    if isinstance(statement, UpdateBase) and getattr(statement.table, "name", None) in REFERENCE_TABLES:
        _note_write()


# --- municipality sheets -----------------------------------------------------------------------------------


def _whole_number(text: str) -> int | None:
    """A short run of digits as a number (a 5,000-digit 'number' in a cell is text, not a number)."""
    return int(text) if text.isdecimal() and len(text) <= MAX_NUMBER_DIGITS else None


def _point_number(value: object) -> int | None:
    """A point number as people write it ("7", "7.", "Punt 7", "nr. 7", "P7"; see read.parse_point_number)."""
    return parse_point_number(value)


@dataclass
class _Context:
    """Reference data looked up once per file."""

    round: m.Round | None
    region: str | None  # the stated region, when the uploader may submit for it
    refused_region: str | None  # the stated region outside the uploader's scope (already reported once)
    allowed_regions: Collection[str] | None
    framework_version: str
    points: tuple[int, ...]
    municipalities: Mapping[str, tuple[str, str | None]]  # code → (name, region)
    division: frozenset[str]
    parser: StatusParser
    changes: tuple[Change, ...] = ()

    @cached_property
    def point_set(self) -> frozenset[int]:
        return frozenset(self.points)


def _check_code(sheet: Sheet, found: CodeCell, ctx: _Context, findings: Findings) -> str | None:
    if found.position is None:
        findings.add("missing_municipality_code", sheet.name, cell_ref(found.label[0], found.label[1] + 1))
        return None
    cell = cell_ref(*found.position)
    code = parse_municipality_code(found.value)
    if code is None:
        findings.add("invalid_municipality_code", sheet.name, cell, value=cell_text(found.value))
        return None
    if code not in ctx.municipalities:
        findings.add("unknown_municipality", sheet.name, cell, code=code)
        return None
    name, region = ctx.municipalities[code]
    if ctx.round is not None and code not in ctx.division:
        _not_in_division(sheet, cell, code, ctx, findings)
    elif ctx.region is not None and region != ctx.region:
        findings.add(
            "municipality_not_in_region",
            sheet.name,
            cell,
            code=code,
            name=name,
            actual=region or "-",
            region=ctx.region,
        )
    return code


def _outside_scope(sheet: Sheet, found: CodeCell, ctx: _Context, findings: Findings) -> bool:
    """Whether the sheet's municipality lies outside the uploader's regions (reported once, at its code cell).

    Runs before any other check of the sheet: nothing about such a municipality is read, computed or returned.
    A municipality of no region counts as outside a coordinator's scope.
    """
    if ctx.allowed_regions is None or found.position is None:
        return False
    code = parse_municipality_code(found.value)
    if code is None or code not in ctx.municipalities:
        return False
    region = ctx.municipalities[code][1]
    if region in ctx.allowed_regions:
        return False
    if region is None or region != ctx.refused_region:  # the stated region was refused on the meta sheet already
        findings.add(
            "region_not_allowed",
            sheet.name,
            cell_ref(*found.position),
            allowed=_listing(sorted(ctx.allowed_regions)) or "-",
            region=region or "-",
        )
    return True


def _not_in_division(sheet: Sheet, cell: str, code: str, ctx: _Context, findings: Findings) -> None:
    """Say why `code` is not in the round's division: what it became, what it was formed from, or neither."""
    assert ctx.round is not None
    name = ctx.municipalities[code][0]
    values = {"code": code, "name": name, "year": ctx.round.division_year, "round": ctx.round.label}
    later = sorted((c for c in ctx.changes if c.old_code == code), key=lambda c: c.change_date)
    earlier = sorted((c for c in ctx.changes if c.new_code == code and c.old_code != code), key=lambda c: c.change_date)
    if later and later[0].change_date.year <= ctx.round.division_year:
        when = later[0].change_date
        names = [f"{c.new_code} ({ctx.municipalities[c.new_code][0]})" for c in later if c.change_date == when]
        findings.add("municipality_dissolved", sheet.name, cell, date=when, successors=" / ".join(names), **values)
    elif earlier and earlier[-1].change_date.year > ctx.round.division_year:
        when = earlier[-1].change_date
        names = [f"{c.old_code} ({ctx.municipalities[c.old_code][0]})" for c in earlier if c.change_date == when]
        findings.add(
            "municipality_not_yet_formed", sheet.name, cell, date=when, predecessors=", ".join(names), **values
        )
    else:
        findings.add("municipality_not_in_division", sheet.name, cell, **values)


def _read_points(
    sheet: Sheet, table: PointsTable, ctx: _Context, findings: Findings
) -> tuple[list[PointValue], list[tuple[int, str]]]:
    """The filled points and the (number, cell) of blank status cells.

    Tuned: this runs for every row of every municipality sheet (14,630 in a national round), so the address of a
    number cell is only made when a message needs it."""
    filled: list[PointValue] = []
    blank: list[tuple[int, str]] = []
    seen: dict[int, str] = {}
    known = ctx.point_set
    parse = ctx.parser.parse
    number_column, status_column, comment_column = table.number_column, table.status_column, table.comment_column
    grid = sheet.rows
    for row in table.rows:
        cells = grid[row]  # a table row lies within the grid; the cells as Sheet.value gives them ('' is None)
        width = len(cells)
        raw_number = cells[number_column] if number_column < width else None
        raw_status = cells[status_column] if status_column < width else None
        raw_number = None if raw_number == "" else raw_number
        raw_status = None if raw_status == "" else raw_status
        # a whole float (how calamine gives a typed number) directly, anything else as _point_number reads it
        number = int(raw_number) if type(raw_number) is float and raw_number.is_integer() else _point_number(raw_number)
        if number is None:
            if not is_blank(raw_status):
                cell = cell_ref(row, number_column)
                findings.add("invalid_point_number", sheet.name, cell, value=cell_text(raw_number))
            continue  # a heading or spacer row inside the table
        if number not in known:
            findings.add(
                "unknown_point",
                sheet.name,
                cell_ref(row, number_column),
                number=number,
                framework=ctx.framework_version,
                first=min(known),
                last=max(known),
            )
            continue
        if number in seen:
            findings.add("duplicate_point", sheet.name, cell_ref(row, number_column), number=number, other=seen[number])
            continue
        seen[number] = cell_ref(row, number_column)
        status_cell = cell_ref(row, status_column)
        try:
            parsed = parse(raw_status)
        except InvalidStatus:
            findings.add(
                "invalid_status",
                sheet.name,
                status_cell,
                number=number,
                value=cell_text(raw_status),
                accepted=ctx.parser.accepted(),
            )
            continue
        if parsed is None:
            blank.append((number, status_cell))
            continue
        raw_comment = cells[comment_column] if comment_column is not None and comment_column < width else None
        comment = (cell_text(raw_comment) or None) if raw_comment is not None and raw_comment != "" else None
        filled.append(PointValue(number, parsed.status, parsed.not_applicable, comment, status_cell))
    missing = sorted(known - seen.keys())
    if missing:
        findings.add("missing_points", sheet.name, _header_cell(table), numbers=_listing(missing))
    return filled, blank


def _header_cell(table: PointsTable) -> str:
    """The address of the table's `Nr` header."""
    return cell_ref(table.header_row, table.number_column)


def _formula_warnings(
    workbook: Workbook, sheet: Sheet, table: PointsTable | None, found: CodeCell, findings: Findings
) -> None:
    formulas = workbook.formula_cells(sheet.name)
    if not formulas:
        return
    inputs: list[tuple[int, int]] = [found.position] if found.position else []
    if table is not None:
        columns = [table.status_column] + ([table.comment_column] if table.comment_column is not None else [])
        inputs += [(row, column) for row in table.rows for column in columns]
    for position in inputs:
        if cell_ref(*position) in formulas:
            findings.add("formula_in_input", sheet.name, cell_ref(*position), value=cell_text(sheet.value(*position)))


def _previous_statuses(session: Session, ctx: _Context, codes: list[str]) -> tuple[str, dict[tuple[str, int], int]]:
    """The current statuses of the round before this one (by reference date) for these municipalities."""
    if ctx.round is None or not codes:
        return "", {}
    previous = session.scalar(
        select(m.Round)
        .where(m.Round.reference_date < ctx.round.reference_date)
        .order_by(m.Round.reference_date.desc())
        .limit(1)
    )
    if previous is None:
        return "", {}
    rows = session.execute(
        select(m.Assessment.municipality_code, m.Assessment.point_number, m.Assessment.status).where(
            m.Assessment.round_id == previous.id,
            m.Assessment.is_current,
            m.Assessment.framework_version == ctx.framework_version,
            m.Assessment.municipality_code.in_(codes),
            m.Assessment.status.is_not(None),
        )
    )
    return previous.label, {(code, number): status for code, number, status in rows if status is not None}


def _context(
    reference: ReferenceData,
    session: Session,
    rnd: m.Round | None,
    region: str | None,
    allowed: Collection[str] | None,
    framework_version: str,
) -> _Context:
    """The reference data one file is checked against; a stated region outside `allowed` is refused."""
    refused = region if allowed is not None and region is not None and region not in allowed else None
    municipalities: Mapping[str, tuple[str, str | None]] = reference.municipalities
    division: frozenset[str] = frozenset()
    if rnd is not None:  # the round's own division: its municipalities and their region in that year
        division, municipalities = reference.division(session, rnd.division_year)
    stated = None if refused else region
    return _Context(
        rnd,
        stated,
        refused,
        allowed,
        framework_version,
        reference.points.get(framework_version, ()),
        municipalities,
        division,
        default_parser(),
        reference.changes,
    )


def _municipality_sheet(
    workbook: Workbook, sheet: Sheet, found: CodeCell, ctx: _Context, seen: dict[str, str], findings: Findings
) -> MunicipalityReturn | None:
    """Check one municipality sheet; its return, or None (errors, outside scope, or no return)."""
    if _outside_scope(sheet, found, ctx, findings):
        return None
    code = _check_code(sheet, found, ctx, findings)
    if code is not None and found.position is not None:
        if code in seen:
            findings.add("duplicate_municipality", sheet.name, cell_ref(*found.position), code=code, other=seen[code])
        seen.setdefault(code, sheet.name)
    table = find_points_table(sheet, ctx.points)
    _formula_warnings(workbook, sheet, table, found, findings)
    if table is None:
        findings.add("no_points_table", sheet.name)
        return None
    if table.other_number_columns:  # one issue for the table, not one per row
        columns = [table.number_column, *table.other_number_columns]
        findings.add(
            "ambiguous_point_column",
            sheet.name,
            cell_ref(table.header_row, table.number_column),
            columns=", ".join(cell_ref(table.header_row, c) for c in columns),
        )
        return None
    filled, blank = _read_points(sheet, table, ctx, findings)
    if not filled and blank and not any(i.sheet == sheet.name and i.severity == "error" for i in findings.issues):
        name = ctx.municipalities[code][0] if code else "?"
        findings.add("no_return", sheet.name, code=code or "?", name=name)
        return None
    for number, cell in blank:
        findings.add("missing_status", sheet.name, cell, number=number)
    return MunicipalityReturn(code, sheet.name, tuple(filled)) if code is not None else None


def validate(
    session: Session,
    workbook: Workbook,
    findings: Findings,
    rnd: m.Round | None,
    *,
    region: str | None = None,
    allowed_regions: Collection[str] | None = None,
    reference: ReferenceCache | None = None,
) -> Validation:
    """Validate every municipality sheet of `workbook` for round `rnd` (already resolved by :func:`resolve_round`).

    `reference`: the cache of a batch of files (see :class:`ReferenceCache`); None reads the reference data anew.
    """
    meta = workbook_meta(workbook)
    meta_sheet = workbook.meta_sheet.name if workbook.meta_sheet else ""
    allowed = {code.upper() for code in allowed_regions} if allowed_regions is not None else None
    data = (reference or ReferenceCache()).get(session)
    template_version = _template_version(meta, findings, meta_sheet)
    framework_version = _framework_version(data, meta, findings, meta_sheet)
    stated_region = _region(data, meta, region, allowed, findings, meta_sheet)
    if framework_version is None:
        scoped = stated_region if allowed is None or stated_region in allowed else None
        return Validation(rnd, scoped, None, template_version, [], findings.issues)
    ctx = _context(data, session, rnd, stated_region, allowed, framework_version)

    returns: list[MunicipalityReturn] = []
    seen: dict[str, str] = {}  # municipality → the sheet it was first found on
    found_any = False
    for sheet in workbook.sheets:
        found = find_code(sheet) if sheet is not workbook.meta_sheet else None
        if found is None:
            continue  # instructions, lists: not a municipality sheet
        found_any = True
        municipality = _municipality_sheet(workbook, sheet, found, ctx, seen, findings)
        if municipality is not None:
            returns.append(municipality)
    if not found_any:
        findings.add("no_municipality_sheet")
    elif not returns and not findings.has_errors:
        findings.add("no_returns")
    _decrease_warnings(session, ctx, returns, findings)  # `returns` holds municipalities within scope only
    region_code = ctx.region
    if region_code is None:  # not stated (or refused): the region of the municipalities, when they share one
        regions = {ctx.municipalities[r.code][1] for r in returns}
        region_code = regions.pop() if len(regions) == 1 else None
    counting = data.counting.get(framework_version)
    return Validation(rnd, region_code, framework_version, template_version, returns, findings.issues, counting)


def _decrease_warnings(session: Session, ctx: _Context, returns: list[MunicipalityReturn], findings: Findings) -> None:
    label, previous = _previous_statuses(session, ctx, [r.code for r in returns])
    for municipality in returns:
        for point in municipality.points:
            before = previous.get((municipality.code, point.number))
            if before is not None and point.status is not None and point.status < before and not point.comment:
                findings.add(
                    "status_decreased",
                    municipality.sheet,
                    point.cell,
                    number=point.number,
                    status=point.status,
                    previous_round=label,
                    previous=before,
                )
