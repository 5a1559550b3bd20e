"""A round's numbers, assembled once from `dashboard.analytics.queries` and `dashboard.analytics.metrics`.

This is the single source of truth for the dashboard pages, `raak report` and any export: each function returns
a dataclass of DataFrames and scalars (cached per data version), and `to_dict()` gives the JSON the CLI prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import numpy as np
import orjson
import pandas as pd
from sqlalchemy import Connection, Engine

from dashboard.analytics import metrics
from dashboard.analytics import queries as data
from dashboard.analytics.cache import cached
from dashboard.analytics.metrics import Lang, Projection, Target, Weighting
from dashboard.i18n import LANGUAGES
from etl.reference.divisions import Change, crosswalk, predecessors
from etl.store.aggregates import store_coverage

NATIONAL = "national"
REGION = "region"
MUNICIPALITY_ROUND_COLUMNS = (
    "round_label",
    "reference_date",
    "has_return",
    "coverage",
    "n_applicable",
    "n_implemented",
    "n_not_applicable",
)


# --- JSON ---------------------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """`value` with DataFrames as lists of records, dates as ISO text, NaN as None and numpy scalars as Python."""
    if isinstance(value, pd.DataFrame):
        return _records(value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Projection | Target):
        return value.to_dict()
    if value is pd.NA or value is pd.NaT or value is None:
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as `jsonable` records, converted a column at a time: numbers and flags in one step each, other
    columns value by value (the export's largest table has half a million values)."""
    if frame.columns.empty:
        return [{} for _ in range(len(frame))]
    keys = [str(name) for name in frame.columns]
    columns = [_column(frame.iloc[:, position]) for position in range(len(keys))]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _column(series: pd.Series) -> list[Any]:
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else None
    values: list[Any] = series.tolist()
    if kind in ("i", "u", "b"):
        return values
    if kind == "f":
        return [None if math.isnan(v) else v for v in values]
    return [jsonable(v) for v in values]


def json_dict(value: dict[str, Any]) -> dict[str, Any]:
    """`jsonable` of a dict (e.g. a dataclass's fields): a JSON-safe dict."""
    record: dict[str, Any] = jsonable(value)
    return record


def _title(frame: pd.DataFrame, lang: Lang, prefix: str = "title") -> pd.Series:
    return frame[f"{prefix}_{lang}"]


# --- the round report ---------------------------------------------------------------------------------------


@dataclass
class RoundScores:
    """One round's per-municipality coverage with the weighting it used (an intermediate, not cached alone).

    The rounds of one report share their counts and scores frames (column round_id); a round's own rows are cut
    out only when asked for, so hundreds of earlier rounds cost no frame each.
    """

    round: pd.Series
    weighting: Weighting
    population_year: int | None
    expected: pd.DataFrame
    # per municipality × level for the last round of a report, per municipality for the rounds before it
    every_count: pd.DataFrame = field(repr=False)
    every_score: pd.DataFrame = field(repr=False)

    @property
    def round_id(self) -> int:
        return int(self.round["id"])

    @cached_property
    def counts(self) -> pd.DataFrame:
        return _rows_of(self.every_count, self.round_id)

    @cached_property
    def scores(self) -> pd.DataFrame:
        return _rows_of(self.every_score, self.round_id)


def _rows_of(frame: pd.DataFrame, round_id: int) -> pd.DataFrame:
    """One round's rows of a frame holding several (without the round_id column)."""
    return frame[frame["round_id"] == round_id].drop(columns="round_id").reset_index(drop=True)


@dataclass
class RoundReport:
    """Everything the national and region views show for one round; see docs/metrics.md for each number."""

    round: dict[str, Any]
    lang: Lang
    target: Target
    weighting: Weighting
    population_year: int | None
    national: dict[str, Any]
    regions: pd.DataFrame
    municipalities: pd.DataFrame
    levels: pd.DataFrame
    groups: pd.DataFrame
    history: pd.DataFrame
    trajectory: pd.DataFrame
    points: pd.DataFrame
    point_status: pd.DataFrame
    weakest_points: pd.DataFrame
    previous_round: str | None
    changes_national: dict[str, int]
    changes_regions: pd.DataFrame
    changes_municipalities: pd.DataFrame
    status_scale: pd.DataFrame = field(repr=False)
    data_version: str = ""  # the data state these numbers describe (see dashboard.analytics.queries.data_version)

    @property
    def framework_version(self) -> str:
        """The round's framework version (the newest it was answered in), whose level and group names it shows."""
        versions = self.round["framework_versions"]
        return str(versions[-1]) if versions else ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: exactly what `raak report --round LABEL --json` prints."""
        return json_dict(
            {
                "data_version": self.data_version,
                "round": self.round,
                "lang": self.lang,
                "target": self.target,
                "weighting": self.weighting,
                "population_year": self.population_year,
                "national": self.national,
                "regions": self.regions,
                "municipalities": self.municipalities,
                "levels": self.levels,
                "groups": self.groups,
                "history": self.history,
                "trajectory": self.trajectory,
                "points": self.points,
                "weakest_points": self.weakest_points,
                "changes": {
                    "previous_round": self.previous_round,
                    "national": self.changes_national,
                    "regions": self.changes_regions,
                    "municipalities": self.changes_municipalities,
                },
            }
        )


def _round_dict(row: pd.Series, framework_versions: list[str]) -> dict[str, Any]:
    return {
        "label": row["label"],
        "reference_date": row["reference_date"],
        "deadline": row["deadline"],
        "is_open": bool(row["is_open"]),
        "division_year": int(row["division_year"]),
        "framework_versions": framework_versions,
    }


def _population_for(
    conn: Connection, year: int | None, division_year: int, changes: list[Change], cache: dict[Any, pd.DataFrame]
) -> pd.DataFrame:
    """Population of `year` on the municipalities of `division_year` (carried over the changes in between)."""
    key = (year, division_year)
    if key not in cache:
        population = data.population(conn, year)
        if year is not None and year < division_year and not population.empty:
            walk = crosswalk(population["municipality_code"], changes, year, division_year)
            population = metrics.population_on_division(population, walk)
        cache[key] = population
    return cache[key]


def _scores_per_round(
    conn: Connection,
    chosen: pd.DataFrame,
    weighting: str | None = None,
    changes: list[Change] | None = None,
    from_assessments: bool = False,
) -> list[RoundScores]:
    """Per-municipality coverage for each round in `chosen`, with three queries in all plus population.

    Each round is weighted by its own setting (`rounds.weighting`) unless `weighting` overrides it. The counts
    come from the stored aggregates (`from_assessments`: recounted from the assessments, for the tests): per
    level for the last round in `chosen` (its level and group profile), per municipality for the earlier ones
    (all their coverage needs).
    """
    ids = [int(i) for i in chosen["id"]]
    if not ids:
        return []
    last = data.coverage_counts(conn, ids[-1:], from_assessments=from_assessments)
    earlier = data.coverage_counts(conn, ids[:-1], per_level=False, from_assessments=from_assessments)
    expected_all = data.expected_municipalities(conn, sorted({int(y) for y in chosen["division_year"]}))
    years = data.population_years(conn)
    changes = data.municipal_changes(conn) if changes is None else changes
    population_cache: dict[Any, pd.DataFrame] = {}
    weights_cache: dict[Any, tuple[pd.DataFrame, Weighting]] = {}  # rounds sharing year, division and weighting
    chosen_weights: list[tuple[pd.DataFrame, Weighting, int | None]] = []
    for _, row in chosen.iterrows():
        year = metrics.population_year(years, row["reference_date"].year)
        key = (year, int(row["division_year"]), weighting or str(row["weighting"]))
        if key not in weights_cache:
            population = _population_for(conn, year, int(row["division_year"]), changes, population_cache)
            expected = expected_all[expected_all["division_year"] == row["division_year"]].drop(columns="division_year")
            weights, used = metrics.choose_weights(population, list(expected["municipality_code"]), key[2])
            weights_cache[key] = (expected.assign(weight=weights.to_numpy()).reset_index(drop=True), used)
        chosen_weights.append((*weights_cache[key], year))
    # every round's municipalities in one pass (one merge and one group-by, not one per round)
    frames = [expected for expected, _, _ in chosen_weights]
    all_expected = pd.concat(frames, ignore_index=True)
    all_expected["round_id"] = np.repeat(ids, [len(frame) for frame in frames])
    all_scores = metrics.municipality_coverage(pd.concat([earlier, last]), all_expected, per=["round_id"])
    return [
        RoundScores(
            row, used, year if used != "equal" else None, expected, last if rid == ids[-1] else earlier, all_scores
        )
        for rid, (_, row), (expected, used, year) in zip(ids, chosen.iterrows(), chosen_weights, strict=True)
    ]


def _on_division(item: RoundScores, later: RoundScores, changes: list[Change]) -> pd.DataFrame:
    """`item`'s municipality scores on `later`'s division (unchanged when both use the same division)."""
    if int(item.round["division_year"]) == int(later.round["division_year"]):
        return item.scores
    walk = crosswalk(
        item.scores["municipality_code"], changes, int(item.round["division_year"]), int(later.round["division_year"])
    )
    return metrics.map_scores(item.scores, walk, later.expected)


def _history(
    chosen: pd.DataFrame, per_round: list[RoundScores], stored: pd.DataFrame, target: Target, changes: list[Change]
) -> pd.DataFrame:
    """National and regional coverage per round of `chosen`: scope, region_code, region_name, round_label,
    reference_date, numbers, target.

    Rounds in `per_round` are aggregated here (all at once: two group-bys, not two per round), those on another
    division than the last one first mapped onto it, so every region compares like with like; the others come
    from `stored` (rows of `queries.stored_coverage`, on the last round's division). Per round: the national row,
    then its regions in the order they first appear among its municipalities.
    """
    last = per_round[-1]
    position = {int(rid): i for i, rid in enumerate(chosen["id"])}
    same = {item.round_id for item in per_round if int(item.round["division_year"]) == int(last.round["division_year"])}
    shared = last.every_score
    kept = shared[shared["round_id"].isin(same)]
    mapped = [
        _on_division(item, last, changes).assign(_round=position[item.round_id])
        for item in per_round
        if item.round_id not in same
    ]
    kept = kept.assign(_round=kept["round_id"].map(position)).drop(columns="round_id")
    scores = pd.concat([kept, *mapped], ignore_index=True).sort_values("_round", kind="stable")
    national = metrics.aggregate(scores, ["_round"]).assign(scope=NATIONAL, region_code=None, region_name=None)
    regional = metrics.aggregate(scores, ["_round", "region_code", "region_name"]).assign(scope=REGION)
    national_stored = stored["position"] == 0
    names = last.expected.drop_duplicates("region_code").set_index("region_code")["region_name"]
    from_store = stored.drop(columns="position").assign(
        _round=stored["round_id"].map(position),
        scope=np.where(national_stored, NATIONAL, REGION),
        region_code=stored["region_code"].where(~national_stored, None),
        region_name=stored["region_code"].map(names).where(~national_stored, None),
    )
    frame = pd.concat([national, regional, from_store.drop(columns="round_id")], ignore_index=True)
    frame = frame.sort_values("_round", kind="stable")
    rounds = frame["_round"].tolist()
    frame = frame.drop(columns="_round").reset_index(drop=True)
    labels, dates = chosen["label"].tolist(), chosen["reference_date"].tolist()
    targets = [target.at(day) for day in dates]
    frame["round_label"] = [labels[i] for i in rounds]
    frame["reference_date"] = [dates[i] for i in rounds]
    frame["target"] = [targets[i] for i in rounds]
    frame["on_track"] = metrics.on_track(frame["coverage"], frame["target"])
    columns = ["scope", "region_code", "region_name", "round_label", "reference_date"]
    return frame[columns + [c for c in frame.columns if c not in columns]]


def _coverage_to_store(
    history: pd.DataFrame, chosen: pd.DataFrame, computed: Collection[int], serials: dict[int, int]
) -> list[tuple[int, int, str]]:
    """The history rows of the rounds computed here (on the report's division) as `round_coverage` keeps them:
    (round id, data serial, its regions as one JSON document)."""
    ids = {label: int(rid) for label, rid in zip(chosen["label"], chosen["id"], strict=True) if int(rid) in computed}
    rows = []
    for label, own in history[history["round_label"].isin(list(ids))].groupby("round_label", sort=False):
        table = {name: own[name].tolist() for name in data.COVERAGE_COLUMNS}
        table["region_code"] = own["region_code"].fillna("").tolist()  # '' for the national row
        round_id = ids[str(label)]
        rows.append((round_id, serials[round_id], orjson.dumps(table).decode()))
    return rows


def _trajectory(history: pd.DataFrame, projection: Projection, target: Target) -> pd.DataFrame:
    """The national trajectory chart's data, long format: series (actual|target|projection), date, value."""
    national = history[history["scope"] == NATIONAL]
    actual = pd.DataFrame(
        {
            "series": "actual",
            "date": national["reference_date"],
            "value": national["coverage"],
            "round_label": national["round_label"],
            "completeness": national["completeness"],
            "coverage_reporting": national["coverage_reporting"],
        }
    )
    target_dates = sorted({target.start, target.end, *national["reference_date"]})
    target_rows = pd.DataFrame(
        {"series": "target", "date": target_dates, "value": [target.at(day) for day in target_dates]}
    )
    frames = [actual, target_rows]
    if projection.slope_per_year is not None:
        used = national[national["round_label"].isin(projection.rounds_used)]["reference_date"]
        end = projection.reached_on if projection.status == "projected" else max(target.end, used.max())
        line_dates = sorted({used.min(), used.max(), end})
        values = [projection.value_at(day) for day in line_dates]
        frames.append(pd.DataFrame({"series": "projection", "date": line_dates, "value": values}))
    return pd.concat(frames, ignore_index=True)


def _projections(history: pd.DataFrame, target: Target) -> dict[str | None, Projection]:
    """A projection for the nation (key None) and for each region (key region code)."""
    result: dict[str | None, Projection] = {None: metrics.project(history[history["scope"] == NATIONAL], target)}
    regional = history[history["scope"] == REGION]
    for code, series in regional.groupby("region_code", sort=True):
        result[str(code)] = metrics.project(series, target)
    return result


def _levels_and_groups(
    conn: Connection, current: RoundScores, lang: Lang, version: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coverage per level (a-e) and per group, national and per region, with the level/group names of framework
    `version` in `lang`."""
    level_names = data.levels(conn, version)
    group_names = data.groups(conn, version)
    tables = []
    for key, names in (("level_code", level_names), ("group_code", group_names)):
        scores = metrics.municipality_coverage(current.counts, current.expected, key, list(names[key]))
        national = metrics.aggregate(scores, [key]).assign(scope=NATIONAL, region_code=None)
        regional = metrics.aggregate(scores, ["region_code", key]).assign(scope=REGION)
        table = pd.concat([national, regional], ignore_index=True)
        table = table.merge(names[[key, f"name_{lang}"]].rename(columns={f"name_{lang}": "name"}), on=key)
        order = {code: index for index, code in enumerate(names[key])}
        table = table.sort_values(["scope", "region_code", key], key=lambda s: s.map(order) if s.name == key else s)
        columns = ["scope", "region_code", key, "name"]
        tables.append(table[columns + [c for c in table.columns if c not in columns]].reset_index(drop=True))
    return tables[0], tables[1]


def _points(
    conn: Connection, current: RoundScores, scale: pd.DataFrame, lang: Lang, versions: list[str]
) -> tuple[pd.DataFrame, ...]:
    """Per point of the round's framework `versions`: implementation share (all points), status distribution, the
    weakest points."""
    status_counts = data.point_status_counts(conn, int(current.round["id"]), int(current.round["division_year"]))
    all_points = data.points(conn, versions).assign(title=lambda f: _title(f, lang))
    shares = metrics.point_shares(status_counts, all_points, scale)
    shares = shares.drop(columns=["title_nl", "title_en", "text_nl"])
    distribution = metrics.status_distribution(status_counts, scale)
    labels = scale[["key", f"label_{lang}", "color"]].rename(columns={f"label_{lang}": "label"})
    distribution = distribution.merge(labels, on="key", how="left")
    return shares, distribution, metrics.weakest_points(shares)


def _changes(
    conn: Connection, chosen: pd.DataFrame, per_round: list[RoundScores], changes: list[Change]
) -> tuple[str | None, dict[str, int], pd.DataFrame, pd.DataFrame]:
    """Change since the previous round (the latest reference date before this one): national, regions, munis.

    Across a division change, a municipality formed from others is compared with its predecessors' weighted
    mean status per point (docs/metrics.md, "Trends across mergers"); the others are paired in SQL as before.
    A previous round on another division is always among the rounds computed for the report (`per_round`).
    """
    current = per_round[-1]
    earlier = chosen.iloc[:-1]
    earlier = earlier[earlier["reference_date"] < current.round["reference_date"]]
    columns = ["municipality_code", *metrics.CHANGE_COLUMNS]
    if earlier.empty:
        changes_frame = pd.DataFrame({column: pd.Series(dtype=int) for column in columns})
        previous = None
    else:
        before_row = earlier.iloc[-1]
        previous = str(before_row["label"])
        changes_frame = data.change_counts(conn, current.round_id, int(before_row["id"]))
        from_year, to_year = int(before_row["division_year"]), int(current.round["division_year"])
        if from_year != to_year:
            before = next(item for item in per_round if item.round_id == int(before_row["id"]))
            walk = crosswalk(before.scores["municipality_code"], changes, from_year, to_year)
            merged = {new: olds for new, olds in predecessors(walk).items() if olds != {new: 1.0}}
            paired = changes_frame[~changes_frame["municipality_code"].isin(merged)]
            weights = before.scores.set_index("municipality_code")["weight"]
            changes_frame = pd.concat(
                [paired, _merged_changes(conn, current, before, merged, weights)], ignore_index=True
            )
    expected = current.expected
    national = metrics.change_summary(changes_frame, expected).iloc[0]
    regions = metrics.change_summary(changes_frame, expected, ["region_code", "region_name"])
    municipalities = expected[["municipality_code", "municipality_name", "region_code"]].merge(
        changes_frame, on="municipality_code", how="inner"
    )
    return previous, {k: int(v) for k, v in national.items()}, regions, municipalities.reset_index(drop=True)


def _merged_changes(
    conn: Connection,
    current: RoundScores,
    before: RoundScores,
    merged: dict[str, dict[str, float]],
    weights: pd.Series,
) -> pd.DataFrame:
    """Change counts of municipalities formed from others, against their predecessors' weighted mean status."""
    codes = [code for code in merged if code in set(current.expected["municipality_code"])]
    olds = sorted({old for code in codes for old in merged[code]})
    now = data.point_statuses(conn, int(current.round["id"]), codes)
    then = data.point_statuses(conn, int(before.round["id"]), olds)
    rows = []
    for code in codes:
        links = pd.DataFrame(
            [(old, share * float(weights.get(old, 0.0))) for old, share in merged[code].items()],
            columns=["municipality_code", "v"],
        )
        previous = then.merge(links, on="municipality_code")
        mine = now[now["municipality_code"] == code]
        if previous.empty or mine.empty:
            continue
        rows.append({"municipality_code": code, **metrics.compare_with_predecessors(mine, previous)})
    return pd.DataFrame(rows, columns=["municipality_code", *metrics.CHANGE_COLUMNS])


def _build_round_report(
    conn: Connection,
    label: str,
    target: Target,
    lang: Lang,
    weighting: str | None = None,
    from_assessments: bool = False,
    keep: Callable[[list[tuple[int, int, str]]], None] | None = None,
) -> RoundReport:
    """Round `label`'s report. Earlier rounds on its division whose coverage is stored and current are read, the
    others computed; `keep` receives the earlier ones computed as `round_coverage` rows, to store after this
    snapshot (`from_assessments`: everything recounted from the assessments, nothing read from the store)."""
    all_rounds = data.rounds(conn)
    current_row = data.find_round(all_rounds, label)
    changes = data.municipal_changes(conn)
    chosen = all_rounds.loc[: current_row.name]  # this round and every earlier one
    storable = chosen[chosen["division_year"] == current_row["division_year"]]
    earlier = [int(i) for i in storable["id"].iloc[:-1]] if not from_assessments else []
    serials = data.round_serials(conn, earlier)  # what is read and what is stored are judged by the same serials
    stored = data.stored_coverage(conn, serials, weighting or "")
    computing = chosen[~chosen["id"].isin(set(stored["round_id"]))]
    per_round = _scores_per_round(conn, computing, weighting, changes, from_assessments)
    current = per_round[-1]
    history = _history(chosen, per_round, stored, target, changes)
    # earlier rounds only: the chosen round's own coverage is stored by the first report of a later round, so the
    # report most often asked for after an upload (its own round's, the newest) writes nothing
    computed = {int(i) for i in computing["id"].iloc[:-1]} & set(serials)
    if keep is not None and computed:
        keep(_coverage_to_store(history, chosen, computed, serials))
    projections = _projections(history, target)
    now = history[history["round_label"] == label]
    reference_date = current_row["reference_date"]

    regions = now[now["scope"] == REGION].drop(columns=["scope", "round_label", "reference_date"])
    regions = regions.sort_values("region_code").reset_index(drop=True)
    regions["projection_status"] = [projections[code].status for code in regions["region_code"]]
    regions["projected_date"] = [projections[code].reached_on for code in regions["region_code"]]
    regions["rank"] = metrics.rank_regions(regions)
    regions["gap"] = metrics.gaps(regions["coverage"], target.value)  # to the final target
    regions["gap_trajectory"] = metrics.gaps(regions["coverage"], regions["target"])  # behind the trajectory

    national_row = now[now["scope"] == NATIONAL].iloc[0]
    national = {
        "coverage": float(national_row["coverage"]),
        "coverage_reporting": float(national_row["coverage_reporting"]),
        "completeness": float(national_row["completeness"]),
        "n_expected": int(national_row["n_expected"]),
        "n_returns": int(national_row["n_returns"]),
        "weighting": current.weighting,
        "target": float(national_row["target"]),
        "on_track": bool(national_row["on_track"]),
        "regions_on_track": int(regions["on_track"].sum()),
        "n_regions": len(regions),
        "days_to_target": (target.end - reference_date).days,
        "projection": projections[None],
        "target_value": target.value,
        "target_year": target.end.year,
        "gap": metrics.gap(float(national_row["coverage"]), target.value),
        "gap_trajectory": metrics.gap(float(national_row["coverage"]), float(national_row["target"])),
    }
    municipalities = current.scores[
        [
            "municipality_code",
            "municipality_name",
            "region_code",
            "region_name",
            "has_return",
            "coverage",
            "n_applicable",
            "n_implemented",
            "n_not_applicable",
            "weight",
        ]
    ]
    scale = data.status_scale(conn)
    versions = data.round_framework_versions(conn, int(current_row["id"]))
    levels, groups = _levels_and_groups(conn, current, lang, versions[-1] if versions else "")
    for table in (levels, groups):  # the trajectory at the reference date and how far each row is behind it
        table["target"] = national["target"]
        table["gap_trajectory"] = metrics.gaps(table["coverage"], national["target"])
    points, point_status, weakest = _points(conn, current, scale, lang, versions)
    previous, changes_national, changes_regions, changes_municipalities = _changes(conn, chosen, per_round, changes)
    return RoundReport(
        round=_round_dict(current_row, versions),
        lang=lang,
        target=target,
        weighting=current.weighting,
        population_year=current.population_year,
        national=national,
        regions=regions,
        municipalities=municipalities,
        levels=levels,
        groups=groups,
        history=history,
        trajectory=_trajectory(history, projections[None], target),
        points=points,
        point_status=point_status,
        weakest_points=weakest,
        previous_round=previous,
        changes_national=changes_national,
        changes_regions=changes_regions,
        changes_municipalities=changes_municipalities,
        status_scale=scale,
        data_version=data.data_version(conn),
    )


def round_report(
    engine: Engine,
    round_label: str,
    *,
    target: Target | None = None,
    lang: Lang = "nl",
    weighting: str | None = None,
) -> RoundReport:
    """The numbers of round `round_label` (NotFoundError when unknown); target defaults to the environment's and
    the weighting to the round's own setting."""
    target = target or Target.from_env()
    computed: list[list[tuple[int, int, str]]] = []
    found = cached(
        engine,
        "round_report",
        (round_label, target, lang) + ((weighting,) if weighting else ()),
        lambda conn: _build_round_report(conn, round_label, target, lang, weighting, keep=computed.append),
    )
    if computed:  # after the snapshot has ended: SQLite lets a connection write only when no read holds it back
        store_coverage(engine, weighting or "", computed[0])
    return found


def warm_round(engine: Engine, round_label: str) -> None:
    """Compute round `round_label`'s report in every language into the shared cache: the worker calls it after
    an upload, so the first page view after the data change reads it instead of computing it."""
    for lang in LANGUAGES:
        round_report(engine, round_label, lang=lang)


@dataclass(frozen=True)
class Navigation:
    """What every page's header and default round need: one small cache entry per data version."""

    rounds: tuple[str, ...]  # oldest reference date first
    default_round: str | None  # the latest round with a return; the latest round when none has any
    demo: bool  # whether `raak demo` made this database
    data_version: str  # the data version all of this was read at (queries.data_version)


def navigation(engine: Engine) -> Navigation:
    """The rounds, the round a page shows when the URL names none, and whether this is the demo data."""

    def build(conn: Connection) -> Navigation:
        labels = tuple(str(label) for label in data.rounds(conn)["label"])
        chosen = None
        if labels:
            history = round_report(engine, labels[-1]).history
            national = history[(history["scope"] == NATIONAL) & (history["n_returns"] > 0)]
            chosen = str(national["round_label"].iloc[-1]) if not national.empty else labels[-1]
        return Navigation(labels, chosen, data.demo_marked(conn), data.data_version(conn))

    return cached(engine, "navigation", (), build)


def round_labels(engine: Engine) -> list[str]:
    """Round labels, oldest reference date first (for the round selector)."""
    with data.snapshot(engine) as conn:
        return list(data.rounds(conn)["label"])


# --- one region ---------------------------------------------------------------------------------------------


@dataclass
class RegionDetail:
    """One region in one round: heatmap cells, its municipalities, level/group profile beside national, change."""

    round_label: str
    region: dict[str, Any]
    national: dict[str, Any]
    municipalities: pd.DataFrame
    cells: pd.DataFrame
    levels: pd.DataFrame
    groups: pd.DataFrame
    changes: pd.DataFrame
    status_scale: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return json_dict({k: v for k, v in self.__dict__.items() if k != "status_scale"})


def _cells(
    conn: Connection, report: RoundReport, round_id: int, region_codes: Collection[str], lang: Lang
) -> pd.DataFrame:
    """Municipality × point rows of some regions with the point title, status key/label/colour and comment, and
    each row's region_code."""
    rows = data.region_assessments(conn, round_id, region_codes)
    titles = data.points(conn, report.round["framework_versions"]).assign(title=lambda f: _title(f, lang))[
        ["framework_version", "point_number", "level_code", "title"]
    ]
    rows = rows.merge(titles, on=["framework_version", "point_number"], how="left")
    scale = report.status_scale
    keyed = scale.assign(label=_title(scale, lang, "label"))[["value", "key", "label", "color"]]
    statuses = keyed[keyed["value"].notna()]
    rows = rows.merge(statuses, left_on="status", right_on="value", how="left").drop(columns="value")
    not_applicable = keyed[keyed["value"].isna()].iloc[0]
    for column in ("key", "label", "color"):
        rows.loc[rows["not_applicable"], column] = not_applicable[column]
    names = report.municipalities[["municipality_code", "municipality_name"]]
    return names.merge(rows, on="municipality_code", how="inner").reset_index(drop=True)


def _by_region(table: pd.DataFrame, codes: Sequence[str], with_national: bool = False) -> dict[str, pd.DataFrame]:
    """Each region's rows of `table` (with the national rows too: `with_national`), in the table's order; one
    grouping for all regions instead of a scan of the whole table per region."""
    positions = table.groupby("region_code", sort=False).indices
    national = np.flatnonzero(table["scope"] == NATIONAL) if with_national else np.empty(0, dtype=np.intp)
    none = np.empty(0, dtype=np.intp)
    return {code: table.iloc[np.union1d(positions.get(code, none), national)].reset_index(drop=True) for code in codes}


def region_detail(
    engine: Engine, round_label: str, region_code: str, *, target: Target | None = None, lang: Lang = "nl"
) -> RegionDetail:
    """Region `region_code` in round `round_label` (NotFoundError when either is unknown)."""
    return region_details(engine, round_label, [region_code], target=target, lang=lang)[region_code]


def region_details(
    engine: Engine, round_label: str, region_codes: Sequence[str], *, target: Target | None = None, lang: Lang = "nl"
) -> dict[str, RegionDetail]:
    """Several regions of round `round_label` by code, read together (the export shows every region; one query
    instead of one per region). A NotFoundError names the first unknown round or region."""
    target = target or Target.from_env()
    first = round_report(engine, round_label, target=target, lang=lang)
    known = set(first.regions["region_code"])
    for code in region_codes:
        if code not in known:
            raise data.not_found("region", "regio", code, list(first.regions["region_code"]))

    def build(conn: Connection) -> dict[str, RegionDetail]:
        same_data = first.data_version == data.data_version(conn)  # else an ingest landed in between
        report = first if same_data else _build_round_report(conn, round_label, target, lang)
        round_id = int(data.find_round(data.rounds(conn), round_label)["id"])
        cells = _cells(conn, report, round_id, region_codes, lang)
        regions = _by_region(report.regions, region_codes)
        municipalities = _by_region(report.municipalities, region_codes)
        region_cells = _by_region(cells, region_codes)
        levels = _by_region(report.levels, region_codes, with_national=True)
        groups = _by_region(report.groups, region_codes, with_national=True)
        changes = _by_region(report.changes_municipalities, region_codes)
        return {
            code: RegionDetail(
                round_label=round_label,
                region=regions[code].iloc[0].to_dict(),
                national=report.national,
                municipalities=municipalities[code],
                cells=region_cells[code].drop(columns="region_code"),
                levels=levels[code],
                groups=groups[code],
                changes=changes[code],
                status_scale=report.status_scale,
            )
            for code in region_codes
        }

    return cached(engine, "region_details", (round_label, tuple(region_codes), target, lang), build)


# --- one municipality ---------------------------------------------------------------------------------------


@dataclass
class MunicipalityDetail:
    """One municipality across every round: coverage per round and every point's status and comment."""

    municipality: dict[str, Any]
    rounds: pd.DataFrame
    assessments: pd.DataFrame
    status_scale: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return json_dict({k: v for k, v in self.__dict__.items() if k != "status_scale"})


def municipality_region(engine: Engine, municipality_code: str) -> str | None:
    """The region a municipality belongs to now (None: none); a NotFoundError for an unknown code."""
    with data.snapshot(engine) as conn:
        region = data.municipality(conn, municipality_code)["region_code"]
    return None if pd.isna(region) else str(region)


def municipality_detail(engine: Engine, municipality_code: str, *, lang: Lang = "nl") -> MunicipalityDetail:
    """Municipality `municipality_code` in every round (NotFoundError when unknown).

    In a round whose division did not have it yet (it was formed by a merger later), its coverage is its
    predecessors' weighted mean in that round (column `via` names them); `municipality` says what a dissolved
    municipality became (`successors`) and what a merged one was formed from (`predecessors`).
    """

    def build(conn: Connection) -> MunicipalityDetail:
        info = data.municipality(conn, municipality_code)
        code = str(info["municipality_code"])
        all_rounds = data.rounds(conn)
        changes = data.municipal_changes(conn)
        names = data.municipality_names(conn)
        successors = [
            {
                "date": c.on,
                "municipality_code": c.new_code,
                "municipality_name": names.get(c.new_code),
                "share": c.share,
            }
            for c in changes
            if c.old_code == code
        ]
        formed_from = [
            {
                "date": c.on,
                "municipality_code": c.old_code,
                "municipality_name": names.get(c.old_code),
                "share": c.share,
                "change_type": c.change_type,
            }
            for c in changes
            if c.new_code == code and c.old_code != code
        ]
        per_round = []
        scored = _scores_per_round(conn, all_rounds, changes=changes) if formed_from else []
        counts = data.coverage_counts(conn, [int(i) for i in all_rounds["id"]], municipality_code=code)
        one = pd.DataFrame([info.to_dict() | {"weight": 1.0}])
        last_year = max(data.division_years_of(conn, code), default=0)  # the newest division it belongs to
        every_round = one.merge(pd.DataFrame({"round_id": all_rounds["id"].astype(int)}), how="cross")
        own = metrics.municipality_coverage(counts, every_round, per=["round_id"]).set_index("round_id")
        for position, (_, row) in enumerate(all_rounds.iterrows()):
            scores = own.loc[int(row["id"])]
            entry = {
                "round_label": row["label"],
                "reference_date": row["reference_date"],
                "has_return": bool(scores["has_return"]),
                "coverage": scores["coverage"],
                "n_applicable": int(scores["n_applicable"]),
                "n_implemented": int(scores["n_implemented"]),
                "n_not_applicable": int(scores["n_not_applicable"]),
                "via": None,
            }
            item = scored[position] if scored else None
            if item is not None and code not in set(item.expected["municipality_code"]):
                walk = crosswalk(item.scores["municipality_code"], changes, int(row["division_year"]), last_year)
                olds = predecessors(walk).get(code, {})
                mapped = metrics.map_scores(item.scores, {old: {code: share} for old, share in olds.items()}, one)
                entry |= {
                    "has_return": bool(mapped["has_return"].iloc[0]),
                    "coverage": mapped["coverage"].iloc[0],
                    "via": ", ".join(f"{old} {names.get(old, '')}".strip() for old in sorted(olds)),
                }
            per_round.append(entry)
        scale = data.status_scale(conn)
        rows = data.municipality_assessments(conn, code)
        titles = data.points(conn, sorted(set(rows["framework_version"]))).assign(title=lambda f: _title(f, lang))
        rows = rows.merge(
            titles[["framework_version", "point_number", "level_code", "group_code", "title"]],
            on=["framework_version", "point_number"],
            how="left",
        )
        labels = scale.assign(status_label=_title(scale, lang, "label"))
        rows["status_label"] = rows["status"].map(labels.dropna(subset=["value"]).set_index("value")["status_label"])
        rows.loc[rows["not_applicable"], "status_label"] = labels[labels["value"].isna()]["status_label"].iloc[0]
        return MunicipalityDetail(
            municipality=info.to_dict() | {"successors": successors, "predecessors": formed_from},
            rounds=pd.DataFrame(per_round, columns=[*MUNICIPALITY_ROUND_COLUMNS, "via"]),
            assessments=rows,
            status_scale=scale,
        )

    return cached(engine, "municipality_detail", (municipality_code.strip().upper(), lang), build)


# --- one point ----------------------------------------------------------------------------------------------


@dataclass
class PointDetail:
    """One RAAK point in one round: its full text, national status distribution and the regions where it lags."""

    round_label: str
    point: dict[str, Any]
    national_share: float
    distribution: pd.DataFrame
    regions: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return json_dict(self.__dict__)


def point_detail(
    engine: Engine,
    round_label: str,
    point_number: int,
    *,
    framework_version: str | None = None,
    lang: Lang = "nl",
) -> PointDetail:
    """Point `point_number` of the round's framework (or of `framework_version`, for a round answered in two) in
    round `round_label` (NotFoundError when the round, the version or the point is unknown)."""

    def build(conn: Connection) -> PointDetail:
        current = data.find_round(data.rounds(conn), round_label)
        versions = data.round_framework_versions(conn, int(current["id"]))
        version = framework_version or (versions[-1] if versions else "")
        if version not in data.framework_versions(conn):
            raise data.not_found("framework version", "kaderversie", version, data.framework_versions(conn))
        version_points = data.points(conn, [version])
        found = version_points[version_points["point_number"] == point_number]
        if found.empty:
            raise data.not_found("point", "punt", point_number, list(version_points["point_number"]))
        point = found.iloc[0]
        status_counts = data.point_status_counts(conn, int(current["id"]), int(current["division_year"]))
        status_counts = status_counts[
            (status_counts["framework_version"] == version) & (status_counts["point_number"] == point_number)
        ]
        scale = data.status_scale(conn)
        share = metrics.point_shares(status_counts, found, scale)["share"].iloc[0]
        distribution = metrics.status_distribution(status_counts, scale)
        distribution = distribution.merge(
            scale[["key", f"label_{lang}", "color"]].rename(columns={f"label_{lang}": "label"}), on="key"
        )
        per_region = data.point_region_counts(
            conn, int(current["id"]), int(current["division_year"]), version, point_number
        )
        per_region = data.regions(conn, int(current["division_year"]))[["region_code", "region_name"]].merge(
            per_region, on="region_code", how="left"
        )
        counts = ["n_applicable", "n_implemented"]
        per_region[counts] = per_region[counts].fillna(0).astype(int)
        return PointDetail(
            round_label=round_label,
            point={
                "framework_version": version,
                "point_number": int(point["point_number"]),
                "level_code": point["level_code"],
                "group_code": point["group_code"],
                "title": point[f"title_{lang}"],
                "text_nl": point["text_nl"],
            },
            national_share=float(share),
            distribution=distribution,
            regions=metrics.lagging_regions(per_region, share),
        )

    return cached(engine, "point_detail", (round_label, framework_version, int(point_number), lang), build)


# --- completeness -------------------------------------------------------------------------------------------


@dataclass
class CompletenessTable:
    """Per region: expected vs received returns and upload counts; the round's rejected uploads and their issues."""

    round_label: str
    regions: pd.DataFrame
    rejected: pd.DataFrame
    issues: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return json_dict(self.__dict__)


def completeness_table(engine: Engine, round_label: str) -> CompletenessTable:
    """Returns received per region in round `round_label` (NotFoundError when unknown) and the rejected uploads."""

    def build(conn: Connection) -> CompletenessTable:
        all_rounds = data.rounds(conn)
        current = data.find_round(all_rounds, round_label)
        scores = _scores_per_round(conn, all_rounds[all_rounds["label"] == round_label])[0].scores
        per_region = metrics.aggregate(scores, ["region_code", "region_name"])
        per_region = per_region[["region_code", "region_name", "n_expected", "n_returns", "completeness"]]
        uploads = data.upload_counts(conn, int(current["id"]))
        per_region = per_region.merge(uploads, on="region_code", how="left")
        count_columns = ["n_uploads", "n_accepted", "n_rejected", "n_duplicate"]
        per_region[count_columns] = per_region[count_columns].fillna(0).astype(int)
        rejected, issues = data.rejected_uploads(conn, int(current["id"]))
        rejected = rejected.merge(
            issues.groupby("upload_id").size().rename("n_issues"), on="upload_id", how="left"
        ).fillna({"n_issues": 0})
        rejected["n_issues"] = rejected["n_issues"].astype(int)
        return CompletenessTable(
            round_label=round_label,
            regions=per_region.sort_values("region_code").reset_index(drop=True),
            rejected=rejected,
            issues=issues,
        )

    return cached(engine, "completeness", (round_label,), build)


# --- a coordinator's home -----------------------------------------------------------------------------------

RETURNED, LATE, MISSING = "returned", "late", "missing"


@dataclass
class MyRegion:
    """A coordinator's regions in one round: each municipality returned, late (deadline passed) or still missing,
    when and by whom it last sent, what changed against the version before, and the change since last round."""

    round: dict[str, Any]
    regions: pd.DataFrame
    municipalities: pd.DataFrame
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return json_dict(self.__dict__)


def return_state(has_return: bool, deadline: date | None, today: date) -> str:
    """returned; late when the deadline has passed without a return; missing (still expected) otherwise."""
    if has_return:
        return RETURNED
    return LATE if deadline is not None and today > deadline else MISSING


def my_region(
    engine: Engine, round_label: str, region_codes: tuple[str, ...], *, today: date, lang: Lang = "nl"
) -> MyRegion:
    """The coordinator's home for `region_codes` in round `round_label` (NotFoundError when the round is unknown)."""
    report = round_report(engine, round_label, lang=lang)
    codes = tuple(sorted(set(region_codes)))

    def build(conn: Connection) -> MyRegion:
        round_id = int(data.find_round(data.rounds(conn), round_label)["id"])
        municipalities = report.municipalities[report.municipalities["region_code"].isin(codes)]
        municipalities = municipalities[
            ["municipality_code", "municipality_name", "region_code", "region_name", "has_return", "coverage"]
        ]
        sent = data.current_submissions(conn, round_id, list(municipalities["municipality_code"]))
        frame = municipalities.merge(sent, on="municipality_code", how="left")
        changes = report.changes_municipalities[["municipality_code", *metrics.CHANGE_COLUMNS]]
        frame = frame.merge(changes, on="municipality_code", how="left")
        deadline = report.round["deadline"]
        frame["state"] = [return_state(bool(flag), deadline, today) for flag in frame["has_return"]]
        order = {LATE: 0, MISSING: 1, RETURNED: 2}
        frame = frame.sort_values(
            ["state", "municipality_name"], key=lambda s: s.map(order) if s.name == "state" else s
        ).reset_index(drop=True)
        regions = report.regions[report.regions["region_code"].isin(codes)].reset_index(drop=True)
        counts = {state: int((frame["state"] == state).sum()) for state in (RETURNED, LATE, MISSING)}
        return MyRegion(round=report.round, regions=regions, municipalities=frame, counts=counts)

    return cached(engine, "my_region", (round_label, codes, today, lang), build)


def all_rounds(engine: Engine) -> pd.DataFrame:
    """Every round, oldest reference date first, with its state (`queries.rounds`): for the pages that list them."""
    with data.snapshot(engine) as conn:
        return data.rounds(conn)


def latest_open_round(engine: Engine) -> str | None:
    """The latest open round (the one coordinators are returning for), None when every round is closed."""
    found = all_rounds(engine)
    open_rounds = found[found["is_open"]]
    return str(open_rounds["label"].iloc[-1]) if not open_rounds.empty else None
