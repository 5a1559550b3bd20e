"""Landelijk / National (`/`): KPIs, trajectory, map, region ranking, coverage per group, weakest points."""

from __future__ import annotations

from typing import Any

import dash
import flask
from dash import dcc, html
from flask.typing import ResponseReturnValue

from dashboard.analytics.queries import NotFoundError, municipality_geojson, municipality_geojson_text
from dashboard.analytics.report import RoundReport, navigation, round_report
from dashboard.analytics.summary import headline_block, national_headline
from dashboard.figures import charts as figures
from dashboard.i18n import integer, long_date, normalize_language
from dashboard.web import components as c
from dashboard.web.auth import current_principal
from dashboard.web.pages.view import LANG_PARAM, ROUND_PARAM, Page, View, heading, projection_text

MAP_PARAM = "kaart"
MUNICIPALITY_MAP = "gemeenten"
SHAPES_ROUTE = "/kaart/gemeenten-<int:year>.geojson"
SHAPES_MAX_AGE_SECONDS = 7 * 24 * 60 * 60  # shapes of a division year never change between releases
TRAJECTORY_ROUTE = "/landelijk/traject.<fmt>"
ENGINE_EXTENSION = "raak_engine_national"


def kpis(view: View, report: RoundReport) -> html.Div:
    """National coverage, regions on track, completeness, time left to the target and the projection."""
    national, lang = report.national, view.lang
    days = int(national["days_to_target"])
    projection = national["projection"]
    return html.Div(
        [
            c.kpi_card(
                "coverage",
                view.t("kpi.coverage"),
                figures.percent(national["coverage"], lang),
                view.t(
                    "kpi.coverage.note",
                    reporting=figures.percent(national["coverage_reporting"], lang),
                    weighting=view.t(f"weighting.{national['weighting']}"),
                ),
            ),
            c.kpi_card(
                "on-track",
                view.t("kpi.on_track"),
                f"{national['regions_on_track']}/{national['n_regions']}",
                view.t("kpi.on_track.note", target=figures.percent(national["target"], lang)),
            ),
            c.kpi_card(
                "completeness",
                view.t("kpi.completeness"),
                figures.percent(national["completeness"], lang),
                view.t("kpi.completeness.note", returns=national["n_returns"], expected=national["n_expected"]),
            ),
            c.kpi_card(
                "time-left",
                view.t("kpi.time_left"),
                view.t("kpi.time_left.value", days=integer(days, lang))
                if days >= 0
                else view.t("kpi.time_left.passed"),
                view.t(
                    "kpi.time_left.note",
                    end=long_date(report.target.end, lang),
                    value=figures.percent(report.target.value, lang),
                ),
            ),
            c.kpi_card(
                "projection",
                view.t("kpi.projection"),
                projection_text(view, projection.status, projection.reached_on),
            ),
        ],
        className="kpi-row",
    )


def map_card(view: View, report: RoundReport) -> html.Section:
    """The choropleth of regions (or municipalities), with the level toggle as links so the URL keeps it."""
    by_municipality = view.params.get(MAP_PARAM) == MUNICIPALITY_MAP
    year = int(report.round["division_year"])
    shapes = municipality_geojson(year)
    kwargs = {"round_label": report.round["label"], "lang": view.lang, "geojson_url": shapes_url(year)}
    if by_municipality:
        figure = figures.municipality_map_figure(report.municipalities, shapes, **kwargs)
        chart = c.nav_graph("national-map", figure, "municipality", 1)
        data = report.municipalities
    else:
        figure = figures.region_map_figure(
            report.regions, report.municipalities, shapes, weighting=report.weighting, **kwargs
        )
        chart = c.nav_graph("national-map", figure, "region", 0)
        data = report.regions
    toggle = html.Div(
        [
            dcc.Link(
                view.t(f"map.toggle.{key}"),
                href=view.href(**{MAP_PARAM: value}),
                id=f"map-toggle-{key}",
                className="toggle active" if active else "toggle",
            )
            for key, value, active in (
                ("regions", None, not by_municipality),
                ("municipalities", MUNICIPALITY_MAP, by_municipality),
            )
        ],
        className="toggle-group",
    )
    level = "municipalities" if by_municipality else "regions"
    filename = f"raak_kaart_{level}_{report.round['label']}"
    return c.card("map", html.Div([toggle, chart]), data, filename, view.lang, hint=view.t("map.hint"))


def layout(view: View) -> list[Any]:
    """The national page for the chosen round."""
    report = round_report(view.engine, view.round, lang=view.lang)
    label = report.round["label"]
    kwargs = {"round_label": label, "lang": view.lang}
    body: list[Any] = [heading(view, report, "national.title")]
    if report.national["n_returns"] == 0:
        return [*body, c.empty_state(view.t_for_role("empty.no_returns", round=label), element_id="empty-round")]
    national_groups = report.groups[report.groups["scope"] == "national"]
    return [
        *body,
        headline_block(national_headline(report), view.lang),
        kpis(view, report),
        html.Div(
            [
                c.card(
                    "trajectory",
                    c.graph(
                        "trajectory", figures.trajectory_figure(report.trajectory, weighting=report.weighting, **kwargs)
                    ),
                    report.trajectory,
                    f"raak_traject_{label}",
                    view.lang,
                    files=(view.href(trajectory_url("csv")), view.href(trajectory_url("xlsx"))),  # grows per round
                ),
                map_card(view, report),
            ],
            className="grid-2",
        ),
        html.Div(
            [
                c.card(
                    "ranking",
                    c.nav_graph(
                        "ranking",
                        figures.region_ranking_figure(
                            report.regions, target_value=report.national["target"], weighting=report.weighting, **kwargs
                        ),
                        "region",
                        0,
                    ),
                    report.regions,
                    f"raak_regios_{label}",
                    view.lang,
                ),
                html.Div(
                    [
                        c.card(
                            "groups",
                            c.graph(
                                "groups",
                                figures.group_coverage_figure(
                                    national_groups,
                                    weighting=report.weighting,
                                    target_value=report.national["target"],
                                    **kwargs,
                                ),
                            ),
                            national_groups,
                            f"raak_onderdelen_{label}",
                            view.lang,
                        ),
                        c.card(
                            "weakest",
                            c.nav_graph(
                                "weakest", figures.weakest_points_figure(report.weakest_points, **kwargs), "point", 0
                            ),
                            report.weakest_points,
                            f"raak_zwakste_punten_{label}",
                            view.lang,
                        ),
                    ],
                    className="stack",
                ),
            ],
            className="grid-2",
        ),
    ]


def shapes_url(year: int) -> str:
    """Where the browser fetches a division year's municipality shapes: once, then from its cache."""
    return SHAPES_ROUTE.replace("<int:year>", str(year))


def send_shapes(year: int) -> ResponseReturnValue:
    """The shapes as GeoJSON, cacheable by the browser (revalidated by ETag), so map responses carry no geometry."""
    text = municipality_geojson_text(year)
    if text is None:
        flask.abort(404)
    response = flask.Response(text, mimetype="application/geo+json")
    response.cache_control.private = True
    response.cache_control.max_age = SHAPES_MAX_AGE_SECONDS
    response.add_etag()
    return response.make_conditional(flask.request)


def trajectory_url(fmt: str) -> str:
    """Where the national trajectory of the round in the link's `ronde` downloads as `fmt` (csv or xlsx)."""
    return TRAJECTORY_ROUTE.replace("<fmt>", fmt)


def send_trajectory(fmt: str) -> ResponseReturnValue:
    """The trajectory chart's table (every round up to the one asked for) as a file, in the link's language; 404
    for an unknown round or format. Every role may see the national page, so every logged-in user may have it."""
    if current_principal() is None:
        flask.abort(403)
    engine = flask.current_app.extensions[ENGINE_EXTENSION]
    lang = normalize_language(flask.request.args.get(LANG_PARAM))
    label = flask.request.args.get(ROUND_PARAM) or navigation(engine).default_round or ""
    try:
        report = round_report(engine, label, lang=lang)
    except NotFoundError:
        flask.abort(404)
    return c.table_file(report.trajectory, fmt, lang, f"raak_traject_{report.round['label']}")


def register_callbacks(app: dash.Dash, engine: Any) -> None:
    """The shapes route the map traces name, and the trajectory's download route."""
    app.server.extensions[ENGINE_EXTENSION] = engine
    app.server.add_url_rule(SHAPES_ROUTE, "municipality_shapes", send_shapes)
    app.server.add_url_rule(TRAJECTORY_ROUTE, "national_trajectory", send_trajectory)


PAGE = Page(path="/", layout=layout, nav_label="nav.national", order=20, callbacks=register_callbacks, cached=True)
