"""Uploading as the browser does, without a browser: the upload page's callbacks (start a job, poll it to its
end) through `corpus.web.Client`, and each file's outcome as the page shows it."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dash
import pytest
from sqlalchemy import Engine

from corpus.builders import ALL_POINTS_3, RECORD_TABLES, add_rounds, filled, region_municipalities
from corpus.web import COORDINATOR_REGION, SECRET_KEY, USERS, Client, add_users, logged_in, prop, walk
from dashboard.web.app import create_app
from dashboard.web.pages import upload


@dataclass
class Outcome:
    """One file's result as the page shows it."""

    status: str | None
    text: str
    component: dict[str, Any]


def text_of(node: Any) -> str:
    """All text in a component tree (as JSON)."""
    parts = []
    for component in walk(node):
        children = component.get("props", {}).get("children")
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, str | int | float):
                parts.append(str(child))
    return " ".join(parts)


JOB_TABLES = {"upload_jobs", "upload_job_files"}  # where the page's upload jobs keep their outcome
JOB_WAIT_SECONDS = 120  # a generous bound so a broken job fails the test instead of hanging it
POLL_SECONDS = 0.05


def start(client: Client, files: list[tuple[str, bytes]], round_label: str | None = "2009", lang: str = "nl") -> Any:
    """What the browser sends after a drop (through the size gate): the files as data URLs. The answer holds the
    job panel (or, for a request refused outright, the message)."""
    contents = [f"data:application/octet-stream;base64,{base64.b64encode(data).decode()}" for _, data in files]
    batch = {"contents": contents, "filenames": [name for name, _ in files]}
    return client.callback(
        [(upload.RESULTS, "children")],
        [prop(upload.BATCH, "data", batch)],
        [prop(upload.ROUND_SELECT, "value", round_label), prop("url", "search", f"?lang={lang}")],
    )


def job_of(response: Any) -> str | None:
    """The job id in an upload answer's panel, if a job was started."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    stores = [c for c in walk(response.get_json()["response"][upload.RESULTS]["children"]) if c.get("type") == "Store"]
    return next((c["props"]["data"] for c in stores if c["props"].get("id") == upload.JOB), None)


def poll(client: Client, job_id: str, lang: str = "nl", ticks: int = 1) -> Any:
    """One tick of the page's poll of a job."""
    return client.callback(
        [
            (upload.PROGRESS, "value"),
            (upload.PROGRESS, "max"),
            (upload.STATUS, "children"),
            (upload.FILES, "children"),
            (upload.INTERVAL, "disabled"),
        ],
        [prop(upload.INTERVAL, "n_intervals", ticks)],
        [prop(upload.JOB, "data", job_id), prop("url", "search", f"?lang={lang}")],
    )


def wait_for_job(client: Client, job_id: str, lang: str = "nl") -> Any:
    """Poll as the page does until the job is finished; the last poll's answer."""
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    ticks = 0
    while time.monotonic() < deadline:
        ticks += 1
        response = poll(client, job_id, lang, ticks)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        if response.get_json()["response"][upload.INTERVAL]["disabled"]:
            return response
        time.sleep(POLL_SECONDS)
    pytest.fail(f"upload job {job_id} did not finish")


def send(client: Client, files: list[tuple[str, bytes]], round_label: str | None = "2009", lang: str = "nl") -> Any:
    """Upload as the browser does and follow the job to its end: the answer showing every file's outcome."""
    response = start(client, files, round_label, lang)
    job_id = job_of(response) if response.status_code == 200 else None
    return wait_for_job(client, job_id, lang) if job_id else response


def outcomes(response: Any) -> list[Outcome]:
    """Each file's outcome in a poll's answer (or the messages of a request refused outright)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    answer = response.get_json()["response"]
    results = answer[upload.FILES]["children"] if upload.FILES in answer else answer[upload.RESULTS]["children"]
    return [Outcome(item["props"].get("data-status"), text_of(item), item) for item in results]


def valid_return(engine: Engine, region: str, folder: Path, status: int | str = 3) -> bytes:
    codes = region_municipalities(engine, region)
    return filled(engine, region, "2009", folder, {code: dict.fromkeys(ALL_POINTS_3, status) for code in codes})


@pytest.fixture
def fuzz_target(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dash.Dash, Client, bytes]:
    """An app with round 2009, its users, the coordinator logged in, and a valid return of their region."""
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    add_rounds(engine, "2009")
    add_users(engine)
    app = create_app(engine, secret_key=SECRET_KEY)
    codes = region_municipalities(engine, COORDINATOR_REGION)
    valid = filled(engine, COORDINATOR_REGION, "2009", tmp_path, {code: dict(ALL_POINTS_3) for code in codes})
    return app, logged_in(app, USERS["coordinator"][0]), valid


def check(engine: Engine, client: Client, name: str, data: bytes, snapshot: Callable) -> None:
    """Upload `data`; the answer is a page with one outcome, and a rejection records only itself."""
    before = snapshot(engine)
    response = send(client, [(name, data)])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    [result] = response.get_json()["response"][upload.FILES]["children"]
    status = result["props"].get("data-status")
    assert status in {"accepted", "rejected", "duplicate"}, text_of(result)
    after = snapshot(engine)
    changed = {table for table in before if before[table] != after[table]}
    if status == "rejected":
        assert changed <= RECORD_TABLES
        assert len(after["uploads"]) == len(before["uploads"]) + 1
        assert len(after["audit_log"]) == len(before["audit_log"]) + 1
        assert "upload-issues-0" in str(result)  # every rejection says why
    elif status == "duplicate":
        assert changed <= {"uploads", "audit_log", "upload_jobs", "upload_job_files"}
