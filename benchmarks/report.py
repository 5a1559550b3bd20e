"""Benchmark: the report functions behind the pages, uncached (cache emptied first) and cached, on a scaled database.

    python -m benchmarks.report --scale 1 [--repeat 15] [--database-url postgresql+psycopg://…/postgres]

Builds a fresh database with :mod:`benchmarks.scale` (SQLite file, or a new database on the PostgreSQL server
named; or `--on URL` an existing one), then times, in this process, what the national page and the municipality page
compute: `round_report` for the newest round and `municipality_detail` for one municipality (every round), and both
pages drawn as the router draws them (`render(..., cache=True)`: reports, figures and the page's JSON, without HTTP).
Three states: "after an upload" empties the cache and raises the newest round's data serial first (what an
upload into it does: its stored coverage is stale, every earlier round's still holds); "after a reference load"
raises every round's serial (a population or division load: every round's coverage is computed again); "cached"
reads the cache. The load test measures whole requests.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if not __package__:  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, select

from benchmarks.databases import Copies
from benchmarks.scale import DEFAULT_SEED, fill, prepare_reference, round_plan

DEFAULT_REPEAT = 15
P95 = 0.95
MUNICIPALITY = "GM0363"  # Amsterdam
AFTER_UPLOAD, AFTER_REFERENCE_LOAD, CACHED = "after an upload", "after a reference load", "cached"


@dataclass(frozen=True)
class Timing:
    what: str
    scale: int
    state: str  # AFTER_UPLOAD, AFTER_REFERENCE_LOAD or CACHED
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(P95 * (len(ordered) - 1)))]


def _time(call: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> list[float]:
    seconds = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def measure_engine(engine: Engine, scale: int, repeat: int) -> list[Timing]:
    """Timings of the national report and a municipality's history after an upload, after a reference load
    (the national report only) and cached."""
    from dashboard.analytics.cache import active_cache
    from dashboard.analytics.report import municipality_detail, round_report
    from dashboard.web.app import create_app, render, settle_heap
    from dashboard.web.auth import Principal
    from etl.store import models as m
    from etl.store.aggregates import mark_changed
    from etl.store.db import session_scope

    newest = round_plan(scale)[-1][0]

    def changed(every_round: bool) -> Callable[[], None]:
        def change() -> None:
            with session_scope(engine) as session:
                newest_id = session.scalar(select(m.Round.id).where(m.Round.label == newest))
                mark_changed(session, None if every_round else [newest_id])
            active_cache().clear()

        return change

    viewer = Principal(0, "benchmark@example.org", "nji")
    calls: dict[str, Callable[[], object]] = {
        "round_report (national page)": lambda: round_report(engine, newest),
        "municipality_detail (municipality page)": lambda: municipality_detail(engine, MUNICIPALITY),
        "national page drawn as the router does": lambda: render(engine, "/", "", viewer, cache=True),
        "municipality page drawn as the router does": lambda: render(
            engine, f"/gemeente/{MUNICIPALITY}", "", viewer, cache=True
        ),
    }
    timings = []
    app = create_app(engine, secret_key=secrets.token_hex(32))
    settle_heap()  # as a web process does once it has its app (create_server)
    with app.server.test_request_context():  # the page header asks for the request's CSRF token
        for what, call in calls.items():
            call()  # as after any earlier report: the earlier rounds' coverage is stored
            timings.append(Timing(what, scale, AFTER_UPLOAD, _time(call, repeat, before=changed(False))))
            if what.startswith("round_report"):
                timings.append(Timing(what, scale, AFTER_REFERENCE_LOAD, _time(call, repeat, before=changed(True))))
            call()  # fill the cache
            timings.append(Timing(what, scale, CACHED, _time(call, repeat)))
    return timings


def measure(scales: list[int], server_url: str | None, repeat: int, seed: int = DEFAULT_SEED) -> list[Timing]:
    """Fill a fresh database per scale and time the report functions on it."""
    from etl.store.db import make_engine

    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="raak-bench-report-") as temporary:
        copies = Copies(Path(temporary), server_url, prepare_reference)
        try:
            for scale in scales:
                engine = make_engine(copies.fresh())
                generated = fill(engine, scale, seed)
                print(
                    f"  generated {scale}x: {generated.rounds} rounds, {generated.assessments:,} assessments "
                    f"in {generated.seconds:.1f} s",
                    flush=True,
                )
                timings += measure_engine(engine, scale, repeat)
                engine.dispose()
        finally:
            copies.close()
    return timings


def print_table(timings: list[Timing]) -> None:
    print(f"{'what':<44} {'scale':>5} {'state':>22} {'runs':>4} {'median ms':>10} {'p95 ms':>8}")
    for t in timings:
        numbers = f"{len(t.seconds):>4} {t.median * 1e3:>10.1f} {t.p95 * 1e3:>8.1f}"
        print(f"{t.what:<44} {t.scale:>4}x {t.state:>22} {numbers}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=int, action="append", help="1, 10, 100 (repeatable; default 1 and 10).")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    parser.add_argument("--database-url", help="A PostgreSQL server URL (default: SQLite files).")
    parser.add_argument("--on", metavar="URL", help="An existing database filled by benchmarks.scale (one --scale).")
    args = parser.parse_args(argv)
    if args.on:
        from etl.store.db import make_engine

        scale = (args.scale or [1])[0]
        print_table(measure_engine(make_engine(args.on), scale, args.repeat))
        return
    print_table(measure(args.scale or [1, 10], args.database_url, args.repeat))


if __name__ == "__main__":
    main()
