"""Read what the metrics need from the database as small DataFrames, aggregated in SQL (GROUP BY).

National views never load assessment rows: they read counts per municipality × level, per point × status and
per municipality for the change since the previous round. Only the detail views of one region (≈ 20
municipalities × 35 points) or one municipality read individual assessments.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import orjson
import pandas as pd
from sqlalchemy import Connection, Engine, Select, and_, case, func, inspect, literal, or_, select

from dashboard.analytics.metrics import NO_LEVEL
from etl.reference.divisions import Change, crosswalk, main_successor
from etl.reference.framework import StatusScale, load_status_scale, version_order
from etl.reference.geography import REFERENCE_DIR, division_years, shipped_changes
from etl.store import models as m
from etl.store.aggregates import counts_query
from etl.store.issues import UserError

A, P, S = m.Assessment, m.Point, m.StatusLevel
SUGGESTIONS_SHOWN = 10  # how many known names an unknown-name message lists


class NotFoundError(UserError):
    """An unknown round, region, municipality or point; the message lists what does exist."""


DEMO_ACTION = "demo.created"  # the audit entry `raak demo` leaves in a database it made


def not_found(kind_en: str, kind_nl: str, value: object, known: Sequence[object]) -> NotFoundError:
    """A NotFoundError naming the unknown value and (some of) the known ones, in English and Dutch."""
    shown = ", ".join(str(k) for k in known[:SUGGESTIONS_SHOWN]) + (", …" if len(known) > SUGGESTIONS_SHOWN else "")
    return NotFoundError(
        f"unknown {kind_en} {value!r} (known: {shown or 'none'})",
        f"onbekende {kind_nl} {value!r} (bekend: {shown or 'geen'})",
    )


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection for reading that sees one consistent state, even while an ingest commits meanwhile."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _frame(conn: Connection, stmt: Select[*tuple[Any, ...]], *, plain: bool = False) -> pd.DataFrame:
    """Run `stmt`; a DataFrame with the statement's column names, also when there are no rows.

    `plain`: the columns are whole numbers and texts only, which every driver hands back as Python values, so the
    rows are read with the driver's own fetchall, without SQLAlchemy's work per row (2-3x faster on large results).
    """
    result = conn.execute(stmt)
    columns = list(result.keys())
    rows = result.cursor.fetchall() if plain and result.cursor is not None else [tuple(row) for row in result]
    return pd.DataFrame(rows, columns=columns)  # tuples: pandas reads Row objects slowly


def _bool(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """SQLite returns 0/1 for booleans, PostgreSQL True/False: make both plain bool."""
    for column in columns:
        frame[column] = frame[column].astype(bool)
    return frame


def _utc(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Timestamps as timezone-aware UTC (SQLite hands back naive UTC values)."""
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


# What `round_coverage.regions` holds per region (the national row first, region_code ''): metrics.aggregate's numbers.
COVERAGE_COLUMNS = ("region_code", "n_expected", "n_returns", "coverage", "coverage_reporting", "completeness")
STORED_COVERAGE_TYPES = {"round_id": int, "position": int, "n_expected": int, "n_returns": int} | {
    name: float for name in ("coverage", "coverage_reporting", "completeness")
}

# Audit actions about sessions and people, which change no number: a log-in must not empty every cached report.
SESSION_ACTION_PREFIXES = ("login", "logout", "access.", "user.")


def data_version(conn: Connection) -> str:
    """Changes whenever data changes: every ingest, rejection, round change and reference load writes an audit row."""
    A = m.AuditLog
    data_actions = ~or_(*(A.action.startswith(prefix, autoescape=True) for prefix in SESSION_ACTION_PREFIXES))
    row = conn.execute(select(A.id, A.at).where(data_actions).order_by(A.id.desc()).limit(1)).first()
    return "empty" if row is None else f"{row.id}@{row.at.isoformat()}"


# --- reference data -------------------------------------------------------------------------------------------


def rounds(conn: Connection) -> pd.DataFrame:
    """All rounds, oldest reference date first: id, label, reference_date, deadline, is_open, division_year,
    weighting."""
    R = m.Round
    stmt = select(R.id, R.label, R.reference_date, R.deadline, R.is_open, R.division_year, R.weighting).order_by(
        R.reference_date, R.label
    )
    return _bool(_frame(conn, stmt), "is_open")


def find_round(all_rounds: pd.DataFrame, label: str) -> pd.Series:
    """The row of round `label`, or a NotFoundError listing the rounds."""
    found = all_rounds[all_rounds["label"] == label]
    if found.empty:
        raise not_found("round", "ronde", label, list(all_rounds["label"]))
    return found.iloc[0]


def regions(conn: Connection, division_year: int | None = None) -> pd.DataFrame:
    """The regions of a division year (default: the current one): region_code, region_name, region_type."""
    R, D = m.Region, m.MunicipalityDivision
    year = division_year if division_year is not None else division_years()[-1]
    used = select(D.region_code).where(D.year == year, D.region_code.is_not(None))
    stmt = (
        select(R.code.label("region_code"), R.name.label("region_name"), R.region_type)
        .where(R.code.in_(used))
        .order_by(R.code)
    )
    return _frame(conn, stmt)


def municipal_changes(conn: Connection) -> list[Change]:
    """The municipal change history (mergers, annexations, renumberings, the split), oldest first."""
    C = m.MunicipalChange
    rows = conn.execute(select(C.change_date, C.old_code, C.new_code, C.share, C.change_type).order_by(C.change_date))
    return [Change(on, old, new, float(share), kind) for on, old, new, share, kind in rows]


def municipality_names(conn: Connection) -> dict[str, str]:
    """Every municipality's name by code (the newest CBS spelling)."""
    return {code: name for code, name in conn.execute(select(m.Municipality.code, m.Municipality.name))}


def division_years_of(conn: Connection, code: str) -> list[int]:
    """The division years a municipality belongs to."""
    D = m.MunicipalityDivision
    return list(conn.scalars(select(D.year).where(D.municipality_code == code).order_by(D.year)))


def expected_municipalities(conn: Connection, years: Sequence[int]) -> pd.DataFrame:
    """Per division year, its municipalities that have a region: the municipalities a round with that year expects."""
    M, D, R = m.Municipality, m.MunicipalityDivision, m.Region
    stmt = (
        select(
            D.year.label("division_year"),
            M.code.label("municipality_code"),
            M.name.label("municipality_name"),
            D.region_code,
            R.name.label("region_name"),
        )
        .join(M, M.code == D.municipality_code)
        .join(R, R.code == D.region_code)
        .where(D.year.in_(list(years)))
        .order_by(D.year, M.code)
    )
    return _frame(conn, stmt)


def municipality(conn: Connection, code: str) -> pd.Series:
    """One municipality (municipality_code, municipality_name, region_code, region_name), or NotFoundError."""
    M, R = m.Municipality, m.Region
    stmt = select(
        M.code.label("municipality_code"),
        M.name.label("municipality_name"),
        M.region_code,
        R.name.label("region_name"),
    ).outerjoin(R, R.code == M.region_code)
    found = _frame(conn, stmt.where(M.code == code.strip().upper()))
    if found.empty:
        raise not_found("municipality", "gemeente", code, list(conn.scalars(select(M.code).order_by(M.code))))
    return found.iloc[0]


def population_years(conn: Connection) -> list[int]:
    """The years for which population figures are loaded (often none)."""
    return list(conn.scalars(select(m.Population.year).distinct().order_by(m.Population.year)))


def population(conn: Connection, year: int | None) -> pd.DataFrame:
    """Population per municipality in `year`: municipality_code, inhabitants, children_0_17, children_estimated
    (empty for None)."""
    Pop = m.Population
    stmt = select(Pop.municipality_code, Pop.inhabitants, Pop.children_0_17, Pop.children_estimated).where(
        Pop.year == year
    )
    return _bool(_frame(conn, stmt), "children_estimated")


def framework_versions(conn: Connection) -> list[str]:
    """The framework versions loaded, oldest first (`raak-2007` < `raak-2012`)."""
    return sorted(conn.scalars(select(m.FrameworkVersion.version)), key=version_order)


def framework_sources(conn: Connection, versions: Sequence[str]) -> list[tuple[str, str]]:
    """(version, source) of framework `versions`, in the order given."""
    FV = m.FrameworkVersion
    rows = conn.execute(select(FV.version, FV.source).where(FV.version.in_(list(versions))))
    sources = {version: source for version, source in rows}
    return [(version, sources[version]) for version in versions if version in sources]


def round_framework_versions(conn: Connection, round_id: int) -> list[str]:
    """The framework versions round `round_id` was answered in, oldest first (one, unless regions returned in an
    older version after a new one came out). A round without returns yet has the newest loaded version: the one
    its template asks for."""
    answered = conn.scalars(
        select(A.framework_version).where(A.round_id == round_id, A.is_current).group_by(A.framework_version)
    )
    versions = sorted(answered, key=version_order)
    return versions or framework_versions(conn)[-1:]


def points(conn: Connection, versions: Sequence[str]) -> pd.DataFrame:
    """The points of framework `versions`: framework_version, point_number, level_code ('' for none), group_code,
    titles, text."""
    stmt = (
        select(
            P.framework_version,
            P.number.label("point_number"),
            func.coalesce(P.level_code, literal(NO_LEVEL)).label("level_code"),
            P.group.label("group_code"),
            P.title_nl,
            P.title_en,
            P.text_nl,
        )
        .where(P.framework_version.in_(list(versions)))
        .order_by(P.framework_version, P.number)
    )
    return _frame(conn, stmt)


def levels(conn: Connection, version: str) -> pd.DataFrame:
    """The care-continuum levels of framework `version`, in order: level_code, order, name_nl, name_en,
    group_code."""
    L = m.Level
    stmt = (
        select(L.code.label("level_code"), L.order, L.name_nl, L.name_en, L.group.label("group_code"))
        .where(L.framework_version == version)
        .order_by(L.order)
    )
    return _frame(conn, stmt)


def groups(conn: Connection, version: str) -> pd.DataFrame:
    """The groups of framework `version` that have levels (prevention, early intervention, protection), in the
    framework's order: group_code, order, name_nl, name_en.

    The general principles (a group without levels) only count in the overall coverage and are not listed.
    """
    G, L = m.FrameworkGroup, m.Level
    with_levels = select(L.group).where(L.framework_version == version)
    stmt = (
        select(G.code.label("group_code"), G.order, G.name_nl, G.name_en)
        .where(G.framework_version == version, G.code.in_(with_levels))
        .order_by(G.order)
    )
    return _frame(conn, stmt)


@lru_cache(maxsize=1)
def _shipped_status_scale() -> StatusScale:
    """The shipped status scale file, read and validated once per process (it changes only with a new release)."""
    return load_status_scale()


def status_scale(conn: Connection) -> pd.DataFrame:
    """The status scale (value, key, label_nl, label_en, implemented, color) plus a last row for n.v.t. (value NaN).

    The 0-4 statuses and their `implemented` flag come from the database; n.v.t. is not on the scale, so its
    label and colour come from data_templates/status_scale.yaml.
    """
    stmt = select(S.value, S.key, S.label_nl, S.label_en, S.implemented, S.color).order_by(S.value)
    frame = _bool(_frame(conn, stmt), "implemented")
    scale = _shipped_status_scale()
    not_applicable = {
        "value": float("nan"),
        "key": scale.not_applicable_key,
        "label_nl": scale.not_applicable_label_nl,
        "label_en": scale.not_applicable_label_en,
        "implemented": False,
        "color": scale.not_applicable_color,
    }
    frame["value"] = frame["value"].astype(float)
    return pd.concat([frame, pd.DataFrame([not_applicable])], ignore_index=True)


@lru_cache(maxsize=8)
def _geojson_text(year: int) -> str:
    available = [y for y in division_years() if (REFERENCE_DIR / f"gemeente_{y}.geojson").is_file()]
    if year in available:
        return (REFERENCE_DIR / f"gemeente_{year}.geojson").read_text(encoding="utf-8")
    earlier = [y for y in available if y < year]
    if not earlier:
        return (REFERENCE_DIR / f"gemeente_{max(available)}.geojson").read_text(encoding="utf-8")
    base = json.loads((REFERENCE_DIR / f"gemeente_{max(earlier)}.geojson").read_text(encoding="utf-8"))
    return json.dumps(_shapes_on_division(base, max(earlier), year))


def _shapes_on_division(geojson: dict[str, Any], from_year: int, to_year: int) -> dict[str, Any]:
    """The shapes of `from_year` regrouped onto the division of `to_year` (no shapes of its own are shipped).

    Each successor becomes one MultiPolygon of its predecessors' polygons; a split municipality's shape goes to
    the successor that received the largest share of its population.
    """
    codes = [feature["properties"]["statcode"] for feature in geojson["features"]]
    walk = crosswalk(codes, shipped_changes(), from_year, to_year)
    merged: dict[str, dict[str, Any]] = {}
    for feature in geojson["features"]:
        new = main_successor(walk[feature["properties"]["statcode"]])
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        if new in merged:
            merged[new]["geometry"]["coordinates"].extend(polygons)
        else:
            properties = {**feature["properties"], "statcode": new}
            merged[new] = {
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": "MultiPolygon", "coordinates": list(polygons)},
            }
    return {"type": "FeatureCollection", "features": list(merged.values())}


@lru_cache(maxsize=8)
def municipality_geojson(year: int) -> dict[str, Any]:
    """Municipality shapes of a division year; a year without shapes of its own gets the previous shipped year's
    regrouped by the municipal changes. Key properties.statcode.

    Parsed once per process (a few MB of shipped GeoJSON took longer to parse than the rest of the national page
    took to draw) and shared by every caller: read it, never change it (figures refer to its features, see
    `dashboard.figures.charts.SharedShapes`)."""
    shapes: dict[str, Any] = json.loads(_geojson_text(year))
    return shapes


def municipality_geojson_text(year: int) -> str | None:
    """The same shapes as GeoJSON text, as the browser fetches them once per division year; None for an unknown year."""
    return _geojson_text(year) if year in division_years() else None


# --- aggregated counts for one or more rounds -----------------------------------------------------------------


def _in_division(division_year: int) -> Any:
    """Restricts assessments to the municipalities a round expects: in its division and with a region there."""
    D = m.MunicipalityDivision
    return A.municipality_code.in_(
        select(D.municipality_code).where(D.year == division_year, D.region_code.is_not(None))
    )


def coverage_counts(
    conn: Connection,
    round_ids: Sequence[int],
    municipality_code: str | Sequence[str] | None = None,
    *,
    per_level: bool = True,
    from_assessments: bool = False,
) -> pd.DataFrame:
    """Counts per round × municipality × level, read from the stored aggregates (`round_aggregates`), which the
    ETL keeps current in the transaction that changes a round's data: no earlier round is re-aggregated here.

    Columns: round_id, municipality_code, level_code ('' for points without a level), group_code, n_points,
    n_not_applicable, n_implemented (statuses whose `implemented` flag is set in status_scale); without
    `per_level` one row per round × municipality (summed over levels and groups, no level/group columns: the
    stored `round_totals`).
    `from_assessments`: the same counts by a GROUP BY over the current assessments (what the stored rows must
    equal; the tests compare both).
    """
    G, T = m.RoundAggregate, m.RoundTotal
    if from_assessments:
        stmt, codes = counts_query(round_ids), A.municipality_code
    elif per_level:
        stmt = select(
            G.round_id, G.municipality_code, G.level_code, G.group_code, G.n_points, G.n_not_applicable, G.n_implemented
        ).where(G.round_id.in_(list(round_ids)))
        codes = G.municipality_code
    else:  # the stored sums per municipality (round_totals)
        stmt = select(T.round_id, T.municipality_code, T.n_points, T.n_not_applicable, T.n_implemented).where(
            T.round_id.in_(list(round_ids))
        )
        codes = T.municipality_code
    if isinstance(municipality_code, str):
        stmt = stmt.where(codes == municipality_code)
    elif municipality_code is not None:
        stmt = stmt.where(codes.in_(list(municipality_code)))
    if from_assessments and not per_level:
        rows = stmt.subquery()
        stmt = select(
            rows.c.round_id,
            rows.c.municipality_code,
            *(func.sum(rows.c[column]).label(column) for column in ("n_points", "n_not_applicable", "n_implemented")),
        ).group_by(rows.c.round_id, rows.c.municipality_code)
    frame = _frame(conn, stmt, plain=not per_level)
    for column in ("n_points", "n_not_applicable", "n_implemented"):
        frame[column] = frame[column].astype(int)
    return frame


def round_serials(conn: Connection, round_ids: Sequence[int]) -> dict[int, int]:
    """Each round's data serial: the id of its newest `round_changes` row or of the newest one for every round
    (a reference load), whichever is later; 0 before any."""
    C = m.RoundChange
    every = conn.scalar(select(func.max(C.id)).where(C.round_id.is_(None))) or 0
    newest = select(C.round_id, func.max(C.id)).where(C.round_id.in_(list(round_ids))).group_by(C.round_id)
    own = dict(conn.execute(newest).tuples().all())
    return {round_id: max(own.get(round_id, 0), every) for round_id in round_ids}


def stored_coverage(conn: Connection, serials: Mapping[int, int], weighting: str) -> pd.DataFrame:
    """The stored national and regional coverage for `weighting` ('' = each round's own) of the rounds in
    `serials` (round id: its present data serial, see :func:`round_serials`) that was computed at that serial:
    round_id, position (0: the national row), region_code ('' national) and the numbers of `metrics.aggregate`, in
    the history's order."""
    C = m.RoundCoverage
    stmt = (
        select(C.round_id, C.data_serial, C.regions)
        .where(C.weighting == weighting, C.round_id.in_(list(serials)))
        .order_by(C.round_id)
    )
    columns: dict[str, list[Any]] = {"round_id": [], "position": [], **{name: [] for name in COVERAGE_COLUMNS}}
    for round_id, serial, regions in conn.execute(stmt).tuples():
        if serial != serials[round_id]:
            continue  # computed before the round's data last changed
        table = orjson.loads(regions)
        size = len(table["region_code"])
        columns["round_id"] += [round_id] * size
        columns["position"] += range(size)
        for name in COVERAGE_COLUMNS:
            columns[name] += table[name]
    # the report's own dtypes, also for no rows or a column of nulls (no coverage: NaN)
    return pd.DataFrame(columns).astype(STORED_COVERAGE_TYPES)


def point_status_counts(conn: Connection, round_id: int, division_year: int) -> pd.DataFrame:
    """How often each answer was given per point: framework_version, point_number, status, not_applicable, n."""
    stmt = (
        select(
            A.framework_version,
            A.point_number,
            A.status,
            A.not_applicable,
            func.count().label("n"),
        )
        .where(A.is_current, A.round_id == round_id, _in_division(division_year))
        .group_by(A.framework_version, A.point_number, A.status, A.not_applicable)
    )
    frame = _bool(_frame(conn, stmt), "not_applicable")
    frame["status"] = frame["status"].astype(float)
    return frame


def point_region_counts(
    conn: Connection, round_id: int, division_year: int, framework_version: str, point_number: int
) -> pd.DataFrame:
    """One point per region: region_code, n_applicable, n_implemented over the round's current assessments."""
    D = m.MunicipalityDivision
    stmt = (
        select(
            D.region_code,
            func.sum(case((A.not_applicable, 0), else_=1)).label("n_applicable"),
            func.sum(case((S.implemented, 1), else_=0)).label("n_implemented"),
        )
        .join(D, and_(D.municipality_code == A.municipality_code, D.year == division_year))
        .outerjoin(S, S.value == A.status)
        .where(
            A.is_current,
            A.round_id == round_id,
            A.framework_version == framework_version,
            A.point_number == point_number,
            _in_division(division_year),
        )
        .group_by(D.region_code)
    )
    return _frame(conn, stmt)


def change_counts(conn: Connection, round_id: int, previous_round_id: int) -> pd.DataFrame:
    """Per municipality with a return in both rounds: points improved, regressed, unchanged, applicability_changed.

    A point compares its current answer in both rounds; n.v.t. on one side only counts as applicability_changed.
    Both rounds are read in one pass and paired with GROUP BY (a self-join cannot use the partial index on SQLite).
    """
    not_applicable = case((A.not_applicable, 1), else_=0)

    def in_round(rid: int, value: Any, name: str) -> Any:
        return func.max(case((A.round_id == rid, value))).label(name)

    pairs = (
        select(
            A.municipality_code,
            in_round(round_id, A.status, "now"),
            in_round(round_id, not_applicable, "now_na"),
            in_round(previous_round_id, A.status, "before"),
            in_round(previous_round_id, not_applicable, "before_na"),
        )
        .where(A.is_current, A.round_id.in_([round_id, previous_round_id]))
        .group_by(A.municipality_code, A.framework_version, A.point_number)
        .subquery()
    )
    both_applicable = and_(pairs.c.now_na == 0, pairs.c.before_na == 0)

    def count(condition: Any, name: str) -> Any:
        return func.sum(case((condition, 1), else_=0)).label(name)

    stmt = (
        select(
            pairs.c.municipality_code,
            count(and_(both_applicable, pairs.c.now > pairs.c.before), "improved"),
            count(and_(both_applicable, pairs.c.now < pairs.c.before), "regressed"),
            count(
                or_(
                    and_(both_applicable, pairs.c.now == pairs.c.before),
                    and_(pairs.c.now_na == 1, pairs.c.before_na == 1),
                ),
                "unchanged",
            ),
            count(pairs.c.now_na != pairs.c.before_na, "applicability_changed"),
        )
        .where(pairs.c.now_na.is_not(None), pairs.c.before_na.is_not(None))
        .group_by(pairs.c.municipality_code)
    )
    frame = _frame(conn, stmt)
    for column in ("improved", "regressed", "unchanged", "applicability_changed"):
        frame[column] = frame[column].astype(int)
    return frame


def point_statuses(conn: Connection, round_id: int, municipality_codes: Sequence[str]) -> pd.DataFrame:
    """The current answers of a few municipalities in one round (the mergers' change since the previous round):
    municipality_code, framework_version, point_number, status, not_applicable."""
    stmt = select(A.municipality_code, A.framework_version, A.point_number, A.status, A.not_applicable).where(
        A.is_current, A.round_id == round_id, A.municipality_code.in_(list(municipality_codes))
    )
    frame = _bool(_frame(conn, stmt), "not_applicable")
    frame["status"] = frame["status"].astype(float)
    return frame


# --- rows for the detail views (one region, one municipality) --------------------------------------------------


def region_assessments(conn: Connection, round_id: int, region_codes: Collection[str]) -> pd.DataFrame:
    """The current assessments of some regions' municipalities in one round (the region heatmaps' cells), with
    each municipality's region_code: one query for every region an export shows."""
    D, R = m.MunicipalityDivision, m.Round
    year = select(R.division_year).where(R.id == round_id).scalar_subquery()
    stmt = (
        select(
            D.region_code,
            A.municipality_code,
            A.framework_version,
            A.point_number,
            A.status,
            A.not_applicable,
            A.comment,
        )
        .join(D, and_(D.municipality_code == A.municipality_code, D.year == year))
        .where(A.is_current, A.round_id == round_id, D.region_code.in_(list(region_codes)))
        .order_by(A.municipality_code, A.point_number)
    )
    frame = _bool(_frame(conn, stmt), "not_applicable")
    frame["status"] = frame["status"].astype(float)
    return frame


def municipality_assessments(conn: Connection, municipality_code: str) -> pd.DataFrame:
    """Every current assessment of one municipality in every round, with the round and when its return arrived."""
    R, Sub, U = m.Round, m.Submission, m.Upload
    stmt = (
        select(
            R.label.label("round_label"),
            R.reference_date,
            A.framework_version,
            A.point_number,
            A.status,
            A.not_applicable,
            A.comment,
            U.uploaded_at,
            U.filename,
        )
        .join(R, R.id == A.round_id)
        .join(Sub, Sub.id == A.submission_id)
        .join(U, U.id == Sub.upload_id)
        .where(A.is_current, A.municipality_code == municipality_code)
        .order_by(R.reference_date, A.point_number)
    )
    frame = _utc(_bool(_frame(conn, stmt), "not_applicable"), "uploaded_at")
    frame["status"] = frame["status"].astype(float)
    return frame


# --- uploads -------------------------------------------------------------------------------------------------


def upload_counts(conn: Connection, round_id: int) -> pd.DataFrame:
    """Per region named in the uploads of a round: n_uploads, n_accepted, n_rejected, n_duplicate, last_upload."""
    U = m.Upload

    def count(status: str) -> Any:
        return func.sum(case((U.status == status, 1), else_=0)).label(f"n_{status}")

    stmt = (
        select(
            U.region_code,
            func.count().label("n_uploads"),
            count("accepted"),
            count("rejected"),
            count("duplicate"),
            func.max(U.uploaded_at).label("last_upload"),
        )
        .where(U.round_id == round_id)
        .group_by(U.region_code)
    )
    return _utc(_frame(conn, stmt), "last_upload")


def rejected_uploads(conn: Connection, round_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rejected uploads of a round (newest first) and their validation issues (in the order found)."""
    U, V = m.Upload, m.ValidationIssue
    uploads = _utc(
        _frame(
            conn,
            select(U.id.label("upload_id"), U.filename, U.uploaded_at, U.uploader, U.region_code)
            .where(U.round_id == round_id, U.status == "rejected")
            .order_by(U.uploaded_at.desc(), U.id.desc()),
        ),
        "uploaded_at",
    )
    issues = _frame(
        conn,
        select(V.upload_id, V.severity, V.code, V.sheet, V.cell, V.message_nl, V.message_en)
        .join(U, U.id == V.upload_id)
        .where(U.round_id == round_id, U.status == "rejected")
        .order_by(V.upload_id, V.id),
    )
    return uploads, issues


# --- a coordinator's home -------------------------------------------------------------------------------------


def current_submissions(conn: Connection, round_id: int, municipality_codes: Sequence[str]) -> pd.DataFrame:
    """Per municipality with an accepted return in the round: when, by whom, which file, how many versions, and
    how many points changed against the version it replaced in the same round (NaN for a first version)."""
    from sqlalchemy.orm import aliased

    Sub, U = m.Submission, m.Upload
    previous, before = aliased(m.Submission), aliased(m.Assessment)
    versions = (
        select(Sub.municipality_code, func.count().label("n_versions"))
        .where(Sub.round_id == round_id, Sub.municipality_code.in_(list(municipality_codes)))
        .group_by(Sub.municipality_code)
        .subquery()
    )
    current = _utc(
        _frame(
            conn,
            select(
                Sub.id.label("submission_id"),
                Sub.municipality_code,
                U.uploaded_at,
                U.uploader,
                U.filename,
                versions.c.n_versions,
            )
            .join(U, U.id == Sub.upload_id)
            .join(versions, versions.c.municipality_code == Sub.municipality_code)
            .where(
                Sub.round_id == round_id,
                Sub.status == "accepted",
                Sub.municipality_code.in_(list(municipality_codes)),
            ),
        ),
        "uploaded_at",
    )
    changed = _frame(
        conn,
        select(
            previous.superseded_by_id.label("submission_id"),
            func.count(before.id).label("n_changed"),
        )
        .join(before, before.submission_id == previous.id)
        .join(
            A,
            and_(
                A.submission_id == previous.superseded_by_id,
                A.framework_version == before.framework_version,
                A.point_number == before.point_number,
            ),
            isouter=True,
        )
        .where(
            previous.round_id == round_id,
            previous.superseded_by_id.in_(select(Sub.id).where(Sub.round_id == round_id, Sub.status == "accepted")),
            or_(
                A.id.is_(None),
                A.status.is_distinct_from(before.status),
                A.not_applicable != before.not_applicable,
            ),
        )
        .group_by(previous.superseded_by_id),
    )
    replaced = set(
        conn.scalars(
            select(previous.superseded_by_id).where(
                previous.round_id == round_id, previous.superseded_by_id.is_not(None)
            )
        )
    )
    frame = current.merge(changed, on="submission_id", how="left")
    frame["n_changed"] = [
        (0 if pd.isna(n) else int(n)) if sid in replaced else None
        for sid, n in zip(frame["submission_id"], frame["n_changed"], strict=True)
    ]
    return frame.drop(columns="submission_id")


def demo_marked(conn: Connection) -> bool:
    """Whether the audit log holds the entry `raak demo` leaves in a database it made."""
    return conn.scalar(select(m.AuditLog.id).where(m.AuditLog.action == DEMO_ACTION).limit(1)) is not None


def is_demo_database(engine: Engine) -> bool:
    """Whether `raak demo` made this database (also for a database without tables yet)."""
    if not inspect(engine).has_table(m.AuditLog.__tablename__):
        return False
    with engine.connect() as conn:
        return demo_marked(conn)
