"""Load test for several web processes: the demo data on a fresh PostgreSQL database, Redis for the cache, and one
or two gunicorn web processes with the Procfile's settings on loopback ports; N clients, each logged in, request
the national, region and completeness pages (the router callback, as a browser does) for a bounded time, spread
round-robin over the processes as a load balancer would. Reports requests/s, p50, p95 and errors per set-up.

    python benchmarks/scale_out_load.py [--clients 20] [--seconds 30] [--processes 1 2]

Loopback only and bounded; a benchmark, not a test. Results go in docs/deployment.md.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, make_url, text

LOOPBACK = "127.0.0.1"
ADMIN_URL = os.environ.get("RAAK_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("RAAK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET_KEY = "load-test-" + "k" * 32
PAGES = [("/", "?ronde=2011"), ("/regio/GG3406", "?ronde=2011"), ("/aanlevering", "?ronde=2011")]
ROUTER = "..header.children...banner.children...page.children.."
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
START_SECONDS = 180
HTTP_TIMEOUT_SECONDS = 60
PERCENTILE_95 = 19  # statistics.quantiles(n=20)[19 - 1] is the 95th percentile


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def make_database() -> tuple[str, str]:
    """A fresh PostgreSQL database holding the demo data; returns its URL and the NJi demo user's password."""
    from dashboard.demo.build import demo_logins, load_demo
    from etl.store.db import engine_for

    admin_url = make_url(ADMIN_URL)
    name = f"raak_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = engine_for(url)
    load_demo(engine)
    nji = next(login for login in demo_logins(engine) if login.role == "nji")
    engine.dispose()
    return url, f"{nji.email}\n{nji.password}"


def drop_database(url: str) -> None:
    admin = create_engine(make_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def start_web(url: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    """One web process as the Procfile starts it (2 gthread workers × 4 threads)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": REDIS_URL}
    env["RAAK_INSTANCE_DIR"] = str(folder)
    command = [
        *(sys.executable, "-m", "gunicorn", "dashboard.web.app:create_server()", "--bind", f"{LOOPBACK}:{port}"),
        *("--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "60"),
    ]
    log = (folder / "web.log").open("wb")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_serving(base: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/login", timeout=HTTP_TIMEOUT_SECONDS).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{base} did not start")


@dataclass
class Client:
    """One logged-in browser session."""

    bases: list[str]
    offset: int
    http: requests.Session = field(default_factory=requests.Session)

    def login(self, email: str, password: str) -> None:
        base = self.bases[self.offset % len(self.bases)]
        token = TOKEN_FIELD.search(self.http.get(base + "/login", timeout=HTTP_TIMEOUT_SECONDS).text)
        assert token
        data = {"email": email, "password": password, "csrf_token": token.group(1)}
        answer = self.http.post(base + "/login", data=data, timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False)
        assert answer.status_code == 302, answer.status_code

    def page(self, number: int) -> tuple[float, str]:
        """Seconds for one router callback (request `number` of this client) and its outcome (`200`, another
        status code, or the name of the exception)."""
        path, search = PAGES[number % len(PAGES)]
        base = self.bases[(self.offset + number) % len(self.bases)]  # round-robin, as a load balancer
        body = {
            "output": ROUTER,
            "outputs": [{"id": i, "property": "children"} for i in ("header", "banner", "page")],
            "inputs": [
                {"id": "url", "property": "pathname", "value": path},
                {"id": "url", "property": "search", "value": search},
            ],
            "state": [],
            "changedPropIds": ["url.pathname"],
        }
        # A new connection per request: a kept-alive one that gunicorn closed (after 2 s idle) while this client
        # talked to the other process would fail the POST, which a load balancer would never show a browser.
        headers = {"X-CSRFToken": self.http.cookies.get("_csrf_token", ""), "Connection": "close"}
        started = time.perf_counter()
        try:
            answer = self.http.post(
                base + "/_dash-update-component", json=body, headers=headers, timeout=HTTP_TIMEOUT_SECONDS
            )
            outcome = str(answer.status_code)
        except requests.RequestException as exc:
            outcome = type(exc).__name__
        return time.perf_counter() - started, outcome


def load(bases: list[str], login: str, clients: int, seconds: float) -> dict[str, Any]:
    email, password = login.split("\n")
    sessions = [Client(bases, offset) for offset in range(clients)]
    for client in sessions:
        client.login(email, password)
        for number in range(len(PAGES) * len(bases)):  # warm: every page cached, every process's imports loaded
            client.page(number)
    timings: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(client: Client) -> None:
        number = 0
        while time.monotonic() < deadline:
            elapsed, outcome = client.page(number)
            number += 1
            with lock:
                timings.append(elapsed)
                if outcome != "200":
                    errors[outcome] += 1

    threads = [threading.Thread(target=run, args=(client,)) for client in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "requests": len(timings),
        "per_second": len(timings) / seconds,
        "p50_ms": statistics.median(timings) * 1000,
        "p95_ms": statistics.quantiles(timings, n=20)[PERCENTILE_95 - 1] * 1000,
        "errors": dict(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    import tempfile

    url, login = make_database()
    try:
        for count in options.processes:
            with tempfile.TemporaryDirectory(prefix="raak-load-") as scratch:
                ports = [free_port() for _ in range(count)]
                processes = []
                for index, port in enumerate(ports):
                    folder = Path(scratch) / f"web{index}"
                    folder.mkdir()
                    processes.append(start_web(url, port, folder))
                bases = [f"http://{LOOPBACK}:{port}" for port in ports]
                result: dict[str, Any] = {}
                try:
                    for base in bases:
                        wait_until_serving(base)
                    result = load(bases, login, options.clients, options.seconds)
                finally:
                    for process in processes:
                        process.terminate()
                    for process in processes:
                        process.wait(timeout=30)
                    if result.get("errors"):
                        for index in range(count):
                            log = (Path(scratch) / f"web{index}" / "web.log").read_text(errors="replace")
                            print(f"--- web{index}.log (last lines)\n{log[-4000:]}", flush=True)
            print(
                f"{count} web process(es), {options.clients} clients, {options.seconds:.0f} s: "
                f"{result['requests']} requests, {result['per_second']:.1f}/s, p50 {result['p50_ms']:.0f} ms, "
                f"p95 {result['p95_ms']:.0f} ms, errors {result['errors'] or 0}",
                flush=True,
            )
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
