"""Clear answers when a request cannot be served: a database outage (503 with Retry-After), a malformed callback or
an over-long value (400), and Dash's debug-only routes outside debug mode (404) — never a bare English 500.

Every answer is in Dutch and English: JSON for Dash's requests, a short page otherwise (`dashboard.web.auth.refusal`).
The engine recovers by itself once the database is back: SQLAlchemy drops a connection that failed as a
disconnect, PostgreSQL's pool pings before use (`etl.store.db`), and SQLite opens its file again for a new connection.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import dash
from flask import Flask, Response, current_app, g, request
from sqlalchemy import exc as sa
from werkzeug.exceptions import InternalServerError

from dashboard.i18n import t
from dashboard.web.auth import refusal
from etl.admin.rounds import RoundLabelTooLong

RETRY_AFTER_SECONDS = 30  # how long a client should wait before trying again after a 503
CALLBACK_PATH = "_dash-update-component"
DEBUG_ONLY_ROUTES = ("_reload-hash",)  # Dash's hot-reload poll: only while `raak serve --debug` reloads
WILDCARDS = (["ALL"], ["ALLSMALLER"])  # pattern-matching ids whose callback gets a list of components
PROP_TYPES: dict[str, tuple[type, ...]] = {  # what dash-renderer sends for these properties (None: not set yet)
    "pathname": (str, type(None)),
    "href": (str, type(None)),
    "n_clicks": (int, type(None)),
    "n_intervals": (int, type(None)),
    "clickData": (dict, type(None)),
}
OUTAGE_ERRORS = (sa.OperationalError, sa.InterfaceError, sa.TimeoutError)  # the database is not there (now)

log = logging.getLogger(__name__)


class MalformedCallback(ValueError):
    """A callback request that dash-renderer never sends: why, in English, for the 400 answer."""


# --- database outage ----------------------------------------------------------------------------------------


def is_outage(error: BaseException | None) -> bool:
    """Whether an exception means the database cannot be reached (rather than a fault in a query)."""
    if isinstance(error, OUTAGE_ERRORS):
        return True
    return isinstance(error, sa.DBAPIError) and error.connection_invalidated


def unavailable() -> Response:
    """503 in both languages with Retry-After; the request may simply be repeated."""
    manager = current_app.login_manager  # type: ignore[attr-defined]  # flask-login sets it on the app
    g._login_user = manager.anonymous_user()  # after-request hooks must not ask the database again
    response = refusal(
        503,
        "service_unavailable",
        t("error.unavailable", "nl"),
        t("error.unavailable", "en"),
        retry_after=RETRY_AFTER_SECONDS,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _database_error(error: sa.DBAPIError | sa.TimeoutError) -> Response:
    """An outage answers 503; any other database error stays the server fault it is (500)."""
    if is_outage(error):
        log.warning("database unavailable: %s", error)
        return unavailable()
    if isinstance(error, sa.DataError):  # a value the database refuses (too long, out of range): the request's fault
        log.warning("value refused by the database: %s", error)
        return refusal(400, "invalid_value", t("error.invalid_value", "nl"), t("error.invalid_value", "en"))
    raise error


def _server_error(error: InternalServerError) -> Response | InternalServerError:
    """A failure outside the handlers above (e.g. in an after-request hook) that is still an outage: 503."""
    if is_outage(error.original_exception):
        return unavailable()
    return error


# --- malformed requests -------------------------------------------------------------------------------------


def _is_wildcard(component_id: str) -> bool:
    """Whether a declared dependency id (as Dash stores it: a string, JSON for dict ids) matches many components."""
    if not component_id.startswith("{"):
        return False
    return any(value in WILDCARDS for value in json.loads(component_id).values())


def _check_entry(entry: Any, wildcard: bool, where: str) -> None:
    """One input, state or output of the request: {id, property[, value]}, or a list of them for a wildcard."""
    if wildcard:
        if not isinstance(entry, list):
            raise MalformedCallback(f"{where} must be a list of components")
        for item in entry:
            _check_entry(item, False, where)
        return
    if not isinstance(entry, dict):
        raise MalformedCallback(f"{where} must be an object with id and property")
    if not isinstance(entry.get("id"), str | dict) or not isinstance(entry.get("property"), str):
        raise MalformedCallback(f"{where} needs an id (text or object) and a property (text)")
    expected = PROP_TYPES.get(entry["property"])
    value = entry.get("value")
    if expected is not None and (isinstance(value, bool) or not isinstance(value, expected)):
        raise MalformedCallback(f"{where}: {entry['property']} cannot be {type(value).__name__}")


def check_callback_body(body: Any, callback_map: dict[str, Any]) -> None:
    """Raise MalformedCallback unless `body` has the shape dash-renderer sends for a registered server callback."""
    if not isinstance(body, dict):
        raise MalformedCallback("the body must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str):
        raise MalformedCallback("output must name a callback")
    callback = callback_map.get(output)
    if not isinstance(callback, dict) or "callback" not in callback:
        raise MalformedCallback("output names no callback of this server")
    for field in ("inputs", "state"):
        declared = callback.get(field, [])
        given = body.get(field, [])
        if not isinstance(given, list) or len(given) != len(declared):
            raise MalformedCallback(f"{field} must be a list of {len(declared)}")
        for number, (dependency, entry) in enumerate(zip(declared, given, strict=True)):
            _check_entry(entry, _is_wildcard(dependency["id"]), f"{field}[{number}]")
    declared_outputs = callback.get("output")
    outputs = body.get("outputs")
    if isinstance(declared_outputs, list):
        if not isinstance(outputs, list) or len(outputs) != len(declared_outputs):
            raise MalformedCallback(f"outputs must be a list of {len(declared_outputs)}")
        pairs = list(zip(declared_outputs, outputs, strict=True))
    elif declared_outputs is not None:
        pairs = [(declared_outputs, outputs)]
    else:
        pairs = []
    for number, (dependency, entry) in enumerate(pairs):
        _check_entry(entry, _is_wildcard(dependency.component_id_str()), f"outputs[{number}]")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(item, str) for item in changed):
        raise MalformedCallback("changedPropIds must be a list of texts")


def _malformed(reason: str) -> Response:
    """400 in both languages; `reason` (English) says what was wrong, for whoever crafted the request."""
    nl, en = t("error.malformed_callback", "nl"), t("error.malformed_callback", "en")
    return refusal(400, "malformed_callback", nl, en, reason=reason)


def _label_too_long(error: RoundLabelTooLong) -> Response:
    """A round label longer than the database keeps: refused whole, nothing stored."""
    return refusal(400, "round_label_too_long", error.message("nl"), error.message("en"))


# --- wiring -------------------------------------------------------------------------------------------------


def init_failures(app: dash.Dash) -> None:
    """Register the answers above on the Dash app's server; call after `init_auth`, so that log-in and CSRF are
    checked first (an anonymous malformed callback still gets 401, one without a token 400 for CSRF)."""
    server: Flask = app.server
    prefix = app.config.routes_pathname_prefix
    debug_only = {prefix + name for name in DEBUG_ONLY_ROUTES}
    callback_path = prefix + CALLBACK_PATH

    def screen() -> Response | None:
        if request.path in debug_only and not app._dev_tools.get("hot_reload"):
            return refusal(404, "not_found", t("error.unknown_page", "nl"), t("error.unknown_page", "en"))
        if request.path == callback_path and request.method == "POST":
            if not request.is_json:
                return _malformed("the body must be JSON (Content-Type: application/json)")
            body = request.get_json(silent=True)
            try:
                check_callback_body(body, app.callback_map)
            except MalformedCallback as exc:
                return _malformed(str(exc))
        return None

    server.before_request(screen)
    server.register_error_handler(sa.DBAPIError, _database_error)
    server.register_error_handler(sa.TimeoutError, _database_error)
    server.register_error_handler(InternalServerError, _server_error)
    server.register_error_handler(RoundLabelTooLong, _label_too_long)
    server.register_error_handler(MalformedCallback, lambda error: _malformed(str(error)))
