"""Run the benchmarks: `python -m benchmarks all` runs every one and prints one table.

    python -m benchmarks all [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--with-100x]
    python -m benchmarks ingest|report|scale|load|demo …   (each with its own --help)

`all`: the national round ingest on SQLite (and on PostgreSQL when a server URL is given), the report functions
uncached and cached at 1x and 10x (100x only with `--with-100x`: 5.85 M assessments, long to generate) on the
same backends, the loopback load test at the same scales (20 clients, one upload halfway), and `raak demo --reset`
until its first page answers. Numbers are
medians/p95 over repeated runs on this machine;
compare ratios measured in one run when the machine is busy. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable

from benchmarks import demo, ingest, load, report, scale

COMMANDS: dict[str, Callable[[list[str] | None], None]] = {
    "ingest": ingest.main,
    "report": report.main,
    "scale": scale.main,
    "load": load.main,
    "demo": demo.main,
}


def run_all(argv: list[str]) -> None:
    """Every benchmark, then one summary table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks all", description="Run every benchmark.")
    parser.add_argument("--database-url", help="A PostgreSQL server URL: also run everything on PostgreSQL.")
    parser.add_argument("--with-100x", action="store_true", help="Also the 400-round scale (slow to generate).")
    parser.add_argument("--repeat", type=int, default=5, help="Repetitions of the ingest runs.")
    parser.add_argument("--report-repeat", type=int, default=report.DEFAULT_REPEAT)
    parser.add_argument("--load-seconds", type=float, default=load.DEFAULT_SECONDS)
    parser.add_argument("--demo-repeat", type=int, default=demo.DEFAULT_REPEAT)
    args = parser.parse_args(argv)
    backends: list[str | None] = [None] + ([args.database_url] if args.database_url else [])
    scales = [1, 10] + ([100] if args.with_100x else [])
    rows: list[tuple[str, str, str]] = []  # (what, backend, result)
    for url in backends:
        name = "PostgreSQL" if url else "SQLite"
        print(f"== ingest, {name}", flush=True)
        runs, _, _ = ingest.measure(url, args.repeat, seed=2009)
        medians = ingest.summary(runs)
        rows.append(("national round ingest (28 files), calamine, median", name, f"{medians['calamine_s']:.3f} s"))
        rows.append(("national round ingest, openpyxl, median", name, f"{medians['openpyxl_s']:.3f} s"))
        rows.append(("openpyxl ÷ calamine, whole pipeline, median of per-run", name, f"{medians['ratio']:.2f}×"))
        rows.append(("openpyxl ÷ calamine, CPU time, median of per-run", name, f"{medians['cpu_ratio']:.2f}×"))
        print(f"== report functions, {name}", flush=True)
        for timing in report.measure(scales, url, args.report_repeat):
            what = f"{timing.what}, {timing.scale}x, {timing.state}: median / p95"
            rows.append((what, name, f"{timing.median * 1e3:.1f} / {timing.p95 * 1e3:.1f} ms"))
        for scale_ in scales:
            print(f"== load test {scale_}x, {name}", flush=True)
            seconds = args.load_seconds
            result = load.measure(
                url, scale=scale_, clients=load.DEFAULT_CLIENTS, seconds=seconds, upload_at=seconds / 2
            )
            rows.append((result.describe(), name, result.summary()))
    print("== raak demo --reset until the first page, SQLite", flush=True)
    medians = demo.summary(demo.measure(args.demo_repeat))
    ready, page, cpu = medians["ready_s"], medians["page_s"], medians["cpu_s"]
    rows.append(("raak demo: log-in page / first page answers, median", "SQLite", f"{ready:.2f} / {page:.2f} s"))
    rows.append(("raak demo: CPU time of the command, median", "SQLite", f"{cpu:.2f} s"))
    print()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    width = max(len(what) for what, _, _ in rows)
    for what, backend, result in rows:
        print(f"{what:<{width}}  {backend:<10}  {result}")


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {*COMMANDS, "all"}:
        raise SystemExit(f"usage: python -m benchmarks {{all,{','.join(COMMANDS)}}} [options]\n\n{__doc__}")
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "all":
        run_all(rest)
    else:
        COMMANDS[command](rest)


if __name__ == "__main__":
    main()
