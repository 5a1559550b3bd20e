"""A round label longer than the database keeps is refused with a clear message in Dutch and English — on /beheer
(400), on the command line (exit 2) and as `?ronde=` (the page says the round is unknown) — and nothing is stored.
PostgreSQL raised a DataError (500) for it before."""

from __future__ import annotations

import re

import dash
import pytest
from click.testing import CliRunner
from corpus.builders import add_rounds, count
from corpus.web import SECRET_KEY, USERS, act, add_users, logged_in, prop
from sqlalchemy import Engine

from dashboard.cli import USAGE_ERROR_EXIT, main
from dashboard.web.app import create_app
from dashboard.web.pages import admin
from etl.store import models as m
from etl.store.db import engine_for

LABEL_LENGTH = m.Round.__table__.c.label.type.length
TOO_LONG = "2012-" + "x" * LABEL_LENGTH


@pytest.fixture
def app(engine: Engine) -> dash.Dash:
    add_rounds(engine, "2009")
    add_users(engine)
    return create_app(engine, secret_key=SECRET_KEY)


def test_an_over_long_round_label_on_beheer_gets_400_and_stores_nothing(app: dash.Dash, engine: Engine) -> None:
    nji = logged_in(app, USERS["nji"][0])
    existing = {"type": admin.TOGGLE, "round": "2009"}, {"type": admin.SAVE, "round": "2009"}
    response = nji.callback(
        [(admin.ROUNDS, "children"), (admin.MESSAGE, "children")],
        [[prop(existing[0], "n_clicks")], [prop(existing[1], "n_clicks")], prop(admin.ADD, "n_clicks", 1)],
        [
            [prop({"type": admin.DEADLINE, "round": "2009"}, "value")],
            prop(admin.NEW_LABEL, "value", TOO_LONG),
            prop(admin.NEW_REFERENCE, "value", "2012-12-31"),
            prop(admin.NEW_DEADLINE, "value"),
            prop("url", "search", ""),
        ],
        changed=[f"{admin.ADD}.n_clicks"],
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    answer = response.get_json()
    assert answer["error"] == "round_label_too_long"
    assert f"hoogstens {LABEL_LENGTH} tekens" in answer["message_nl"]
    assert f"at most {LABEL_LENGTH} characters" in answer["message_en"]
    assert count(engine, m.Round) == 1


def test_a_round_label_of_the_full_length_is_accepted(app: dash.Dash, engine: Engine) -> None:
    nji = logged_in(app, USERS["nji"][0])
    longest = TOO_LONG[:LABEL_LENGTH]
    assert act(nji, admin.ADD, longest, reference="2012-12-31") == (200, f"Ronde {longest} is toegevoegd en open.")
    assert count(engine, m.Round) == 2


def test_the_form_does_not_let_a_longer_label_be_typed(app: dash.Dash) -> None:
    page = logged_in(app, USERS["nji"][0]).page("/beheer")
    assert re.search(rf'"maxLength":\s*{LABEL_LENGTH}', page)


def test_an_over_long_round_in_the_url_is_an_unknown_round(app: dash.Dash) -> None:
    page = logged_in(app, USERS["nji"][0]).page("/aanlevering", f"?ronde={TOO_LONG}")
    assert "onbekende ronde" in page.lower() or "niet gevonden" in page.lower()


def test_the_cli_refuses_an_over_long_round_label_in_one_line_in_both_languages(use_database: str) -> None:
    result = CliRunner().invoke(main, ["rounds", "add", TOO_LONG, "--reference-date", "2012-12-31"])
    assert result.exit_code == USAGE_ERROR_EXIT, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert f"at most {LABEL_LENGTH} characters" in result.output
    assert f"hoogstens {LABEL_LENGTH} tekens" in result.output
    assert count(engine_for(use_database), m.Round) == 0
