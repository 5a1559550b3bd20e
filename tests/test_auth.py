"""Log-in, log-out, sessions, cookies, CSRF and the log-in back-off, through HTTP on the Flask test client.

`Client` (a logged-in browser stand-in that sends Dash callbacks with the CSRF header) and `add_users` are shared
with the upload, administration and security tests.
"""

from __future__ import annotations

import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dash
import pytest
from click.testing import CliRunner
from corpus.builders import sqlite_only
from corpus.sql import recorded_statements
from corpus.web import PASSWORD, SECRET_KEY, TOKEN_FIELD, USERS, Client, add_users, logged_in, prop
from sqlalchemy import Engine, select

from dashboard.cli import USAGE_ERROR_EXIT, main
from dashboard.demo.build import demo_secret_key
from dashboard.web.app import create_app, create_server
from dashboard.web.auth import CSRF_COOKIE, MissingSecretKey, safe_next
from dashboard.web.security import (
    FIRST_DELAY_SECONDS,
    FREE_FAILURES_PER_ADDRESS,
    FREE_FAILURES_PER_EMAIL,
    MAX_DELAY_SECONDS,
    backoff_seconds,
    login_delay,
)
from etl.admin.users import disable_user, reset_password
from etl.store import models as m
from etl.store.db import session_scope


@pytest.fixture
def app(engine: Engine) -> dash.Dash:
    add_users(engine)
    return create_app(engine, secret_key=SECRET_KEY)


def audit_rows(engine: Engine, action: str) -> list[m.AuditLog]:
    with session_scope(engine) as session:
        return list(session.scalars(select(m.AuditLog).where(m.AuditLog.action == action).order_by(m.AuditLog.id)))


# --- anonymous visitors -----------------------------------------------------------------------------------------


@sqlite_only
def test_anonymous_visitor_gets_only_the_login_page(app: dash.Dash) -> None:
    http = app.server.test_client()
    for path in ("/", "/regio/GG3906", "/upload", "/beheer", "/assets/style.css", "/nergens"):
        response = http.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")
    for path in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/_favicon.ico"):
        response = http.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["error"] == "login_required"
    callback = http.post("/_dash-update-component", json={"output": "page.children"})
    assert callback.status_code == 401 and "log in" in callback.get_json()["message_en"]
    assert http.get("/assets/login.css").status_code == 200
    page = http.get("/login?lang=en")
    assert page.status_code == 200 and TOKEN_FIELD.search(page.get_data(as_text=True))
    assert "E-mail address" in page.get_data(as_text=True)
    assert "E-mailadres" in http.get("/login").get_data(as_text=True)


@sqlite_only
def test_wrong_password_and_unknown_user_get_the_same_generic_answer_and_are_audited(
    app: dash.Dash, engine: Engine
) -> None:
    client = Client(app)
    wrong = client.login(USERS["nji"][0], "not the password")
    unknown = client.login("nobody@test.nl", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    messages = [
        re.search(r'id="login-error"[^>]*>([^<]+)<', r.get_data(as_text=True)).group(1) for r in (wrong, unknown)
    ]
    assert messages[0] == messages[1] and "controleer uw e-mailadres en wachtwoord" in messages[0]
    failed = audit_rows(engine, "login.failed")
    assert len(failed) == 2 and failed[0].actor == USERS["nji"][0]  # an unknown address is not stored as typed
    assert re.fullmatch(r"unknown:[0-9a-f]{12}", failed[1].actor)
    assert all(row.remote_addr == "127.0.0.1" for row in failed)
    assert all("not the password" not in (row.detail or "") for row in failed)
    assert client.http.get("/").status_code == 302  # still not logged in


@sqlite_only
def test_login_opens_the_page_asked_for_with_hardened_cookies(app: dash.Dash, engine: Engine) -> None:
    client = Client(app)
    response = client.login(USERS["coordinator"][0], next="/regio/GG3906?ronde=2009")
    assert response.status_code == 302 and response.headers["Location"] == "/regio/GG3906?ronde=2009"
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    session_cookie, csrf_cookie = cookies["raak_session"], cookies[CSRF_COOKIE]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Secure" not in session_cookie
    assert "HttpOnly" not in csrf_cookie and "SameSite=Strict" in csrf_cookie
    page = client.http.get("/")
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    login = audit_rows(engine, "login")
    assert [(row.actor, row.remote_addr) for row in login] == [(USERS["coordinator"][0], "127.0.0.1")]


@sqlite_only
def test_session_cookie_is_secure_when_configured(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    add_users(engine)
    app = create_app(engine, secret_key=SECRET_KEY)
    client = Client(app)
    token = TOKEN_FIELD.search(client.http.get("/login", base_url="https://localhost").get_data(as_text=True)).group(1)
    response = client.http.post(
        "/login",
        data={"email": USERS["nji"][0], "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    assert all("Secure" in cookie for cookie in response.headers.getlist("Set-Cookie"))
    assert "max-age" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("/regio/GG3406?ronde=2010", "/regio/GG3406?ronde=2010"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/login", "/"),
        (None, "/"),
    ],
)
def test_after_login_only_pages_of_this_site_are_opened(asked: str | None, expected: str) -> None:
    assert safe_next(asked) == expected


@sqlite_only
def test_login_and_callbacks_without_the_csrf_token_are_refused(app: dash.Dash) -> None:
    http = app.server.test_client()
    response = http.post("/login", data={"email": USERS["nji"][0], "password": PASSWORD})
    assert response.status_code == 400 and "verlopen" in response.get_data(as_text=True)
    assert http.get("/").status_code == 302
    client = logged_in(app, USERS["nji"][0])
    good = client.route("/")
    assert good.status_code == 200
    forged = client.callback(
        [("header", "children"), ("banner", "children"), ("page", "children")],
        [prop("url", "pathname", "/"), prop("url", "search", "")],
        headers={"X-CSRFToken": "forged"},
    )
    assert forged.status_code == 400 and forged.get_json()["error"] == "csrf"


@sqlite_only
def test_a_post_from_another_site_is_refused_even_with_a_token(app: dash.Dash) -> None:
    client = logged_in(app, USERS["nji"][0])
    response = client.callback(
        [("header", "children"), ("banner", "children"), ("page", "children")],
        [prop("url", "pathname", "/"), prop("url", "search", "")],
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403 and response.get_json()["error"] == "cross_origin"
    same = client.route("/")
    assert same.status_code == 200


@sqlite_only
def test_logout_is_a_post_with_the_token_and_ends_the_session(app: dash.Dash, engine: Engine) -> None:
    client = logged_in(app, USERS["steering"][0])
    confirm = client.http.get("/logout")  # asks, and changes nothing
    assert confirm.status_code == 200 and 'action="/logout"' in confirm.get_data(as_text=True)
    assert client.route("/").status_code == 200
    stale = client.http.post("/logout")  # a form without its token: refused, in words, and still logged in
    assert stale.status_code == 400 and "beveiligingstoken" in stale.get_data(as_text=True)
    assert client.route("/").status_code == 200
    response = client.http.post("/logout", data={"csrf_token": client.csrf, "lang": "en"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?lang=en")
    assert "logged out" in client.http.get(response.headers["Location"]).get_data(as_text=True)
    assert client.http.get("/").status_code == 302
    assert client.route("/").status_code == 401
    assert [row.actor for row in audit_rows(engine, "logout")] == [USERS["steering"][0]]


@sqlite_only
def test_a_password_reset_or_disabling_ends_existing_sessions(app: dash.Dash, engine: Engine) -> None:
    nji, steering = logged_in(app, USERS["nji"][0]), logged_in(app, USERS["steering"][0])
    assert nji.route("/").status_code == steering.route("/").status_code == 200
    with session_scope(engine) as session:
        reset_password(session, USERS["nji"][0], "another long password", actor="test")
        disable_user(session, USERS["steering"][0], actor="test")
    assert nji.route("/").status_code == 401
    assert steering.route("/").status_code == 401
    assert logged_in(app, USERS["nji"][0], "another long password").route("/").status_code == 200
    assert Client(app).login(USERS["steering"][0]).status_code == 401


@sqlite_only
def test_a_session_cookie_taken_to_another_browser_is_dropped(app: dash.Dash) -> None:
    client = logged_in(app, USERS["nji"][0])
    assert client.route("/").status_code == 200
    assert client.route("/", headers={"User-Agent": "another browser"}).status_code == 401
    assert client.route("/").status_code == 401  # and stays dropped


@sqlite_only
def test_every_request_finds_its_user_and_regions_in_one_query(app: dash.Dash, engine: Engine) -> None:
    """Each request looks its session up (so an ended session ends at once), in one round trip: the user, the
    live session and the coordinator's regions together."""
    client = logged_in(app, USERS["coordinator"][0])
    with recorded_statements(engine) as statements:
        assert client.route("/").status_code == 200
    lookups = [s for s in statements if "user_sessions" in s or "user_regions" in s]
    assert len(lookups) == 1, lookups


# --- back-off ---------------------------------------------------------------------------------------------------


def test_backoff_starts_after_the_free_failures_and_doubles_up_to_the_maximum() -> None:
    free = FREE_FAILURES_PER_EMAIL
    assert [backoff_seconds(n, free) for n in range(free)] == [0] * free
    assert backoff_seconds(free, free) == FIRST_DELAY_SECONDS
    assert backoff_seconds(free + 3, free) == FIRST_DELAY_SECONDS * 8
    assert backoff_seconds(free + 1000, free) == MAX_DELAY_SECONDS


@sqlite_only
def test_repeated_failures_back_off_per_email_even_for_the_right_password(app: dash.Dash, engine: Engine) -> None:
    client = Client(app)
    email = USERS["nji"][0]
    for _ in range(FREE_FAILURES_PER_EMAIL):
        assert client.login(email, "wrong password").status_code == 401
    throttled = client.login(email, PASSWORD)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) == FIRST_DELAY_SECONDS
    assert "Probeer het over" in throttled.get_data(as_text=True)
    assert client.http.get("/").status_code == 302  # the right password did not log in while throttled
    assert [row.actor for row in audit_rows(engine, "login.throttled")] == [email]
    assert client.login(USERS["steering"][0]).status_code == 302  # another address in the same office still can
    with session_scope(engine) as session:
        later = datetime.now(UTC) + timedelta(seconds=FIRST_DELAY_SECONDS + 1)
        assert login_delay(session, email, "127.0.0.1", later) == 0
        forgotten = datetime.now(UTC) + timedelta(hours=1)
        assert login_delay(session, email, "127.0.0.1", forgotten) == 0


@sqlite_only
def test_many_failures_from_one_address_back_off_for_every_email(engine: Engine) -> None:
    with session_scope(engine) as session:
        for n in range(FREE_FAILURES_PER_ADDRESS):
            session.add(m.AuditLog(action="login.failed", actor=f"guess{n}@test.nl", remote_addr="192.0.2.7"))
    with session_scope(engine) as session:
        assert login_delay(session, "someone@test.nl", "192.0.2.7") == FIRST_DELAY_SECONDS
        assert login_delay(session, "someone@test.nl", "192.0.2.8") == 0


# --- the secret key ---------------------------------------------------------------------------------------------


@sqlite_only
def test_server_refuses_to_start_without_a_secret_key(
    use_database: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(MissingSecretKey, match="SECRET_KEY is not set"):
        create_app(engine)
    with pytest.raises(MissingSecretKey, match="too short"):
        create_app(engine, secret_key="short")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == USAGE_ERROR_EXIT
    assert result.output.count("\n") == 1 and "SECRET_KEY is not set" in result.output
    with pytest.raises(SystemExit, match="SECRET_KEY is not set"):
        create_server()
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    assert create_server().config["SECRET_KEY"] == SECRET_KEY


def test_demo_secret_key_is_random_kept_and_private(tmp_path: Path) -> None:
    key = demo_secret_key(tmp_path / "instance")
    assert len(key) >= 32 and demo_secret_key(tmp_path / "instance") == key
    assert stat.S_IMODE((tmp_path / "instance" / "secret_key").stat().st_mode) == 0o600
    assert demo_secret_key(tmp_path / "other") != key
