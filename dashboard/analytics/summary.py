"""The target and the gap in words: the headline "doel 2011: 100 % · landelijk 58,6 % · nog 41,4 procentpunt".

Pure functions of a `RoundReport` (or one region's row of it): every number comes from
`dashboard.analytics.report`, which takes it from `dashboard.analytics.metrics` (see docs/metrics.md, "Target and
gap"); this module only words them, so the
pages and the PDF say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import html

from dashboard.analytics.metrics import TOLERANCE
from dashboard.i18n import Lang, long_date, percent, percentage_points, t


def rank_text(rank: Any, ranks: Sequence[Any], lang: Lang) -> str:
    """ "Positie 3 van 24" among the regions that are ranked (those with a return); a region without one has none."""
    if rank is None or pd.isna(rank):
        return t("kpi.rank.none", lang)
    return t("kpi.rank", lang, rank=int(rank), count=sum(1 for other in ranks if not pd.isna(other)))


def whole_percent(value: float, lang: Lang) -> str:
    """A target share as "100%" when it is a whole percentage, else with one decimal like every other share."""
    hundredths = value * 100
    return percent(value, lang, digits=0 if abs(hundredths - round(hundredths)) < TOLERANCE else 1)


@dataclass(frozen=True)
class Headline:
    """The target, a scope's coverage and the gap (first line), and the trajectory at the reference date."""

    target: str
    coverage: str
    gap: str
    trajectory: str

    @property
    def line(self) -> str:
        return f"{self.target} · {self.coverage} · {self.gap}"


def headline(
    figures: Mapping[str, Any], *, scope: str, target_value: float, target_year: int, reference_date: Any, lang: Lang
) -> Headline:
    """The headline of one scope: `figures` holds coverage, target (at the reference date), gap, gap_trajectory."""
    gap = float(figures["gap"])
    behind = float(figures["gap_trajectory"])
    return Headline(
        target=t("headline.target", lang, year=target_year, value=whole_percent(target_value, lang)),
        coverage=f"{scope} {percent(figures['coverage'], lang)}",
        gap=t("headline.reached", lang)
        if gap <= TOLERANCE
        else t("headline.gap", lang, gap=percentage_points(gap, lang)),
        trajectory=t(
            "headline.trajectory",
            lang,
            date=long_date(reference_date, lang),
            value=percent(figures["target"], lang),
        )
        + " · "
        + (
            t("headline.on_track", lang)
            if behind <= TOLERANCE
            else t("headline.behind", lang, gap=percentage_points(behind, lang))
        ),
    )


def national_headline(report: Any) -> Headline:
    """The national headline of a `RoundReport`."""
    national = report.national
    return headline(
        national,
        scope=t("headline.national", report.lang),
        target_value=report.target.value,
        target_year=report.target.end.year,
        reference_date=report.round["reference_date"],
        lang=report.lang,
    )


def region_headline(report: Any, region: Mapping[str, Any]) -> Headline:
    """One region's headline (`region`: its row of `RoundReport.regions`)."""
    return headline(
        region,
        scope=str(region["region_name"]),
        target_value=report.target.value,
        target_year=report.target.end.year,
        reference_date=report.round["reference_date"],
        lang=report.lang,
    )


def headline_block(item: Headline, lang: Lang) -> html.Section:
    """The headline as the first thing on a page: the line large, the trajectory sentence under it."""
    return html.Section(
        [
            html.H2(t("headline.label", lang), className="visually-hidden"),
            html.P(item.line, className="headline-line", id="headline"),
            html.P(item.trajectory, className="headline-trajectory", id="headline-trajectory"),
        ],
        className="headline",
        **{"aria-label": t("headline.label", lang)},
    )


# --- the steering summary (the PDF's first page) ----------------------------------------------------------------

SUMMARY_REGIONS_PER_GROUP = 3  # regions named per group under "largest gaps"
SUMMARY_WEAKEST_POINTS = 5
SUMMARY_MISSING_REGIONS = 5


@dataclass(frozen=True)
class SteeringSummary:
    """The first page in plain words: headline, regions on track, largest gaps per group, weakest points and who
    has not returned. `gaps` holds (group name, sentence) pairs."""

    headline: Headline
    on_track: str
    gaps_intro: str
    gaps: list[tuple[str, str]]
    weakest: str
    completeness: str
    missing: list[str]


def _gap_items(rows: Any, lang: Lang) -> str:
    """The regions furthest behind the trajectory in one group; regions with no return are listed apart."""
    behind = rows[(rows["gap_trajectory"] > TOLERANCE) & (rows["n_returns"] > 0)]
    behind = behind.sort_values(["gap_trajectory", "region_name"], ascending=[False, True])
    if behind.empty:
        return t("summary.gap_none", lang)
    return "; ".join(
        t(
            "summary.gap_item",
            lang,
            name=row["region_name"],
            coverage=percent(row["coverage"], lang),
            gap=percentage_points(row["gap_trajectory"], lang),
        )
        for _, row in behind.head(SUMMARY_REGIONS_PER_GROUP).iterrows()
    )


def steering_summary(
    report: Any, region_code: str | None = None, without_return: Sequence[str] = ()
) -> SteeringSummary:
    """The summary of a `RoundReport`, nationally or (with `region_code`) for one region and its `without_return`."""
    lang: Lang = report.lang
    regions = report.regions
    names = dict(zip(regions["region_code"], regions["region_name"], strict=True))
    groups = report.groups[report.groups["scope"] == "region"].assign(region_name=lambda f: f["region_code"].map(names))
    if region_code is not None:
        region = regions[regions["region_code"] == region_code].iloc[0]
        item = region_headline(report, region)
        on_track = (
            t("summary.region_on_track", lang)
            if bool(region["on_track"])
            else t("summary.region_behind", lang, gap=percentage_points(region["gap_trajectory"], lang))
        )
        groups = groups[groups["region_code"] == region_code]
        scope = region
    else:
        item = national_headline(report)
        winners = regions[regions["on_track"]].sort_values("region_name")
        on_track = (
            t("summary.on_track", lang, count=len(winners), total=len(regions), names=", ".join(winners["region_name"]))
            if len(winners)
            else t("summary.on_track.none", lang, total=len(regions))
        )
        scope = report.national
    gaps = [(str(name), _gap_items(rows, lang)) for name, rows in groups.groupby("name", sort=False)]
    weakest = "; ".join(
        f"{int(row['point_number'])}. {row['title']} ({percent(row['share'], lang)})"
        for _, row in report.weakest_points.head(SUMMARY_WEAKEST_POINTS).iterrows()
    )
    returns, expected = int(scope["n_returns"]), int(scope["n_expected"])
    completeness = t(
        "summary.non_responders",
        lang,
        returns=returns,
        expected=expected,
        share=percent(scope["completeness"], lang),
        missing=expected - returns,
    )
    missing: list[str] = []
    if returns == expected:
        missing.append(t("summary.all_returned", lang))
    elif region_code is not None:
        missing.append(t("summary.missing_municipalities", lang, names=", ".join(without_return)))
    else:
        short = regions.assign(missing=regions["n_expected"] - regions["n_returns"])
        short = short[short["missing"] > 0].sort_values(["missing", "region_name"], ascending=[False, True])
        silent = short[short["n_returns"] == 0]
        if len(silent):
            missing.append(t("summary.silent_regions", lang, names=", ".join(silent["region_name"])))
        items = [
            t(
                "summary.missing_item",
                lang,
                name=row["region_name"],
                missing=int(row["missing"]),
                expected=int(row["n_expected"]),
            )
            for _, row in short.head(SUMMARY_MISSING_REGIONS).iterrows()
        ]
        missing.append(t("summary.non_responders.regions", lang, items="; ".join(items)))
    return SteeringSummary(
        headline=item,
        on_track=on_track,
        gaps_intro=t("summary.gaps", lang, target=percent(report.national["target"], lang)),
        gaps=gaps,
        weakest=t("summary.weakest", lang, items=weakest),
        completeness=completeness,
        missing=missing,
    )
