"""Load the framework, the status scale and the Dutch geography from `data_templates/` into the database.

Every load is an upsert, so running it twice changes nothing. A region division or population file supplied by
NJi is validated like any other input: an error names the file and cell, and nothing is changed.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from etl.i18n import both_languages
from etl.reference.divisions import Change, apply_changes, crosswalk, main_successor, predecessors
from etl.reference.framework import Framework, load_framework, load_status_scale
from etl.reference.framework import available_frameworks as framework_files
from etl.store import models as m
from etl.store.aggregates import counting_rules, coverage_inputs, mark_changed, refresh_if_rules_changed
from etl.store.audit import record
from etl.store.issues import InputRejected, Issue

REFERENCE_DIR = files("data_templates") / "reference"
DEFAULT_DIVISION_FILE = "regions_ggd_2011.csv"
REGION_FILE = "regions_ggd_{year}.csv"  # the GGD regions of a division year, where shipped (2008, 2011)
CHANGES_FILE = "municipal_changes_2009_2011.csv"
POPULATION_FILE = "population_municipalities_2008_2010_2011.csv"
MUNICIPALITY_FILE_PATTERN = re.compile(r"municipalities_(\d{4})\.csv")
DIVISION_COLUMNS = ("municipality_code", "region_code", "region_name")
POPULATION_COLUMNS = ("municipality_code", "year", "inhabitants")
ESTIMATED_CHILDREN_COLUMN = "children_0_17_est"  # the shipped CBS-derived estimate; `children_0_17` is a count


@dataclass(frozen=True)
class ReferenceCounts:
    """What the database holds after a load, for the CLI's summary and the tests."""

    framework_versions: int
    levels: int
    points: int
    provinces: int
    regions: int
    municipalities: int
    current_municipalities: int
    population_rows: int


def shipped_division_years() -> list[int]:
    """The CBS municipal divisions shipped as lists (`municipalities_YYYY.csv`), oldest first."""
    years = [
        int(match.group(1))
        for entry in REFERENCE_DIR.iterdir()
        if (match := MUNICIPALITY_FILE_PATTERN.fullmatch(entry.name))
    ]
    return sorted(years)


def division_years() -> list[int]:
    """Every division year: the shipped ones and those in between, derived by applying the municipal changes."""
    shipped = shipped_division_years()
    return list(range(shipped[0], shipped[-1] + 1))


def division_year_for(day: date) -> int:
    """The division a round with reference date `day` uses: that of its year, else the nearest one shipped."""
    years = division_years()
    return min(max(day.year, years[0]), years[-1])


def shipped_changes() -> list[Change]:
    """The municipal changes shipped as data (`municipal_changes_2009_2011.csv`)."""
    _, rows = _read_csv((REFERENCE_DIR / CHANGES_FILE).read_text(encoding="utf-8"))
    return [
        Change(
            date.fromisoformat(row["date"]),
            row["old_code"],
            row["new_code"],
            float(row["population_share"]),
            row["change_type"],
        )
        for row in rows
    ]


def current_division_year() -> int:
    """The newest municipal division: the one new rounds use and every region division must cover."""
    return division_years()[-1]


def _read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    return [(name or "").strip() for name in reader.fieldnames or []], rows


def _cell(columns: list[str], column: str, row_index: int) -> str:
    """Spreadsheet-style address of a CSV value (header is row 1)."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(columns.index(column) + 1)}{row_index + 2}"


def _whole_number(raw: str) -> int | None:
    """`raw` as a whole number ≥ 0, or None."""
    try:
        number = int(raw)
    except ValueError:
        return None
    return number if number >= 0 else None


def _error(file: str, cell: str | None, issue_code: str, /, **values: object) -> Issue:
    """An error `reference.<issue_code>` from the catalogue, in Dutch and English."""
    return Issue("error", issue_code, file, None, cell, *both_languages(f"reference.{issue_code}", **values))


def _missing_columns(file: str, columns: list[str], required: Iterable[str]) -> list[Issue]:
    missing = [c for c in required if c not in columns]
    if not missing:
        return []
    names = ", ".join(missing)
    return [_error(file, "1", "missing_column", names=names)]


def load_framework_data(session: Session, paths: Sequence[Path] | None = None) -> list[Framework]:
    """Upsert every framework version (default: the files in data_templates/framework) and the status scale."""
    frameworks = [load_framework(path) for path in (framework_files() if paths is None else paths)]
    for fw in frameworks:
        session.merge(m.FrameworkVersion(version=fw.version, name_nl=fw.name_nl, name_en=fw.name_en, source=fw.source))
        session.flush()
        for order, group in enumerate(fw.groups):
            session.merge(
                m.FrameworkGroup(
                    framework_version=fw.version,
                    code=group.code,
                    order=order,
                    name_nl=group.name_nl,
                    name_en=group.name_en,
                )
            )
        for level in fw.levels:
            session.merge(
                m.Level(
                    framework_version=fw.version,
                    code=level.code,
                    order=level.order,
                    name_nl=level.name_nl,
                    name_en=level.name_en,
                    group=level.group,
                )
            )
        session.flush()
        for point in fw.points:
            session.merge(
                m.Point(
                    framework_version=fw.version,
                    number=point.number,
                    level_code=point.level,
                    group=point.group,
                    title_nl=point.title_nl,
                    title_en=point.title_en,
                    text_nl=point.text_nl,
                )
            )
    for status in load_status_scale().statuses:
        session.merge(
            m.StatusLevel(
                value=status.value,
                key=status.key,
                label_nl=status.label_nl,
                label_en=status.label_en,
                implemented=status.implemented,
                color=status.color,
            )
        )
    session.flush()
    return frameworks


def load_geography(session: Session) -> None:
    """Upsert provinces, the municipalities of every division year, the municipal changes and past regions.

    The shipped years (2008, 2011) come from their lists; the years in between from the earlier list and the
    changes, checked against the next shipped list so a gap in the change file cannot pass unnoticed.
    """
    _, provinces = _read_csv((REFERENCE_DIR / "provinces.csv").read_text(encoding="utf-8"))
    for row in provinces:
        session.merge(m.Province(code=row["province_code"], name=row["province_name"]))
    session.flush()
    shipped: dict[int, set[str]] = {}
    known = {municipality.code: municipality for municipality in session.scalars(select(m.Municipality))}
    for year in shipped_division_years():  # oldest first, so the newest name wins
        _, rows = _read_csv((REFERENCE_DIR / f"municipalities_{year}.csv").read_text(encoding="utf-8"))
        for row in rows:
            code = row["municipality_code"]
            municipality = known.get(code)
            if municipality is None:
                known[code] = m.Municipality(
                    code=code, name=row["municipality_name"], province_code=row["province_code"]
                )
                session.add(known[code])
            else:
                municipality.name = row["municipality_name"]
                municipality.province_code = row["province_code"]
        shipped[year] = {row["municipality_code"] for row in rows}
    session.flush()
    changes = load_changes(session)
    years = division_years()
    members: dict[int, set[str]] = {years[0]: shipped[years[0]]}
    for previous, year in itertools.pairwise(years):
        members[year] = apply_changes(members[previous], changes, previous, year)
        if year in shipped and members[year] != shipped[year]:
            raise InputRejected(
                [
                    _error(
                        CHANGES_FILE,
                        None,
                        "changes_do_not_match_division",
                        year=year,
                        difference=", ".join(sorted(members[year] ^ shipped[year])),
                    )
                ]
            )
    divided = set(session.execute(select(m.MunicipalityDivision.year, m.MunicipalityDivision.municipality_code)))
    for year, codes in members.items():
        for code in codes:
            if (year, code) not in divided:
                session.add(m.MunicipalityDivision(year=year, municipality_code=code))
    session.flush()


def load_changes(session: Session) -> list[Change]:
    """Replace the municipal change history by the shipped one (an upsert: unchanged rows stay as they are)."""
    changes = shipped_changes()
    wanted = {(c.on, c.old_code, c.new_code): c for c in changes}
    for row in session.scalars(select(m.MunicipalChange)):
        change = wanted.pop((row.change_date, row.old_code, row.new_code), None)
        if change is None:
            session.delete(row)
        elif (row.share, row.change_type) != (change.share, change.change_type):
            row.share, row.change_type = change.share, change.change_type
    for change in wanted.values():
        session.add(
            m.MunicipalChange(
                change_date=change.on,
                old_code=change.old_code,
                new_code=change.new_code,
                share=change.share,
                change_type=change.change_type,
            )
        )
    session.flush()
    return changes


def load_past_regions(session: Session) -> None:
    """The GGD regions of each division year before the current one (docs/metrics.md, "Divisions").

    A year with a shipped region file (2008) uses it; a later year keeps the regions of the year before, and a
    municipality formed by a merger joins the region of its largest predecessor by inhabitants.
    """
    current = current_division_year()
    changes = shipped_changes()
    members: dict[int, set[str]] = {year: set() for year in division_years()}
    for year, code in session.execute(select(m.MunicipalityDivision.year, m.MunicipalityDivision.municipality_code)):
        members.setdefault(year, set()).add(code)
    inhabitants = {
        code: number
        for code, number in session.execute(
            select(m.Population.municipality_code, m.Population.inhabitants).where(
                m.Population.year == division_years()[0]
            )
        )
    }
    divisions = {(d.year, d.municipality_code): d for d in session.scalars(select(m.MunicipalityDivision))}
    previous_year: int | None = None
    regions: dict[str, str | None] = {}  # None: no predecessor had a region
    for year in division_years():
        if year == current:
            break
        path = REFERENCE_DIR / REGION_FILE.format(year=year)
        if path.is_file():
            _, rows = _read_csv(path.read_text(encoding="utf-8"))
            named = {row["region_code"]: row for row in rows}  # one row per municipality: each region once
            for code, row in named.items():
                session.merge(m.Region(code=code, name=row["region_name"], region_type=row["region_type"]))
            session.flush()
            regions = {row["municipality_code"]: row["region_code"] for row in rows}
        elif previous_year is not None:
            walk = predecessors(crosswalk(members[previous_year], changes, previous_year, year))
            regions = {
                code: regions.get(
                    code,
                    regions.get(
                        main_successor({old: share * inhabitants.get(old, 1) for old, share in walk[code].items()})
                    ),
                )
                for code in members[year]
            }
        for code in members[year]:
            division = divisions.get((year, code))
            if division is not None and division.region_code != regions.get(code):
                division.region_code = regions.get(code)
        previous_year = year
    session.flush()


def parse_division(text: str, file: str, session: Session) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Validate a region division file; return municipality → region and region → (name, type), or raise."""
    columns, rows = _read_csv(text)
    issues = _missing_columns(file, columns, DIVISION_COLUMNS)
    if issues:
        raise InputRejected(issues)
    known = set(session.scalars(select(m.Municipality.code)))
    current = set(
        session.scalars(
            select(m.MunicipalityDivision.municipality_code).where(
                m.MunicipalityDivision.year == current_division_year()
            )
        )
    )
    membership: dict[str, str] = {}
    regions: dict[str, tuple[str, str]] = {}
    for index, row in enumerate(rows):
        code = row["municipality_code"].upper()
        region = row["region_code"]
        name = row["region_name"]
        region_type = row.get("region_type") or "regio"
        cell = _cell(columns, "municipality_code", index)
        if code not in known:
            issues.append(
                _error(
                    file,
                    cell,
                    "unknown_municipality",
                    code=repr(code),
                )
            )
        elif code in membership:
            issues.append(
                _error(
                    file,
                    cell,
                    "duplicate_municipality",
                    code=code,
                )
            )
        if not region or not name:
            issues.append(
                _error(
                    file,
                    _cell(columns, "region_code", index),
                    "missing_region",
                    code=code,
                )
            )
            continue
        if region in regions and regions[region][0] != name:
            issues.append(
                _error(
                    file,
                    _cell(columns, "region_name", index),
                    "inconsistent_region_name",
                    region=region,
                    first=repr(regions[region][0]),
                    second=repr(name),
                )
            )
        regions.setdefault(region, (name, region_type))
        membership[code] = region
    for code in sorted(current - membership.keys()):
        issues.append(
            _error(
                file,
                None,
                "municipality_without_region",
                code=code,
                year=current_division_year(),
            )
        )
    if issues:
        raise InputRejected(issues)
    return membership, regions


def replace_division(session: Session, text: str, file: str) -> None:
    """Replace the region division by the one in `text`; refuses (and changes nothing) on any error."""
    membership, regions = parse_division(text, file, session)
    for code, (name, region_type) in regions.items():
        session.merge(m.Region(code=code, name=name, region_type=region_type))
    session.flush()
    for municipality in session.scalars(select(m.Municipality)):
        municipality.region_code = membership.get(municipality.code)
    for division in session.scalars(
        select(m.MunicipalityDivision).where(m.MunicipalityDivision.year == current_division_year())
    ):
        division.region_code = membership.get(division.municipality_code)
    session.flush()
    past = set(
        session.scalars(
            select(m.MunicipalityDivision.region_code).where(
                m.MunicipalityDivision.year != current_division_year(), m.MunicipalityDivision.region_code.is_not(None)
            )
        )
    )
    stale = set(session.scalars(select(m.Region.code))) - regions.keys() - past
    in_use = set(session.scalars(select(m.UserRegion.region_code).where(m.UserRegion.region_code.in_(stale))))
    if in_use:
        raise InputRejected(
            [
                _error(
                    file,
                    None,
                    "region_in_use",
                    regions=", ".join(sorted(in_use)),
                )
            ]
        )
    if stale:
        session.execute(delete(m.Region).where(m.Region.code.in_(stale)))
    session.flush()


def load_population(session: Session, text: str, file: str, *, keep_counts: bool = False) -> int:
    """Validate and upsert population per municipality and year; returns the number of rows loaded.

    A file with `children_0_17_est` instead of `children_0_17` holds estimates (the shipped CBS-derived file);
    with `keep_counts` its rows do not overwrite a row NJi loaded from a file of its own.
    """
    columns, rows = _read_csv(text)
    estimated = ESTIMATED_CHILDREN_COLUMN in columns and "children_0_17" not in columns
    if estimated:
        rows = [row | {"children_0_17": row[ESTIMATED_CHILDREN_COLUMN]} for row in rows]
        columns = [("children_0_17" if c == ESTIMATED_CHILDREN_COLUMN else c) for c in columns]
    issues = _missing_columns(file, columns, POPULATION_COLUMNS)
    if issues:
        raise InputRejected(issues)
    known = set(session.scalars(select(m.Municipality.code)))
    seen: set[tuple[str, int]] = set()
    parsed: list[tuple[str, int, int, int | None]] = []
    for index, row in enumerate(rows):
        code = row["municipality_code"].upper()
        if code not in known:
            issues.append(
                _error(
                    file,
                    _cell(columns, "municipality_code", index),
                    "unknown_municipality",
                    code=repr(code),
                )
            )
            continue
        numbers: dict[str, int | None] = {}
        for column in ("year", "inhabitants", "children_0_17"):
            raw = row.get(column, "")
            numbers[column] = _whole_number(raw)
            if numbers[column] is None and (raw or column != "children_0_17"):
                issues.append(
                    _error(
                        file,
                        _cell(columns, column, index),
                        "invalid_number",
                        column=column,
                        value=repr(raw),
                    )
                )
        year, inhabitants, children = numbers["year"], numbers["inhabitants"], numbers["children_0_17"]
        if year is None or inhabitants is None:
            continue
        if children is not None and children > inhabitants:
            issues.append(
                _error(
                    file,
                    _cell(columns, "children_0_17", index),
                    "children_exceed_inhabitants",
                )
            )
        if (code, year) in seen:
            issues.append(
                _error(
                    file,
                    _cell(columns, "municipality_code", index),
                    "duplicate_row",
                    code=code,
                    year=year,
                )
            )
        seen.add((code, year))
        parsed.append((code, year, inhabitants, children))
    if issues:
        raise InputRejected(issues)
    loaded = 0
    stored = {(p.municipality_code, p.year): p for p in session.scalars(select(m.Population))}
    for code, year, inhabitants, children in parsed:
        existing = stored.get((code, year))
        if keep_counts and existing is not None and not existing.children_estimated:
            continue  # loaded by NJi from a file of its own: the shipped estimate never replaces it
        row_estimated = estimated and children is not None
        if existing is None:  # new: added without the SELECT a merge would make
            session.add(
                m.Population(
                    municipality_code=code,
                    year=year,
                    inhabitants=inhabitants,
                    children_0_17=children,
                    children_estimated=row_estimated,
                )
            )
        else:
            existing.inhabitants, existing.children_0_17 = inhabitants, children
            existing.children_estimated = row_estimated
        loaded += 1
    session.flush()
    return loaded


def load_reference(
    session: Session,
    *,
    regions_file: Path | None = None,
    population_file: Path | None = None,
    actor: str | None = None,
) -> ReferenceCounts:
    """Load everything in one transaction (the caller's); the default division only when none is loaded yet.

    Loading a division or population file is audited, which also tells cached reports that their numbers changed.
    """
    rules, inputs = counting_rules(session), coverage_inputs(session)
    load_framework_data(session)
    refresh_if_rules_changed(session, rules, actor=actor)  # a point's level or group, or what counts, changed
    load_geography(session)
    load_population(
        session, (REFERENCE_DIR / POPULATION_FILE).read_text(encoding="utf-8"), POPULATION_FILE, keep_counts=True
    )
    load_past_regions(session)
    if regions_file is not None:
        replace_division(session, regions_file.read_text(encoding="utf-8-sig"), regions_file.name)
    elif (
        session.scalar(select(func.count()).select_from(m.Municipality).where(m.Municipality.region_code.is_not(None)))
        == 0
    ):
        replace_division(
            session,
            (REFERENCE_DIR / DEFAULT_DIVISION_FILE).read_text(encoding="utf-8"),
            DEFAULT_DIVISION_FILE,
        )
    if population_file is not None:
        load_population(session, population_file.read_text(encoding="utf-8-sig"), population_file.name)
    if regions_file is not None or population_file is not None:
        record(
            session,
            "reference.load",
            actor=actor,
            detail={
                "regions": regions_file and regions_file.name,
                "population": population_file and population_file.name,
            },
        )
    if coverage_inputs(session) != inputs:  # (a changed framework recorded its change when it recounted)
        mark_changed(session)
    return reference_counts(session)


def reference_counts(session: Session) -> ReferenceCounts:
    """Count what the reference tables hold."""

    def count(model: type[m.Base], *where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return ReferenceCounts(
        framework_versions=count(m.FrameworkVersion),
        levels=count(m.Level),
        points=count(m.Point),
        provinces=count(m.Province),
        regions=len(
            set(
                session.scalars(
                    select(m.MunicipalityDivision.region_code).where(
                        m.MunicipalityDivision.year == current_division_year(),
                        m.MunicipalityDivision.region_code.is_not(None),
                    )
                )
            )
        ),
        municipalities=count(m.Municipality),
        current_municipalities=count(m.MunicipalityDivision, m.MunicipalityDivision.year == current_division_year()),
        population_rows=count(m.Population),
    )
