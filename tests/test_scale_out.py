"""Several machines (issue 13): two web processes (gunicorn, real HTTP on loopback ports, each with its own
instance folder, so nothing can pass through a local disk) and one `raak worker` share one PostgreSQL, one Redis
(the job queue and the cache) and one S3 store (moto's server). An export started through one web process is
followed and downloaded through the other; an upload sent to one is shown by the other as soon as the worker is
done. One browser session serves both, as behind a load balancer."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from corpus.builders import ALL_POINTS_3, add_rounds, filled, region_municipalities
from corpus.s3 import LOOPBACK, free_port, s3_settings
from corpus.uploads import job_of, outcomes, poll, start
from corpus.web import (
    COORDINATOR_REGION,
    CSRF_COOKIE,
    PASSWORD,
    SECRET_KEY,
    TOKEN_FIELD,
    USERS,
    add_users,
    output_key,
    prop,
)
from sqlalchemy import Engine

from dashboard.web.app import create_app
from dashboard.web.pages import export as export_page
from etl.store.db import engine_for

pytestmark = pytest.mark.postgres

ROUND = "2009"
REDIS_ENV = "RAAK_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
START_SECONDS = 120  # bounds, so a broken process fails the test instead of hanging it
JOB_SECONDS = 180
POLL_SECONDS = 0.5
HTTP_TIMEOUT_SECONDS = 60


@dataclass
class Answer:
    """A callback's HTTP answer, read like Flask's test response (so test_upload's helpers apply)."""

    response: requests.Response

    @property
    def status_code(self) -> int:
        return self.response.status_code

    def get_json(self) -> Any:
        return self.response.json()

    def get_data(self, as_text: bool = False) -> str | bytes:
        return self.response.text if as_text else self.response.content


@dataclass
class Browser:
    """A browser session (cookies) talking to one web process at `base`; `at` sends the same session elsewhere."""

    base: str
    callback_names: dict[str, str]
    http: requests.Session = field(default_factory=requests.Session)

    def at(self, base: str) -> Browser:
        return Browser(base, self.callback_names, self.http)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False)

    def login(self, email: str) -> None:
        token = TOKEN_FIELD.search(self.get("/login").text)
        assert token, "the log-in page has no CSRF field"
        data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        answer = self.http.post(self.base + "/login", data=data, timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False)
        assert answer.status_code == 302, answer.text[:500]

    def name(self, outputs: list[tuple[Any, str]]) -> str:
        wanted = output_key(outputs)
        return self.callback_names.get(wanted, wanted)

    def callback(self, outputs: list[tuple[Any, str]], inputs: list[Any], state: list[Any] | None = None) -> Answer:
        """POST /_dash-update-component as dash-renderer does."""
        described = [{"id": i, "property": p} for i, p in outputs]
        body = {
            "output": self.name(outputs),
            "outputs": described if len(described) > 1 else described[0],
            "inputs": inputs,
            "state": state or [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        }
        headers = {"X-CSRFToken": self.http.cookies.get(CSRF_COOKIE, "")}
        url = self.base + "/_dash-update-component"
        return Answer(self.http.post(url, json=body, headers=headers, timeout=HTTP_TIMEOUT_SECONDS))

    def page(self, path: str, search: str = "") -> str:
        """The JSON text of the page the router draws for a URL."""
        answer = self.callback(
            [("header", "children"), ("banner", "children"), ("page", "children")],
            [prop("url", "pathname", path), prop("url", "search", search)],
        )
        assert answer.status_code == 200, answer.response.text[:500]
        return answer.response.text


@dataclass
class Cluster:
    """The processes of one deployment: two web processes' base URLs and everything's logs."""

    web: list[str]
    logs: list[Path]

    def worker_ran(self, task: str) -> bool:
        """Whether the worker's log names `task` (RQ logs every task it starts), so no web process ran it itself."""
        worker_log = next(path for path in self.logs if path.name == "worker.log")
        return task in worker_log.read_text(errors="replace")

    def log_text(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in self.logs)


def wait_until_serving(base: str, process: subprocess.Popen[bytes], cluster: Cluster) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{base} exited\n{cluster.log_text()}"
        try:
            if requests.get(base + "/login", timeout=HTTP_TIMEOUT_SECONDS).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(POLL_SECONDS)
    pytest.fail(f"{base} did not start\n{cluster.log_text()}")


@pytest.fixture
def database(database_factories: dict[str, Any]) -> Iterator[str]:
    """A fresh PostgreSQL database with reference data, round 2009 and the test users."""
    if "postgresql" not in database_factories:
        pytest.skip("needs RAAK_TEST_DATABASE_URL (several machines share one PostgreSQL)")
    factory = database_factories["postgresql"]
    url = factory.fresh(True)
    engine = engine_for(url)
    add_rounds(engine, ROUND)
    add_users(engine)
    yield url
    factory.discard(url)


@pytest.fixture
def cluster(database: str, s3_endpoint: str, tmp_path: Path) -> Iterator[Cluster]:
    """Two gunicorn web processes and one `raak worker` on one database, Redis and S3 bucket; stopped afterwards."""
    import redis

    prefix = f"raak-test-{uuid.uuid4().hex[:12]}"  # this test's own queues in the shared Redis
    redis_url = os.environ.get(REDIS_ENV, DEFAULT_REDIS_URL)
    shared = {
        **os.environ,
        **s3_settings(s3_endpoint),
        "DATABASE_URL": database,
        "SECRET_KEY": SECRET_KEY,
        "REDIS_URL": redis_url,
        "RAAK_QUEUE_PREFIX": prefix,
    }
    shared.pop("RAAK_STORAGE_DIR", None)
    bin_dir = Path(sys.executable).parent
    ports = [free_port(), free_port()]
    commands = {
        f"web{index}": [
            *(sys.executable, "-m", "gunicorn", "dashboard.web.app:create_server()"),
            *("--bind", f"{LOOPBACK}:{port}", "--workers", "1", "--worker-class", "gthread", "--threads", "4"),
            *("--timeout", str(HTTP_TIMEOUT_SECONDS)),
        ]
        for index, port in enumerate(ports)
    }
    commands["worker"] = [str(bin_dir / "raak"), "worker"]
    processes: list[subprocess.Popen[bytes]] = []
    cluster = Cluster([f"http://{LOOPBACK}:{port}" for port in ports], [])
    try:
        for name, command in commands.items():
            instance = tmp_path / name  # each process its own local disk
            instance.mkdir()
            log = tmp_path / f"{name}.log"
            cluster.logs.append(log)
            with log.open("wb") as out:
                env = {**shared, "RAAK_INSTANCE_DIR": str(instance)}
                processes.append(subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT))
        for base, process in zip(cluster.web, processes, strict=False):
            wait_until_serving(base, process, cluster)
        yield cluster
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        connection = redis.Redis.from_url(redis_url)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)


def browser_for(database: str, base: str, role: str) -> Browser:
    """A browser logged in as the test user of `role`, first talking to `base`."""
    app = create_app(engine_for(database), secret_key=SECRET_KEY)  # only to learn the callbacks' registered names
    names = {output_key_without_hash(key): key for key in app.callback_map}
    browser = Browser(base, names)
    browser.login(USERS[role][0])
    return browser


def output_key_without_hash(key: str) -> str:
    """A callback's name without the @hash that `allow_duplicate` outputs add."""
    return re.sub(r"@[0-9a-f]+", "", key)


def valid_return(engine: Engine, folder: Path) -> bytes:
    """A complete return of the coordinator's region (every municipality, every point at status 3)."""
    codes = region_municipalities(engine, COORDINATOR_REGION)
    return filled(engine, COORDINATOR_REGION, ROUND, folder, {code: dict.fromkeys(ALL_POINTS_3, 3) for code in codes})


def export_poll(browser: Browser, job_id: str, ticks: int) -> dict[str, Any]:
    outputs = [
        ("export-progress", "value"),
        ("export-progress", "max"),
        ("export-progress", "style"),
        ("export-status", "children"),
        ("export-download", "href"),
        ("export-download", "children"),
        ("export-download", "download"),
        ("export-download", "style"),
        ("export-interval", "disabled"),
        ("export-start", "disabled"),
    ]
    answer = browser.callback(
        outputs,
        [prop("export-interval", "n_intervals", ticks)],
        [prop("export-job", "data", job_id), prop("export-ui-lang", "data", "en")],
    )
    assert answer.status_code == 200, answer.response.text[:500]
    return answer.get_json()["response"]


def test_an_export_started_on_one_web_process_downloads_through_the_other(
    cluster: Cluster, database: str, tmp_path: Path
) -> None:
    first = browser_for(database, cluster.web[0], "nji")
    second = first.at(cluster.web[1])  # the same session, the other machine

    started = first.callback(
        [
            ("export-job", "data"),
            ("export-interval", "disabled"),
            ("export-start", "disabled"),
            ("export-status", "children"),
            ("export-download", "style"),
        ],
        [prop("export-start", "n_clicks", 1)],
        [
            prop("export-round", "value", ROUND),
            prop("export-region", "value", None),
            prop("export-lang", "value", "en"),
            prop("export-formats", "value", ["xlsx"]),
            prop("export-ui-lang", "data", "en"),
        ],
    )
    assert started.status_code == 200, started.response.text[:500]
    job_id = started.get_json()["response"]["export-job"]["data"]

    deadline, ticks, shown = time.monotonic() + JOB_SECONDS, 0, {}
    while time.monotonic() < deadline:
        ticks += 1
        shown = export_poll(second, job_id, ticks)
        if shown["export-interval"]["disabled"]:
            break
        time.sleep(POLL_SECONDS)
    else:
        pytest.fail(f"the export did not finish\n{cluster.log_text()}")
    assert shown["export-status"]["children"] == "Done.", f"{shown}\n{cluster.log_text()}"
    href = shown["export-download"]["href"]
    assert href == export_page.DOWNLOAD_ROUTE.replace("<job_id>", job_id)

    download = second.get(href)

    assert download.status_code == 200, download.text[:500]
    assert "raak_export_2009_national_en.zip" in download.headers["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(download.content)).namelist() == [f"{ROUND}_national_tables.xlsx"]
    assert not list((tmp_path / "web0").rglob("*.zip")) and not list((tmp_path / "web1").rglob("*.zip"))
    assert cluster.worker_ran("dashboard.web.jobs.run_export"), cluster.log_text()


def test_an_upload_sent_to_one_web_process_shows_on_the_other_at_once(
    cluster: Cluster, database: str, tmp_path: Path
) -> None:
    engine = engine_for(database)
    coordinator = browser_for(database, cluster.web[0], "coordinator")
    region = COORDINATOR_REGION
    reader = browser_for(database, cluster.web[1], "nji")
    region_page = f"/regio/{region}"
    assert "empty-region" in reader.page(region_page, f"?ronde={ROUND}")  # nothing yet (and now cached there)

    job_id = job_of(start(coordinator, [("den_haag.xlsx", valid_return(engine, tmp_path))], ROUND))
    assert job_id

    on_other = coordinator.at(cluster.web[1])
    deadline, ticks = time.monotonic() + JOB_SECONDS, 0
    while time.monotonic() < deadline:
        ticks += 1
        answer = poll(on_other, job_id, "en", ticks)
        if answer.get_json()["response"]["upload-interval"]["disabled"]:
            break
        time.sleep(POLL_SECONDS)
    else:
        pytest.fail(f"the upload did not finish\n{cluster.log_text()}")
    assert [outcome.status for outcome in outcomes(answer)] == ["accepted"], cluster.log_text()

    shown = reader.page(region_page, f"?ronde={ROUND}")  # the other process, right after the worker finished
    assert "empty-region" not in shown, shown[:1000]
    assert cluster.worker_ran("dashboard.web.jobs.run_upload"), cluster.log_text()
