"""Mijn regio / My region (`/mijn-regio`, coordinators): where a coordinator lands after logging in.

Which municipalities of their regions have returned, which are late or still missing (with the deadline), what
the last upload changed, and the template and upload buttons. The numbers come from
`dashboard.analytics.report.my_region`; the template is served by `TEMPLATE_ROUTE` for the coordinator's own regions
only.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import dash
import flask
import pandas as pd
from dash import dcc, html

from dashboard.analytics.report import LATE, MISSING, RETURNED, latest_open_round, my_region, round_report
from dashboard.analytics.summary import headline_block, region_headline
from dashboard.i18n import long_date
from dashboard.web import components as c
from dashboard.web.auth import current_principal
from dashboard.web.pages.view import ROUND_PARAM, Page, View
from etl.store.issues import UserError
from etl.templates.template import XLSX_MIME, template_workbook

TEMPLATE_ROUTE = "/mijn-regio/sjabloon/<region>/<round_label>"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M"


def today() -> Any:
    """Today's date in UTC (deadlines are dates)."""
    return datetime.now(UTC).date()


def chosen_round(view: View) -> str:
    """The round asked for in the URL, else the latest open round, else the view's default round."""
    if ROUND_PARAM in view.params:
        return str(view.round_label)
    return latest_open_round(view.engine) or str(view.round_label)


def _timestamp(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime(TIMESTAMP_FORMAT) + " UTC"


def state_text(view: View, state: str, deadline: Any) -> str:
    """A municipality's state in words, with the deadline for late or missing ones (never colour alone)."""
    date = long_date(deadline, view.lang) if deadline else view.t("my_region.no_deadline")
    return view.t(f"my_region.state.{state}", date=date)


def last_upload_text(view: View, frame: pd.DataFrame) -> list[Any]:
    """The newest upload among the municipalities: when, which file, by whom, and what it changed."""
    sent = frame[frame["uploaded_at"].notna()]
    if sent.empty:
        return [html.P(view.t("my_region.no_uploads"), id="my-region-last-upload")]
    newest = sent[sent["uploaded_at"] == sent["uploaded_at"].max()]
    first = newest.iloc[0]
    changed = newest["n_changed"].dropna()
    change = (
        view.t("my_region.changed", changed=int(changed.sum())) if len(changed) else view.t("my_region.first_version")
    )
    line = view.t(
        "my_region.last_upload",
        date=_timestamp(first["uploaded_at"]),
        file=first["filename"],
        uploader=first["uploader"] or "–",
        municipalities=len(newest),
    )
    return [html.P(f"{line} · {change}", id="my-region-last-upload")]


def layout(view: View) -> list[Any]:
    """The coordinator's regions in the chosen (by default the latest open) round."""
    label = chosen_round(view)
    home = my_region(view.engine, label, view.user.regions, today=today(), lang=view.lang)
    info, frame = home.round, home.municipalities
    deadline = info["deadline"]
    deadline_text = long_date(deadline, view.lang) if deadline else view.t("my_region.no_deadline")
    names = ", ".join(
        f"{name} ({code})" for code, name in zip(home.regions["region_code"], home.regions["region_name"], strict=True)
    )
    state = view.t("round.open" if info["is_open"] else "round.closed")
    heading = html.Div(
        [
            html.H1(f"{view.t('my_region.title')} — {view.t('round', label=label)}", id="page-title"),
            html.P(
                " · ".join(
                    [view.t("my_region.regions", regions=names), view.t("col.deadline", date=deadline_text), state]
                ),
                className="page-meta",
            ),
        ],
        className="page-heading",
    )
    report = round_report(view.engine, label, lang=view.lang)
    headlines = [headline_block(region_headline(report, row), view.lang) for _, row in home.regions.iterrows()]
    kpis = html.Div(
        [
            c.kpi_card(
                "returned",
                view.t("my_region.returned"),
                f"{home.counts[RETURNED]}/{len(frame)}",
                view.t("my_region.returned.note", returned=home.counts[RETURNED], expected=len(frame)),
            ),
            c.kpi_card(
                "late",
                view.t("my_region.late"),
                str(home.counts[LATE]),
                view.t("my_region.late.note", date=deadline_text),
            ),
            c.kpi_card(
                "missing",
                view.t("my_region.missing"),
                str(home.counts[MISSING]),
                view.t("my_region.missing.note", date=deadline_text),
            ),
        ],
        className="kpi-row",
    )
    actions = html.Div(
        [
            *[
                html.A(
                    view.t("my_region.template", region=name),
                    href=TEMPLATE_ROUTE.replace("<region>", code).replace("<round_label>", label),
                    className="button",
                    id=f"my-region-template-{code}",
                    download="",
                )
                for code, name in zip(home.regions["region_code"], home.regions["region_name"], strict=True)
            ],
            dcc.Link(view.t("my_region.upload"), href=view.href("/upload"), className="button", id="my-region-upload"),
        ],
        className="my-region-actions",
    )
    table = frame.assign(
        state_text=[state_text(view, s, deadline) for s in frame["state"]],
        received_at=[_timestamp(v) for v in frame["uploaded_at"]],
        coverage_percent=(frame["coverage"] * 100).round(1),
    )
    columns = [
        ("municipality_name", view.t("col.municipality")),
        ("state_text", view.t("col.state")),
        ("received_at", view.t("col.received_at")),
        ("uploader", view.t("col.uploader")),
        ("filename", view.t("col.file")),
        ("n_versions", view.t("col.versions")),
        ("n_changed", view.t("col.changed_since_upload")),
        ("improved", view.t("col.improved")),
        ("regressed", view.t("col.regressed")),
        ("coverage_percent", view.t("col.coverage") + " (%)"),
    ]
    grid = c.data_grid("my-region-grid", table, columns)
    download = frame.drop(columns=["uploaded_at"]).assign(received_at=table["received_at"])
    card = c.card(
        "my-region",
        grid,
        download,
        f"raak_mijn_regio_{label}",
        view.lang,
        title=view.t("my_region.table"),
        meta=f"{view.t('round', label=label)} · {view.t('source')}",
    )
    return [heading, *headlines, kpis, actions, *last_upload_text(view, frame), card]


def send_template(region: str, round_label: str) -> flask.Response:
    """The empty template of one of the user's own regions (403 for anyone else, 404 for an unknown round)."""
    user = current_principal()
    if user is None or not user.has_role(*PAGE.roles, "nji") or not user.sees_region(region):
        flask.abort(403)
    engine = flask.current_app.extensions["raak_engine_my_region"]
    try:
        content, filename = template_workbook(engine, region, round_label, prefill=False)
    except UserError:
        flask.abort(404)
    return flask.send_file(io.BytesIO(content), mimetype=XLSX_MIME, as_attachment=True, download_name=filename)


def register_callbacks(app: dash.Dash, engine: Any) -> None:
    """The template download route."""
    app.server.extensions["raak_engine_my_region"] = engine
    app.server.add_url_rule(TEMPLATE_ROUTE, "my_region_template", send_template)


PAGE = Page(
    path="/mijn-regio",
    layout=layout,
    nav_label="nav.my_region",  # coordinators only: their home after log-in
    order=10,
    roles=("coordinator",),
    callbacks=register_callbacks,
)
