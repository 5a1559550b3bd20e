"""The administration page (`/beheer`, NJi only): open and close rounds, set deadlines, add rounds, read the audit
log; every change is audited with who and from where."""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

import dash
import pytest
from corpus.builders import add_rounds, sqlite_only
from corpus.uploads import outcomes, send, text_of, valid_return
from corpus.web import MATCHED_DOWNLOAD, SECRET_KEY, USERS, Client, act, add_users, component_id, logged_in, prop, walk
from sqlalchemy import Engine, select

from dashboard.web.app import create_app
from dashboard.web.components import CSV_BUTTON, DATA_STORE, DOWNLOAD, XLSX_BUTTON
from dashboard.web.pages import admin
from etl.store import models as m
from etl.store.audit import record
from etl.store.db import session_scope


@pytest.fixture
def app(engine: Engine) -> dash.Dash:
    add_rounds(engine, "2009")
    add_users(engine)
    return create_app(engine, secret_key=SECRET_KEY)


@pytest.fixture
def nji(app: dash.Dash) -> Client:
    return logged_in(app, USERS["nji"][0])


def round_row(engine: Engine, label: str = "2009") -> m.Round:
    with session_scope(engine) as session:
        return session.scalar(select(m.Round).where(m.Round.label == label))


def audited(engine: Engine, action: str) -> list[tuple[str | None, str | None, str | None]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(m.AuditLog.actor, m.AuditLog.remote_addr, m.AuditLog.detail)
            .where(m.AuditLog.action == action)
            .order_by(m.AuditLog.id)
        )
        return [tuple(row) for row in rows]


def test_nji_closes_a_round_which_then_refuses_uploads_and_reopens_it(
    engine: Engine, app: dash.Dash, nji: Client, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    assert act(nji, admin.TOGGLE) == (200, "Ronde 2009 is gesloten.")
    assert round_row(engine).is_open is False
    assert audited(engine, "round.close") == [(USERS["nji"][0], "127.0.0.1", '{"round": "2009"}')]
    coordinator = logged_in(app, USERS["coordinator"][0])
    [refused] = outcomes(send(coordinator, [("a.xlsx", valid_return(engine, "GG3906", tmp_path))]))
    assert refused.status == "rejected" and "Ronde 2009 is gesloten" in refused.text
    assert act(nji, admin.TOGGLE) == (200, "Ronde 2009 is geopend.")
    assert round_row(engine).is_open is True and len(audited(engine, "round.open")) == 1


@sqlite_only
def test_deadlines_are_set_and_a_wrong_date_gets_a_message(engine: Engine, nji: Client) -> None:
    assert act(nji, admin.SAVE, deadline="2010-02-01") == (200, "Deadline van ronde 2009: 1 februari 2010.")
    assert str(round_row(engine).deadline) == "2010-02-01"
    status, message = act(nji, admin.SAVE, deadline="2009-01-01")
    assert status == 200 and message.startswith("Niet uitgevoerd:") and "ligt vóór de peildatum" in message
    assert act(nji, admin.SAVE, deadline="1 februari") == (200, "Dat is geen datum (JJJJ-MM-DD).")
    assert str(round_row(engine).deadline) == "2010-02-01"
    assert act(nji, admin.SAVE, deadline="") == (200, "Deadline van ronde 2009: –.")
    assert round_row(engine).deadline is None
    assert [(actor, where) for actor, where, _ in audited(engine, "round.deadline")] == [
        (USERS["nji"][0], "127.0.0.1")
    ] * 2


@sqlite_only
def test_a_round_is_added_from_the_page(engine: Engine, nji: Client) -> None:
    assert act(nji, admin.ADD, "2010", reference="2010-12-31", deadline="2011-02-01") == (
        200,
        "Ronde 2010 is toegevoegd en open.",
    )
    added = round_row(engine, "2010")
    assert added.is_open and str(added.deadline) == "2011-02-01"
    assert act(nji, admin.ADD, "2010", reference="2010-12-31")[1].startswith("Niet uitgevoerd: ronde '2010' bestaat al")
    assert act(nji, admin.ADD, "2011") == (200, "Geef de peildatum van de nieuwe ronde.")
    page = nji.page("/beheer")
    assert "round-state-2010" in page and "round-state-2009" in page


@sqlite_only
def test_only_nji_changes_rounds(engine: Engine, app: dash.Dash, table_snapshot) -> None:
    for role in ("coordinator", "steering"):
        client = logged_in(app, USERS[role][0])
        before = table_snapshot(engine)
        assert act(client, admin.TOGGLE) == (204, "")
        assert act(client, admin.ADD, "2010", reference="2010-12-31") == (204, "")
        after = table_snapshot(engine)
        assert {table for table in before if before[table] != after[table]} == {"audit_log"}
    assert round_row(engine).is_open is True and round_row(engine, "2010") is None


@sqlite_only
def test_the_audit_log_shows_who_what_when_and_where_as_text_and_downloads_without_formulas(
    engine: Engine, app: dash.Dash, nji: Client
) -> None:
    attacker = "=cmd|' /C calc'!A0@evil.example"
    Client(app).login(attacker, "guess")  # an address no user has: recorded as unknown:<keyed hash>, never as typed
    with session_scope(engine) as session:  # a formula-like actor an etl caller might still record
        record(session, "user.formula", actor=attacker)
    layout = nji.route("/beheer").get_json()["response"]["page"]["children"]
    grid = next(c for c in walk(layout) if c.get("props", {}).get("id") == "audit-grid")["props"]
    actions = {row["action"]: row for row in grid["rowData"]}
    assert {"user.add", "login", "login.failed"} <= set(actions)
    failed = actions["login.failed"]
    assert failed["actor"].startswith("unknown:") and failed["remote_addr"] == "127.0.0.1" and "UTC" in failed["at"]
    assert all("cellRenderer" not in column for column in grid["columnDefs"])
    store = next(c for c in walk(layout) if c.get("props", {}).get("id") == {"type": DATA_STORE, "card": "audit"})[
        "props"
    ]["data"]
    card = {"type": DOWNLOAD, "card": "audit"}
    response = nji.callback(
        [(card, "data")],
        [prop({**card, "type": CSV_BUTTON}, "n_clicks", 1), prop({**card, "type": XLSX_BUTTON}, "n_clicks")],
        [prop({**card, "type": DATA_STORE}, "data", store), prop({**card, "type": "filename"}, "data", "audit")],
        output=MATCHED_DOWNLOAD,
    )
    sent = response.get_json()["response"][component_id(card)]["data"]
    text = base64.b64decode(sent["content"]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))  # the Dutch page's download: Dutch Excel's form
    assert "'" + attacker in [row["Gebruiker"] for row in rows]
    users = next(c for c in walk(layout) if c.get("props", {}).get("id") == "users-grid")["props"]["rowData"]
    assert {row["email"] for row in users} == {email for email, _ in USERS.values()}
    assert "scrypt" not in text_of(layout) and "scrypt" not in json.dumps(store)
