"""A database outage answers 503 with Retry-After in Dutch and English — pages, log-in and Dash callbacks — and the
same running app serves again as soon as the database is back (no restart).

The outage is real: on PostgreSQL the test database stops accepting connections and its sessions are ended; on
SQLite the database's folder is moved away. SQLite keeps a file it has open readable even after a move, so the
SQLite case empties the pool first, as a freshly started worker would be.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dash
import pytest
from corpus.web import PASSWORD, SECRET_KEY, USERS, Client, add_users, logged_in
from sqlalchemy import Engine, create_engine, make_url, text
from werkzeug.test import TestResponse

from dashboard.web.app import create_app
from etl.store.db import POSTGRES_CONNECT_TIMEOUT_SECONDS, engine_for, make_engine

DUTCH, ENGLISH = "tijdelijk niet beschikbaar", "temporarily unavailable"


def _sqlite_outage(url: str, folder: Path) -> tuple[Engine, Callable[[], Iterator[None]]]:
    """A copy of the test database in its own folder, and a way to move that folder away and back."""
    home = folder / "database"
    home.mkdir()
    copy = home / "raak.sqlite"
    shutil.copyfile(make_url(url).database or "", copy)
    engine = make_engine(f"sqlite:///{copy}")

    @contextmanager
    def away() -> Iterator[None]:
        os.rename(home, folder / "moved-away")
        engine.dispose()  # the pool's open files would still reach the moved database
        try:
            yield
        finally:
            os.rename(folder / "moved-away", home)

    return engine, away


def _postgres_outage(url: str) -> tuple[Engine, Callable[[], Iterator[None]]]:
    """The test database, and a way to refuse every connection to it (ending the open ones) and allow them again."""
    admin = create_engine(os.environ["RAAK_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    name = make_url(url).database

    @contextmanager
    def away() -> Iterator[None]:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
        try:
            yield
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()

    return engine_for(url), away


@pytest.fixture
def outage(db_url: str, tmp_path: Path) -> tuple[Engine, Callable[[], Iterator[None]]]:
    """(engine with one user of each role, context manager during which the database cannot be reached)."""
    engine, away = _sqlite_outage(db_url, tmp_path) if db_url.startswith("sqlite") else _postgres_outage(db_url)
    add_users(engine)
    return engine, away


SERVED = {"page": 200, "login": 302, "callback": 200}


def requests(app: dash.Dash, nji: Client) -> dict[str, TestResponse]:
    """A page, a log-in and a Dash callback, as a browser sends them."""
    return {
        "page": nji.http.get("/aanlevering"),
        "login": Client(app).login(USERS["steering"][0], PASSWORD),
        "callback": nji.route("/aanlevering"),
    }


def test_an_outage_answers_503_in_both_languages_and_the_app_recovers_by_itself(
    outage: tuple[Engine, Callable[[], Iterator[None]]],
) -> None:
    engine, away = outage
    app = create_app(engine, secret_key=SECRET_KEY)
    nji = logged_in(app, USERS["nji"][0])
    assert {name: r.status_code for name, r in requests(app, nji).items()} == SERVED

    with away():
        during = requests(app, nji)
        for name, response in during.items():
            assert response.status_code == 503, (name, response.get_data(as_text=True)[:300])
            assert int(response.headers.get("Retry-After", "0")) > 0, name
            body = response.get_data(as_text=True)
            assert DUTCH in body and ENGLISH in body, name
        callback = during["callback"].get_json()
        assert callback["error"] == "service_unavailable"
        assert DUTCH in callback["message_nl"] and ENGLISH in callback["message_en"]
        assert "text/html" in during["page"].content_type  # a readable page, not JSON, for the browser's address bar

    after = requests(app, nji)  # the same app object: nothing restarted
    assert {name: r.status_code for name, r in after.items()} == SERVED
    assert re.search(r'"id":\s*"page-root"', after["callback"].get_data(as_text=True))


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_postgresql_connection_gives_up_before_the_web_worker_does(db_url: str) -> None:
    """An unreachable host (no refusal, only silence) must fail within a bounded time so the answer is a 503."""
    engine = make_engine(db_url)
    with engine.connect() as connection:
        parameters = connection.connection.dbapi_connection.info.get_parameters()
    engine.dispose()
    assert parameters["connect_timeout"] == str(POSTGRES_CONNECT_TIMEOUT_SECONDS)
