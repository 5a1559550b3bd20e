"""The storage layer on an S3-compatible service (moto's S3 server on loopback, reached over real HTTP through
s3fs): accepted originals are stored content-addressed only after the commit, a failed transaction leaves nothing,
export jobs keep their zip there, and `raak storage check [--fix]` works as on a local folder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus.builders import ALL_POINTS_3, ONE_MUNICIPALITY_REGION, add_rounds, filled, region_municipalities
from corpus.s3 import s3_settings
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from dashboard.cli import main
from etl.ingest.pipeline import ingest
from etl.store import models as m
from etl.store import storage
from etl.store.db import engine_for, session_scope

ROUND = "2009"


@pytest.fixture
def s3_storage(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """RAAK_STORAGE_URL (and the AWS_* settings) of a fresh bucket; returns the URL."""
    for name, value in s3_settings(s3_endpoint).items():
        monkeypatch.setenv(name, value)
    return f"{storage.returns_store().location}"


def valid_return(engine: Engine, folder: Path, status: int = 3) -> bytes:
    codes = region_municipalities(engine, ONE_MUNICIPALITY_REGION)
    return filled(
        engine, ONE_MUNICIPALITY_REGION, ROUND, folder, {c: dict.fromkeys(ALL_POINTS_3, status) for c in codes}
    )


def stored_path(engine: Engine) -> str:
    with session_scope(engine) as session:
        return session.scalars(select(m.Upload.stored_path)).one()


def test_an_accepted_return_is_stored_in_s3_under_its_hash(
    engine: Engine, s3_storage: str, isolated_instance: Path, tmp_path: Path
) -> None:
    add_rounds(engine, ROUND)
    data = valid_return(engine, tmp_path)

    report = ingest(data, "den_haag.xlsx", engine=engine)

    assert report.status == "accepted", report.issues
    path = stored_path(engine)
    assert path == storage.relative_path(storage.sha256(data))
    store = storage.returns_store()
    assert store.location.startswith("s3://") and [f.relative for f in store.files()] == [path]
    assert storage.read(path) == data
    assert not (isolated_instance / "returns").exists()  # nothing went to the local disk


def test_a_transaction_that_fails_leaves_nothing_in_s3(engine: Engine, s3_storage: str, tmp_path: Path) -> None:
    add_rounds(engine, ROUND)
    data = valid_return(engine, tmp_path)

    def fail(_session: Session) -> None:
        raise RuntimeError("the database went away before the commit")

    event.listen(Session, "before_commit", fail)
    try:
        with pytest.raises(RuntimeError):
            ingest(data, "den_haag.xlsx", engine=engine)
    finally:
        event.remove(Session, "before_commit", fail)

    assert storage.returns_store().files() == []  # the staged copy was removed, none was promoted


def test_storage_check_on_s3_removes_orphans_and_restores_a_staged_copy(
    use_database: str, s3_storage: str, tmp_path: Path
) -> None:
    engine = engine_for(use_database)
    add_rounds(engine, ROUND)
    data = valid_return(engine, tmp_path)
    assert ingest(data, "den_haag.xlsx", engine=engine).status == "accepted"
    store = storage.returns_store()
    kept = stored_path(engine)
    orphan_bytes = b"a return whose transaction never committed"
    orphan = storage.relative_path(storage.sha256(orphan_bytes))
    store.write(orphan, orphan_bytes)
    runner = CliRunner()

    found = runner.invoke(main, ["storage", "check"])

    assert found.exit_code != 0, found.output
    assert f"orphan: {orphan}" in found.output and kept not in found.output
    assert store.present(orphan)  # without --fix nothing changes
    fixed = runner.invoke(main, ["storage", "check", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert [f.relative for f in store.files()] == [kept] and store.read(kept) == data

    # A crash between commit and promotion: the row references a file that is only there under its staged name.
    staged = store.stage(data, storage.sha256(data), kept.split("/")[0])
    store.delete(kept)
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1)  # long after the grace period
    found_later = storage.check(store, store.files(), {kept}, now=later)
    assert found_later.missing == [kept] and found_later.recoverable == [staged] and found_later.orphans == []
    assert storage.fix(store, found_later).ok
    assert [f.relative for f in store.files()] == [kept] and store.read(kept) == data
    assert runner.invoke(main, ["storage", "check"]).exit_code == 0
