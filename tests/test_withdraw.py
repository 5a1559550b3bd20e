"""Returns nobody made, and taking one back: a prefilled template never fills a municipality that sent nothing
in the previous round, and a return can be withdrawn (`etl.ingest.withdraw`, `raak withdraw`): audited, nothing deleted,
the numbers follow; a coordinator only for their own regions and only until the deadline."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from corpus.builders import (
    SMALL_REGION,
    add_rounds,
    count,
    current,
    filled,
    random_statuses,
    region_municipalities,
    template,
)
from corpus.layouts import text
from sqlalchemy import Engine, select

from dashboard.analytics.report import round_report
from dashboard.cli import USAGE_ERROR_EXIT, main
from dashboard.web.auth import Principal
from dashboard.web.pages import upload
from etl.ingest.pipeline import ingest
from etl.ingest.withdraw import WITHDRAW_ACTION, WithdrawError, withdraw_return
from etl.store import models as m
from etl.store.db import session_scope
from etl.templates.template import fill_template

REASON = "ingevuld voor de verkeerde gemeente"


def loaded(engine: Engine, tmp_path: Path) -> list[str]:
    add_rounds(engine, "2009")
    with session_scope(engine) as session:
        session.scalar(select(m.Round).where(m.Round.label == "2009")).deadline = date(2010, 2, 1)
    codes = region_municipalities(engine, SMALL_REGION)
    report = ingest(filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, 1)), engine=engine)
    assert report.status == "accepted", report.issues
    return codes


def test_withdrawn_return_stops_counting_and_is_audited(engine: Engine, tmp_path: Path) -> None:
    codes = loaded(engine, tmp_path)
    before = round_report(engine, "2009").national
    done = withdraw_return(engine, "2009", codes[0].lower(), actor="nji@example.nl", reason=REASON)

    assert (done.municipality_code, done.n_assessments) == (codes[0], 35)
    assert not [key for key in current(engine, "2009") if key[0] == codes[0]]
    assert count(engine, m.Assessment, m.Assessment.municipality_code == codes[0]) == 35  # kept, not current
    after = round_report(engine, "2009").national
    assert after["n_returns"] == before["n_returns"] - 1
    with session_scope(engine) as session:
        entry = session.scalar(select(m.AuditLog).where(m.AuditLog.action == WITHDRAW_ACTION))
        assert entry.actor == "nji@example.nl"
        assert json.loads(entry.detail)["reason"] == REASON
    with pytest.raises(WithdrawError, match="no current return"):
        withdraw_return(engine, "2009", codes[0], actor="nji@example.nl", reason=REASON)


def test_coordinator_withdraws_own_region_until_the_deadline_only(engine: Engine, tmp_path: Path) -> None:
    codes = loaded(engine, tmp_path)
    own = (SMALL_REGION,)
    with pytest.raises(WithdrawError, match="until its deadline") as late:
        withdraw_return(engine, "2009", codes[0], actor="c", reason=REASON, regions=own, today=date(2010, 2, 2))
    assert "vraag het NJi" in late.value.message("nl")
    with pytest.raises(WithdrawError):
        withdraw_return(engine, "2009", codes[0], actor="c", reason=REASON, regions=("GG0111",), today=date(2010, 1, 1))
    assert len([key for key in current(engine, "2009") if key[0] == codes[0]]) == 35  # nothing changed
    withdraw_return(engine, "2009", codes[0], actor="c", reason=REASON, regions=own, today=date(2010, 2, 1))
    assert not [key for key in current(engine, "2009") if key[0] == codes[0]]


def test_raak_withdraw_needs_a_reason_and_withdraws(engine: Engine, tmp_path: Path, use_database: str) -> None:
    codes = loaded(engine, tmp_path)
    runner = CliRunner()
    empty = runner.invoke(main, ["withdraw", "--round", "2009", "--municipality", codes[1], "--reason", " "])
    assert empty.exit_code == USAGE_ERROR_EXIT and "reason" in empty.output
    result = runner.invoke(main, ["withdraw", "--round", "2009", "--municipality", codes[1], "--reason", REASON])
    assert result.exit_code == 0, result.output
    assert not [key for key in current(engine, "2009") if key[0] == codes[1]]


def test_prefill_never_fills_a_municipality_without_a_return_in_the_previous_round(
    engine: Engine, tmp_path: Path
) -> None:
    add_rounds(engine, "2009", "2010", "2011")
    codes = region_municipalities(engine, SMALL_REGION)
    first = ingest(filled(engine, SMALL_REGION, "2009", tmp_path / "a", random_statuses(codes, 2)), engine=engine)
    later = {codes[0]: random_statuses(codes, 3)[codes[0]]}  # in 2010 only the first municipality returned
    second = ingest(filled(engine, SMALL_REGION, "2010", tmp_path / "b", later), engine=engine)
    assert (first.status, second.status) == ("accepted", "accepted")

    book = openpyxl.load_workbook(template(engine, SMALL_REGION, "2011", tmp_path / "c", prefill=True))
    sheets = {book[name]["B3"].value: book[name] for name in book.sheetnames[1:-1]}
    assert sheets[codes[0]]["D10"].value is not None and "ronde 2010" in sheets[codes[0]]["A2"].value
    silent = sheets[codes[1]]
    assert silent["D10"].value is None  # filled from 2009 before: a return nobody made
    assert silent["A2"].value.startswith("LET OP") and silent["A2"].font.color.rgb.endswith("C00000")


# --- on the upload page -------------------------------------------------------------------------------------------


def test_upload_summary_lists_what_changed_and_flags_a_copied_return(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009", "2010")
    codes = region_municipalities(engine, SMALL_REGION)
    statuses = random_statuses(codes, 4)
    assert ingest(filled(engine, SMALL_REGION, "2009", tmp_path / "a", statuses), engine=engine).status == "accepted"
    copied = ingest(template(engine, SMALL_REGION, "2010", tmp_path / "b", prefill=True), engine=engine)
    assert copied.status == "accepted", copied.issues
    shown = text(upload.file_result(copied, engine, "nl", 0))
    assert shown.count("nieuwe aanlevering die precies gelijk is aan ronde 2009") == len(codes)
    one = {codes[0]: {**statuses[codes[0]], 1: 4 if statuses[codes[0]][1] != 4 else 0}}
    changed = ingest(fill_template(template(engine, SMALL_REGION, "2010", tmp_path / "c"), one), engine=engine)
    assert changed.status == "accepted", changed.issues
    assert "1 van 35 statussen gewijzigd ten opzichte van de geldende aanlevering" in text(
        upload.file_result(changed, engine, "nl", 0)
    )


def test_upload_page_withdraws_as_the_logged_in_user(engine: Engine, tmp_path: Path) -> None:
    codes = loaded(engine, tmp_path)
    outsider = Principal(2, "c@example.nl", "coordinator", ("GG0111",))
    refused = upload.handle_withdraw(engine, outsider, "2009", codes[0], REASON, "nl", None)
    assert refused.startswith("Niet ingetrokken: u mag de aanlevering")
    nji = Principal(1, "nji@example.nl", "nji")
    done = upload.handle_withdraw(engine, nji, "2009", codes[0], REASON, "en", "192.0.2.1")
    assert done == f"The return of {codes[0]} in round 2009 is withdrawn (35 statuses no longer count)."
    with session_scope(engine) as session:
        entry = session.scalar(select(m.AuditLog).where(m.AuditLog.action == WITHDRAW_ACTION))
        assert (entry.actor, entry.remote_addr) == ("nji@example.nl", "192.0.2.1")
