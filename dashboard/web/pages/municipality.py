"""Gemeente / Municipality (`/gemeente/<code>`): every point with its status per round, and the comments."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.analytics.report import municipality_detail, municipality_region
from dashboard.figures import charts as figures
from dashboard.web import components as c
from dashboard.web.pages.view import Page, View


def allowed(view: View, code: str) -> bool:
    """Coordinators see the municipalities of their own regions only (an unknown code raises NotFoundError)."""
    if view.user.role != "coordinator":
        return True
    return view.user.sees_region(municipality_region(view.engine, code))


def _lineage(view: View, info: dict[str, Any]) -> list[Any]:
    """What a dissolved municipality became, or what a merged one was formed from (the municipal changes)."""
    successors, formed = info.get("successors") or [], info.get("predecessors") or []
    parts: list[Any] = []
    if successors:
        links: list[Any] = [view.t("municipality.became", date=successors[0]["date"])]
        for index, item in enumerate(successors):
            code = item["municipality_code"]
            links += [" / "] if index else []
            links.append(dcc.Link(f"{item['municipality_name']} ({code})", href=view.href(f"/gemeente/{code}")))
        parts.append(html.P(links, id="municipality-successor", className="page-meta"))
    if formed:
        last = max(item["date"] for item in formed)
        names = ", ".join(f"{i['municipality_name']} ({i['municipality_code']})" for i in formed if i["date"] == last)
        annexed = all("annexed" in i.get("change_type", "") for i in formed if i["date"] == last)
        key = "municipality.annexed" if annexed else "municipality.formed"
        parts.append(html.P(view.t(key, date=last, names=names), id="municipality-formed", className="page-meta"))
    return parts


def layout(view: View, code: str) -> list[Any]:
    """One municipality across all rounds; the chosen round is highlighted in the coverage cards."""
    detail = municipality_detail(view.engine, code, lang=view.lang)
    info, lang = detail.municipality, view.lang
    name, municipality_code = str(info["municipality_name"]), str(info["municipality_code"])
    region = (
        dcc.Link(
            view.t("municipality.region", region=info["region_name"]),
            href=view.href(f"/regio/{info['region_code']}"),
            id="municipality-region",
        )
        if info.get("region_code")
        else html.Span(view.t("municipality.no_region"))
    )
    cards = [
        c.kpi_card(
            f"round-{row['round_label']}",
            view.t("round", label=row["round_label"]).capitalize(),
            figures.percent(row["coverage"], lang) if row["has_return"] else view.t("no_return"),
            view.t("municipality.via", names=row["via"])
            if row.get("via")
            else view.t("kpi.points.note", implemented=int(row["n_implemented"]), applicable=int(row["n_applicable"]))
            if row["has_return"]
            else "",
            selected=row["round_label"] == view.round_label,
        )
        for _, row in detail.rounds.iterrows()
    ]
    body: list[Any] = [
        html.Div(
            [
                html.H1(view.t("municipality.title", name=name), id="page-title"),
                html.P([f"{municipality_code} · ", region], className="page-meta"),
                *_lineage(view, info),
            ],
            className="page-heading",
        ),
        html.H2(view.t("chart.municipality_coverage"), className="section-title"),
        html.Div(cards, className="kpi-row", id="municipality-rounds"),
    ]
    if detail.assessments.empty:
        return [*body, c.empty_state(view.t("empty.municipality"), element_id="empty-municipality")]
    history = figures.municipality_history_figure(
        detail.assessments, detail.status_scale, municipality_name=name, lang=lang
    )
    table = detail.assessments.sort_values(["point_number", "reference_date"])
    columns = [
        ("point_number", view.t("col.point")),
        ("title", view.t("col.title")),
        ("round_label", view.t("col.round")),
        ("status_label", view.t("col.status")),
        ("comment", view.t("col.comment")),
    ]
    return [
        *body,
        c.card("history", c.graph("history", history), detail.assessments, f"raak_{municipality_code}_statussen", lang),
        c.card(
            "assessments",
            c.data_grid("assessment-table", table, columns),
            table,
            f"raak_{municipality_code}_toelichtingen",
            lang,
            title=view.t("table.municipality_points"),
            meta=view.t("source"),
        ),
    ]


PAGE = Page(path="/gemeente/<code>", layout=layout, needs_round=False, allowed=allowed, cached=True)
