"""Stored coverage per round × region (`round_coverage`): a report computes the rounds whose stored coverage is
missing or stale and reads the others, and whatever changes what a round's coverage is computed from makes its
stored rows stale in the same transaction, so a report always equals one recounted from the assessments."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from corpus.builders import SMALL_REGION, filled, points_rows, random_statuses, region_municipalities, workbook
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from dashboard.analytics import queries as data
from dashboard.analytics import report
from dashboard.analytics.cache import active_cache
from dashboard.analytics.metrics import Target
from etl.admin.rounds import add_round, set_weighting
from etl.ingest.pipeline import ingest
from etl.ingest.withdraw import withdraw_return
from etl.reference.geography import REFERENCE_DIR, load_reference
from etl.store import models as m
from etl.store.aggregates import mark_changed, refresh_all, store_coverage
from etl.store.db import session_scope

EARLIER, LATER = "2011-juni", "2011"  # two rounds on the 2011 division: the later one's history reads the earlier


def _accepted(engine: Engine, workbook_bytes: bytes, label: str) -> None:
    result = ingest(workbook_bytes, f"{label}.xlsx", round=label, engine=engine)
    assert result.status == "accepted", result.issues


def _two_rounds(engine: Engine, tmp_path: Path) -> list[str]:
    """Both rounds with the whole small region returned (different answers); the region's municipality codes."""
    with session_scope(engine) as session:
        add_round(session, EARLIER, date(2011, 6, 30), division_year=2011)
        add_round(session, LATER, date(2011, 12, 31), division_year=2011)
    codes = region_municipalities(engine, SMALL_REGION)
    for seed, label in ((1, EARLIER), (2, LATER)):
        _accepted(engine, filled(engine, SMALL_REGION, label, tmp_path, random_statuses(codes, seed)), label)
    return codes


def _text(built: report.RoundReport) -> str:
    """A report's JSON without its data version: texts compare 418 and 418.0 apart, as a reader of the JSON would."""
    return json.dumps({**built.to_dict(), "data_version": None}, sort_keys=True)


def _shown(engine: Engine, label: str = LATER, weighting: str | None = None) -> str:
    """The report as a page gets it after a data change (no cached report): stored coverage read, the rest stored."""
    active_cache().clear()
    return _text(report.round_report(engine, label, weighting=weighting))


def _recounted(engine: Engine, label: str = LATER, weighting: str | None = None) -> str:
    """The same report with every round recounted from the assessments (nothing read from the store)."""
    with data.snapshot(engine) as conn:
        return _text(report._build_round_report(conn, label, Target.from_env(), "nl", weighting, from_assessments=True))


def _history(text: str) -> list[dict[str, Any]]:
    return list(json.loads(text)["history"])


def _stored(engine: Engine) -> dict[tuple[str, str], int]:
    """Rows (national + regions) stored per (round label, weighting) that are current (at the round's serial)."""
    C, R = m.RoundCoverage, m.Round
    with data.snapshot(engine) as conn:
        rows = conn.execute(select(R.id, R.label, C.weighting, C.data_serial, C.regions).join(R, R.id == C.round_id))
        stored = list(rows)
        serials = data.round_serials(conn, [row.id for row in stored])
    return {
        (row.label, row.weighting): len(json.loads(row.regions)["region_code"])
        for row in stored
        if row.data_serial == serials[row.id]
    }


@pytest.fixture
def computed_rounds(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The round labels each report computes (rather than reads from the store)."""
    calls: list[list[str]] = []
    original = report._scores_per_round

    def spy(conn: Any, chosen: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(list(chosen["label"]))
        return original(conn, chosen, *args, **kwargs)

    monkeypatch.setattr(report, "_scores_per_round", spy)
    return calls


def test_a_report_stores_the_earlier_rounds_coverage_and_the_next_one_computes_only_its_own_round(
    engine: Engine, tmp_path: Path, computed_rounds: list[list[str]]
) -> None:
    _two_rounds(engine, tmp_path)
    first = _shown(engine)
    assert computed_rounds == [[EARLIER, LATER]]
    regions = 1 + len({row["region_code"] for row in _history(first) if row["region_code"]})
    assert _stored(engine) == {(EARLIER, ""): regions}  # national + each region; the chosen round is computed
    assert _shown(engine) == first
    assert computed_rounds == [[EARLIER, LATER], [LATER]]  # the earlier round read, not recomputed
    assert first == _recounted(engine)


def test_the_report_reads_what_is_stored_until_the_round_changes(engine: Engine, tmp_path: Path) -> None:
    """Forged stored numbers show in the history while they are current, and are never read once stale."""
    _two_rounds(engine, tmp_path)
    _shown(engine)
    with session_scope(engine) as session:
        earlier_id = session.scalar(select(m.Round.id).where(m.Round.label == EARLIER))
        stored = session.scalars(select(m.RoundCoverage).where(m.RoundCoverage.round_id == earlier_id)).one()
        forged = json.loads(stored.regions)
        stored.regions = json.dumps({**forged, "coverage": [0.123] * len(forged["coverage"])})
    shown = [row for row in _history(_shown(engine)) if row["round_label"] == EARLIER]
    assert {row["coverage"] for row in shown} == {0.123}
    with session_scope(engine) as session:
        mark_changed(session, [earlier_id])
    assert _shown(engine) == _recounted(engine)


def _ingest_into_earlier(engine: Engine, codes: list[str], tmp_path: Path) -> None:
    statuses = dict.fromkeys(range(1, 36), 4)
    _accepted(engine, workbook({"Gemeente": [["Gemeentecode", codes[0]], [], *points_rows(statuses)]}), EARLIER)


def _withdraw_from_earlier(engine: Engine, codes: list[str], tmp_path: Path) -> None:
    withdraw_return(engine, EARLIER, codes[1], actor="nji@example.nl", reason="verkeerde gemeente")


def _weigh_earlier_equally(engine: Engine, codes: list[str], tmp_path: Path) -> None:
    with session_scope(engine) as session:
        set_weighting(session, EARLIER, "equal", actor="nji@example.nl")


def _load_population(engine: Engine, codes: list[str], tmp_path: Path) -> None:
    population = tmp_path / "population.csv"
    rows = "".join(f"{code},2011,{10_000 * (i + 1)},{2_000 * (i + 1)}\n" for i, code in enumerate(codes))
    population.write_text("municipality_code,year,inhabitants,children_0_17\n" + rows)
    with session_scope(engine) as session:
        load_reference(session, population_file=population)


def _load_corop_regions(engine: Engine, codes: list[str], tmp_path: Path) -> None:
    corop = tmp_path / "corop.csv"
    corop.write_text((REFERENCE_DIR / "regions_corop_2011.csv").read_text(encoding="utf-8"), encoding="utf-8")
    with session_scope(engine) as session:
        load_reference(session, regions_file=corop)


def _correct_the_framework(engine: Engine, codes: list[str], tmp_path: Path) -> str:
    """Status 2 counted as implemented by a hand edit (and `raak db refresh-aggregates`); the next reference load
    restores the shipped scale. The report of the edited state, which the correction must change."""
    with session_scope(engine) as session:
        session.execute(update(m.StatusLevel).where(m.StatusLevel.value == 2).values(implemented=True))
        refresh_all(session)
    edited = _shown(engine)  # stored with the edited scale
    with session_scope(engine) as session:
        load_reference(session)
    return edited


CHANGES: dict[str, Callable[[Engine, list[str], Path], str | None]] = {
    "an accepted return": _ingest_into_earlier,
    "a withdrawal": _withdraw_from_earlier,
    "a round's weighting": _weigh_earlier_equally,
    "a population load": _load_population,
    "a division load": _load_corop_regions,
    "a framework correction": _correct_the_framework,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_stored_coverage_follows_every_change_it_is_computed_from(engine: Engine, tmp_path: Path, change: str) -> None:
    codes = _two_rounds(engine, tmp_path)
    before = _shown(engine)
    assert before == _recounted(engine)
    before = CHANGES[change](engine, codes, tmp_path) or before
    after = _shown(engine)
    assert after == _recounted(engine)
    assert _history(after) != _history(before)  # the change shows in the earlier round's (or every) history
    assert _shown(engine) == after  # and the second report, reading what the first stored, agrees


def test_a_weighting_chosen_for_one_report_is_stored_apart_from_the_rounds_own(engine: Engine, tmp_path: Path) -> None:
    codes = _two_rounds(engine, tmp_path)
    _load_population(engine, codes, tmp_path)
    own, equal = _shown(engine), _shown(engine, weighting="equal")
    assert equal != own
    assert _shown(engine, weighting="equal") == equal == _recounted(engine, weighting="equal")
    assert _shown(engine) == own == _recounted(engine)
    assert {weighting for _, weighting in _stored(engine)} == {"", "equal"}


def test_coverage_computed_before_a_change_and_stored_after_it_is_never_read(engine: Engine, tmp_path: Path) -> None:
    """A report that read the data before an ingest committed stores its rows at the serial it read: stale."""
    codes = _two_rounds(engine, tmp_path)
    late: list[list[tuple[int, int, str]]] = []
    with data.snapshot(engine) as conn:
        report._build_round_report(conn, LATER, Target.from_env(), "nl", keep=late.append)
    _ingest_into_earlier(engine, codes, tmp_path)
    store_coverage(engine, "", late[0])  # the slow report finishes after the ingest
    assert _stored(engine) == {}  # the earlier round's row is stale
    assert _shown(engine) == _recounted(engine)


def test_coverage_that_cannot_be_stored_costs_nothing_but_the_saving(engine: Engine, tmp_path: Path) -> None:
    _two_rounds(engine, tmp_path)
    missing_round = (10_000, 0, '{"region_code": []}')  # no such round: the foreign key refuses it
    store_coverage(engine, "", [missing_round])
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.RoundCoverage)) == 0
    assert _shown(engine) == _recounted(engine)
