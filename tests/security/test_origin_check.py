"""HTTPS mode and privacy-minded browsers: a log-in or callback POST that carries a same-origin `Origin` but no
`Referer` is accepted; a foreign or plain-HTTP `Origin` is refused, and so is a POST with neither header (no browser
sends that; the CSRF token is still required in every case).
"""

from __future__ import annotations

import dash
import pytest
from corpus.builders import sqlite_only
from corpus.web import PASSWORD, SECRET_KEY, TOKEN_FIELD, USERS, Client, add_users, prop
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from dashboard.web.app import create_app

SITE = "https://localhost"

pytestmark = sqlite_only


@pytest.fixture
def app(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dash.Dash:
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    add_users(engine)
    return create_app(engine, secret_key=SECRET_KEY)


def https_login(client: Client, headers: dict[str, str], token: str | None = None) -> TestResponse:
    """The log-in form posted over HTTPS with exactly these headers (no Referer unless given)."""
    if token is None:
        token = TOKEN_FIELD.search(client.http.get("/login", base_url=SITE).get_data(as_text=True)).group(1)
    data = {"email": USERS["nji"][0], "password": PASSWORD, "csrf_token": token}
    return client.http.post("/login", data=data, base_url=SITE, headers=headers)


def test_a_same_origin_origin_without_referer_logs_in_over_https(app: dash.Dash) -> None:
    client = Client(app)
    response = https_login(client, {"Origin": SITE})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert client.http.get("/", base_url=SITE).status_code == 200
    outputs = [("header", "children"), ("banner", "children"), ("page", "children")]
    body = {
        "output": client.name(outputs),
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [prop("url", "pathname", "/"), prop("url", "search", "")],
        "state": [],
        "changedPropIds": ["url.pathname"],
    }
    callback = client.http.post(
        "/_dash-update-component", json=body, base_url=SITE, headers={"Origin": SITE, "X-CSRFToken": client.csrf}
    )
    assert callback.status_code == 200, callback.get_data(as_text=True)[:300]
    refused = client.http.post(
        "/_dash-update-component", json=body, base_url=SITE, headers={"X-CSRFToken": client.csrf}
    )
    assert refused.status_code == 403 and refused.get_json()["error"] == "origin_missing"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost", "null"])
def test_a_foreign_or_downgraded_origin_is_refused_over_https(app: dash.Dash, origin: str) -> None:
    client = Client(app)
    response = https_login(client, {"Origin": origin})
    assert response.status_code == 403
    assert client.http.get("/", base_url=SITE).status_code == 302


def test_an_https_post_with_neither_origin_nor_referer_is_refused_in_both_languages(app: dash.Dash) -> None:
    client = Client(app)
    response = https_login(client, {})
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Origin" in text and "geweigerd" in text and "refused" in text


def test_an_origin_does_not_replace_the_csrf_token(app: dash.Dash) -> None:
    response = https_login(Client(app), {"Origin": SITE}, token="forged")
    assert response.status_code == 400
