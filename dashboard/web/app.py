"""The Dash app: one `dcc.Location` router over the pages in `dashboard.web.pages`, plus `raak serve`.

Every view is a function of the URL and the logged-in user (`render`), so a copied link reproduces it and the
callbacks are plain functions the tests call directly. Access is decided here, in the server, for every request:
`dashboard.web.auth` keeps anonymous visitors out, `render` refuses pages and subjects outside the user's role and
regions. Numbers come from `dashboard.analytics.report`; nothing here queries assessments.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click
import dash
import flask
import orjson
from dash import ALL, MATCH, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from plotly.io.json import to_json_plotly
from sqlalchemy import Engine, inspect

from dashboard.analytics.cache import cached_view, init_cache
from dashboard.analytics.queries import NotFoundError, municipality_geojson
from dashboard.analytics.report import navigation
from dashboard.i18n import LANGUAGES, Lang, t
from dashboard.web import components as c
from dashboard.web.auth import (
    CSRF_FIELD,
    LOGOUT_PATH,
    Principal,
    csrf_token,
    current_principal,
    init_auth,
    require_role,
)
from dashboard.web.failures import MalformedCallback, init_failures
from dashboard.web.pages import PAGES, find_page, upload
from dashboard.web.pages import nav_pages as pages_in_nav
from dashboard.web.pages.view import LANG_PARAM, POINT_PARAM, ROUND_PARAM, Page, View, language_of, parse_query
from etl.reference.geography import division_years
from etl.store.config import get_settings
from etl.store.db import get_engine
from etl.store.issues import UserError
from etl.store.models import ROLES

ASSETS_FOLDER = Path(__file__).with_name("assets")
INDEX_HTML = """<!DOCTYPE html>
<html lang="nl">
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
<div>
{%config%}
{%scripts%}
{%renderer%}
</div>
</body>
</html>
"""  # Dash's page with the language set (assets/a11y.js switches it to the page's language)
NAV_TARGETS = {"region": "/regio/{}", "municipality": "/gemeente/{}", "point": "/punten"}


# --- rendering ----------------------------------------------------------------------------------------------


def default_round(engine: Engine) -> str | None:
    """The latest round with at least one return; the latest round when none has any; None without rounds."""
    return navigation(engine).default_round


def make_view(engine: Engine, pathname: str | None, search: str | None, user: Principal) -> View:
    """What the URL asks for, with the round defaulted (an unknown `?ronde=` is kept, so the page can say so)."""
    params = parse_query(search)
    state = navigation(engine)
    return View(
        engine=engine,
        user=user,
        path=pathname or "/",
        params=params,
        lang=language_of(search),
        rounds=state.rounds,
        round_label=params.get(ROUND_PARAM) or state.default_round,
        demo=state.demo,
        data_version=state.data_version,
    )


def nav_pages(user: Principal) -> list[Page]:
    """The pages with a navigation link this user's role may open, in their order."""
    return pages_in_nav(user.role)


def user_box(view: View) -> html.Form:
    """Who is logged in, in which role, and the log-out button (a POST with the CSRF token)."""
    scope = f" · {', '.join(view.user.regions)}" if view.user.regions else ""
    return html.Form(
        [
            html.Span(f"{view.user.email} ({view.t(f'role.{view.user.role}')}{scope})", id="user-name"),
            dcc.Input(type="hidden", name=CSRF_FIELD, value=csrf_token()),
            dcc.Input(type="hidden", name="lang", value=view.lang),
            html.Button(view.t("nav.logout"), type="submit", id="logout-button", className="button"),
        ],
        method="POST",
        action=LOGOUT_PATH,
        className="user-box",
    )


def header(view: View) -> list[Any]:
    """Brand, the page links the user may open, round selector, language switch and the user; links keep round
    and language."""
    links = [
        dcc.Link(
            view.t(str(page.nav_label)),
            href=view.href(page.path),
            className="nav-link active" if view.path == page.path else "nav-link",
            id=f"nav-{page.path.strip('/') or 'home'}",
        )
        for page in nav_pages(view.user)
    ]
    languages: dict[Lang, str] = {lang: view.href(**{LANG_PARAM: lang}) for lang in LANGUAGES}
    return [
        html.Div(
            [
                dcc.Link(view.t("app.title"), href=view.href("/"), className="brand"),
                html.Span(view.t("app.tagline"), className="tagline"),
            ],
            className="brand-block",
        ),
        html.Nav(links, className="main-nav"),
        html.Div(
            [
                c.round_selector(view.rounds, view.round_label, view.lang),
                c.language_switch(languages, view.lang),
                user_box(view),
            ],
            className="controls",
        ),
    ]


def page_body(view: View, *, cache: bool = False) -> Any:
    """The page the path names, or a message: no access, unknown page, unknown round/region/municipality, no
    rounds yet. With `cache`, a `cached` page comes as the JSON text of its tree, drawn once per data version."""
    found = find_page(view.path)
    if found is None:
        return not_found(view, view.t("error.unknown_page"))
    page, params = found
    try:
        if not page.may_open(view, **params):
            return forbidden(view)
        if view.round_label is None and page.needs_round:
            return c.empty_state(view.t_for_role("empty.no_rounds"), element_id="no-rounds")
        if cache and page.cached:
            drawn = cached_view(
                view.engine,
                "page.json",
                _page_key(view),
                lambda: _as_json(page.layout(view, **params)),
                version=view.data_version,
            )
            return orjson.Fragment(drawn)  # sent as it is: Dash does not walk and encode the tree again
        return page.layout(view, **params)
    except NotFoundError as exc:
        return not_found(view, exc.message(view.lang))


def _page_key(view: View) -> tuple[Any, ...]:
    """Everything a cached page is drawn from besides the data: the URL and what the user's role and regions show."""
    return (
        view.path,
        tuple(sorted(view.params.items())),
        view.lang,
        view.round_label,
        view.user.role,
        view.user.regions,
    )


def _as_json(tree: Any) -> str:
    """A component tree as the JSON text Dash sends (what the cache holds)."""
    return to_json_plotly(tree, engine="orjson")


def not_found(view: View, message: str) -> html.Div:
    """A clear message and the way back."""
    return html.Div(
        [
            html.H1(view.t("error.not_found")),
            html.P(message, id="not-found-message"),
            dcc.Link(view.t("error.back"), href=view.href("/", **{ROUND_PARAM: None})),
        ],
        className="not-found",
    )


def forbidden(view: View) -> html.Div:
    """What a user sees of a page or subject outside their role or regions: that, and nothing of its content."""
    return html.Div(
        [
            html.H1(view.t("error.forbidden")),
            html.P(view.t(f"error.forbidden.{view.user.role}"), id="forbidden-message"),
            dcc.Link(view.t("error.back"), href=view.href("/", **{ROUND_PARAM: None})),
        ],
        className="not-found",
        id="forbidden",
    )


def render(
    engine: Engine, pathname: str | None, search: str | None, user: Principal, *, cache: bool = False
) -> tuple[list[Any], Any, Any]:
    """Header, demo banner and page for a URL as `user` may see it; the page root carries path, round and language
    as data attributes. The router passes `cache` (see `page_body`); tests read the component trees."""
    view = make_view(engine, pathname, search, user)
    banner = None
    if view.demo:
        banner = html.Div(c.with_code(view.t("demo.banner")), className="demo-banner", id="demo-banner")
    root = html.Div(
        page_body(view, cache=cache),
        id="page-root",
        **{"data-path": view.path, "data-round": view.round_label or "", "data-lang": view.lang},
    )
    return header(view), banner, root


# --- navigation callbacks (plain functions; registered in create_app) ---------------------------------------


def with_params(path: str, search: str | None, **changes: str | None) -> str:
    """`path` with the current query, `changes` applied (None drops a parameter)."""
    params = {**parse_query(search), **changes}
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{path}?{query}" if query else path


def round_href(
    round_label: str | None, pathname: str | None, search: str | None, shown: str | None = None
) -> str | None:
    """The URL after choosing a round: same page and options, `?ronde=` changed; None when `round_label` is the
    round already `shown` (the selector reporting its own value on being drawn must not navigate again)."""
    if not round_label or round_label == shown:
        return None
    return with_params(pathname or "/", search, **{ROUND_PARAM: round_label})


def target_href(target: str, value: Any, search: str | None, pathname: str | None = None) -> str | None:
    """The page of a clicked region, municipality or point, keeping round and language only; None when it is the
    page already open at `pathname` (a dropdown reporting its own value on being drawn must not navigate)."""
    if value is None or value == "" or target not in NAV_TARGETS:
        return None
    if target != "point" and pathname is not None and pathname.rstrip("/") == NAV_TARGETS[target].format(value):
        return None
    kept = {k: v for k, v in parse_query(search).items() if k in (ROUND_PARAM, LANG_PARAM)}
    if target == "point":
        return with_params(NAV_TARGETS[target], urlencode(kept), **{POINT_PARAM: str(int(value))})
    return with_params(NAV_TARGETS[target].format(value), urlencode(kept))


def click_href(
    graph_id: dict[str, Any],
    click_data: dict[str, Any] | None,
    search: str | None,
    lookups: dict[str, dict[str, str]] | None = None,
) -> str | None:
    """The page a click on a NAV_GRAPH chart opens: customdata[field] of the clicked point names it, or (field
    "y") the chart's lookup of the clicked row label."""
    points = (click_data or {}).get("points") or []
    if not points:
        return None
    if graph_id["field"] == c.Y_LABEL:
        value = (lookups or {}).get(str(graph_id["name"]), {}).get(str(points[0].get("y")))
        return target_href(str(graph_id["target"]), value, search)
    custom = points[0].get("customdata")
    field = int(graph_id["field"])
    if not isinstance(custom, list) or len(custom) <= field:
        return None
    return target_href(str(graph_id["target"]), custom[field], search)


# --- the app ------------------------------------------------------------------------------------------------


def create_app(engine: Engine | None = None, *, secret_key: str | None = None) -> dash.Dash:
    """The dashboard over `engine` (default: the configured DATABASE_URL), with log-in, cache and callbacks.

    Sessions are signed with `secret_key` (default: SECRET_KEY); without one the app refuses to start.
    """
    engine = engine or get_engine()
    settings = get_settings()
    app = dash.Dash(
        __name__,
        title="RAAK Monitor",
        serve_locally=True,
        suppress_callback_exceptions=True,
        update_title=None,
        assets_folder=str(ASSETS_FOLDER),
    )
    app.index_string = INDEX_HTML
    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            html.Header(id="header", className="site-header"),
            html.Div(id="banner"),
            dcc.Loading(html.Main(id="page", className="page"), delay_show=400, type="dot"),
            html.Footer(t("footer.source", "nl") + " · " + t("footer.source", "en"), className="site-footer"),
        ],
        className="app",
    )
    init_auth(app.server, engine, secret_key or settings.secret_key)
    init_failures(app)
    app.server.config["MAX_CONTENT_LENGTH"] = upload.max_request_bytes(settings)
    init_cache(app.server)

    @app.callback(
        Output("header", "children"),
        Output("banner", "children"),
        Output("page", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
    )
    def _route(pathname: str | None, search: str | None) -> tuple[Any, ...]:
        user = current_principal()
        if user is None:  # the gate answers 401 first; never draw a page without a user
            raise PreventUpdate
        return render(engine, pathname, search, user, cache=True)

    @app.callback(
        Output("url", "href", allow_duplicate=True),
        Input("round-select", "value"),
        State("url", "pathname"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def _round(value: str | None, pathname: str | None, search: str | None) -> Any:
        if current_principal() is None:
            raise PreventUpdate
        shown = parse_query(search).get(ROUND_PARAM) or default_round(engine)
        return round_href(value, pathname, search, shown) or dash.no_update

    @app.callback(
        Output("url", "href", allow_duplicate=True),
        Input({"type": c.NAV_GRAPH, "name": ALL, "target": ALL, "field": ALL}, "clickData"),
        State({"type": c.NAV_LOOKUP, "name": ALL}, "data"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def _click(_clicks: list[Any], _lookups: list[Any], search: str | None) -> Any:
        triggered = dash.ctx.triggered_id
        if not isinstance(triggered, dict) or not dash.ctx.triggered[0].get("value"):
            return dash.no_update
        lookups = {state["id"]["name"]: state.get("value") or {} for state in dash.ctx.states_list[0]}
        return click_href(dict(triggered), dash.ctx.triggered[0]["value"], search, lookups) or dash.no_update

    @app.callback(
        Output("url", "href", allow_duplicate=True),
        Input({"type": c.NAV_SELECT, "target": ALL}, "value"),
        State("url", "pathname"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def _select(_values: list[Any], pathname: str | None, search: str | None) -> Any:
        triggered = dash.ctx.triggered_id
        if not isinstance(triggered, dict):
            return dash.no_update
        value = dash.ctx.triggered[0]["value"]
        return target_href(str(triggered["target"]), value, search, pathname) or dash.no_update

    @app.callback(
        Output({"type": c.DOWNLOAD, "card": MATCH}, "data"),
        Input({"type": c.CSV_BUTTON, "card": MATCH}, "n_clicks"),
        Input({"type": c.XLSX_BUTTON, "card": MATCH}, "n_clicks"),
        State({"type": c.DATA_STORE, "card": MATCH}, "data"),
        State({"type": "filename", "card": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def _download(_csv: int | None, _xlsx: int | None, data: dict[str, Any], filename: str) -> Any:
        require_role(*ROLES)  # every role may download what its pages show; the data comes from the page itself
        if not isinstance(data, dict | None) or not isinstance(filename, str):
            raise MalformedCallback("a chart download needs its data (an object) and a file name (a text)")
        triggered = dash.ctx.triggered_id
        fmt = "csv" if isinstance(triggered, dict) and triggered["type"] == c.CSV_BUTTON else "xlsx"
        return c.download(fmt, data, filename) or dash.no_update

    for page in PAGES:
        if page.callbacks is not None:
            page.callbacks(app, engine)
    return app


def create_server() -> flask.Flask:
    """The Flask server for gunicorn: `gunicorn 'dashboard.web.app:create_server()'`; refuses to start (one line on
    stderr) without a usable SECRET_KEY or database."""
    try:
        engine = get_engine()
        check_database(engine)
        server = create_app(engine).server
    except UserError as exc:
        sys.exit(f"Error: {exc}")
    settle_heap()
    return server


def settle_heap() -> None:
    """Load what a web process keeps for its lifetime (besides the app: the map shapes of every division year) and
    freeze it: the collector's full passes walk every tracked object, and with all that loaded one took ~90 ms in
    the middle of a page (the p95 of a page drawn after an upload at 10x went from ~360 to ~260-290 ms). Frozen objects
    are left out of those passes (`gc.freeze`); what they refer to stays alive for the process anyway."""
    for year in division_years():
        municipality_geojson(year)
    gc.collect()
    gc.freeze()


def check_database(engine: Engine) -> None:
    """Refuse to serve a database without the schema, with the command that fixes it."""
    if not inspect(engine).has_table("rounds"):
        raise UserError(
            f"the database at {engine.url.render_as_string(hide_password=True)} has no RAAK tables yet; "
            "run `raak demo` for example data, or `raak db upgrade` and `raak reference load`"
        )


def run(engine: Engine, host: str, port: int, debug: bool, *, secret_key: str | None = None) -> None:
    """Serve the dashboard until interrupted (sessions signed with `secret_key`, default SECRET_KEY)."""
    check_database(engine)
    app = create_app(engine, secret_key=secret_key)
    settle_heap()
    click.echo(f"RAAK Monitor on http://{host}:{port}/ (Ctrl+C stops it)")
    app.run(host=host, port=port, debug=debug)
