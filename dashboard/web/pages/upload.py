"""Aanleveren / Upload (`/upload`, NJi and coordinators): drop one or more filled workbooks for a round.

The upload request only checks what was sent (role, count, size) and records a background job
(`etl.ingest.upload_jobs`); the job feeds each file to `etl.ingest.pipeline.ingest`
with the logged-in user as uploader and, for a
coordinator, their regions as the only ones allowed (a workbook for another region is rejected and stored nowhere).
The page polls the job: "file 3 of 10", then per file accepted, rejected or duplicate, the municipalities it
covered, every issue (sheet, cell, message) and, for a rejected workbook, the annotated copy. The results stay in
the database, so the page lists the user's recent uploads and `?taak=<id>` shows one again, from any worker. The
size limits are checked before parsing: in the browser for the whole request, in `etl.ingest.pipeline` for each file.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlencode

import dash
import flask
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.analytics import Engine
from dashboard.analytics.report import all_rounds
from dashboard.analytics.uploads import covered, region_names
from dashboard.i18n import DEFAULT_LANGUAGE, Lang, integer, long_date, t
from dashboard.web import components as c
from dashboard.web import jobs
from dashboard.web.auth import Principal, client_address, current_principal, deny, require_role
from dashboard.web.pages.view import LANG_PARAM, ROUND_PARAM, Page, View, language_of
from etl.ingest import upload_jobs
from etl.ingest.pipeline import IngestReport
from etl.ingest.return_changes import upload_changes
from etl.ingest.withdraw import MAX_REASON_CHARS, withdraw_return
from etl.store.config import Settings, get_settings
from etl.store.issues import UserError
from etl.templates.template import XLSX_MIME, template_workbook

MAX_FILES_PER_UPLOAD = 10  # files per drop; with the per-file limit this bounds the request size
DATA_URL_PREFIX_BYTES = 200  # "data:<mime type>;base64," before each file's contents
REQUEST_OVERHEAD_BYTES = 1 << 20  # the rest of a callback request: ids, file names, state
DEFAULT_FILENAME = "upload.xlsx"
UPLOAD, BATCH, LIMITS, ROUND_SELECT = "upload-files", "upload-batch", "upload-limits", "upload-round"
RESULTS, LIMIT_MESSAGE = "upload-results", "upload-limit-message"
TEMPLATE_REGION, TEMPLATE_PREFILL, TEMPLATE_BUTTON = "template-region", "template-prefill", "template-button"
TEMPLATE_DOWNLOAD, TEMPLATE_MESSAGE = "template-download", "template-message"
JOB, INTERVAL, PROGRESS, STATUS = "upload-job", "upload-interval", "upload-progress", "upload-status"
FILES, RECENT = "upload-file-results", "upload-recent"
JOB_PARAM = "taak"  # `/upload?taak=<job id>` shows that upload's results again
POLL_MILLISECONDS = 1000
ANNOTATED_ROUTE = "/upload/annotated/<job_id>/<int:position>"
WITHDRAW_CODE, WITHDRAW_REASON, WITHDRAW_BUTTON = "withdraw-municipality", "withdraw-reason", "withdraw-button"
WITHDRAW_MESSAGE = "withdraw-message"

# In the browser, before anything is sent: too many files or too many bytes for one request get a message naming
# the limit, and the files go to the server callback (through the BATCH store) only when within both.
GATE = """
function (contents, names, limits) {
    const none = window.dash_clientside.no_update;
    if (!contents || !contents.length) { return [none, ""]; }
    if (contents.length > limits.max_files) { return [none, limits.too_many]; }
    const total = contents.reduce((sum, item) => sum + item.length, 0);
    if (total > limits.max_bytes) { return [none, limits.too_large]; }
    return [{contents: contents, filenames: names}, ""];
}
"""


def max_request_bytes(settings: Settings) -> int:
    """The largest callback request the server reads: MAX_FILES_PER_UPLOAD files of the maximum size, base64."""
    per_file = 4 * math.ceil(settings.max_upload_bytes / 3) + DATA_URL_PREFIX_BYTES
    return MAX_FILES_PER_UPLOAD * per_file + REQUEST_OVERHEAD_BYTES


def megabytes(size: int) -> str:
    """A byte count as whole megabytes, for messages."""
    return f"{size / 1_000_000:.0f}"


def default_round(all_rounds: pd.DataFrame) -> str | None:
    """The round an upload goes to unless the user chooses: the latest open round (None when none is open)."""
    open_rounds = all_rounds[all_rounds["is_open"]]
    return str(open_rounds["label"].iloc[-1]) if not open_rounds.empty else None


def round_options(all_rounds: pd.DataFrame, lang: Lang) -> list[dict[str, Any]]:
    """Every round, closed ones marked and not selectable (the server refuses them anyway)."""
    options = []
    for row in all_rounds.itertuples():
        deadline = f" · {t('col.deadline', lang, date=long_date(row.deadline, lang))}" if row.deadline else ""
        state = t("round.open" if row.is_open else "round.closed", lang)
        options.append(
            {"label": f"{row.label} ({state}{deadline})", "value": row.label, "disabled": not bool(row.is_open)}
        )
    return options


def scope_text(view: View, region_names: dict[str, str]) -> str:
    """Which regions this user may upload for."""
    if view.user.upload_regions is None:
        return view.t("upload.scope.all")
    names = ", ".join(f"{region_names.get(code, code)} ({code})" for code in view.user.regions)
    return view.t("upload.scope.regions", regions=names)


def template_card(view: View, region_names: dict[str, str]) -> html.Section:
    """The empty (or prefilled) template of one of the user's regions for the chosen round."""
    codes = list(region_names) if view.user.upload_regions is None else list(view.user.regions)
    options = [{"label": f"{region_names.get(code, code)} ({code})", "value": code} for code in codes]
    return html.Section(
        [
            html.H2(view.t("upload.template.title"), className="card-title"),
            html.P(view.t("upload.template.text"), className="card-meta"),
            html.Div(
                [
                    dcc.Dropdown(
                        id=TEMPLATE_REGION,
                        options=options,
                        value=codes[0] if len(codes) == 1 else None,
                        placeholder=view.t("region.select"),
                        className="region-select",
                    ),
                    dcc.Checklist(
                        id=TEMPLATE_PREFILL,
                        options=[{"label": view.t("upload.template.prefill"), "value": "prefill"}],
                        value=[],  # off by default: an unchanged prefilled file would be a return nobody made
                    ),
                    html.Button(view.t("upload.template.button"), id=TEMPLATE_BUTTON, className="button"),
                ],
                className="form-row",
            ),
            html.P(id=TEMPLATE_MESSAGE, className="upload-message"),
            dcc.Download(id=TEMPLATE_DOWNLOAD),
        ],
        className="card",
        id="card-template",
    )


def layout(view: View) -> list[Any]:
    """The upload form: round, drop zone, limits, the template download, and room for the results."""
    rounds, names = all_rounds(view.engine), region_names(view.engine)
    heading = html.Div(
        [
            html.H1(view.t("upload.title"), id="page-title"),
            html.P(scope_text(view, names), className="page-meta", id="upload-scope"),
        ],
        className="page-heading",
    )
    if rounds.empty:
        return [heading, c.empty_state(view.t("upload.no_rounds"), element_id="upload-no-rounds")]
    chosen = default_round(rounds)
    settings = get_settings()
    limits = {
        "max_files": MAX_FILES_PER_UPLOAD,
        "max_bytes": max_request_bytes(settings) - REQUEST_OVERHEAD_BYTES,
        "too_many": view.t("upload.too_many", limit=MAX_FILES_PER_UPLOAD),
        "too_large": view.t("upload.too_large", limit=megabytes(max_request_bytes(settings))),
    }
    drop = dcc.Upload(
        html.Div([view.t("upload.drop"), " ", html.Span(view.t("upload.choose"), className="upload-link")]),
        id=UPLOAD,
        multiple=True,
        className="upload-drop",
        className_active="upload-drop active",
    )
    form = html.Section(
        [
            html.Div(
                [
                    html.Label(view.t("nav.round"), htmlFor=ROUND_SELECT, className="control-label"),
                    dcc.Dropdown(
                        id=ROUND_SELECT,
                        options=round_options(rounds, view.lang),
                        value=chosen,
                        clearable=False,
                        className="upload-round",
                    ),
                ],
                className="control",
            ),
            html.P(view.t("upload.no_open_round"), className="upload-message", id="upload-no-open-round")
            if chosen is None
            else None,
            drop,
            html.P(
                view.t(
                    "upload.limits",
                    files=MAX_FILES_PER_UPLOAD,
                    size=megabytes(settings.max_upload_bytes),
                    sheets=settings.max_sheets,
                    rows=integer(settings.max_rows_per_sheet, view.lang),
                    columns=integer(settings.max_columns_per_sheet, view.lang),
                    cells=integer(settings.max_cells_per_file, view.lang),
                ),
                className="card-hint",
            ),
            html.P(id=LIMIT_MESSAGE, className="upload-message", role="alert"),
            dcc.Store(id=LIMITS, data=limits),
            dcc.Store(id=BATCH),
        ],
        className="card",
        id="card-upload",
    )
    shown = view.params.get(JOB_PARAM)
    readable = upload_jobs.job_view(view.engine, shown, view.user.email, sees_all=sees_all(view.user))
    panel = job_panel(readable.job_id, view.lang) if readable else None
    results = dcc.Loading(
        html.Div(panel, id=RESULTS, className="upload-results"),
        type="dot",
        target_components={RESULTS: "children"},  # while sending, not while polling
    )
    return [heading, form, results, recent_card(view), template_card(view, names), withdraw_card(view)]


def sees_all(user: Principal) -> bool:
    """NJi reads every upload job; anyone else only their own."""
    return user.role == "nji"


def recent_card(view: View) -> html.Section | None:
    """The user's latest uploads, each a link to its results (found again after a lost connection)."""
    recent = upload_jobs.recent_jobs(view.engine, view.user.email)
    if not recent:
        return None
    items = [
        html.Li(
            dcc.Link(
                view.t(
                    "upload.recent.item",
                    moment=job.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                    files=len(job.files),
                    accepted=job.count("accepted"),
                    state=view.t(f"upload.job.state.{job.state}"),
                ),
                href=view.href(**{JOB_PARAM: job.job_id}),
                id=f"upload-recent-{index}",
            )
        )
        for index, job in enumerate(recent)
    ]
    return html.Section(
        [html.H2(view.t("upload.recent.title"), className="card-title"), html.Ul(items)],
        className="card",
        id=RECENT,
    )


def job_panel(job_id: str, lang: Lang) -> html.Div:
    """Where a job's progress and results appear; the poll fills it until the job is finished."""
    return html.Div(
        [
            dcc.Store(id=JOB, data=job_id),
            dcc.Interval(id=INTERVAL, interval=POLL_MILLISECONDS, n_intervals=0),
            html.Progress(id=PROGRESS, value="0", max="1", **{"aria-labelledby": STATUS}),
            html.P(t("upload.job.queued", lang), id=STATUS, role="status", **{"aria-live": "polite"}),
            html.Div(id=FILES),
        ],
        className="upload-job",
    )


def withdraw_card(view: View) -> html.Section:
    """Withdraw one municipality's return in the chosen round (the round selector above), with a reason."""
    return html.Section(
        [
            html.H2(view.t("upload.withdraw.title"), className="card-title"),
            html.P(view.t("upload.withdraw.text"), className="card-meta"),
            html.Div(
                [
                    html.Label(view.t("upload.withdraw.municipality"), htmlFor=WITHDRAW_CODE),
                    dcc.Input(id=WITHDRAW_CODE, type="text", maxLength=8),
                    html.Label(view.t("upload.withdraw.reason"), htmlFor=WITHDRAW_REASON),
                    dcc.Input(id=WITHDRAW_REASON, type="text", maxLength=MAX_REASON_CHARS),
                    html.Button(view.t("upload.withdraw.button"), id=WITHDRAW_BUTTON, className="button"),
                ],
                className="form-row",
            ),
            html.P(id=WITHDRAW_MESSAGE, className="upload-message", role="status"),
        ],
        className="card",
        id="card-withdraw",
    )


def handle_withdraw(
    engine: Engine, user: Principal, round_label: Any, code: Any, reason: Any, lang: Lang, remote_addr: str | None
) -> str:
    """Withdraw through `etl.ingest.withdraw` as (a coordinator: own regions, until the deadline); the outcome."""
    if not all(isinstance(value, str) and value.strip() for value in (round_label, code)):
        return t("upload.template.choose", lang)
    try:
        done = withdraw_return(
            engine,
            round_label,
            code,
            actor=user.email,
            reason=reason if isinstance(reason, str) else "",
            regions=user.upload_regions,
            remote_addr=remote_addr,
        )
    except UserError as exc:
        return t("upload.withdraw.failed", lang, reason=exc.message(lang))
    return t(
        "upload.withdraw.done", lang, code=done.municipality_code, round=done.round_label, count=done.n_assessments
    )


def change_list(report: IngestReport, engine: Engine, lang: Lang, index: int) -> html.Div:
    """Per municipality of an accepted upload: what changed against its current return, or the previous round's;
    a new return identical to the previous round is flagged (a prefilled template sent unchanged?)."""
    items = []
    for change in upload_changes(engine, report.submission_ids):
        values = {"name": change.municipality_name, "code": change.municipality_code, "points": change.n_points}
        if change.kind == "replaced":
            text = t("upload.change.replaced", lang, changed=change.changed, **values)
        elif change.changed is None:
            text = t("upload.change.first", lang, **values)
        elif change.copied:
            text = t("upload.change.copied", lang, previous=change.previous_round, **values)
        else:
            text = t("upload.change.new", lang, changed=change.changed, previous=change.previous_round, **values)
        items.append(html.Li(text, className="upload-change-copied" if change.copied else None))
    return html.Div([html.P(t("upload.changes", lang)), html.Ul(items)], id=f"upload-changes-{index}")


# --- handling an upload (plain functions; the callbacks below wire them) -------------------------------------


def decode(content: Any) -> bytes | None:
    """The bytes of one `dcc.Upload` data URL (`data:<type>;base64,<data>`), or None when it is not one."""
    if not isinstance(content, str) or not content.startswith("data:") or "," not in content:
        return None
    header, _, payload = content.partition(",")
    if not header.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def clean_filename(name: Any) -> str:
    """The file's own name (a dropped folder's path or a Windows path reduced to the last part)."""
    text = name if isinstance(name, str) else ""
    return PurePosixPath(text.replace("\\", "/")).name.strip() or DEFAULT_FILENAME


def message(text: str, element_id: str = "upload-error") -> html.P:
    """A problem with the request itself (nothing was ingested), as an alert."""
    return html.P(text, className="upload-message", id=element_id, role="alert")


def issues_table(report: IngestReport, lang: Lang, index: int) -> html.Table:
    """Every finding of one file: severity, sheet, cell and the message in the page's language (as text)."""
    rows = [
        html.Tr(
            [
                html.Td(t(f"severity.{issue.severity}", lang)),
                html.Td(issue.sheet or ""),
                html.Td(issue.cell or ""),
                html.Td(issue.message_en if lang == "en" else issue.message_nl),
            ]
        )
        for issue in report.issues
    ]
    head = html.Tr([html.Th(t(key, lang)) for key in ("col.severity", "col.sheet", "col.cell", "col.message")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="issues", id=f"upload-issues-{index}")


def annotated_name(filename: str) -> str:
    """`den_haag.xlsx` → `den_haag.annotated.xlsx`."""
    return f"{Path(filename).stem}.annotated.xlsx"


def annotated_link(report: IngestReport, lang: Lang, index: int, href: str) -> html.A:
    """The annotated copy of a rejected workbook as a download link (kept with the job's results)."""
    return html.A(
        t("upload.annotated", lang),
        href=href,
        download=annotated_name(report.file),
        id=f"upload-annotated-{index}",
        className="button",
    )


def file_result(
    report: IngestReport, engine: Engine, lang: Lang, index: int, annotated_href: str | None = None
) -> html.Section:
    """What happened to one file."""
    names, regions = covered(engine, report.municipalities)
    municipalities = ", ".join(f"{names.get(code, code)} ({code})" for code in report.municipalities)
    body: list[Any] = [
        html.H3(
            [
                html.Span(t(f"upload.status.{report.status}", lang), className=f"badge badge-{report.status}"),
                " ",
                report.file,
            ]
        ),
        html.P(t(f"upload.outcome.{report.status}", lang, round=report.round or "–"), className="upload-outcome"),
    ]
    if municipalities:
        key = "upload.covered" if report.status != "rejected" else "upload.would_cover"
        body.append(html.P(t(key, lang, municipalities=municipalities), id=f"upload-municipalities-{index}"))
    if report.status == "accepted" and report.submission_ids:
        body.append(change_list(report, engine, lang, index))
    if report.issues:
        body.append(issues_table(report, lang, index))
    if report.status == "rejected" and annotated_href:
        body.append(
            html.P([annotated_link(report, lang, index, annotated_href), " ", t("upload.annotated.hint", lang)])
        )
    if report.status == "accepted" and report.round:
        query = urlencode({ROUND_PARAM: report.round, **({LANG_PARAM: lang} if lang != DEFAULT_LANGUAGE else {})})
        links = [
            dcc.Link(t("upload.view_region", lang, region=name), href=f"/regio/{code}?{query}")
            for code, name in sorted(regions.items())
        ]
        body.append(html.P(links, className="upload-links"))
    return html.Section(
        body,
        className=f"card upload-result upload-{report.status}",
        id=f"upload-result-{index}",
        **{"data-status": report.status},
    )


def handle_upload(
    engine: Engine,
    user: Principal,
    batch: Any,
    round_label: Any,
    lang: Lang,
    remote_addr: str | None = None,
) -> list[Any]:
    """Check the request and queue its files as a job of `user` (their regions only, unless nji); the answer comes
    at once and holds the panel that follows the job."""
    contents = batch.get("contents") if isinstance(batch, dict) else None
    filenames = batch.get("filenames") if isinstance(batch, dict) else None
    if not isinstance(contents, list) or not contents:
        return [message(t("upload.unreadable_request", lang))]
    if len(contents) > MAX_FILES_PER_UPLOAD:
        return [message(t("upload.too_many", lang, limit=MAX_FILES_PER_UPLOAD))]
    names = filenames if isinstance(filenames, list) and len(filenames) == len(contents) else [None] * len(contents)
    chosen = round_label if isinstance(round_label, str) and round_label.strip() else None
    files = [
        upload_jobs.IncomingFile(clean_filename(raw_name), decode(content))
        for content, raw_name in zip(contents, names, strict=True)
    ]
    if all(incoming.data is None for incoming in files):  # nothing to process: say so now, record nothing
        return [
            message(t("upload.unreadable_file", lang, file=incoming.name), f"upload-result-{index}")
            for index, incoming in enumerate(files)
        ]
    job_id = upload_jobs.create_job(
        engine,
        owner=user.email,
        allowed_regions=user.upload_regions,
        round_label=chosen,
        remote_addr=remote_addr,
        files=files,
    )
    jobs.upload_queue().enqueue(jobs.run_upload, *jobs.task_arguments(engine, job_id))
    return [job_panel(job_id, lang)]


def job_status_text(job: upload_jobs.JobView | None, lang: Lang) -> str:
    """One line on the job: queued, "file 3 of 10: name", or the summary once finished."""
    if job is None:
        return t("upload.job.unknown", lang)
    if job.stopped:
        return t("upload.job.stopped", lang, done=job.done, total=len(job.files))
    if job.finished:
        counts = {state: job.count(state) for state in ("accepted", "rejected", "duplicate")}
        head = t("upload.job.done" if job.state == upload_jobs.DONE else "upload.job.failed", lang)
        return f"{head} {t('upload.job.summary', lang, **counts)}"
    current = job.current
    if job.state == upload_jobs.QUEUED or current is None:
        return t("upload.job.queued", lang)
    return t("upload.job.file", lang, number=current.position + 1, total=len(job.files), file=current.filename)


def outcome_component(
    outcome: upload_jobs.FileOutcome, job_id: str, engine: Engine, lang: Lang, href: Any
) -> html.Section | html.P:
    """One processed file of a job as the page shows it."""
    index = outcome.position
    if outcome.report is None:
        key = "upload.unreadable_file" if outcome.state == upload_jobs.UNREADABLE else "upload.file_failed"
        return message(t(key, lang, file=outcome.filename), f"upload-result-{index}")
    annotated = href(job_id, index) if outcome.has_annotated else None
    return file_result(outcome.report, engine, lang, index, annotated)


def poll_job(
    engine: Engine, user: Principal, job_id: Any, lang: Lang, href: Any
) -> tuple[str, str, str, list[Any], bool]:
    """What the page shows of a job now: progress value and max, the status line, the processed files' results,
    and whether to stop polling. `href(job_id, position)` is the annotated copy's download URL."""
    job = upload_jobs.job_view(engine, job_id, user.email, sees_all=sees_all(user))
    if job is None:
        return "0", "1", job_status_text(None, lang), [], True
    results = [outcome_component(outcome, job.job_id, engine, lang, href) for outcome in job.files if outcome.processed]
    return str(job.done), str(max(len(job.files), 1)), job_status_text(job, lang), results, job.finished


def send_annotated(engine: Engine, job_id: str, position: int) -> flask.Response:
    """The annotated copy of a rejected file, to the job's owner (and NJi) only: 404 for anyone else."""
    user = current_principal()
    if user is None or not user.has_role(*PAGE.roles):
        flask.abort(403)
    found = upload_jobs.annotated_copy(engine, job_id, position, user.email, sees_all=sees_all(user))
    if found is None:
        flask.abort(404)
    filename, data = found
    return flask.send_file(
        io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=annotated_name(filename)
    )


# --- callbacks ----------------------------------------------------------------------------------------------


def register_callbacks(app: dash.Dash, engine: Engine) -> None:
    """The browser-side size gate, the upload itself and the template download; each re-checks the role."""
    app.clientside_callback(
        GATE,
        Output(BATCH, "data"),
        Output(LIMIT_MESSAGE, "children"),
        Input(UPLOAD, "contents"),
        State(UPLOAD, "filename"),
        State(LIMITS, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(RESULTS, "children"),
        Input(BATCH, "data"),
        State(ROUND_SELECT, "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def _upload(batch: Any, round_label: Any, search: Any) -> list[Any]:
        user = require_role(*PAGE.roles)
        lang = language_of(search if isinstance(search, str) else None)
        return handle_upload(engine, user, batch, round_label, lang, client_address())

    app.server.add_url_rule(
        ANNOTATED_ROUTE, "upload_annotated", lambda job_id, position: send_annotated(engine, job_id, position)
    )

    def annotated_href(job_id: str, position: int) -> str:
        return app.get_relative_path(f"/upload/annotated/{job_id}/{position}")

    @app.callback(
        Output(PROGRESS, "value"),
        Output(PROGRESS, "max"),
        Output(STATUS, "children"),
        Output(FILES, "children"),
        Output(INTERVAL, "disabled"),
        Input(INTERVAL, "n_intervals"),
        State(JOB, "data"),
        State("url", "search"),
    )
    def _poll(_ticks: Any, job_id: Any, search: Any) -> tuple[str, str, str, list[Any], bool]:
        user = require_role(*PAGE.roles)
        lang = language_of(search if isinstance(search, str) else None)
        return poll_job(engine, user, job_id, lang, annotated_href)

    @app.callback(
        Output(WITHDRAW_MESSAGE, "children"),
        Input(WITHDRAW_BUTTON, "n_clicks"),
        State(ROUND_SELECT, "value"),
        State(WITHDRAW_CODE, "value"),
        State(WITHDRAW_REASON, "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def _withdraw(_clicks: Any, round_label: Any, code: Any, reason: Any, search: Any) -> str:
        user = require_role(*PAGE.roles)
        lang = language_of(search if isinstance(search, str) else None)
        return handle_withdraw(engine, user, round_label, code, reason, lang, client_address())

    @app.callback(
        Output(TEMPLATE_DOWNLOAD, "data"),
        Output(TEMPLATE_MESSAGE, "children"),
        Input(TEMPLATE_BUTTON, "n_clicks"),
        State(TEMPLATE_REGION, "value"),
        State(ROUND_SELECT, "value"),
        State(TEMPLATE_PREFILL, "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def _template(_clicks: Any, region: Any, round_label: Any, prefill: Any, search: Any) -> tuple[Any, str]:
        user = require_role(*PAGE.roles)
        lang = language_of(search if isinstance(search, str) else None)
        if not isinstance(region, str) or not isinstance(round_label, str):
            return dash.no_update, t("upload.template.choose", lang)
        if not user.sees_region(region):
            deny(f"template for region {region[:20]}")
        try:
            data, filename = template_workbook(engine, region, round_label, prefill=bool(prefill))
        except UserError as exc:
            return dash.no_update, t("upload.template.failed", lang, reason=str(exc))
        return dcc.send_bytes(data, filename), ""


PAGE = Page(
    path="/upload",
    layout=layout,
    nav_label="nav.upload",
    order=60,
    roles=("nji", "coordinator"),
    needs_round=False,
    callbacks=register_callbacks,
)
