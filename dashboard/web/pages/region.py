"""Regio / Region (`/regio/<code>`): KPIs beside national, status heatmap, continuum profile, change, table."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.analytics.report import region_detail, round_report
from dashboard.analytics.summary import headline_block, rank_text, region_headline
from dashboard.figures import charts as figures
from dashboard.web import components as c
from dashboard.web.pages.view import Page, View, heading, projection_text


def allowed(view: View, code: str) -> bool:
    """Coordinators see the detail of their own regions only."""
    return view.user.sees_region(code)


def row_codes(figure: go.Figure, municipalities: Any) -> dict[str, str]:
    """Heatmap row label → municipality code (a row is the name, plus a note when there is no return)."""
    names = sorted(
        zip(municipalities["municipality_name"], municipalities["municipality_code"], strict=True),
        key=lambda pair: -len(pair[0]),  # longest first: "Bergen (NH)" before "Bergen"
    )
    labels = [label for trace in figure.data if trace.type == "heatmap" for label in trace.y]
    found = {
        label: next((code for name, code in names if label == name or label.startswith(f"{name} (")), None)
        for label in labels
    }
    return {label: code for label, code in found.items() if code}


def region_selector(view: View, regions: Any, selected: str) -> html.Div:
    """A dropdown of every region the user may open; choosing one opens its page in the same round."""
    regions = view.in_scope(regions)
    return html.Div(
        [
            html.Label(view.t("region.select"), className="control-label"),
            dcc.Dropdown(
                id={"type": c.NAV_SELECT, "target": "region"},
                options=[
                    {"label": name, "value": code}
                    for code, name in zip(regions["region_code"], regions["region_name"], strict=True)
                ],
                value=selected,
                clearable=False,
                className="region-select",
            ),
        ],
        className="control",
    )


def no_returns_text(view: View, code: str, label: str) -> str:
    """Why the region page is empty, and what to do: the CLI command for NJi, the upload page for a coordinator,
    a plain sentence for steering."""
    return view.t_for_role("empty.region_no_returns", round=label, region=code)


def layout(view: View, code: str) -> list[Any]:
    """One region in the chosen round."""
    code = code.strip().upper()
    report = round_report(view.engine, view.round, lang=view.lang)
    detail = region_detail(view.engine, view.round, code, lang=view.lang)
    region, national, lang, label = detail.region, report.national, view.lang, report.round["label"]
    kwargs = {"round_label": label, "lang": lang}
    projection = projection_text(view, region["projection_status"], region["projected_date"])
    returned = int(region["n_returns"]) > 0  # without a return there is no coverage to show: its own state
    coverage = figures.percent(region["coverage"], lang) if returned else view.t("no_return")
    on_track = view.t("yes" if region["on_track"] else "no") if returned else view.t("no_return")
    body: list[Any] = [
        heading(view, report, "region.title", name=region["region_name"]),
        region_selector(view, report.regions, code),
        headline_block(region_headline(report, region), lang),
        html.Div(
            [
                c.kpi_card(
                    "coverage",
                    view.t("kpi.region_coverage"),
                    coverage,
                    view.t("kpi.vs_national", value=figures.percent(national["coverage"], lang)),
                ),
                c.kpi_card(
                    "completeness",
                    view.t("kpi.region_completeness"),
                    figures.percent(region["completeness"], lang),
                    view.t(
                        "kpi.completeness.note", returns=int(region["n_returns"]), expected=int(region["n_expected"])
                    ),
                ),
                c.kpi_card(
                    "on-track",
                    view.t("kpi.region_on_track"),
                    on_track,
                    view.t("kpi.on_track.note", target=figures.percent(region["target"], lang)),
                ),
                c.kpi_card(
                    "rank",
                    view.t("kpi.projection"),
                    projection,
                    rank_text(region["rank"], list(report.regions["rank"]), lang),
                ),
            ],
            className="kpi-row",
        ),
    ]
    if int(region["n_returns"]) == 0:
        body.append(c.empty_state(no_returns_text(view, code, label), element_id="empty-region"))
    else:
        heatmap = figures.region_heatmap_figure(
            detail.cells, detail.municipalities, detail.status_scale, region_name=region["region_name"], **kwargs
        )
        body += [
            c.card(
                "heatmap",
                c.nav_graph_by_label("heatmap", heatmap, "municipality", row_codes(heatmap, detail.municipalities)),
                detail.cells,
                f"raak_{code}_statussen_{label}",
                lang,
                hint=view.t("heatmap.hint"),
            ),
            html.Div(
                [
                    c.card(
                        "levels",
                        c.graph(
                            "levels",
                            figures.level_profile_figure(
                                detail.levels,
                                weighting=report.weighting,
                                target_value=region["target"],
                                region_code=code,
                                region_name=region["region_name"],
                                **kwargs,
                            ),
                        ),
                        detail.levels,
                        f"raak_{code}_niveaus_{label}",
                        lang,
                    ),
                    c.card(
                        "groups",
                        c.graph(
                            "groups",
                            figures.group_coverage_figure(
                                detail.groups,
                                weighting=report.weighting,
                                target_value=region["target"],
                                region_code=code,
                                region_name=region["region_name"],
                                **kwargs,
                            ),
                        ),
                        detail.groups,
                        f"raak_{code}_onderdelen_{label}",
                        lang,
                    ),
                ],
                className="grid-2",
            ),
            c.card(
                "change",
                c.graph(
                    "change",
                    figures.change_figure(
                        detail.changes, label_column="municipality_name", previous_round=report.previous_round, **kwargs
                    ),
                ),
                detail.changes,
                f"raak_{code}_verandering_{label}",
                lang,
            ),
        ]
    body.append(municipality_table(view, detail.municipalities, code, label))
    return body


def municipality_table(view: View, municipalities: Any, code: str, label: str) -> html.Section:
    """The region's municipalities, sortable, each linking to its own page."""
    frame = municipalities.assign(
        coverage_percent=(municipalities["coverage"] * 100).round(1),
        has_return_text=[view.t("yes" if flag else "no") for flag in municipalities["has_return"]],
    )
    columns = [
        ("municipality_name", view.t("col.municipality")),
        ("municipality_code", view.t("col.code")),
        ("has_return_text", view.t("col.has_return")),
        ("coverage_percent", view.t("col.coverage") + " (%)"),
        ("n_implemented", view.t("col.implemented")),
        ("n_applicable", view.t("col.applicable")),
        ("n_not_applicable", view.t("col.not_applicable")),
    ]
    links = {"municipality_code": view.href("/gemeente/{}")}
    grid = c.data_grid("municipality-table", frame, columns, links=links, lang=view.lang)
    return c.card(
        "municipalities",
        grid,
        municipalities,
        f"raak_{code}_gemeenten_{label}",
        view.lang,
        title=view.t("table.municipalities"),
        meta=f"{view.t('round', label=label)} · {view.t('source')}",
    )


PAGE = Page(path="/regio/<code>", layout=layout, allowed=allowed, cached=True)
