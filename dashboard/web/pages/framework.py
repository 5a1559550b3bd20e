"""RAAK-punten / Framework (`/punten`): the 35 points by level with their national status distribution; `?punt=N`
opens a point's full text and the regions where it lags."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.analytics.metrics import NO_LEVEL
from dashboard.analytics.report import point_detail, round_report
from dashboard.figures import charts as figures
from dashboard.web import components as c
from dashboard.web.pages.view import FRAMEWORK_PARAM, POINT_PARAM, Page, View, heading


def point_list(view: View, report: Any) -> html.Div:
    """The points grouped by level (general principles first), each with its national share and a link."""
    levels = report.levels[report.levels["scope"] == "national"][["level_code", "name"]]
    sections = [(NO_LEVEL, view.t("level.general")), *zip(levels["level_code"], levels["name"], strict=True)]
    several = report.points["framework_version"].nunique() > 1  # then a link names the version of its point
    blocks = []
    for code, name in sections:
        points = report.points[report.points["level_code"] == code]
        if points.empty:
            continue
        items = [
            html.Li(
                [
                    dcc.Link(
                        f"{row.point_number}. {row.title}" + (f" ({row.framework_version})" if several else ""),
                        href=view.href(
                            **{POINT_PARAM: str(row.point_number)},
                            **({FRAMEWORK_PARAM: row.framework_version} if several else {}),
                        ),
                        id=f"point-link-{row.point_number}" + (f"-{row.framework_version}" if several else ""),
                    ),
                    html.Span(figures.percent(row.share, view.lang), className="point-share"),
                ]
            )
            for row in points.itertuples()
        ]
        heading_text = f"{code} · {name}" if code else name
        blocks.append(html.Div([html.H3(heading_text), html.Ul(items, className="point-list")], className="level"))
    return html.Div(blocks, className="levels")


def lags_text(view: View, lags: bool, n_returns: int, n_applicable: int) -> str:
    """Whether a region lags on a point: yes/no, or why it cannot be said (no return, or n.v.t. everywhere)."""
    if n_returns == 0:
        return view.t("no_return")
    if n_applicable == 0:
        return view.t("not_applicable")
    return view.t("yes" if lags else "no")


def point_panel(view: View, number: str) -> html.Section:
    """One point: full text, national share and the regions where it lags (lowest first; for a coordinator, their
    own regions)."""
    try:
        point_number = int(number)
    except ValueError:
        point_number = -1  # point_detail then says which points exist
    detail = point_detail(
        view.engine,
        view.round,
        point_number,
        framework_version=view.params.get(FRAMEWORK_PARAM) or None,
        lang=view.lang,
    )
    point, label = detail.point, detail.round_label
    visible = view.in_scope(detail.regions)
    returned = round_report(view.engine, view.round, lang=view.lang).regions.set_index("region_code")
    regions = visible.assign(
        share_percent=(visible["share"] * 100).round(1),
        lags_text=[
            lags_text(view, flag, int(returned["n_returns"].get(code, 0)), int(applicable))
            for flag, code, applicable in zip(
                visible["lags"], visible["region_code"], visible["n_applicable"], strict=True
            )
        ],
    )
    columns = [
        ("region_name", view.t("col.region")),
        ("share_percent", view.t("col.share") + " (%)"),
        ("n_implemented", view.t("col.implemented")),
        ("n_applicable", view.t("col.applicable")),
        ("lags_text", view.t("col.lags")),
    ]
    body = html.Div(
        [
            html.P(
                view.t("points.share", share=figures.percent(detail.national_share, view.lang)),
                className="point-national",
                id="point-national-share",
            ),
            html.H3(view.t("points.text")),
            html.Blockquote(point["text_nl"], className="point-text", id="point-text"),
            html.H3(view.t("chart.lagging", number=point["point_number"])),
            c.data_grid("lagging-table", regions, columns, lang=view.lang),
        ]
    )
    return c.card(
        "point",
        body,
        visible,
        f"raak_punt_{point['point_number']}_{label}",
        view.lang,
        title=view.t("points.detail", number=point["point_number"], title=point["title"]),
        meta=f"{view.t('round', label=label)} · {view.t('source')}",
    )


def layout(view: View) -> list[Any]:
    """The framework page for the chosen round."""
    report = round_report(view.engine, view.round, lang=view.lang)
    label = report.round["label"]
    body: list[Any] = [heading(view, report, "points.title")]
    selected = view.params.get(POINT_PARAM)
    if selected:
        body.append(point_panel(view, selected))
    if report.national["n_returns"] == 0:
        body.append(c.empty_state(view.t_for_role("empty.no_returns", round=label), element_id="empty-round"))
    distribution = figures.point_distribution_figure(
        report.point_status, report.points, round_label=label, lang=view.lang
    )
    body.append(
        html.Div(
            [
                html.Div(point_list(view, report), className="card"),
                c.card(
                    "distribution",
                    c.nav_graph("distribution", distribution, "point", 0),
                    report.point_status,
                    f"raak_statusverdeling_{label}",
                    view.lang,
                    hint=view.t("points.hint"),
                ),
            ],
            className="grid-points",
        )
    )
    return body


PAGE = Page(path="/punten", layout=layout, nav_label="nav.points", order=30, cached=True)
