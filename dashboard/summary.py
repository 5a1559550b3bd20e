"""The target and the gap in words: the headline "doel 2011: 100 % · landelijk 58,6 % · nog 41,4 procentpunt".

Pure functions of a `RoundReport` (or one region's row of it): every number comes from `dashboard.report`, which
takes it from `dashboard.metrics` (see docs/metrics.md, "Target and gap"); this module only words them, so the
pages and the PDF say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dash import html

from dashboard.figures import percent
from dashboard.i18n import Lang, long_date, percentage_points, t
from dashboard.metrics import TOLERANCE


def whole_percent(value: float, lang: Lang) -> str:
    """A target share as "100 %" when it is a whole percentage, else with one decimal like every other share."""
    hundredths = value * 100
    if abs(hundredths - round(hundredths)) < TOLERANCE:
        return f"{round(hundredths)} %" if lang == "nl" else f"{round(hundredths)}%"
    return percent(value, lang)


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
