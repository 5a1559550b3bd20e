"""After a data change every web worker misses the cache at once; the report is computed once, not once per worker.

Workers are separate processes sharing Redis (as behind NJi's load balancer) or threads of one process sharing the
in-process cache. Each computation leaves a line in a file, so the test counts computations, not seconds.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard.analytics import cache as cache_module
from etl.store.db import engine_for

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
WORKERS = 4
SLOW_BUILD_SECONDS = 0.5  # long enough that every worker asks while the first computes


def _redis_url() -> str:
    import redis

    url = os.environ.get("RAAK_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    return url


def _compute(db_url: str, name: str, log: str, start: threading.Barrier | None = None) -> str:
    """One worker's request for the report `name`: a slow build that records each computation in `log`."""

    def build(_conn: object) -> str:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}-{threading.get_ident()}\n")
        threading.Event().wait(SLOW_BUILD_SECONDS)
        return "the report"

    if start is not None:
        start.wait()
    return cache_module.cached(engine_for(db_url), name, ("2011",), build)


def _process_worker(db_url: str, name: str, log: str, redis_url: str, start: object, results: object) -> None:
    os.environ["REDIS_URL"] = redis_url
    start.wait()  # type: ignore[attr-defined]
    results.put(_compute(db_url, name, log))  # type: ignore[attr-defined]


def test_workers_in_separate_processes_compute_a_report_once(db_url: str, tmp_path: Path) -> None:
    redis_url = _redis_url()
    log, name = tmp_path / "computations.log", f"probe-{uuid.uuid4().hex}"
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=_process_worker, args=(db_url, name, str(log), redis_url, start, results))
        for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert answers == ["the report"] * WORKERS
    assert len(log.read_text().splitlines()) == 1


def test_threads_of_one_process_compute_a_report_once(engine: Engine, tmp_path: Path) -> None:
    log, name = tmp_path / "computations.log", f"probe-{uuid.uuid4().hex}"
    db_url = engine.url.render_as_string(hide_password=False)
    start, answers = threading.Barrier(WORKERS), []
    threads = [
        threading.Thread(target=lambda: answers.append(_compute(db_url, name, str(log), start))) for _ in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == ["the report"] * WORKERS
    assert len(log.read_text().splitlines()) == 1


def test_a_failed_computation_lets_the_next_request_compute(engine: Engine) -> None:
    name = f"probe-{uuid.uuid4().hex}"

    def failing(_conn: object) -> str:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache_module.cached(engine, name, (), failing)
    assert cache_module.cached(engine, name, (), lambda _conn: "computed again") == "computed again"
