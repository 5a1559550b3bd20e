"""Loopback load test: N clients for T seconds against gunicorn (the Procfile's settings) on a scaled database.

    python -m benchmarks.load [--scale 1] [--clients 20] [--seconds 60] [--database-url postgresql+psycopg://…]
                              [--on URL] [--upload-at 30]

Starts gunicorn on 127.0.0.1 (a free port; never another interface) on a fresh database filled by
:mod:`benchmarks.scale`, logs every client in as an NJi user through the real form, then each client repeats
for T seconds: the router callback of the national page and of a municipality page, as dash-renderer sends
them (POST /_dash-update-component with the CSRF header). It stops by itself, stops gunicorn, and reports the
number of requests, errors, p50/p95 and response size per kind. `--upload-at S` changes the data S seconds in
the way an upload does (a job, the ingest, the worker's warming of the round's reports, in this process standing in
for `raak worker`); the requests of the ten seconds after it are also reported as "after upload". With REDIS_URL set
the web processes share their cache in Redis, as in production. `--on URL` loads an existing scaled database.
Bounded: at most `--clients` connections, for `--seconds`.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if not __package__:  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from benchmarks.databases import Copies
from benchmarks.scale import DEFAULT_SEED, fill, prepare_reference

DEFAULT_CLIENTS = 20
DEFAULT_SECONDS = 60.0
MAX_CLIENTS = 64
MAX_SECONDS = 600.0
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0
EMAIL, PASSWORD = "load{}@example.org", "load-test-password-1"  # one user per client
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = {"national page": "/", "municipality page": "/gemeente/GM0363"}
ROUTE_OUTPUT = "..header.children...banner.children...page.children.."
P95 = 0.95
UPLOAD_REGION = "GG3406"  # the region whose return the mid-run upload sends (6 municipalities)
AFTER_UPLOAD_SECONDS = 10.0  # requests starting this long after the upload are also reported as "after upload"


@dataclass
class LoadResult:
    scale: int
    clients: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # the largest response body of each kind, bytes
    errors: int = 0
    first_error: str = ""
    upload_started: float | None = None  # time.monotonic() when the mid-run upload began
    upload_seconds: float | None = None

    def describe(self) -> str:
        upload = f", upload at {self.upload_seconds:.1f} s long" if self.upload_seconds is not None else ""
        return f"load test {self.scale}x, {self.clients} clients × {self.seconds:.0f} s (route callbacks){upload}"

    @staticmethod
    def _p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")

    def summary(self) -> str:
        every = [value for values in self.latencies.values() for value in values]
        parts = [f"{len(every)} requests, {self.errors} errors, all p50/p95 {self._p(every, 0.5) * 1e3:.0f}/"]
        parts[0] += f"{self._p(every, P95) * 1e3:.0f} ms"
        for kind, values in self.latencies.items():
            size = f", {self.sizes[kind] / 1024:.0f} KB" if kind in self.sizes else ""
            parts.append(f"{kind} p50/p95 {self._p(values, 0.5) * 1e3:.0f}/{self._p(values, P95) * 1e3:.0f} ms{size}")
        return "; ".join(parts)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _add_users(url: str, clients: int) -> None:
    """One NJi user per client; users a previous run added to the same database are kept."""
    from sqlalchemy import select

    from etl.admin.users import add_user
    from etl.store.db import make_engine, session_scope
    from etl.store.models import User

    engine = make_engine(url)
    with session_scope(engine) as session:
        existing = set(session.scalars(select(User.email)))
        for number in range(clients):
            if EMAIL.format(number) not in existing:
                add_user(session, EMAIL.format(number), "nji", PASSWORD, actor="benchmark")
    engine.dispose()


def _route_body(path: str) -> dict[str, object]:
    return {
        "output": ROUTE_OUTPUT,
        "outputs": [{"id": i, "property": "children"} for i in ("header", "banner", "page")],
        "inputs": [
            {"id": "url", "property": "pathname", "value": path},
            {"id": "url", "property": "search", "value": ""},
        ],
        "state": [],
        "changedPropIds": ["url.pathname"],
    }


def _login(number: int, base: str) -> requests.Session:
    """A logged-in browser session of client `number` (log-in form with its CSRF token)."""
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=REQUEST_TIMEOUT_SECONDS).text
    token = TOKEN_FIELD.search(form)
    login = {"email": EMAIL.format(number), "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    response = http.post(f"{base}/login", data=login, timeout=REQUEST_TIMEOUT_SECONDS, allow_redirects=False)
    if response.status_code != 302 or "/login" in response.headers.get("Location", "/login"):
        raise SystemExit(f"log-in of client {number} failed: {response.status_code}")
    return http


def _client(http: requests.Session, base: str, deadline: float, result: LoadResult, lock: threading.Lock) -> None:
    headers = {"X-CSRFToken": http.cookies.get("_csrf_token", "")}
    with http:
        while time.monotonic() < deadline:
            for kind, path in PAGES.items():
                started = time.perf_counter()
                try:
                    response = http.post(
                        f"{base}/_dash-update-component",
                        json=_route_body(path),
                        headers=headers,
                        timeout=REQUEST_TIMEOUT_SECONDS,
                    )
                    error = "" if response.status_code == 200 else f"{response.status_code} {response.text[:200]}"
                except requests.RequestException as exc:
                    error = repr(exc)[:200]
                elapsed = time.perf_counter() - started
                since_upload = time.monotonic() - elapsed - (result.upload_started or float("inf"))
                with lock:
                    result.latencies.setdefault(kind, []).append(elapsed)
                    if 0 <= since_upload < AFTER_UPLOAD_SECONDS:
                        result.latencies.setdefault("after upload", []).append(elapsed)
                    if not error:
                        result.sizes[kind] = max(result.sizes.get(kind, 0), len(response.content))
                    result.errors += 1 if error else 0
                    result.first_error = result.first_error or error


def _upload(url: str, result: LoadResult, delay: float, instance: Path) -> None:
    """After `delay` seconds, what a coordinator's upload makes the worker do, in this process (standing in for
    `raak worker`): a job with one region's return in the newest round, ingested, then the round's reports
    computed into the shared cache (REDIS_URL, as the web processes have it)."""
    from sqlalchemy import select

    from dashboard.web.jobs import run_upload
    from etl.ingest.upload_jobs import IncomingFile, create_job
    from etl.store import models as m
    from etl.store.db import make_engine, session_scope
    from etl.templates.template import template_bytes

    engine = make_engine(url)
    with session_scope(engine) as session:
        newest = session.scalars(select(m.Round).order_by(m.Round.reference_date.desc())).first()
        if newest is None:
            raise SystemExit("the database has no rounds to upload into")
        D = m.MunicipalityDivision
        codes = session.scalars(
            select(D.municipality_code).where(D.region_code == UPLOAD_REGION, D.year == newest.division_year)
        ).all()
        values = {code: dict.fromkeys(range(1, 36), 4) for code in codes}
        name, workbook = template_bytes(session, UPLOAD_REGION, newest.label, values=values)
        label = newest.label
    os.environ.setdefault("RAAK_STORAGE_DIR", str(instance / "returns"))
    time.sleep(delay)
    result.upload_started = time.monotonic()
    files = [IncomingFile(name, workbook)]
    job_id = create_job(
        engine, owner=EMAIL.format(0), allowed_regions=None, round_label=label, remote_addr=None, files=files
    )
    run_upload(job_id, url)
    result.upload_seconds = time.monotonic() - result.upload_started
    engine.dispose()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped while starting")
        try:
            requests.get(f"{base}/login", timeout=1)
            return
        except requests.RequestException:  # not listening yet, or still importing the app
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {START_TIMEOUT_SECONDS:.0f} s")


def run_against(
    url: str, scale: int, clients: int, seconds: float, instance: Path, upload_at: float | None = None
) -> LoadResult:
    """Serve `url` with gunicorn on loopback and load it (with one upload `upload_at` seconds in); gunicorn is
    always stopped again."""
    clients, seconds = min(clients, MAX_CLIENTS), min(seconds, MAX_SECONDS)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "RAAK_INSTANCE_DIR": str(instance),
    }
    command = [
        sys.executable, "-m", "gunicorn", "dashboard.web.app:create_server()", "--bind", f"{HOST}:{port}",
        "--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "60",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://{HOST}:{port}"
        _wait_until_up(base, process)
        result = LoadResult(scale, clients, seconds)
        lock = threading.Lock()
        sessions = [_login(number, base) for number in range(clients)]  # before the clock starts
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=_client, args=(http, base, deadline, result, lock)) for http in sessions]
        if upload_at is not None:
            threads.append(threading.Thread(target=_upload, args=(url, result, upload_at, instance)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return result
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(
    server_url: str | None, *, scale: int, clients: int, seconds: float, upload_at: float | None = None
) -> LoadResult:
    """A fresh database at `scale` (SQLite file or a new database on the PostgreSQL server), loaded (with one
    upload `upload_at` seconds in)."""
    from etl.store.db import make_engine

    with tempfile.TemporaryDirectory(prefix="raak-bench-load-") as temporary:
        copies = Copies(Path(temporary), server_url, prepare_reference)
        try:
            url = copies.fresh()
            engine = make_engine(url)
            fill(engine, scale, DEFAULT_SEED)
            engine.dispose()
            _add_users(url, min(clients, MAX_CLIENTS))
            return run_against(url, scale, clients, seconds, Path(temporary) / "instance", upload_at)
        finally:
            copies.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help=f"at most {MAX_CLIENTS}")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help=f"at most {MAX_SECONDS:.0f}")
    parser.add_argument("--database-url", help="A PostgreSQL server URL (default: SQLite files).")
    parser.add_argument("--on", metavar="URL", help="An existing database filled by benchmarks.scale at --scale.")
    parser.add_argument(
        "--upload-at", type=float, help="Upload one region's return this many seconds in (a data change mid-run)."
    )
    args = parser.parse_args(argv)
    if args.on:
        _add_users(args.on, min(args.clients, MAX_CLIENTS))
        with tempfile.TemporaryDirectory(prefix="raak-bench-load-") as temporary:
            instance = Path(temporary) / "instance"
            result = run_against(args.on, args.scale, args.clients, args.seconds, instance, args.upload_at)
    else:
        result = measure(
            args.database_url, scale=args.scale, clients=args.clients, seconds=args.seconds, upload_at=args.upload_at
        )
    print(result.describe())
    print(result.summary())
    if result.first_error:
        print(f"first error: {result.first_error}")


if __name__ == "__main__":
    main()
