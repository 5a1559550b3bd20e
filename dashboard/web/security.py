"""Request hardening for the web server: log-in back-off, same-origin checks, response headers, client address.

The back-off is counted from `audit_log` rows (action `login.failed`), so every gunicorn worker and every server
sees the same count without another store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from etl.store import models as m

FAILED_LOGIN = "login.failed"
FAILURE_WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
FREE_FAILURES_PER_EMAIL = 5  # failures for one e-mail address before the back-off starts
FREE_FAILURES_PER_ADDRESS = 20  # ... and from one address (several people may share one, e.g. behind NAT)
FIRST_DELAY_SECONDS = 2  # the back-off doubles with each further failure ...
MAX_DELAY_SECONDS = 15 * 60  # ... up to this
MAX_DOUBLINGS = 20  # 2 s · 2^20 is far past the maximum already; keeps the arithmetic small
SECURE_COOKIE_ENV = "SESSION_COOKIE_SECURE"
TRUSTED_PROXIES_ENV = "RAAK_TRUSTED_PROXIES"
TRUE_WORDS = ("1", "true", "yes", "on")
# fingerprinted library files and the map shapes (their own private max-age and ETag) may be cached; nothing else
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/kaart/")
HSTS_SECONDS = 365 * 24 * 60 * 60

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class WebSettings:
    """Deployment settings of the web server only (the rest lives in `etl.store.config`)."""

    secure_cookies: bool
    trusted_proxies: int


def web_settings() -> WebSettings:
    """`SESSION_COOKIE_SECURE=1` behind HTTPS; `RAAK_TRUSTED_PROXIES=N` when N reverse proxies add X-Forwarded-*."""
    proxies = os.environ.get(TRUSTED_PROXIES_ENV, "").strip() or "0"
    if not proxies.isdecimal():
        raise ValueError(f"{TRUSTED_PROXIES_ENV} must be a whole number, got {proxies!r}")
    secure = os.environ.get(SECURE_COOKIE_ENV, "").strip().lower() in TRUE_WORDS
    return WebSettings(secure_cookies=secure, trusted_proxies=int(proxies))


def trust_proxies(server: Flask, count: int) -> None:
    """Take the client address and scheme from the X-Forwarded-* headers the `count` nearest proxies set."""
    if count:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


# --- log-in back-off ----------------------------------------------------------------------------------------


def backoff_seconds(failures: int, free: int) -> int:
    """How long to wait after the last failure: nothing for the first `free`, then 2 s doubling up to 15 min."""
    if failures < free:
        return 0
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** min(failures - free, MAX_DOUBLINGS))


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive timestamps; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def login_delay(session: Session, email: str, remote_addr: str | None, now: datetime | None = None) -> int:
    """Seconds before another log-in attempt for this e-mail address or from this address is considered; 0: now."""
    now = now or datetime.now(UTC)
    wait = 0
    for column, value, free in (
        (m.AuditLog.actor, email, FREE_FAILURES_PER_EMAIL),
        (m.AuditLog.remote_addr, remote_addr, FREE_FAILURES_PER_ADDRESS),
    ):
        if not value:
            continue
        failures, last = session.execute(
            select(func.count(), func.max(m.AuditLog.at)).where(
                m.AuditLog.action == FAILED_LOGIN, column == value, m.AuditLog.at > now - FAILURE_WINDOW
            )
        ).one()
        if last is not None:
            ready = _aware(last) + timedelta(seconds=backoff_seconds(failures, free))
            wait = max(wait, int((ready - now).total_seconds() + 0.999))
    return max(wait, 0)


# --- requests and responses ---------------------------------------------------------------------------------


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site (Origin, else Referer, names another host).

    `Origin` alone is enough (privacy-minded browsers send no Referer), also over HTTPS, where it must then be an
    `https://` origin. A request with neither header is a script's, not a browser's (browsers send `Origin` with
    every POST): over plain HTTP it still needs the CSRF token; over HTTPS it is refused, as Flask-WTF's strict
    Referer check did before (see docs/security.md).
    """
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source is None:
        return not request.is_secure
    parts = urlsplit(source)  # an opaque origin ("null") names no host: refused
    return parts.netloc == request.host and (parts.scheme == "https" or not request.is_secure)


def harden(response: Response, request: Request, *, secure: bool) -> Response:
    """Security headers on every response; nothing but fingerprinted library files may be cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
    if not request.path.startswith(STATIC_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    return response
