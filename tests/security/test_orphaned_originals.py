"""Orphaned originals (issue 9): an accepted return's original reaches `returns/` only once its transaction has
committed, and `raak storage check [--fix]` finds (and removes) stored files no upload references, on SQLite and
PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus.builders import ALL_POINTS_3, ONE_MUNICIPALITY_REGION, add_rounds, filled, region_municipalities
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from dashboard.cli import main
from etl.ingest.pipeline import ingest
from etl.store import models as m
from etl.store import storage
from etl.store.db import engine_for, session_scope

ROUND = "2009"


class DatabaseWriteFailed(RuntimeError):
    """What the database raises in these tests when a transaction is about to commit."""


@pytest.fixture
def returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "returns"
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(folder))
    return folder


def valid_return(engine: Engine, folder: Path, status: int = 3) -> bytes:
    codes = region_municipalities(engine, ONE_MUNICIPALITY_REGION)
    statuses = {code: dict.fromkeys(ALL_POINTS_3, status) for code in codes}
    return filled(engine, ONE_MUNICIPALITY_REGION, ROUND, folder, statuses)


@contextmanager
def commits_fail() -> Iterator[None]:
    """Every session's commit fails after the file was read, validated and written into the transaction."""

    def fail(_session: Session) -> None:
        raise DatabaseWriteFailed("the database went away before the commit")

    event.listen(Session, "before_commit", fail)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", fail)


def upload_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(m.Upload)) or 0


def files_in(root: Path) -> list[Path]:
    """Every file below `root`, staged ones included."""
    return sorted(path for path in root.rglob("*") if path.is_file())


def relative(paths: list[Path], root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in paths]


def test_a_transaction_that_fails_before_commit_leaves_no_stored_original(
    engine: Engine, returns: Path, tmp_path: Path
) -> None:
    add_rounds(engine, ROUND)
    data = valid_return(engine, tmp_path)

    with commits_fail(), pytest.raises(DatabaseWriteFailed):
        ingest(data, "den_haag.xlsx", engine=engine)

    assert files_in(returns) == []
    assert upload_count(engine) == 0


def test_an_accepted_return_is_stored_under_its_hash_after_the_commit(
    engine: Engine, returns: Path, tmp_path: Path
) -> None:
    add_rounds(engine, ROUND)
    data = valid_return(engine, tmp_path)

    report = ingest(data, "den_haag.xlsx", engine=engine)

    assert report.status == "accepted"
    with session_scope(engine) as session:
        stored_path = session.scalar(select(m.Upload.stored_path))
    assert relative(files_in(returns), returns) == [stored_path]
    assert storage.read(stored_path, returns) == data


def test_storage_check_finds_a_planted_orphan_and_fix_removes_only_orphans(
    use_database: str, returns: Path, tmp_path: Path
) -> None:
    engine = engine_for(use_database)
    add_rounds(engine, ROUND)
    assert ingest(valid_return(engine, tmp_path), "den_haag.xlsx", engine=engine).status == "accepted"
    [kept] = files_in(returns)
    kept_bytes = kept.read_bytes()
    orphan_bytes = b"a return whose transaction never committed"
    orphan = returns / storage.relative_path(storage.sha256(orphan_bytes))
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(orphan_bytes)
    stale = returns / "ab" / f"{storage.STAGED_PREFIX}{'ab' * 32}-x1y2"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"left behind by a crash")
    long_ago = stale.stat().st_mtime - 2 * storage.STAGED_GRACE.total_seconds()
    os.utime(stale, (long_ago, long_ago))
    runner = CliRunner()

    found = runner.invoke(main, ["storage", "check"])

    assert found.exit_code != 0, found.output
    assert f"orphan: {orphan.relative_to(returns).as_posix()}" in found.output
    assert f"orphan: {stale.relative_to(returns).as_posix()}" in found.output
    assert kept.name not in found.output
    assert orphan.exists() and stale.exists()  # without --fix nothing changes

    fixed = runner.invoke(main, ["storage", "check", "--fix"])

    assert fixed.exit_code == 0, fixed.output
    assert not orphan.exists() and not stale.exists()
    assert files_in(returns) == [kept] and kept.read_bytes() == kept_bytes
    again = runner.invoke(main, ["storage", "check"])
    assert again.exit_code == 0 and "agree" in again.output


def test_storage_check_names_an_upload_whose_original_is_missing_and_fix_deletes_nothing(
    use_database: str, returns: Path, tmp_path: Path
) -> None:
    engine = engine_for(use_database)
    add_rounds(engine, ROUND)
    first = ingest(valid_return(engine, tmp_path, status=3), "den_haag.xlsx", engine=engine)
    second = ingest(valid_return(engine, tmp_path, status=2), "den_haag_2.xlsx", engine=engine)
    assert (first.status, second.status) == ("accepted", "accepted")
    files = files_in(returns)
    gone = files[0]
    gone.unlink()

    for args in (["storage", "check"], ["storage", "check", "--fix"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code != 0, result.output
        assert f"missing: {gone.relative_to(returns).as_posix()}" in result.output
    assert files_in(returns) == files[1:]
    assert upload_count(engine) == 2
