"""Exports as background jobs (the Export page's machinery) and the workbook's formula neutralising, on SQLite and
PostgreSQL. Only the Excel format is asked for here, so no browser is started."""

from __future__ import annotations

import io
import json
import os
import time
import uuid
import zipfile
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from corpus.builders import ALL_POINTS_3, SMALL_REGION, add_rounds, filled, region_municipalities
from corpus.web import SECRET_KEY, Client, add_users, logged_in
from sqlalchemy import Engine

from dashboard.exports.bundle import build_export
from dashboard.exports.content import ExportRequest
from dashboard.web import jobs
from dashboard.web.app import create_app
from dashboard.web.pages import export as export_page
from etl.ingest.pipeline import ingest
from etl.store.storage import exports_store

ROUND = "2011"
JOB_WAIT_SECONDS = 120  # a generous bound so a broken job fails the test instead of hanging it
FORMULA_COMMENTS = ('=HYPERLINK("http://example.org/x","klik")', "+31 20 555 0000", "-geen budget", "@SUM(A1)")


def with_formula_comments(engine: Engine, folder: Path) -> bytes:
    """A filled template of a small region whose first municipality's comments start like formulas.

    openpyxl would write a text starting with "=" as a formula, so those cells are typed as text explicitly,
    as a spreadsheet program does when the user types an apostrophe first.
    """
    codes = region_municipalities(engine, SMALL_REGION)
    markers = {number: f"MARKER{number}" for number in range(1, len(FORMULA_COMMENTS) + 1)}
    data = filled(engine, SMALL_REGION, ROUND, folder, {code: ALL_POINTS_3 for code in codes}, {codes[0]: markers})
    book = openpyxl.load_workbook(io.BytesIO(data))
    texts = {marker: FORMULA_COMMENTS[number - 1] for number, marker in markers.items()}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in texts:
                    cell.value = texts[cell.value]
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def wait_for(job_id: str) -> jobs.JobStatus:
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    while time.monotonic() < deadline:
        status = jobs.job_status(job_id)
        assert status is not None
        if status.finished:
            return status
        time.sleep(0.2)
    pytest.fail(f"export job {job_id} did not finish")


@pytest.fixture
def returned(engine: Engine, tmp_path: Path) -> Engine:
    """A database with round 2011 and one accepted return (with formula-like comments) from GGD Amsterdam."""
    add_rounds(engine, ROUND)
    report = ingest(with_formula_comments(engine, tmp_path), "amsterdam.xlsx", engine=engine)
    assert report.status == "accepted", report.issues
    return engine


def test_comments_that_look_like_formulas_stay_text_in_the_workbook(returned: Engine, tmp_path: Path) -> None:
    files = build_export(returned, ExportRequest(ROUND, formats=("xlsx",)), tmp_path / "out")

    assert [path.name for path in files] == [f"{ROUND}_national_tables.xlsx"]
    book = openpyxl.load_workbook(files[0])
    sheet = book["Statussen"]
    header = [cell.value for cell in sheet[1]]
    comments = [row[header.index("Toelichting")] for row in sheet.iter_rows(min_row=2)]
    stored = {cell.value: cell.data_type for cell in comments if cell.value}
    assert stored == {"'" + text: "s" for text in FORMULA_COMMENTS}
    assert all(cell.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row)


def test_export_job_reports_progress_and_its_zip_holds_the_files(returned: Engine) -> None:
    job_id = jobs.start_export(returned, ExportRequest(ROUND, "GG3406", "en", formats=("xlsx",)))

    status = wait_for(job_id)
    assert status.state == jobs.DONE
    assert status.zip_name == "raak_export_2011_GG3406_en.zip"
    found = jobs.open_zip(job_id)
    assert found is not None and found[0] == status.zip_name
    assert exports_store().present(f"{job_id}/{status.zip_name}")
    with found[1] as stream, zipfile.ZipFile(stream) as archive:
        assert archive.namelist() == [f"{ROUND}_GG3406_tables.xlsx"]
        book = openpyxl.load_workbook(io.BytesIO(archive.read(f"{ROUND}_GG3406_tables.xlsx")))
    assert "Columns" in book.sheetnames
    bar, text, link, stop = export_page.show(job_id, "nl", f"/export/download/{job_id}")
    assert stop and text == "Klaar." and bar["value"] == bar["max"]
    assert link["download"] == status.zip_name and link["href"].endswith(job_id)


def test_export_job_of_an_unknown_round_fails_with_a_clear_message(engine: Engine) -> None:
    job_id = jobs.start_export(engine, ExportRequest("1999", formats=("xlsx",)))

    status = wait_for(job_id)
    assert status.state == jobs.FAILED
    assert "onbekende ronde '1999'" in status.message_nl and "unknown round '1999'" in status.message_en
    assert jobs.open_zip(job_id) is None
    _bar, text, link, stop = export_page.show(job_id, "en", "")
    assert stop and text.startswith("Failed: unknown round '1999'") and link["style"] == export_page.HIDDEN


def test_download_route_serves_a_finished_zip_to_nji_and_steering_only(returned: Engine) -> None:
    emails = add_users(returned)
    app = create_app(returned, secret_key=SECRET_KEY)
    job_id = jobs.start_export(returned, ExportRequest(ROUND, formats=("xlsx",)))
    wait_for(job_id)
    exports_store().write("secret.txt", b"not yours")
    url = f"/export/download/{job_id}"

    for role in ("nji", "steering"):
        response = logged_in(app, emails[role]).http.get(url)
        assert response.status_code == 200, role
        assert response.mimetype == "application/zip"
        assert "raak_export_2011_national_nl.zip" in response.headers["Content-Disposition"]
        assert zipfile.ZipFile(io.BytesIO(response.data)).namelist() == [f"{ROUND}_national_tables.xlsx"]
    assert logged_in(app, emails["coordinator"]).http.get(url).status_code == 403
    assert Client(app).http.get(url).status_code in (302, 401)  # anonymous: to the log-in
    client = logged_in(app, emails["nji"])
    for bad in ("secret.txt", "..", job_id.upper(), str(uuid.uuid4())):
        assert client.http.get(f"/export/download/{bad}").status_code == 404, bad
    for traversal in ("..%2Fsecret.txt", f"{job_id}%2F..%2F..%2Fsecret.txt"):  # not this route: Dash's index page
        response = client.http.get(f"/export/download/{traversal}")
        assert b"not yours" not in response.data and response.mimetype != "application/zip", traversal


def test_job_ids_must_be_canonical_uuids(tmp_path: Path) -> None:
    real = str(uuid.uuid4())
    assert jobs.canonical_id(real) == real
    for bad in ("../x", "", real.upper(), "{" + real + "}", real + "/..", "."):
        assert jobs.canonical_id(bad) is None, bad
        assert jobs.open_zip(bad) is None
        assert jobs.job_status(bad) is None


def test_jobs_older_than_a_day_go_when_a_new_job_starts(engine: Engine) -> None:
    store = exports_store()
    old, recent = str(uuid.uuid4()), str(uuid.uuid4())
    for job in (old, recent):
        store.write(f"{job}/{jobs.PROGRESS_FILE}", b"{}")
    two_days_ago = time.time() - timedelta(days=2).total_seconds()
    os.utime(store.path(f"{old}/{jobs.PROGRESS_FILE}"), (two_days_ago, two_days_ago))

    job_id = jobs.start_export(engine, ExportRequest("1999", formats=("xlsx",)))
    wait_for(job_id)

    assert not store.present(f"{old}/{jobs.PROGRESS_FILE}")
    assert store.present(f"{recent}/{jobs.PROGRESS_FILE}") and store.present(f"{job_id}/{jobs.PROGRESS_FILE}")


def test_a_job_whose_process_died_shows_as_stopped() -> None:
    job_id = str(uuid.uuid4())
    left = jobs.JobStatus(job_id, jobs.RUNNING, 3, 10, "images", updated_at="2000-01-01T00:00:00+00:00")
    exports_store().write(f"{job_id}/{jobs.PROGRESS_FILE}", json.dumps(asdict(left)).encode("utf-8"))

    status = jobs.job_status(job_id)

    assert status is not None and status.state == jobs.FAILED and status.message_en == jobs.STOPPED_EN
    _bar, text, _link, stop = export_page.show(job_id, "nl", "")
    assert stop and text == f"Mislukt: {jobs.STOPPED_NL}"
