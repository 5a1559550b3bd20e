"""`raak demo`: the synthetic model is deterministic and plausible, and its returns go through the real ETL path.

The session fixture `demo_engine` (one demo database per test run, shared by the xdist workers through a file
lock) is imported by the app and browser tests; its demo users (`DEMO_USERS`) log in with DEMO_PASSWORD.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus.builders import sqlite_only
from corpus.demo import DEMO_SEED
from sqlalchemy import Engine, func, select

from dashboard.analytics.report import round_report
from dashboard.cli import USAGE_ERROR_EXIT, main
from dashboard.demo.build import (
    DEMO_ACTION,
    DEMO_UPLOADER,
    DEMO_USERS,
    NOT_APPLICABLE_TEXT,
    PointInfo,
    demo_returns,
    demo_rounds,
    has_data,
    is_demo_database,
    lagging_points,
    synthetic_statuses,
)
from etl.admin.users import authenticate
from etl.reference.framework import load_framework
from etl.reference.geography import REFERENCE_DIR
from etl.store import models as m
from etl.store.db import engine_for, session_scope


def _framework_points() -> list[PointInfo]:
    return [PointInfo(p.number, p.level, p.group, p.title_en) for p in load_framework().points]


def _regions() -> dict[str, list[str]]:
    import csv

    regions: dict[str, list[str]] = {}
    with (REFERENCE_DIR / "regions_ggd_2011.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            regions.setdefault(row["region_code"], []).append(row["municipality_code"])
    return regions


def _implemented_share(rows: list[dict[int, int | str]], numbers: set[int] | None = None) -> float:
    answers = [s for row in rows for n, s in row.items() if s != NOT_APPLICABLE_TEXT and (not numbers or n in numbers)]
    return sum(1 for s in answers if s >= 3) / len(answers)


# --- the synthetic model -----------------------------------------------------------------------------------------


def test_same_seed_gives_the_same_returns_and_another_seed_different_ones() -> None:
    rounds, regions, points = demo_rounds(), _regions(), _framework_points()
    first = demo_returns(DEMO_SEED, rounds, regions, points)
    again = demo_returns(DEMO_SEED, rounds, regions, points)
    other = demo_returns(DEMO_SEED + 1, rounds, regions, points)
    assert [(r.filename, r.values, r.comments) for r in first] == [(r.filename, r.values, r.comments) for r in again]
    assert [r.values for r in first] != [r.values for r in other]


def test_coverage_rises_from_about_ten_percent_to_between_forty_and_ninety_five() -> None:
    regions, labels = _regions(), [r.label for r in demo_rounds()]
    statuses = synthetic_statuses(DEMO_SEED, labels, regions, _framework_points())
    national = [_implemented_share(list(statuses[label].values())) for label in labels]
    assert national == sorted(national)
    assert 0.05 <= national[0] <= 0.15
    last = [_implemented_share([statuses[labels[-1]][code] for code in codes]) for codes in regions.values()]
    assert sum(0.4 <= share <= 1.0 for share in last) >= 0.9 * len(last)
    assert max(last) - min(last) > 0.3  # regions improve at different speeds


def test_lagging_points_trail_nationally_and_regions_differ_in_emphasis() -> None:
    regions, labels, points = _regions(), [r.label for r in demo_rounds()], _framework_points()
    statuses = synthetic_statuses(DEMO_SEED, labels, regions, points)
    last = statuses[labels[-1]]
    lagging = lagging_points(points, DEMO_SEED)
    assert {p.number for p in points if p.level == "c"} <= lagging
    assert any("post-mortem" in p.title_en for p in points if p.number in lagging)
    lagging_share = _implemented_share(list(last.values()), lagging)
    others = _implemented_share(list(last.values()), {p.number for p in points} - lagging)
    assert lagging_share < others - 0.1
    prevention = {p.number for p in points if p.group == "prevention"}
    protection = {p.number for p in points if p.group == "protection"}
    ahead = [
        _implemented_share([last[c] for c in codes], prevention)
        - _implemented_share([last[c] for c in codes], protection)
        for codes in regions.values()
        if len(codes) >= 5
    ]
    assert any(gap > 0.1 for gap in ahead) and any(gap < -0.1 for gap in ahead)


def test_plan_includes_rejected_files_superseded_returns_and_silent_regions() -> None:
    rounds, regions = demo_rounds(), _regions()
    returns = demo_returns(DEMO_SEED, rounds, regions, _framework_points())
    purposes = [r.purpose for r in returns]
    assert {"rejected_invalid_status", "rejected_missing_point", "first_version"} <= set(purposes)
    open_round = rounds[-1].label
    sent = {r.region_code for r in returns if r.round_label == open_round and not r.purpose.startswith("rejected")}
    assert len(sent) < len(regions)  # some regions have not sent anything yet in the open round
    for label in (r.label for r in rounds):
        delivered = {code for r in returns if r.round_label == label for code in r.values}
        assert len(delivered) < sum(len(codes) for codes in regions.values())  # some municipalities are missing


# --- through the real ETL path -------------------------------------------------------------------------------


def test_demo_database_holds_the_planned_uploads_and_is_marked_as_demo(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        by_status = dict(
            conn.execute(
                select(m.Upload.status, func.count())
                .where(m.Upload.uploader == DEMO_UPLOADER)
                .group_by(m.Upload.status)
            ).all()
        )
        rounds = {label: is_open for label, is_open in conn.execute(select(m.Round.label, m.Round.is_open))}
        superseded = conn.scalar(
            select(func.count()).select_from(m.Submission).where(m.Submission.status == "superseded")
        )
        issues = conn.scalar(
            select(func.count()).select_from(m.ValidationIssue).where(m.ValidationIssue.severity == "error")
        )
    assert is_demo_database(demo_engine)
    assert by_status["accepted"] > 100 and by_status["rejected"] >= 3
    assert rounds == {"2008": False, "2009": False, "2010": False, "2011": True}
    assert superseded > 0 and issues >= 3


# What the demo database held when every return was written by openpyxl (write_template → fill_template, four
# worker processes) and every rejected file was annotated: the one-pass writer must change none of it.
DEMO_CONTENTS_BEFORE_FAST_PATH = {
    "uploads_per_round": [
        ["2008", "accepted", 30],
        ["2008", "rejected", 1],
        ["2009", "accepted", 31],
        ["2010", "accepted", 30],
        ["2010", "rejected", 1],
        ["2011", "accepted", 24],
        ["2011", "rejected", 1],
    ],
    "rounds": [["2008", False], ["2009", False], ["2010", False], ["2011", True]],
    "n_assessments": 51520,
    "n_submissions": 1472,
    "n_issues": 346,
    "uploads": "65546ecc3f22c2e4",
    "submissions": "fd4bb35ec0c9559c",
    "assessments": "ef4ea6490ff2c271",
    "issues": "81c03564c28d9a73",
    "audit": [["demo.created", 1], ["round.add", 4], ["round.close", 3], ["upload", 115], ["upload.rejected", 3]],
}


def _digest(rows: list) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(list(row), default=str).encode() + b"\n")
    return digest.hexdigest()[:16]


def demo_contents(engine: Engine) -> dict[str, object]:
    """Counts per round and status, and hashes of every upload, submission, assessment and issue (in load order,
    without ids, times or file hashes, which differ between runs) and the count of each audit action the build
    recorded (other tests log in to the same database; the demo users are re-made at every start)."""
    R, U, S, A, V = m.Round, m.Upload, m.Submission, m.Assessment, m.ValidationIssue
    with engine.connect() as conn:
        per_round = conn.execute(
            select(R.label, U.status, func.count())
            .join(R, R.id == U.round_id)
            .group_by(R.label, U.status)
            .order_by(R.label, U.status)
        ).all()
        uploads = conn.execute(
            select(R.label, U.filename, U.status, U.region_code, U.template_version, U.framework_version)
            .join(R, R.id == U.round_id)
            .order_by(U.id)
        ).all()
        submissions = conn.execute(
            select(R.label, S.municipality_code, S.status, S.superseded_by_id.is_not(None))
            .join(R, R.id == S.round_id)
            .order_by(S.id)
        ).all()
        assessments = conn.execute(
            select(R.label, A.municipality_code, A.point_number, A.status, A.not_applicable, A.comment, A.is_current)
            .join(R, R.id == A.round_id)
            .order_by(R.label, A.municipality_code, A.point_number, A.is_current, A.submission_id)
        ).all()
        issues = conn.execute(
            select(U.filename, V.severity, V.code, V.sheet, V.cell, V.message_nl, V.message_en)
            .join(U, U.id == V.upload_id)
            .order_by(V.id)
        ).all()
        audit = conn.execute(
            select(m.AuditLog.action, func.count())
            .where(m.AuditLog.actor == DEMO_UPLOADER, m.AuditLog.action.not_like("user.%"))
            .group_by(m.AuditLog.action)
            .order_by(m.AuditLog.action)
        ).all()
        rounds = conn.execute(select(R.label, R.is_open).order_by(R.label)).all()
    return {
        "uploads_per_round": [list(row) for row in per_round],
        "rounds": [list(row) for row in rounds],
        "n_assessments": len(assessments),
        "n_submissions": len(submissions),
        "n_issues": len(issues),
        "uploads": _digest(uploads),
        "submissions": _digest(submissions),
        "assessments": _digest(assessments),
        "issues": _digest(issues),
        "audit": [list(row) for row in audit],
    }


def test_demo_database_is_the_same_as_when_openpyxl_wrote_every_return(demo_engine: Engine) -> None:
    assert demo_contents(demo_engine) == DEMO_CONTENTS_BEFORE_FAST_PATH


def test_demo_reports_show_progress_and_missing_returns(demo_engine: Engine) -> None:
    reports = [round_report(demo_engine, r.label) for r in demo_rounds()]
    coverage = [report.national["coverage"] for report in reports]
    assert coverage == sorted(coverage) and coverage[0] < 0.15 < 0.4 < coverage[-1]
    assert all(report.national["completeness"] < 1 for report in reports)
    assert any(report.national["regions_on_track"] > 0 for report in reports)


def test_demo_refuses_a_database_url_other_than_sqlite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://someone:secret@db.example/raak")
    monkeypatch.setenv("RAAK_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["demo", "--no-serve"])
    assert result.exit_code == USAGE_ERROR_EXIT
    assert "only writes its own SQLite database" in result.output and "secret" not in result.output


@sqlite_only  # raak demo writes only its own SQLite database
def test_demo_serves_existing_data_without_loading_it_twice(
    use_database: str, table_snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_for(use_database)
    runner = CliRunner()
    assert runner.invoke(main, ["rounds", "add", "2008", "--reference-date", "2008-12-31"]).exit_code == 0
    before = table_snapshot(engine)
    result = runner.invoke(main, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "already holds data" in result.output
    assert table_snapshot(engine) == before


@sqlite_only
def test_demo_reset_refuses_to_delete_a_database_it_did_not_make(use_database: str, table_snapshot) -> None:
    engine = engine_for(use_database)
    runner = CliRunner()
    assert runner.invoke(main, ["rounds", "add", "2008", "--reference-date", "2008-12-31"]).exit_code == 0
    before = table_snapshot(engine)
    result = runner.invoke(main, ["demo", "--reset", "--no-serve"])
    assert result.exit_code == USAGE_ERROR_EXIT
    assert "did not make" in result.output
    assert table_snapshot(engine) == before
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.AuditLog).where(m.AuditLog.action == DEMO_ACTION)) == 0


def test_raak_demo_prints_a_working_log_in_for_each_role(
    demo_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite3.connect(demo_engine.url.database) as source, sqlite3.connect(tmp_path / "raak.sqlite") as target:
        source.backup(target)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("RAAK_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    logins = [line.split() for line in result.output.splitlines() if "@demo.raak" in line]
    assert [(role, email) for role, email, *_ in logins] == [(role, email) for email, role in DEMO_USERS]
    with session_scope(engine_for(f"sqlite:///{tmp_path / 'raak.sqlite'}")) as session:
        for role, email, password, *scope in logins:
            user = authenticate(session, email, password)
            assert user is not None and user.role == role
            assert bool(scope) == (role == "coordinator") and user.regions == tuple(scope[1:])


def test_demo_reset_deletes_an_earlier_demo_database(
    demo_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.demo.build import demo_engine as open_demo_database

    copy = tmp_path / "raak.sqlite"
    with sqlite3.connect(demo_engine.url.database) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # a consistent copy, including what still sits in the WAL file
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("RAAK_INSTANCE_DIR", str(tmp_path))
    assert has_data(open_demo_database(reset=False))
    open_demo_database(reset=True)
    assert not copy.exists()


def test_demo_rounds_use_their_own_division_and_are_weighted_by_estimated_children(demo_engine: Engine) -> None:
    from dashboard.analytics.report import round_report

    first, last = round_report(demo_engine, "2008"), round_report(demo_engine, "2011")
    assert (first.national["n_expected"], first.national["n_regions"]) == (443, 30)
    assert (last.national["n_expected"], last.national["n_regions"]) == (418, 28)
    assert first.weighting == last.weighting == "children_0_17_est"
    assert (first.population_year, last.population_year) == (2008, 2011)
    # 2008's regions are the 30 GGD regions of 2008 in its own report, the 28 of 2011 in the 2011 history
    history = last.history[last.history["scope"] == "region"]
    assert set(history["region_code"]) == set(last.regions["region_code"])
