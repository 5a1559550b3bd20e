"""Gemeente / Municipality (`/gemeente/<code>`): every point with its status per round, and the comments."""

from __future__ import annotations

from typing import Any

import dash
import flask
import pandas as pd
from dash import dcc, html

from dashboard.analytics import Engine
from dashboard.analytics.queries import NotFoundError
from dashboard.analytics.report import municipality_detail, municipality_region
from dashboard.figures import charts as figures
from dashboard.i18n import normalize_language
from dashboard.web import components as c
from dashboard.web.auth import Principal, current_principal
from dashboard.web.pages.view import LANG_PARAM, Page, View

ROUNDS_SHOWN = 8  # rounds drawn on the page (the chosen one and those before it); the rest is a download
HISTORY_ROUTE = "/gemeente/<code>/geschiedenis.<fmt>"
ENGINE_EXTENSION = "raak_engine_municipality"


def may_see(user: Principal, engine: Engine, code: str) -> bool:
    """Coordinators see the municipalities of their own regions only (an unknown code raises NotFoundError)."""
    return user.role != "coordinator" or user.sees_region(municipality_region(engine, code))


def allowed(view: View, code: str) -> bool:
    """The page's check: `may_see` for the viewer."""
    return may_see(view.user, view.engine, code)


def shown_rounds(labels: list[str], chosen: str | None, limit: int = ROUNDS_SHOWN) -> list[str]:
    """The rounds the page draws: at most `limit`, ending at the chosen round (or the first `limit` when it is
    earlier, the newest when it is not one of them), so the page stays small however many rounds there are."""
    end = labels.index(chosen) + 1 if chosen in labels else len(labels)
    end = min(len(labels), max(end, limit))
    return labels[max(0, end - limit) : end]


def history_table(assessments: pd.DataFrame) -> pd.DataFrame:
    """Every status and comment, per point and then by date: the table on the page and the whole-history file."""
    return assessments.sort_values(["point_number", "reference_date"])


def _rounds_note(view: View, shown: list[str], total: int) -> list[Any]:
    """When rounds are left out: which are shown (the downloads hold them all)."""
    if len(shown) == total:
        return []
    note = view.t("municipality.rounds_shown", shown=len(shown), total=total, first=shown[0], last=shown[-1])
    return [html.P(note, id="municipality-rounds-shown", className="page-meta")]


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
    shown = shown_rounds(list(detail.rounds["round_label"]), view.round_label)
    rounds = detail.rounds[detail.rounds["round_label"].isin(shown)]
    assessments = detail.assessments[detail.assessments["round_label"].isin(shown)]
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
        for _, row in rounds.iterrows()
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
        *_rounds_note(view, shown, len(detail.rounds)),
    ]
    if assessments.empty:
        return [*body, c.empty_state(view.t("empty.municipality"), element_id="empty-municipality")]
    history = figures.municipality_history_figure(assessments, detail.status_scale, municipality_name=name, lang=lang)
    table = history_table(assessments)
    columns = [
        ("point_number", view.t("col.point")),
        ("title", view.t("col.title")),
        ("round_label", view.t("col.round")),
        ("status_label", view.t("col.status")),
        ("comment", view.t("col.comment")),
    ]
    files = (view.href(history_url(municipality_code, "csv")), view.href(history_url(municipality_code, "xlsx")))
    return [
        *body,
        c.card("history", c.graph("history", history), assessments, "", lang, files=files),
        c.card(
            "assessments",
            c.data_grid("assessment-table", table, columns),
            table,
            "",
            lang,
            title=view.t("table.municipality_points"),
            meta=view.t("source"),
            files=files,
        ),
    ]


def history_url(code: str, fmt: str) -> str:
    """Where the whole history of a municipality downloads as `fmt` (csv or xlsx)."""
    return HISTORY_ROUTE.replace("<code>", code).replace("<fmt>", fmt)


def send_history(code: str, fmt: str) -> flask.Response:
    """Every round's statuses and comments of one municipality as a file: to anyone who may open its page (403
    otherwise, 404 for an unknown municipality or format), in the language the link asks for."""
    user = current_principal()
    if user is None:
        flask.abort(403)
    engine = flask.current_app.extensions[ENGINE_EXTENSION]
    lang = normalize_language(flask.request.args.get(LANG_PARAM))
    try:
        if not may_see(user, engine, code):
            flask.abort(403)
        detail = municipality_detail(engine, code, lang=lang)
    except NotFoundError:
        flask.abort(404)
    filename = f"raak_{detail.municipality['municipality_code']}_geschiedenis"
    return c.table_file(history_table(detail.assessments), fmt, lang, filename)


def register_callbacks(app: dash.Dash, engine: Any) -> None:
    """The whole-history download route."""
    app.server.extensions[ENGINE_EXTENSION] = engine
    app.server.add_url_rule(HISTORY_ROUTE, "municipality_history", send_history)


PAGE = Page(
    path="/gemeente/<code>",
    layout=layout,
    needs_round=False,
    allowed=allowed,
    callbacks=register_callbacks,
    cached=True,
)
