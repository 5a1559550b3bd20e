"""Log-in for the dashboard: Flask-Login sessions, the /login and /logout routes, CSRF, and the authorisation
helpers every page and callback uses.

Anonymous visitors get only /login and its stylesheet; every other request answers 302 to /login (pages) or 401
JSON (Dash's XHR and callback requests). Every POST needs the CSRF token: the log-in and log-out forms carry it
as a field, and dash-renderer sends the `_csrf_token` cookie set here as the `X-CSRFToken` header of every
callback. Roles: **nji** sees and manages everything, **coordinator** uploads for and sees the detail of its own
regions (plus the national views), **steering** reads national and regional views and exports.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

import flask
import flask_login
from dash.exceptions import PreventUpdate
from flask import Blueprint, Flask, Response, current_app, redirect, render_template_string, request
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf, validate_csrf
from sqlalchemy import Engine, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse  # what flask.redirect gives
from wtforms import ValidationError

from dashboard.i18n import Lang, normalize_language, t
from dashboard.web.security import (
    FAILED_LOGIN,
    harden,
    login_delay,
    same_origin,
    trust_proxies,
    web_settings,
)
from etl.admin.users import dummy_hash, find_user, password_matches
from etl.store import models as m
from etl.store.audit import record
from etl.store.db import session_scope
from etl.store.issues import UserError
from etl.store.sessions import SESSION_LIFETIME, end_session, open_session, session_user

LOGIN_PATH, LOGOUT_PATH = "/login", "/logout"
HOME_PAGES = {"coordinator": "/mijn-regio"}  # the page a role lands on after logging in (default: national)
LOGIN_CSS = "/assets/login.css"  # the one asset an anonymous visitor may fetch
LOGGED_OUT_PARAM = "uitgelogd"
CSRF_COOKIE = "_csrf_token"  # dash-renderer's default csrf_token_name; sent back as the X-CSRFToken header
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "raak_session"
MIN_SECRET_KEY_LENGTH = 32
MAX_EMAIL_LENGTH = 255
MAX_PASSWORD_LENGTH = 1024  # hashing an enormous "password" would cost the server, not the attacker
UNKNOWN_ACTOR = "unknown"  # the audit actor of a failed log-in for an address that is no user's ...
ACTOR_HASH_CHARS = 12  # ... followed by this much of a keyed hash of what was typed, to correlate repeats
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
EXTENSION = "raak_auth"


class MissingSecretKey(UserError):
    """The server may not start: sessions would be signed with a guessable key."""


@dataclass(frozen=True, eq=False)
class Principal(flask_login.UserMixin):
    """The logged-in user as every page and callback sees it; `session_token` names their server-side session
    (`etl.store.sessions`), which log-out and user changes delete."""

    user_id: int
    email: str
    role: str
    regions: tuple[str, ...] = ()
    session_token: str = ""

    def get_id(self) -> str:
        """What the signed cookie stores: the user and the token of their server-side session (see `load_principal`)."""
        return f"{self.user_id}:{self.session_token}"

    def has_role(self, *roles: str) -> bool:
        """Whether the user has one of `roles`."""
        return self.role in roles

    def sees_region(self, region_code: str | None) -> bool:
        """Whether this user may see the detail of a region (coordinators: only their own)."""
        if self.role != "coordinator":
            return True
        return isinstance(region_code, str) and region_code.strip().upper() in self.regions

    @property
    def upload_regions(self) -> tuple[str, ...] | None:
        """What `ingest()` gets as `allowed_regions`: None (any) for nji, a coordinator's own, none otherwise."""
        return None if self.role == "nji" else self.regions if self.role == "coordinator" else ()


def _principal(session: Any, user: m.User, token: str) -> Principal:
    regions = tuple(
        session.scalars(
            select(m.UserRegion.region_code).where(m.UserRegion.user_id == user.id).order_by(m.UserRegion.region_code)
        )
    )
    return Principal(user.id, user.email, user.role, regions, token)


def load_principal(engine: Engine, user_id: str) -> Principal | None:
    """The active user whose live server-side session the cookie names, or None (logged out, ended, disabled)."""
    number, _, token = user_id.partition(":")
    if not number.isdecimal() or not token:
        return None
    with session_scope(engine) as session:
        user = session_user(session, int(number), token)
    return Principal(user.id, user.email, user.role, user.regions, token) if user is not None else None


def login_actor(user: m.User | None, email: str, secret_key: str) -> str:
    """Who a log-in attempt is recorded as: a known user's address, else `unknown:` and a keyed hash of the text.

    Whatever was typed (maybe a password in the wrong field) never reaches the audit log, yet repeats of the same
    text share one actor, so they can be correlated and the per-address back-off counts them.
    """
    if user is not None:
        return user.email
    digest = hmac.new(secret_key.encode("utf-8"), email.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{UNKNOWN_ACTOR}:{digest[:ACTOR_HASH_CHARS]}"


def verify(session: Any, user: m.User | None, password: str) -> Principal | None:
    """A new session for `user` when active and the password is theirs, else None.

    Every failed path costs the same: exactly one password-hash check (against a dummy hash for an unknown or
    disabled user, or an over-long password) and no further query.
    """
    matches = password_matches(user if len(password) <= MAX_PASSWORD_LENGTH else None, password[:MAX_PASSWORD_LENGTH])
    if user is None or not matches:
        return None
    return _principal(session, user, open_session(session, user.id))


# --- helpers for pages and callbacks ------------------------------------------------------------------------


def current_principal() -> Principal | None:
    """The logged-in user of this request, or None."""
    user = flask_login.current_user
    return user if isinstance(user, Principal) else None


def csrf_token() -> str:
    """The CSRF token for a form inside a Dash layout (empty outside a request, e.g. when tests render directly)."""
    return generate_csrf() if flask.has_request_context() else ""


def client_address() -> str | None:
    """The client's address as the server sees it (behind proxies: see RAAK_TRUSTED_PROXIES)."""
    return request.remote_addr if flask.has_request_context() else None


def audit(action: str, actor: str | None, detail: dict[str, Any] | None = None) -> None:
    """Record a web action with who (actor) and from where (the client address)."""
    engine: Engine = current_app.extensions[EXTENSION]
    with session_scope(engine, write_first=True, remote_addr=client_address()) as session:
        record(session, action, actor=actor, detail=detail)


def deny(reason: str) -> NoReturn:
    """End a callback without an answer (204): the request asked for something the pages never offer this user,
    so it was crafted; the attempt is audited."""
    principal = current_principal()
    body = request.get_json(silent=True) if flask.has_request_context() else None
    output = body.get("output") if isinstance(body, dict) else None
    detail = {"role": principal.role if principal else None, "reason": reason, "callback": str(output)[:200]}
    audit("access.denied", principal.email if principal else None, detail)
    raise PreventUpdate


def require_role(*roles: str) -> Principal:
    """For callbacks: the logged-in user when their role is one of `roles`; anyone else is denied."""
    principal = current_principal()
    if principal is None or not principal.has_role(*roles):
        deny(f"needs role {' or '.join(roles)}")
    return principal


# --- the log-in page ----------------------------------------------------------------------------------------

SHELL = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · RAAK Monitor</title>
<link rel="stylesheet" href="{{ css }}">
</head>
<body class="login-page">
<main class="login-box">
{% if languages %}<nav class="login-lang">{% for code, href in languages %}<a href="{{ href }}"
 id="login-lang-{{ code }}" class="{{ 'active' if code == lang else '' }}">{{ code | upper }}</a>{% endfor %}</nav>
{% endif %}<h1>RAAK Monitor</h1>
<p class="login-tagline">{{ tagline }}</p>
{% if notice %}<p class="login-notice" id="login-notice">{{ notice }}</p>{% endif %}
{% if error %}<p class="login-error" id="login-error" role="alert">{{ error }}</p>{% endif %}
{% if form %}<form method="post" action="{{ form.action }}" class="login-form">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
{% for name, value in form.hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}{% if form.login %}<label for="email">{{ form.email_label }}</label>
<input id="email" name="email" type="email" autocomplete="username" maxlength="{{ form.max_email }}" required
 autofocus value="{{ form.email }}">
<label for="password">{{ form.password_label }}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
{% endif %}<button type="submit" id="{{ form.button_id }}">{{ form.submit }}</button>
</form>{% endif %}
{% if help %}<p class="login-help">{{ help }}</p>{% endif %}
</main>
</body>
</html>
"""


def page(lang: Lang, title: str, *, status: int = 200, **parts: Any) -> Response:
    """A small server-rendered page in the log-in style (Jinja escapes every value): log-in, log-out, refusals."""
    html = render_template_string(
        SHELL,
        lang=lang,
        title=title,
        tagline=t("app.tagline", lang),
        css=LOGIN_CSS,
        csrf_field=CSRF_FIELD,
        csrf=generate_csrf(),
        **{"languages": None, "notice": None, "error": None, "form": None, "help": None, **parts},
    )
    return Response(html, status=status, mimetype="text/html")


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this site only (never another host), else the national page."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc and parts.path != LOGIN_PATH else "/"


def landing(principal: Principal, target: str, lang: Lang) -> str:
    """Where a log-in leads: the asked-for page, except that a coordinator's plain "/" is their own home."""
    if target != "/" or principal.role not in HOME_PAGES:
        return target
    return HOME_PAGES[principal.role] + ("?lang=en" if lang == "en" else "")


def login_page(
    lang: Lang, target: str, *, error: str | None = None, email: str = "", status: int = 200, notice: str | None = None
) -> Response:
    """The log-in form, in Dutch or English."""
    form = {
        "action": LOGIN_PATH,
        "hidden": [("next", target), ("lang", lang)],
        "login": True,
        "email": email,
        "max_email": MAX_EMAIL_LENGTH,
        "email_label": t("login.email", lang),
        "password_label": t("login.password", lang),
        "submit": t("login.submit", lang),
        "button_id": "login-submit",
    }
    languages = [(code, f"{LOGIN_PATH}?{urlencode({'lang': code, 'next': target})}") for code in ("nl", "en")]
    return page(
        lang,
        t("login.title", lang),
        status=status,
        languages=languages,
        notice=notice,
        error=error,
        form=form,
        help=t("login.help", lang),
    )


def _login() -> BaseResponse:
    """GET: the form (or straight on when logged in). POST: back-off, check, audit, then a fresh session."""
    lang = normalize_language(request.values.get("lang"))
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_principal() is not None:
            return redirect(target)
        notice = t("login.logged_out", lang) if LOGGED_OUT_PARAM in request.args else None
        return login_page(lang, target, notice=notice)
    email = request.form.get("email", "").strip().lower()[:MAX_EMAIL_LENGTH]
    password = request.form.get("password", "")
    engine: Engine = current_app.extensions[EXTENSION]
    with session_scope(
        engine, write_first=True, remote_addr=client_address()
    ) as session:  # the same queries whoever fails (see verify)
        user = find_user(session, email)
        actor = login_actor(user, email, current_app.config["SECRET_KEY"])
        wait = login_delay(session, actor, client_address())
        principal = None if wait else verify(session, user, password)
        action = "login.throttled" if wait else "login" if principal else FAILED_LOGIN
        record(session, action, actor=actor, detail={"retry_after": wait} if wait else None)
    if wait:
        response = login_page(lang, target, error=t("login.throttled", lang, seconds=wait), email=email, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    if principal is None:
        return login_page(lang, target, error=t("login.failed", lang), email=email, status=401)
    flask.session.clear()  # a fresh session (and CSRF token) for the logged-in user
    flask_login.login_user(principal)
    return redirect(landing(principal, target, lang))


def _logout() -> BaseResponse:
    """GET: ask. POST (with the CSRF token): audit, end this server-side session (the copied cookie with it; the
    user's other browsers stay logged in) and drop the cookies."""
    lang = normalize_language(request.values.get("lang"))
    if request.method == "GET":  # a typed or bookmarked /logout: ask, and log out only by the form's POST
        form = {
            "action": LOGOUT_PATH,
            "hidden": [("lang", lang)],
            "submit": t("nav.logout", lang),
            "button_id": "logout",
        }
        return page(lang, t("nav.logout", lang), notice=t("logout.confirm", lang), form=form)
    principal = current_principal()
    if principal is not None:
        engine: Engine = current_app.extensions[EXTENSION]
        with session_scope(engine, write_first=True, remote_addr=client_address()) as session:
            end_session(session, principal.session_token)
            record(session, "logout", actor=principal.email)
    flask_login.logout_user()
    flask.session.clear()
    response = redirect(f"{LOGIN_PATH}?{urlencode({'lang': lang, LOGGED_OUT_PARAM: 1})}")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


# --- the gate, CSRF and errors ------------------------------------------------------------------------------


def wants_json() -> bool:
    """Dash's own requests (layout, dependencies, callbacks) and JSON posts get JSON answers; pages and forms HTML."""
    return request.path.startswith("/_") or request.is_json


def refusal(status: int, code: str, nl: str, en: str, **extra: Any) -> Response:
    """A refusal in both languages: JSON for XHR/callbacks, a short page otherwise."""
    if wants_json():
        body = {"error": code, "message_nl": nl, "message_en": en, **extra}
        return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    return page("nl", t("error.refused", "nl"), status=status, error=nl, help=en)


def _gate() -> BaseResponse | None:
    """Only /login and its stylesheet without a session; a foreign Origin never gets to change anything."""
    if request.method in STATE_CHANGING and not same_origin(request):
        named = request.headers.get("Origin") or request.headers.get("Referer")
        code = "cross_origin" if named else "origin_missing"
        return refusal(403, code, t(f"error.{code}", "nl"), t(f"error.{code}", "en"))
    if request.endpoint == "raak_auth.login" or request.path == LOGIN_CSS or current_principal() is not None:
        return None
    if wants_json():
        return refusal(401, "login_required", t("error.login_required", "nl"), t("error.login_required", "en"))
    target = request.full_path.rstrip("?") if request.query_string else request.path
    return redirect(f"{LOGIN_PATH}?{urlencode({'next': safe_next(target)})}")


def _csrf_cookie(response: Response) -> Response:
    """Keep a valid `_csrf_token` cookie for a logged-in browser, readable by dash-renderer, sent to this site only."""
    if current_principal() is None:
        return response
    try:
        validate_csrf(request.cookies.get(CSRF_COOKIE))
    except ValidationError:
        response.set_cookie(
            CSRF_COOKIE,
            generate_csrf(),
            path="/",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=False,
            samesite="Strict",
        )
    return response


def _csrf_failed(error: CSRFError) -> Response:
    """A missing or wrong CSRF token: the log-in form again (it had expired), else a refusal."""
    if request.endpoint == "raak_auth.login":
        lang = normalize_language(request.form.get("lang"))
        return login_page(lang, safe_next(request.form.get("next")), error=t("login.expired", lang), status=400)
    return refusal(400, "csrf", t("error.csrf", "nl"), t("error.csrf", "en"), reason=error.description)


def _too_large(_error: RequestEntityTooLarge) -> Response:
    """A request over MAX_CONTENT_LENGTH: refused with the limit, before Dash reads any of it."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    megabytes = f"{limit / 1_000_000:.0f}"
    return refusal(
        413,
        "request_too_large",
        t("error.request_too_large", "nl", limit=megabytes),
        t("error.request_too_large", "en", limit=megabytes),
        limit=limit,
    )


def check_secret_key(secret_key: str | None) -> str:
    """The key sessions are signed with; refuses a missing or short one with one clear line."""
    if not secret_key:
        raise MissingSecretKey(
            "SECRET_KEY is not set; set it to a long random value, e.g. `export SECRET_KEY=$(python -c "
            "'import secrets; print(secrets.token_hex(32))')` (`raak demo` makes its own)"
        )
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise MissingSecretKey(f"SECRET_KEY is too short: use at least {MIN_SECRET_KEY_LENGTH} random characters")
    return secret_key


def init_auth(server: Flask, engine: Engine, secret_key: str | None) -> None:
    """Log-in, session cookies, CSRF, the gate, security headers and error answers on the Dash app's server."""
    settings = web_settings()
    trust_proxies(server, settings.trusted_proxies)
    server.config.update(
        SECRET_KEY=check_secret_key(secret_key),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,  # Flask refuses any session cookie signed longer ago
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session: a page left open keeps working
        WTF_CSRF_FIELD_NAME=CSRF_FIELD,
        WTF_CSRF_SSL_STRICT=False,  # its Referer-only check refused browsers that send no Referer; see same_origin
    )
    dummy_hash()  # made now, so no log-in attempt pays for it (every failed log-in costs one hash check)
    server.extensions[EXTENSION] = engine
    manager = flask_login.LoginManager()
    manager.session_protection = "strong"  # a session cookie used from another address or browser is dropped
    manager.user_loader(lambda user_id: load_principal(engine, user_id))
    manager.init_app(server)

    blueprint = Blueprint("raak_auth", __name__)
    blueprint.add_url_rule(LOGIN_PATH, "login", _login, methods=["GET", "POST"])
    blueprint.add_url_rule(LOGOUT_PATH, "logout", _logout, methods=["GET", "POST"])
    server.register_blueprint(blueprint)

    server.before_request(_gate)  # before CSRFProtect's own hook: anonymous callbacks get 401, not 400
    CSRFProtect(server)
    server.after_request(_csrf_cookie)
    server.after_request(lambda response: harden(response, request, secure=settings.secure_cookies))
    server.register_error_handler(CSRFError, _csrf_failed)
    server.register_error_handler(RequestEntityTooLarge, _too_large)
