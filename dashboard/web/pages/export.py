"""Export (`/export`): choose round, region, language and formats; the export runs in the background with a progress
bar, then its zip downloads — the same files `raak export` writes."""

from __future__ import annotations

from typing import Any

import dash
import flask
from dash import Input, Output, State, dcc, html

from dashboard.analytics import Engine
from dashboard.analytics.report import round_report
from dashboard.exports.content import ExportRequest
from dashboard.exports.formats import FORMATS, NAMES, parse_formats
from dashboard.i18n import LANGUAGES, Lang, normalize_language, t
from dashboard.web import jobs
from dashboard.web.auth import current_principal, require_role
from dashboard.web.failures import MalformedCallback
from dashboard.web.pages.view import Page, View
from etl.store.issues import UserError

POLL_MILLISECONDS = 1000
DOWNLOAD_ROUTE = "/export/download/<job_id>"
HIDDEN = {"display": "none"}


def layout(view: View) -> list[Any]:
    """The export form, the progress bar and (when done) the download link."""
    report = round_report(view.engine, view.round, lang=view.lang)
    regions = [
        {"label": f"{name} ({code})", "value": code}
        for code, name in zip(report.regions["region_code"], report.regions["region_name"], strict=True)
    ]
    form = html.Div(
        [
            _control(
                view.t("export.round"),
                "export-round",
                dcc.Dropdown(
                    id="export-round",
                    options=[{"label": label, "value": label} for label in view.rounds],
                    value=view.round_label,
                    clearable=False,
                ),
            ),
            _control(
                view.t("export.region"),
                "export-region",
                dcc.Dropdown(id="export-region", options=regions, placeholder=view.t("export.region.all")),
            ),
            _control(
                view.t("export.lang"),
                "export-lang",
                dcc.RadioItems(
                    id="export-lang",
                    options=[{"label": code.upper(), "value": code} for code in LANGUAGES],
                    value=view.lang,
                    inline=True,
                ),
            ),
            _control(
                view.t("export.formats"),
                "export-formats",
                dcc.Checklist(
                    id="export-formats",
                    options=[{"label": view.t(fmt.label), "value": fmt.name} for fmt in FORMATS],
                    value=list(NAMES),
                    inline=True,
                ),
            ),
            html.Button(view.t("export.start"), id="export-start", className="button"),
        ],
        className="stack",
    )
    progress = html.Div(
        [
            html.Progress(id="export-progress", value="0", max="1", style=HIDDEN),
            html.P("", id="export-status", role="status", **{"aria-live": "polite"}),
            html.A("", id="export-download", href="", style=HIDDEN),
        ]
    )
    return [
        html.Div([html.H1(view.t("export.title"), id="page-title")], className="page-heading"),
        html.Section(
            [html.P(view.t("export.intro")), form, progress],
            className="card",
            id="card-export",
        ),
        dcc.Store(id="export-job"),
        dcc.Store(id="export-ui-lang", data=view.lang),
        dcc.Interval(id="export-interval", interval=POLL_MILLISECONDS, disabled=True),
    ]


def _control(label: str, target: str, control: Any) -> html.Div:
    return html.Div([html.Label(label, htmlFor=target, className="control-label"), control], className="control")


# --- callbacks (plain functions; registered in register_callbacks) ------------------------------------------


def start(
    engine: Engine, round_label: str | None, region: str | None, lang: str | None, formats: list[str] | None
) -> str:
    """Queue the export the form asks for; returns the job id (a UserError for an unusable choice)."""
    request = ExportRequest(
        round_label=str(round_label or ""),
        region_code=region or None,
        lang=normalize_language(lang),
        formats=parse_formats(formats or []),
    )
    return jobs.start_export(engine, request)


def show(job_id: str | None, ui_lang: Lang, href: str) -> tuple[dict[str, Any], str, dict[str, Any], bool]:
    """What the page shows of a job: progress bar props, status text, download link props, whether to stop polling.

    `href` is the download URL of the job (the app's route, with its path prefix).
    """
    status = jobs.job_status(job_id) if job_id else None
    hidden_link = {"href": "", "children": "", "style": HIDDEN}
    if status is None:
        return {"style": HIDDEN}, t("export.unknown_job", ui_lang) if job_id else "", hidden_link, True
    if status.state == jobs.FAILED:
        message = status.message_en if ui_lang == "en" else status.message_nl
        return {"style": HIDDEN}, t("export.failed", ui_lang, message=message), hidden_link, True
    bar = {"value": str(status.done), "max": str(max(status.total, 1)), "style": {"width": "100%"}}
    if status.state == jobs.DONE:
        link = {
            "href": href,
            "children": t("export.download", ui_lang, name=status.zip_name),
            "download": status.zip_name,
            "style": {},
        }
        return bar, t("export.done", ui_lang), link, True
    key = "export.queued" if status.state == jobs.QUEUED else f"export.step.{status.step}"
    return bar, t(key, ui_lang, done=status.done, total=status.total), hidden_link, False


def send_zip(job_id: str) -> flask.Response:
    """The finished zip of a job as a download, for the page's roles only (403); 404 unless `job_id` is the UUID of a
    finished job."""
    user = current_principal()
    if user is None or not user.has_role(*PAGE.roles):
        flask.abort(403)
    found = jobs.open_zip(job_id)
    if found is None:
        flask.abort(404)
    name, stream = found
    return flask.send_file(stream, mimetype="application/zip", as_attachment=True, download_name=name)


def register_callbacks(app: dash.Dash, engine: Engine) -> None:
    """The start button, the progress poll and the download route."""
    app.server.add_url_rule(DOWNLOAD_ROUTE, "export_download", send_zip)

    @app.callback(
        Output("export-job", "data"),
        Output("export-interval", "disabled"),
        Output("export-start", "disabled"),
        Output("export-status", "children", allow_duplicate=True),
        Output("export-download", "style", allow_duplicate=True),
        Input("export-start", "n_clicks"),
        State("export-round", "value"),
        State("export-region", "value"),
        State("export-lang", "value"),
        State("export-formats", "value"),
        State("export-ui-lang", "data"),
        prevent_initial_call=True,
    )
    def _start(_clicks: int | None, round_label: str, region: str, lang: str, formats: list[str], ui: str) -> Any:
        require_role(*PAGE.roles)
        texts = (round_label, region, lang, *(formats if isinstance(formats, list) else [0]))
        if not all(value is None or isinstance(value, str) for value in texts):
            raise MalformedCallback("the export choices must be texts and formats a list of texts")
        ui_lang = normalize_language(ui)
        if not formats:
            return dash.no_update, True, False, t("export.no_formats", ui_lang), HIDDEN
        try:
            job_id = start(engine, round_label, region, lang, formats)
        except UserError as exc:
            return dash.no_update, True, False, t("export.failed", ui_lang, message=str(exc)), HIDDEN
        return job_id, False, True, t("export.queued", ui_lang), HIDDEN

    @app.callback(
        Output("export-progress", "value"),
        Output("export-progress", "max"),
        Output("export-progress", "style"),
        Output("export-status", "children"),
        Output("export-download", "href"),
        Output("export-download", "children"),
        Output("export-download", "download"),
        Output("export-download", "style"),
        Output("export-interval", "disabled", allow_duplicate=True),
        Output("export-start", "disabled", allow_duplicate=True),
        Input("export-interval", "n_intervals"),
        State("export-job", "data"),
        State("export-ui-lang", "data"),
        prevent_initial_call=True,
    )
    def _poll(_ticks: int | None, job_id: str | None, ui: str) -> Any:
        require_role(*PAGE.roles)
        if job_id is not None and not isinstance(job_id, str):
            raise MalformedCallback("the export job must be named by a text")
        href = app.get_relative_path(DOWNLOAD_ROUTE.replace("<job_id>", job_id or ""))
        bar, text, link, stop = show(job_id, normalize_language(ui), href)
        return (
            bar.get("value", dash.no_update),
            bar.get("max", dash.no_update),
            bar["style"],
            text,
            link["href"],
            link["children"],
            link.get("download", dash.no_update),
            link["style"],
            stop,
            not stop,
        )


PAGE = Page(
    path="/export",
    layout=layout,
    nav_label="nav.export",
    order=50,
    roles=("nji", "steering"),
    callbacks=register_callbacks,
)
