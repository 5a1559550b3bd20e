"""Coverage metrics as pure functions over DataFrames (no I/O); every formula, with a worked example, is in
docs/metrics.md.

The inputs are the small aggregated frames `dashboard.analytics.queries` reads with GROUP BY (counts per municipality ×
level, per point × status, ...), never raw assessment rows, so the same functions serve the pages, `raak report` and
the tests.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from etl.i18n import Lang as Lang  # the language of a report, re-exported for its users
from etl.store.issues import UserError

Weighting = Literal["children_0_17", "children_0_17_est", "inhabitants", "equal"]  # as used; see choose_weights
Crosswalk = Mapping[
    str, Mapping[str, float]
]  # earlier code → {later code: share}; see etl.reference.divisions.crosswalk
ProjectionStatus = Literal["reached", "projected", "not_at_current_pace", "too_few_rounds", "insufficient_data"]

MIN_COMPLETENESS_FOR_PROJECTION = 0.5  # a round enters the projection only when at least half the returns are in
MIN_ROUNDS_FOR_PROJECTION = 2
PROJECTION_HORIZON_YEARS = 100  # a crossing further away than this counts as "not at current pace"
DAYS_PER_YEAR = 365.2425
WEAKEST_POINTS_COUNT = 10
TOLERANCE = 1e-9  # absorbs floating-point noise in "coverage ≥ trajectory"
CHANGE_COLUMNS = ("improved", "regressed", "unchanged", "applicability_changed")
COUNT_COLUMNS = ("n_points", "n_not_applicable", "n_implemented")
NO_LEVEL = ""  # level_code of points outside the care continuum (the general principles)
TARGET_ENV = {"start": "RAAK_TARGET_START", "end": "RAAK_TARGET_END", "value": "RAAK_TARGET_VALUE"}


class TargetError(UserError):
    """The configured target trajectory is unusable (bad date, end before start, value outside 0-1)."""


# --- the 2011 target ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The target trajectory: 0 on `start`, rising linearly to `value` on `end` (default 100 % on 2011-12-31)."""

    start: date = date(2008, 1, 1)
    end: date = date(2011, 12, 31)
    value: float = 1.0

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise TargetError(f"the target end {self.end} must lie after its start {self.start}")
        if not 0 < self.value <= 1:
            raise TargetError(f"the target value must be a share in (0, 1], got {self.value}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Target:
        """The target from RAAK_TARGET_START / RAAK_TARGET_END (YYYY-MM-DD) and RAAK_TARGET_VALUE (0.8 or 80%)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in ("start", "end"):
            raw = (env.get(TARGET_ENV[name]) or "").strip()
            if raw:
                try:
                    values[name] = date.fromisoformat(raw)
                except ValueError as exc:
                    raise TargetError(f"{TARGET_ENV[name]}={raw!r} is not a date of the form YYYY-MM-DD") from exc
        raw = (env.get(TARGET_ENV["value"]) or "").strip()
        if raw:
            try:
                values["value"] = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
            except ValueError as exc:
                raise TargetError(f"{TARGET_ENV['value']}={raw!r} is not a share such as 0.8 or 80%") from exc
        return cls(**values)

    def at(self, day: date) -> float:
        """The trajectory's value on `day`, clipped to [0, value]."""
        fraction = (day - self.start).days / (self.end - self.start).days
        return min(max(fraction, 0.0), 1.0) * self.value

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "value": self.value}


def on_track(coverage: pd.Series, trajectory: pd.Series) -> pd.Series:
    """A coverage is on track when it is at least the trajectory's value at the same date (per row; an undefined
    coverage is not on track)."""
    return coverage >= trajectory - TOLERANCE


def gap(coverage: float | None, goal: float) -> float:
    """The share still missing to `goal`: max(goal − coverage, 0); NaN when the coverage is undefined.

    Against the final target value this is the "nog … procentpunt" of the headline; against the trajectory's value
    at the reference date it is how far a region is behind (0 when on track).
    """
    if coverage is None or (isinstance(coverage, float) and math.isnan(coverage)):
        return math.nan
    return max(goal - float(coverage), 0.0)


def gaps(coverage: pd.Series, goal: float | pd.Series) -> pd.Series:
    """`gap` per row: max(goal − coverage, 0), NaN where coverage is NaN."""
    return (goal - coverage.astype(float)).clip(lower=0.0)


# --- weighting ----------------------------------------------------------------------------------------------


def population_year(years: Sequence[int], reference_year: int) -> int | None:
    """The population year a round uses: the latest one ≤ the reference year, else the earliest; None if none."""
    if not len(years):
        return None
    earlier = [year for year in years if year <= reference_year]
    return max(earlier) if earlier else min(years)


WEIGHTING_STEPS = ("children_0_17", "inhabitants")  # the fallback order of the population weightings


def choose_weights(
    population: pd.DataFrame, municipality_codes: Sequence[str], preferred: str = "children_0_17"
) -> tuple[pd.Series, Weighting]:
    """Weights per municipality: the round's `preferred` weighting when known for all, else the next step.

    `population` holds one year's rows (municipality_code, inhabitants, children_0_17[, children_estimated]); a
    weighting is used only when it covers every municipality and does not sum to zero, so one missing figure
    falls back a step (children 0-17 → inhabitants → 1 each). Estimated 0-17 figures give "children_0_17_est".
    """
    codes = pd.Index(municipality_codes, name="municipality_code")
    rows = population.drop_duplicates("municipality_code").set_index("municipality_code").reindex(codes)
    steps = WEIGHTING_STEPS[WEIGHTING_STEPS.index(preferred) :] if preferred in WEIGHTING_STEPS else ()
    for column in steps:
        values = pd.to_numeric(rows.get(column, pd.Series(index=codes, dtype=float)), errors="coerce")
        if len(codes) and values.notna().all() and values.sum() > 0:
            estimated = column == "children_0_17" and bool(
                rows.get("children_estimated", pd.Series()).fillna(False).any()
            )
            return values.astype(float).rename("weight"), ("children_0_17_est" if estimated else column)  # type: ignore[return-value]
    return pd.Series(1.0, index=codes, name="weight"), "equal"


def population_on_division(population: pd.DataFrame, walk: Crosswalk) -> pd.DataFrame:
    """One year's population carried onto a later division: each successor gets Σ share × its predecessors' figures.

    A figure missing for one predecessor leaves the successor's figure missing (so the weighting falls back).
    """
    if population.empty:
        return population
    links = [
        (row, new, share)
        for row, old in enumerate(population["municipality_code"])
        for new, share in walk.get(old, {old: 1.0}).items()
    ]
    rows, codes, shares = (list(column) for column in zip(*links, strict=True))
    frame = population.iloc[rows].reset_index(drop=True)
    children = pd.to_numeric(frame["children_0_17"], errors="coerce")
    carried = pd.DataFrame(
        {
            "municipality_code": codes,
            "inhabitants": frame["inhabitants"].astype(float) * shares,
            "children_0_17": children * shares,
            "children_missing": children.isna(),
            "children_estimated": frame["children_estimated"].fillna(False).astype(bool),
        }
    )
    sums = carried.groupby("municipality_code", sort=False).agg(
        inhabitants=("inhabitants", "sum"),
        children_0_17=("children_0_17", "sum"),
        children_missing=("children_missing", "any"),
        children_estimated=("children_estimated", "any"),
    )
    sums["children_0_17"] = sums["children_0_17"].mask(sums.pop("children_missing"))
    return sums.reset_index()


def map_scores(scores: pd.DataFrame, walk: Crosswalk, later: pd.DataFrame) -> pd.DataFrame:
    """An earlier round's `municipality_coverage` rows on a later division, to compare like with like.

    Each later municipality gets its predecessors' weighted means: headline = Σ v·headline / Σ v and coverage
    = Σ v·coverage / Σ v over predecessors with a defined coverage, with v = share × the predecessor's weight in
    its own round; its weight is Σ v (so the national figure of the earlier round does not change) and it has a
    return when any predecessor had one. `later` holds the later division's municipality_code, municipality_name,
    region_code, region_name. See docs/metrics.md, "Trends across mergers", for a worked example.
    """
    links = pd.DataFrame(
        [(old, new, share) for old, mapping in walk.items() for new, share in mapping.items()],
        columns=["old_code", "municipality_code", "share"],
    )
    old = scores[["municipality_code", "weight", "headline", "coverage", "has_return"]].rename(
        columns={"municipality_code": "old_code"}
    )
    frame = links.merge(old, on="old_code", how="inner")
    frame["v"] = frame["share"] * frame["weight"].astype(float)
    frame["v_defined"] = frame["v"].where(frame["coverage"].notna(), 0.0)
    frame["v_headline"] = frame["v"] * frame["headline"].astype(float)
    frame["v_coverage"] = frame["v_defined"] * frame["coverage"].fillna(0.0).astype(float)
    sums = frame.groupby("municipality_code").agg(
        weight=("v", "sum"),
        v_defined=("v_defined", "sum"),
        v_headline=("v_headline", "sum"),
        v_coverage=("v_coverage", "sum"),
        has_return=("has_return", "any"),
    )
    sums["headline"] = sums["v_headline"] / sums["weight"].where(sums["weight"] > 0)
    sums["coverage"] = sums["v_coverage"] / sums["v_defined"].where(sums["v_defined"] > 0)
    columns = ["municipality_code", "municipality_name", "region_code", "region_name"]
    result = later[columns].merge(
        sums[["weight", "headline", "coverage", "has_return"]].reset_index(), on="municipality_code", how="left"
    )
    result["has_return"] = result["has_return"].fillna(False).astype(bool)
    result["weight"] = result["weight"].fillna(0.0)
    result["headline"] = result["headline"].fillna(0.0)
    return result


# --- coverage -------------------------------------------------------------------------------------------------


def municipality_coverage(
    counts: pd.DataFrame,
    expected: pd.DataFrame,
    by: str | None = None,
    categories: Sequence[str] = (),
    *,
    per: Sequence[str] = (),
) -> pd.DataFrame:
    """Coverage per expected municipality (and per level or group when `by` is "level_code" or "group_code").

    `counts`: municipality_code, level_code, group_code, n_points, n_not_applicable, n_implemented over the
    current assessments of one round. `expected`: municipality_code, municipality_name, region_code, region_name,
    weight. Returns expected's columns plus has_return, n_applicable, n_implemented, n_not_applicable,
    `coverage` = implemented / applicable (NaN without a return or without applicable points) and `headline`
    (the same, but 0 without a return). Per level or group only points with a level count, in `categories`.
    `per` (e.g. ["round_id"]): columns of both frames that keep several rounds apart, computed in one pass.
    """
    ids = [*per, "municipality_code"]
    keys = ids if by is None else [*ids, by]
    rows = counts if by is None else counts[counts["level_code"] != NO_LEVEL]
    sums = rows.groupby(keys, sort=False)[list(COUNT_COLUMNS)].sum().reset_index()
    frame = expected if by is None else expected.merge(pd.DataFrame({by: list(categories)}), how="cross")
    frame = frame.merge(sums, on=keys, how="left")
    frame[list(COUNT_COLUMNS)] = frame[list(COUNT_COLUMNS)].fillna(0).astype(int)
    if per:
        frame["has_return"] = pd.MultiIndex.from_frame(frame[ids]).isin(pd.MultiIndex.from_frame(counts[ids]))
    else:
        frame["has_return"] = frame["municipality_code"].isin(set(counts["municipality_code"]))
    frame["n_applicable"] = frame["n_points"] - frame["n_not_applicable"]
    defined = frame["has_return"] & (frame["n_applicable"] > 0)
    frame["coverage"] = (frame["n_implemented"] / frame["n_applicable"].where(defined)).astype(float)
    frame["headline"] = frame["coverage"].where(frame["has_return"], 0.0)
    return frame.drop(columns="n_points")


def aggregate(scores: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Region or national figures from `municipality_coverage` rows (grouped by `by`; () = one national row).

    coverage: weighted mean of `headline` (no return counts 0); coverage_reporting: weighted mean of `coverage`
    over municipalities with a return; completeness = n_returns / n_expected (a count, never weighted). A
    weighted mean is Σ w·x / Σ w over the rows where x is defined (NaN where no weight is left); all sums in one
    group-by.
    """
    keys = list(by) or ["_all"]
    weights = scores["weight"].to_numpy(dtype=float)
    parts = {key: scores[key].to_numpy() for key in by} if by else {"_all": np.zeros(len(scores), dtype=int)}
    for name, column in (("coverage", "headline"), ("coverage_reporting", "coverage")):
        values = scores[column].to_numpy(dtype=float)
        defined = ~np.isnan(values)
        parts[f"{name}_num"] = weights * np.where(defined, values, 0.0)
        parts[f"{name}_den"] = np.where(defined, weights, 0.0)
    parts["n_expected"] = np.ones(len(scores), dtype=np.int64)
    parts["n_returns"] = scores["has_return"].to_numpy(dtype=np.int64)
    sums = pd.DataFrame(parts).groupby(keys, sort=False).sum()
    result = pd.DataFrame({"n_expected": sums["n_expected"], "n_returns": sums["n_returns"]})
    for name in ("coverage", "coverage_reporting"):
        denominator = sums[f"{name}_den"]
        result[name] = sums[f"{name}_num"] / denominator.where(denominator > 0)
    result["completeness"] = result["n_returns"] / result["n_expected"]
    result = result.reset_index()
    return result.drop(columns="_all") if not by else result


def rank_regions(regions: pd.DataFrame) -> pd.Series:
    """Rank 1 = highest coverage among the regions with a return; ties share the best rank. A region without any
    return has no rank (NA): silence is not a place in the ranking."""
    with_return = regions["coverage"].where(regions["n_returns"] > 0)
    return with_return.rank(ascending=False, method="min").astype("Int64")


# --- projection -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """When the least-squares line through the coverage per round reaches the target value.

    status: "projected" (reached_on is the crossing), "reached" (already at the target; reached_on is the first
    such round), "not_at_current_pace" (slope ≤ 0 or a crossing beyond the horizon), "too_few_rounds" or
    "insufficient_data" (nothing returned in the latest round, or the line crosses the target before the
    latest reference date: no date that would lie in the past).
    """

    status: ProjectionStatus
    reached_on: date | None = None
    slope_per_year: float | None = None
    intercept: float | None = None  # the line's value at `origin`
    origin: date | None = None
    rounds_used: tuple[str, ...] = field(default_factory=tuple)

    def value_at(self, day: date) -> float | None:
        """The fitted line's value on `day` (None without a line)."""
        if self.slope_per_year is None or self.intercept is None or self.origin is None:
            return None
        return self.intercept + self.slope_per_year * (day - self.origin).days / DAYS_PER_YEAR

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reached_on"] = self.reached_on.isoformat() if self.reached_on else None
        data["origin"] = self.origin.isoformat() if self.origin else None
        data["rounds_used"] = list(self.rounds_used)
        return data


def project(series: pd.DataFrame, target: Target) -> Projection:
    """Fit coverage per round (round_label, reference_date, coverage, completeness) and project the target date.

    Uses rounds with completeness ≥ MIN_COMPLETENESS_FOR_PROJECTION, at least MIN_ROUNDS_FOR_PROJECTION of them
    on different dates; x is years since `target.start`.
    """
    ordered = series  # a history is in date order already; rounds on one date keep their order
    if not series["reference_date"].is_monotonic_increasing:
        ordered = series.sort_values("reference_date", kind="stable")
    completeness = ordered["completeness"].to_numpy(dtype=float)
    coverage = ordered["coverage"].to_numpy(dtype=float)
    keep = (completeness >= MIN_COMPLETENESS_FOR_PROJECTION) & ~np.isnan(coverage)
    dates = [day for day, kept in zip(ordered["reference_date"].tolist(), keep, strict=True) if kept]
    values = coverage[keep]
    labels = tuple(str(label) for label, kept in zip(ordered["round_label"].tolist(), keep, strict=True) if kept)
    if len(completeness) and not completeness[-1] > 0:
        return Projection("insufficient_data", rounds_used=labels)  # nothing returned in the latest round
    reached = values >= target.value - TOLERANCE
    if len(values) and reached[-1]:
        return Projection("reached", reached_on=dates[int(np.argmax(reached))], rounds_used=labels)
    if len(set(dates)) < MIN_ROUNDS_FOR_PROJECTION:
        return Projection("too_few_rounds", rounds_used=labels)
    years = np.array([(day - target.start).days / DAYS_PER_YEAR for day in dates])
    slope, intercept = np.polyfit(years, values, 1)
    line: dict[str, Any] = {"slope_per_year": float(slope), "intercept": float(intercept), "origin": target.start}
    if slope <= TOLERANCE:
        return Projection("not_at_current_pace", rounds_used=labels, **line)
    crossing = (target.value - intercept) / slope
    last = (dates[-1] - target.start).days / DAYS_PER_YEAR
    if crossing - last > PROJECTION_HORIZON_YEARS:
        return Projection("not_at_current_pace", rounds_used=labels, **line)
    reached_on = target.start + timedelta(days=round(crossing * DAYS_PER_YEAR))
    if reached_on <= dates[-1]:
        return Projection("insufficient_data", rounds_used=labels, **line)
    return Projection("projected", reached_on=reached_on, rounds_used=labels, **line)


# --- change since the previous round ------------------------------------------------------------------------------


def change_summary(changes: pd.DataFrame, expected: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Sum of improved / regressed / unchanged / applicability_changed points, plus n_compared municipalities.

    `changes` has one row per municipality with a return in both rounds (municipality_code + CHANGE_COLUMNS);
    municipalities outside `expected` are left out.
    """
    frame = changes.merge(expected[["municipality_code", *by]], on="municipality_code", how="inner")
    frame = frame.assign(n_compared=1, _all=0)
    keys = list(by) or ["_all"]
    result = frame.groupby(keys, sort=False)[[*CHANGE_COLUMNS, "n_compared"]].sum().reset_index()
    if result.empty and not by:
        result = pd.DataFrame([{"_all": 0, **dict.fromkeys([*CHANGE_COLUMNS, "n_compared"], 0)}])
    return result.drop(columns="_all") if not by else result


def compare_with_predecessors(now: pd.DataFrame, before: pd.DataFrame) -> dict[str, int]:
    """Change counts of one municipality against the weighted mean answer of its predecessors, point by point.

    `now`: framework_version, point_number, status, not_applicable of the municipality; `before`: the same of
    its predecessors plus `v` (share × weight). The earlier answer on a point is n.v.t. when every predecessor
    said n.v.t., else Σ v·status / Σ v over the applicable answers; points not answered on both sides are left
    out. A rise is improved, a fall regressed, equal (or n.v.t. twice) unchanged, n.v.t. on one side only
    applicability_changed — as for a municipality that did not change.
    """
    keys = ["framework_version", "point_number"]
    applicable = before[~before["not_applicable"].astype(bool)]
    weighted = applicable.assign(vs=applicable["v"] * applicable["status"].astype(float))
    sums = weighted.groupby(keys)[["vs", "v"]].sum()
    mean = (sums["vs"] / sums["v"].where(sums["v"] > 0)).rename("before")
    answered = before.groupby(keys).size().rename("n_before")
    frame = now.merge(answered.reset_index(), on=keys).merge(mean.reset_index(), on=keys, how="left")
    now_na = frame["not_applicable"].astype(bool)
    before_na = frame["before"].isna()
    both = ~now_na & ~before_na
    difference = frame["status"].astype(float) - frame["before"]
    return {
        "improved": int((both & (difference > TOLERANCE)).sum()),
        "regressed": int((both & (difference < -TOLERANCE)).sum()),
        "unchanged": int((both & (difference.abs() <= TOLERANCE)).sum() + (now_na & before_na).sum()),
        "applicability_changed": int((now_na != before_na).sum()),
    }


# --- points ---------------------------------------------------------------------------------------------------


def implemented_values(scale: pd.DataFrame) -> set[int]:
    """The status values that count as implemented, read from the status scale (value, implemented)."""
    return {int(value) for value in scale.loc[scale["implemented"].astype(bool), "value"].dropna()}


def point_shares(status_counts: pd.DataFrame, points: pd.DataFrame, scale: pd.DataFrame) -> pd.DataFrame:
    """National implementation share per point = implemented / applicable over the round's current assessments.

    `status_counts`: framework_version, point_number, status (NaN for n.v.t.), not_applicable, n.
    `points`: framework_version, point_number and the point's descriptive columns. Points nobody answered get
    zero counts and share NaN.
    """
    counts = status_counts.assign(
        n_not_applicable=status_counts["n"].where(status_counts["not_applicable"].astype(bool), 0),
        n_implemented=status_counts["n"].where(status_counts["status"].isin(implemented_values(scale)), 0),
    )
    keys = ["framework_version", "point_number"]
    sums = counts.groupby(keys)[["n", "n_not_applicable", "n_implemented"]].sum().reset_index()
    frame = points.merge(sums.rename(columns={"n": "n_assessed"}), on=keys, how="left")
    frame[["n_assessed", "n_not_applicable", "n_implemented"]] = (
        frame[["n_assessed", "n_not_applicable", "n_implemented"]].fillna(0).astype(int)
    )
    frame["n_applicable"] = frame["n_assessed"] - frame["n_not_applicable"]
    frame["share"] = (frame["n_implemented"] / frame["n_applicable"].where(frame["n_applicable"] > 0)).astype(float)
    return frame


def weakest_points(shares: pd.DataFrame, count: int = WEAKEST_POINTS_COUNT) -> pd.DataFrame:
    """The `count` points with the lowest implementation share (ties: lower number first); unanswered left out."""
    ranked = shares[shares["share"].notna()].sort_values(["share", "point_number"], kind="stable")
    return ranked.head(count).reset_index(drop=True)


def status_distribution(status_counts: pd.DataFrame, scale: pd.DataFrame) -> pd.DataFrame:
    """Per point and answer (each status key, then n.v.t.): n and share of all answers for that point.

    `scale` holds one row per status (value, key) plus one row for n.v.t. with value NaN; every point gets every
    answer, zeros included, in scale order.
    """
    keys = ["framework_version", "point_number"]
    key = status_counts["status"].map(scale.dropna(subset=["value"]).set_index("value")["key"])
    not_applicable_key = scale.loc[scale["value"].isna(), "key"]
    if len(not_applicable_key):
        key = key.where(~status_counts["not_applicable"].astype(bool), not_applicable_key.iloc[0])
    sums = status_counts.assign(key=key).groupby([*keys, "key"])["n"].sum()
    points = status_counts[keys].drop_duplicates()
    answers = list(scale["key"])
    frame = pd.DataFrame(
        {
            "key": answers * len(points),
            "framework_version": np.repeat(points["framework_version"].to_numpy(), len(answers)),
            "point_number": np.repeat(points["point_number"].to_numpy(), len(answers)),
        }
    )
    found = sums.reindex(pd.MultiIndex.from_frame(frame[[*keys, "key"]]))
    frame["n"] = found.fillna(0).astype(int).to_numpy()
    totals = frame.groupby(keys)["n"].transform("sum")
    frame["share"] = frame["n"] / totals.where(totals > 0)
    return frame


def lagging_regions(region_counts: pd.DataFrame, national_share: float) -> pd.DataFrame:
    """Regions by implementation share of one point, lowest first, with `lags` = share below the national one.

    `region_counts`: region_code, region_name, n_applicable, n_implemented.
    """
    frame = region_counts.copy()
    frame["share"] = (frame["n_implemented"] / frame["n_applicable"].where(frame["n_applicable"] > 0)).astype(float)
    frame["lags"] = frame["share"] < national_share - TOLERANCE
    return frame.sort_values(["share", "region_code"], na_position="last", kind="stable").reset_index(drop=True)
