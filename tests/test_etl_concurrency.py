"""Two ingests of the same region at the same time, in two processes: nothing lost, nothing doubled."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from corpus.builders import (
    SMALL_REGION,
    add_rounds,
    count,
    current,
    expected,
    filled,
    ingest_in_child,
    random_statuses,
    region_municipalities,
)
from sqlalchemy import Engine, select

from etl.store import models as m
from etl.store.db import session_scope

CHILD_TIMEOUT_SECONDS = 120


def _run_together(db_url: str, files: list[tuple[bytes, str]], storage: Path) -> list[dict]:
    """Ingest each file in its own (spawned) process, released at the same moment."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(files))
    results = context.Queue()
    processes = [
        context.Process(target=ingest_in_child, args=(db_url, data, name, str(storage), start, results))
        for data, name in files
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=CHILD_TIMEOUT_SECONDS) for _ in processes]
    for process in processes:
        process.join(CHILD_TIMEOUT_SECONDS)
        assert process.exitcode == 0
    assert not [report["error"] for report in reports if "error" in report]
    return sorted(reports, key=lambda report: report["upload_id"])


def test_two_returns_for_the_same_region_at_once_both_land_one_superseding_the_other(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    values = {"a.xlsx": random_statuses(codes, 1), "b.xlsx": random_statuses(codes, 2)}
    files = [(filled(engine, SMALL_REGION, "2009", tmp_path / name, v), name) for name, v in values.items()]

    first, second = _run_together(db_url, files, tmp_path / "returns")

    assert (first["status"], second["status"]) == ("accepted", "accepted")
    latest = values[second["file"]]
    landed = current(engine, "2009")
    assert landed == {(code, n): (*expected(v), None) for code in codes for n, v in latest[code].items()}
    assert count(engine, m.Assessment) == 2 * 35 * len(codes)
    with session_scope(engine) as session:
        submissions = session.scalars(select(m.Submission).order_by(m.Submission.id)).all()
        assert len(submissions) == 2 * len(codes)
        by_id = {s.id: s for s in submissions}
        for code in codes:
            mine = [s for s in submissions if s.municipality_code == code]
            assert sorted(s.status for s in mine) == ["accepted", "superseded"]
            old = next(s for s in mine if s.status == "superseded")
            assert by_id[old.superseded_by_id].status == "accepted"
            assert by_id[old.superseded_by_id].upload_id == second["upload_id"]


def test_the_same_return_twice_at_once_is_accepted_once_and_a_duplicate_once(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    data = filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, 3))

    reports = _run_together(db_url, [(data, "copy-1.xlsx"), (data, "copy-2.xlsx")], tmp_path / "returns")

    assert sorted(report["status"] for report in reports) == ["accepted", "duplicate"]
    assert count(engine, m.Submission) == len(codes)
    assert count(engine, m.Assessment) == count(engine, m.Assessment, m.Assessment.is_current) == 35 * len(codes)
    assert count(engine, m.Upload) == 2
