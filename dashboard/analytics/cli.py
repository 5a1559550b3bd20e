"""`raak report`: a round's coverage, completeness, on-track flags and projections, as text or as one JSON document.

The numbers come from `dashboard.analytics.report.round_report`, the same function the dashboard pages use.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from dashboard.i18n import Lang, percent, t
from etl.store.issues import UserError
from etl.store.weighting import WEIGHTINGS

if TYPE_CHECKING:  # the report module (pandas, the queries) loads only when `raak report` runs
    from dashboard.analytics.report import RoundReport


class _Labels:
    """The texts of `raak report` (`report.<key>` in the catalogue) in one language, read as `labels[key]`."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return t(f"report.{key}", self.lang)


REGION_COLUMN_WIDTH = 44


def _projection_text(status: str, reached_on: Any, labels: _Labels) -> str:
    return labels[status].format(date=reached_on.isoformat() if reached_on else "")


def summary(report: RoundReport) -> str:
    """A readable multi-line summary of a round report, in the report's language."""
    labels = _Labels(report.lang)
    lang = report.lang
    national = report.national
    projection = national["projection"]
    lines = [
        labels["heading"].format(round=report.round["label"], date=report.round["reference_date"]),
        labels["national"].format(
            coverage=percent(national["coverage"], lang),
            target=percent(national["target"], lang),
            state=labels["on" if national["on_track"] else "behind"],
            reporting=percent(national["coverage_reporting"], lang),
        ),
        labels["completeness"].format(
            returns=national["n_returns"],
            expected=national["n_expected"],
            share=percent(national["completeness"], lang),
        ),
        labels["weighting"].format(weighting=labels[report.weighting]),
        labels["regions_on_track"].format(on_track=national["regions_on_track"], total=national["n_regions"]),
        labels["projection"].format(text=_projection_text(projection.status, projection.reached_on, labels)),
        "",
        f"{labels['region']:<{REGION_COLUMN_WIDTH}} {labels['coverage']:>9} {labels['reporting']:>11} "
        f"{labels['returns']:>9} {labels['on_track']:>8}",
    ]
    for row in report.regions.sort_values("rank").itertuples():
        lines.append(
            f"{row.region_name[:REGION_COLUMN_WIDTH]:<{REGION_COLUMN_WIDTH}} {percent(row.coverage, lang):>9} "
            f"{percent(row.coverage_reporting, lang):>11} {f'{row.n_returns}/{row.n_expected}':>9} "
            f"{t('yes' if row.on_track else 'no', lang):>8}"
        )
    national_groups = report.groups[report.groups["scope"] == "national"]
    national_levels = report.levels[report.levels["scope"] == "national"]
    lines += [
        "",
        f"{labels['groups']}: "
        + " · ".join(f"{r.name} {percent(r.coverage, lang)}" for r in national_groups.itertuples()),
        f"{labels['levels']}: "
        + " · ".join(f"{r.level_code} {percent(r.coverage, lang)}" for r in national_levels.itertuples()),
        f"{labels['weakest']}: "
        + "; ".join(
            f"{r.point_number}. {r.title} ({percent(r.share, lang)})" for r in report.weakest_points.itertuples()
        ),
        labels["change"].format(previous=report.previous_round, **report.changes_national)
        if report.previous_round
        else labels["no_previous"],
    ]
    return "\n".join(lines)


@click.command("report")
@click.option("--round", "round_label", help="Round label, e.g. 2010 (default: the latest round).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (the numbers the dashboard shows).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True, help="Language of names.")
@click.option(
    "--weighting",
    type=click.Choice(WEIGHTINGS),
    help="Weigh municipalities this way instead of the round's own setting (`raak rounds weighting`).",
)
def report(round_label: str | None, as_json: bool, lang: str, weighting: str | None) -> None:
    """Coverage, completeness, on-track flags and projections of one round, nationally and per region."""
    from dashboard.analytics.report import round_labels, round_report
    from etl.store.db import get_engine

    engine = get_engine()
    if round_label is None:
        labels = round_labels(engine)
        if not labels:
            raise UserError("no rounds yet; add one with `raak rounds add 2008 --reference-date 2008-12-31`")
        round_label = labels[-1]
    result = round_report(engine, round_label, lang=lang, weighting=weighting)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(summary(result))
