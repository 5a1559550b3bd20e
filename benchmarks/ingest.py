"""Benchmark: generate and ingest a full national round (one filled workbook per region), then the same pipeline
reading with openpyxl instead of python-calamine; report medians over repeated runs and the ratio per run.

    python -m benchmarks.ingest [--seed 2009] [--repeat 5] [--database-url postgresql+psycopg://…/postgres]

Without `--database-url` every run ingests into a fresh copy of a prepared SQLite file; with it, into a fresh
database (`CREATE DATABASE … TEMPLATE`) on that PostgreSQL server, dropped afterwards. Each repetition runs both
readers back to back, so their ratio is measured in one run even when the machine is busy.
A benchmark, not a test: it asserts only that every file is accepted. Results go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if not __package__:  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine

from benchmarks.databases import Copies

if TYPE_CHECKING:
    from etl.store.config import Settings
    from etl.workbook.read import ReadResult

ROUND = "2009"
READERS = ("calamine", "openpyxl")
NOT_APPLICABLE_SHARE = 0.05
TARGET_SECONDS = 1.0
DEFAULT_REPEAT = 5
DIVISION_YEAR = 2011  # the round uses the 2011 division (418 municipalities), whose regions all have a template


@dataclass(frozen=True)
class Run:
    reader: str
    files: int
    municipalities: int
    assessments: int
    seconds: float
    read_seconds: float
    cpu_seconds: float  # this process only (not the PostgreSQL server): less sensitive to a busy machine


def prepare(engine: Engine) -> None:
    """A migrated database with the reference data and an open round, to copy for each run."""
    from etl.admin.rounds import add_round
    from etl.reference.geography import load_reference
    from etl.store.db import session_scope
    from etl.store.migrate import upgrade

    upgrade(engine)
    with session_scope(engine) as session:
        load_reference(session)
        add_round(session, ROUND, date(2009, 12, 31), division_year=DIVISION_YEAR, actor="benchmark")


def workbooks(engine: Engine, folder: Path, seed: int) -> list[tuple[str, bytes]]:
    """One filled template per region, with seeded random statuses for every municipality."""
    from sqlalchemy import select

    from etl.store import models as m
    from etl.store.db import session_scope
    from etl.templates.template import fill_template, write_template

    rng = random.Random(seed)
    files = []
    with session_scope(engine) as session:
        D = m.MunicipalityDivision
        in_division = select(D.municipality_code, D.region_code).where(D.year == DIVISION_YEAR)
        by_region: dict[str, list[str]] = {}
        for code, region in session.execute(in_division.where(D.region_code.is_not(None))):
            by_region.setdefault(region, []).append(code)
        for region, codes in sorted(by_region.items()):
            path = write_template(session, region, ROUND, folder)
            values = {
                code: {
                    n: ("n.v.t." if rng.random() < NOT_APPLICABLE_SHARE else rng.randint(0, 4)) for n in range(1, 36)
                }
                for code in codes
            }
            files.append((path.name, fill_template(path, values)))
    return files


def read_openpyxl(data: bytes, name: str, settings: Settings) -> ReadResult:
    """What `read_received` gives, but the cells read with openpyxl (read-only) instead of python-calamine: the
    comparison this benchmark measures. The product reads with calamine only; this reader lives here."""
    import openpyxl

    from etl.workbook.read import ReadResult, Sheet, Workbook, sniff_workbook

    sniffed = sniff_workbook(data, name, settings)  # the same checks before reading as the product's path
    kind, issues = sniffed.kind, sniffed.issues
    if kind not in ("xlsx", "xlsm"):
        raise SystemExit(f"{name}: the openpyxl comparison reads .xlsx only, not {kind}")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = [
            Sheet(sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]) for sheet in book.worksheets
        ]
    finally:
        book.close()
    return ReadResult(Workbook(name, kind, data, tuple(sheets), sniffed.formulas), issues)


def ingest_all(url: str, files: list[tuple[str, bytes]], reader: str) -> Run:
    """Ingest every file into the database at `url`, timing the whole pipeline and the reading step."""
    from sqlalchemy import func, select

    from etl.ingest.pipeline import Received, ingest_read, read_received
    from etl.ingest.validate import ReferenceCache
    from etl.store import models as m
    from etl.store.config import get_settings
    from etl.store.db import make_engine, session_scope

    engine = make_engine(url)
    with engine.connect():  # open the pool's connection before the clock starts
        pass
    settings = get_settings()
    municipalities = 0
    read_seconds = 0.0
    started, cpu_started = time.perf_counter(), time.process_time()
    reference = ReferenceCache()  # one batch, as `raak ingest` of a folder and the demo do
    for name, data in files:
        received = Received.of(data, name)
        before_read = time.perf_counter()
        if reader == "openpyxl":
            result = read_openpyxl(received.data, received.name, settings)
        else:
            result = read_received(received, settings)
        read_seconds += time.perf_counter() - before_read
        report = ingest_read(received, result, engine=engine, reference=reference)
        if report.status != "accepted":
            raise SystemExit(f"{name} was {report.status}: {[issue.line() for issue in report.issues]}")
        municipalities += len(report.municipalities)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    with session_scope(engine) as session:
        assessments = session.scalar(select(func.count()).select_from(m.Assessment)) or 0
    engine.dispose()
    return Run(reader, len(files), municipalities, assessments, seconds, read_seconds, cpu_seconds)


def cached_workbooks(engine: Engine, folder: Path, seed: int, keep: Path | None) -> list[tuple[str, bytes]]:
    """The filled workbooks, read from `keep/<seed>/` when an earlier run left them there (else generated, and
    written there when `keep` is given): generating them with openpyxl takes longer than the runs themselves."""
    if keep is None:
        return workbooks(engine, folder, seed)
    kept = keep / str(seed)
    if kept.is_dir() and any(kept.glob("*.xlsx")):
        return [(path.name, path.read_bytes()) for path in sorted(kept.glob("*.xlsx"))]
    files = workbooks(engine, folder, seed)
    kept.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (kept / name).write_bytes(data)
    return files


def measure(
    server_url: str | None, repeat: int, seed: int, keep: Path | None = None
) -> tuple[list[dict[str, Run]], float, int]:
    """`repeat` repetitions of both readers on fresh databases; also the generation time and the file count."""
    with tempfile.TemporaryDirectory(prefix="raak-bench-") as temporary:
        folder = Path(temporary)
        os.environ["RAAK_INSTANCE_DIR"] = str(folder / "instance")
        os.environ["RAAK_STORAGE_DIR"] = str(folder / "returns")
        copies = Copies(folder, server_url, prepare)
        try:
            from etl.store.db import make_engine

            started = time.perf_counter()
            engine = make_engine(copies.base)
            files = cached_workbooks(engine, folder / "templates", seed, keep)
            engine.dispose()
            generated = time.perf_counter() - started
            runs = [{reader: ingest_all(copies.fresh(), files, reader) for reader in READERS} for _ in range(repeat)]
        finally:
            copies.close()
    return runs, generated, len(files)


def summary(runs: list[dict[str, Run]]) -> dict[str, float]:
    """Medians over the repetitions: seconds per reader, and the openpyxl ÷ calamine ratio taken within each."""
    ratios = [run["openpyxl"].seconds / run["calamine"].seconds for run in runs]
    cpu_ratios = [run["openpyxl"].cpu_seconds / run["calamine"].cpu_seconds for run in runs]
    read_ratios = [run["openpyxl"].read_seconds / run["calamine"].read_seconds for run in runs]
    result = {f"{reader}_s": statistics.median(run[reader].seconds for run in runs) for reader in READERS}
    result |= {f"{reader}_read_s": statistics.median(run[reader].read_seconds for run in runs) for reader in READERS}
    result |= {f"{reader}_cpu_s": statistics.median(run[reader].cpu_seconds for run in runs) for reader in READERS}
    result |= {"ratio": statistics.median(ratios), "read_ratio": statistics.median(read_ratios)}
    result |= {"cpu_ratio": statistics.median(cpu_ratios)}
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=2009, help="Seed for the random statuses.")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="Repetitions (both readers each).")
    parser.add_argument("--database-url", help="A PostgreSQL server URL (default: SQLite files).")
    parser.add_argument("--keep-workbooks", type=Path, help="A folder to keep the generated workbooks in, and reuse.")
    args = parser.parse_args(argv)
    runs, generated, count = measure(args.database_url, args.repeat, args.seed, args.keep_workbooks)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    backend = "PostgreSQL" if args.database_url else "SQLite"

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {backend}")
    print(f"Load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"Prepared {count} regional workbooks in {generated:.2f} s (not part of the timing below)")
    header = f"{'run':>3} {'reader':<10} {'files':>5} {'municip.':>8} {'assessm.':>8} {'seconds':>8} {'read s':>7}"
    print(f"{header} {'cpu s':>7} {'ratio':>6} {'cpu ratio':>9}")
    for number, run in enumerate(runs, 1):
        for reader in READERS:
            one = run[reader]
            base = run["calamine"]
            ratio = f"{one.seconds / base.seconds:>6.2f} {one.cpu_seconds / base.cpu_seconds:>9.2f}"
            print(
                f"{number:>3} {one.reader:<10} {one.files:>5} {one.municipalities:>8} {one.assessments:>8} "
                f"{one.seconds:>8.3f} {one.read_seconds:>7.3f} {one.cpu_seconds:>7.3f} "
                f"{ratio if reader == 'openpyxl' else ''}"
            )
    medians = summary(runs)
    print(
        f"Medians over {len(runs)} runs: calamine {medians['calamine_s']:.3f} s "
        f"(reading {medians['calamine_read_s']:.3f}), openpyxl {medians['openpyxl_s']:.3f} s "
        f"(reading {medians['openpyxl_read_s']:.3f}); CPU: calamine {medians['calamine_cpu_s']:.3f} s, "
        f"openpyxl {medians['openpyxl_cpu_s']:.3f} s"
    )
    print(
        f"openpyxl ÷ calamine, median of the per-run ratios: {medians['ratio']:.2f}× the whole pipeline, "
        f"{medians['read_ratio']:.2f}× the reading step, {medians['cpu_ratio']:.2f}× in CPU time"
    )
    verdict = "within" if medians["calamine_s"] < TARGET_SECONDS else "OVER"
    print(f"National round with calamine: {medians['calamine_s']:.3f} s, {verdict} the {TARGET_SECONDS:.0f} s target")
    print(f"Peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
