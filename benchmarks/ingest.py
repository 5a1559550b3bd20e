"""Benchmark: generate and ingest a full national round (one filled workbook per region), then the same pipeline
reading with openpyxl instead of python-calamine, and report seconds, files/s, the ratio and peak memory.

    python benchmarks/ingest.py [--seed 2009]

A benchmark, not a test: it asserts only that every file is accepted. Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROUND = "2009"
READERS = ("calamine", "openpyxl")
NOT_APPLICABLE_SHARE = 0.05
TARGET_SECONDS = 10.0


@dataclass(frozen=True)
class Run:
    reader: str
    files: int
    municipalities: int
    assessments: int
    seconds: float
    read_seconds: float

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds


def _database(folder: Path) -> Path:
    """A migrated SQLite database with the reference data and an open round, to copy for each run."""
    from etl.db import make_engine, session_scope
    from etl.migrate import upgrade
    from etl.reference import load_reference
    from etl.rounds import add_round

    path = folder / "base.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_scope(engine) as session:
        load_reference(session)
        add_round(session, ROUND, date(2009, 12, 31), actor="benchmark")
    engine.dispose()
    return path


def _workbooks(database: Path, folder: Path, seed: int) -> list[tuple[str, bytes]]:
    """One filled template per region, with seeded random statuses for every municipality."""
    from sqlalchemy import select

    from etl import models as m
    from etl.db import make_engine, session_scope
    from etl.template import fill_template, write_template

    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{database}")
    files = []
    with session_scope(engine) as session:
        regions = list(session.scalars(select(m.Region.code).order_by(m.Region.code)))
        for region in regions:
            path = write_template(session, region, ROUND, folder)
            codes = session.scalars(select(m.Municipality.code).where(m.Municipality.region_code == region))
            values = {
                code: {
                    n: ("n.v.t." if rng.random() < NOT_APPLICABLE_SHARE else rng.randint(0, 4)) for n in range(1, 36)
                }
                for code in codes
            }
            files.append((path.name, fill_template(path, values)))
    engine.dispose()
    return files


def _ingest_all(database: Path, files: list[tuple[str, bytes]], reader: str) -> Run:
    """Ingest every file into a fresh copy of the database, timing the whole pipeline and the reading step."""
    from sqlalchemy import func, select

    from etl import models as m
    from etl.config import get_settings
    from etl.db import make_engine, session_scope
    from etl.ingest import Received, ingest_read, read_received

    copy = database.with_name(f"run-{reader}.sqlite")
    shutil.copyfile(database, copy)
    engine = make_engine(f"sqlite:///{copy}")
    settings = get_settings()
    municipalities = 0
    read_seconds = 0.0
    started = time.perf_counter()
    for name, data in files:
        received = Received.of(data, name)
        before_read = time.perf_counter()
        result = read_received(received, settings, reader=reader)  # type: ignore[arg-type]
        read_seconds += time.perf_counter() - before_read
        report = ingest_read(received, result, engine=engine)
        if report.status != "accepted":
            raise SystemExit(f"{name} was {report.status}: {[issue.line() for issue in report.issues]}")
        municipalities += len(report.municipalities)
    seconds = time.perf_counter() - started
    with session_scope(engine) as session:
        assessments = session.scalar(select(func.count()).select_from(m.Assessment)) or 0
    engine.dispose()
    return Run(reader, len(files), municipalities, assessments, seconds, read_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2009, help="Seed for the random statuses.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="raak-bench-") as temporary:
        folder = Path(temporary)
        os.environ["RAAK_INSTANCE_DIR"] = str(folder / "instance")
        os.environ["RAAK_STORAGE_DIR"] = str(folder / "returns")
        database = _database(folder)
        started = time.perf_counter()
        files = _workbooks(database, folder / "templates", args.seed)
        generated = time.perf_counter() - started
        runs = {reader: _ingest_all(database, files, reader) for reader in READERS}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Generated {len(files)} regional workbooks in {generated:.2f} s (not part of the timing below)")
    print(f"{'reader':<10} {'files':>5} {'municip.':>8} {'assessm.':>8} {'seconds':>8} {'files/s':>8} {'read s':>7}")
    for run in runs.values():
        print(
            f"{run.reader:<10} {run.files:>5} {run.municipalities:>8} {run.assessments:>8} {run.seconds:>8.2f} "
            f"{run.files_per_second:>8.1f} {run.read_seconds:>7.2f}"
        )
    calamine, openpyxl = runs["calamine"], runs["openpyxl"]
    print(
        f"openpyxl / calamine: {openpyxl.seconds / calamine.seconds:.2f}× the whole pipeline, "
        f"{openpyxl.read_seconds / calamine.read_seconds:.2f}× the reading step"
    )
    verdict = "within" if calamine.seconds < TARGET_SECONDS else "OVER"
    print(f"National round with calamine: {calamine.seconds:.2f} s, {verdict} the {TARGET_SECONDS:.0f} s target")
    print(f"Peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
