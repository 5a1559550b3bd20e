"""`raak report`: a round's coverage, completeness, on-track flags and projections, as text or as one JSON document.

The numbers come from `dashboard.analytics.report.round_report`, the same function the dashboard pages use.
"""

from __future__ import annotations

import json
from typing import Any

import click

from dashboard.analytics.report import RoundReport, round_labels, round_report
from dashboard.i18n import percent
from etl.store.issues import UserError
from etl.store.models import WEIGHTINGS

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "RAAK Monitor — round {round} (reference date {date})",
        "national": "National coverage {coverage} (target {target}: {state}); "
        "among reporting municipalities {reporting}",
        "completeness": "Completeness: {returns} of {expected} municipalities returned ({share})",
        "weighting": "Weighting: {weighting}",
        "regions_on_track": "Regions on track: {on_track} of {total}",
        "projection": "Projection: {text}",
        "region": "Region",
        "coverage": "Coverage",
        "reporting": "Reporting",
        "returns": "Returns",
        "on_track": "On track",
        "groups": "Per group",
        "levels": "Per level",
        "weakest": "Weakest points",
        "change": "Change since round {previous}: {improved} improved, {regressed} regressed, {unchanged} unchanged, "
        "{applicability_changed} n.v.t. changed ({n_compared} municipalities compared)",
        "no_previous": "Change: no earlier round",
        "yes": "yes",
        "no": "no",
        "on": "on track",
        "behind": "behind",
        "reached": "target reached on {date}",
        "projected": "target reached on {date} at the current pace",
        "not_at_current_pace": "not at current pace",
        "too_few_rounds": "too few rounds with completeness ≥ 50 %",
        "insufficient_data": "no projection: no returns in this round",
        "children_0_17": "children aged 0-17 (population: Bron: CBS)",
        "children_0_17_est": "children 0-17 (CBS estimate; population: Bron: CBS)",
        "inhabitants": "inhabitants (population: Bron: CBS)",
        "equal": "each municipality once",
    },
    "nl": {
        "heading": "RAAK Monitor — ronde {round} (peildatum {date})",
        "national": "Landelijke dekking {coverage} (doel {target}: {state}); onder aanleverende gemeenten {reporting}",
        "completeness": "Volledigheid: {returns} van {expected} gemeenten leverden aan ({share})",
        "weighting": "Weging: {weighting}",
        "regions_on_track": "Regio's op koers: {on_track} van {total}",
        "projection": "Prognose: {text}",
        "region": "Regio",
        "coverage": "Dekking",
        "reporting": "Aanleverend",
        "returns": "Aanlev.",
        "on_track": "Op koers",
        "groups": "Per onderdeel",
        "levels": "Per niveau",
        "weakest": "Zwakste punten",
        "change": "Verandering sinds ronde {previous}: {improved} verbeterd, {regressed} teruggevallen, "
        "{unchanged} gelijk, {applicability_changed} n.v.t. gewijzigd ({n_compared} gemeenten vergeleken)",
        "no_previous": "Verandering: geen eerdere ronde",
        "yes": "ja",
        "no": "nee",
        "on": "op koers",
        "behind": "achter",
        "reached": "doel bereikt op {date}",
        "projected": "doel bereikt op {date} bij het huidige tempo",
        "not_at_current_pace": "niet bij het huidige tempo",
        "too_few_rounds": "te weinig rondes met volledigheid ≥ 50 %",
        "insufficient_data": "geen prognose: geen aanleveringen in deze ronde",
        "children_0_17": "kinderen van 0-17 jaar (Bron: CBS)",
        "children_0_17_est": "kinderen 0-17 (schatting CBS; Bron: CBS)",
        "inhabitants": "inwoners (Bron: CBS)",
        "equal": "elke gemeente even zwaar",
    },
}
REGION_COLUMN_WIDTH = 44


def _projection_text(status: str, reached_on: Any, labels: dict[str, str]) -> str:
    return labels[status].format(date=reached_on.isoformat() if reached_on else "")


def summary(report: RoundReport) -> str:
    """A readable multi-line summary of a round report, in the report's language."""
    labels = LABELS[report.lang]
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
            f"{labels['yes' if row.on_track else 'no']:>8}"
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
