"""Dash's debug-only routes (`/_reload-hash`, the hot-reload poll) answer 404 outside debug mode — for the app as
`create_app` builds it and as gunicorn serves it (`create_server`) — while anonymous requests still get 401."""

from __future__ import annotations

import flask
import pytest
from corpus.builders import sqlite_only
from corpus.web import SECRET_KEY, USERS, Client, add_users, logged_in
from sqlalchemy import Engine

from dashboard.web.app import create_app, create_server
from etl.store.db import engine_for

DEBUG_ONLY = ("/_reload-hash",)


class ServerClient(Client):
    """`Client`'s log-in and requests against a bare Flask server (as gunicorn gets it from `create_server`)."""

    def __init__(self, server: flask.Flask) -> None:
        self.http = server.test_client()


def assert_not_found_in_both_languages(client: Client, path: str) -> None:
    response = client.http.get(path)
    assert response.status_code == 404, (path, response.get_data(as_text=True)[:300])
    answer = response.get_json()
    assert answer["message_nl"] and answer["message_en"] and "reloadHash" not in response.get_data(as_text=True)


@sqlite_only
def test_debug_only_routes_answer_404_to_a_logged_in_user(engine: Engine) -> None:
    add_users(engine)
    app = create_app(engine, secret_key=SECRET_KEY)
    nji = logged_in(app, USERS["nji"][0])
    for path in DEBUG_ONLY:
        assert_not_found_in_both_languages(nji, path)
        assert Client(app).http.get(path).status_code == 401  # the log-in gate still answers first
    assert nji.http.get("/_dash-layout").status_code == 200  # the routes the pages need stay


@sqlite_only
def test_the_production_server_has_no_debug_route(use_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    add_users(engine_for(use_database))
    client = ServerClient(create_server())
    assert client.login(USERS["nji"][0]).status_code == 302
    for path in DEBUG_ONLY:
        assert_not_found_in_both_languages(client, path)
