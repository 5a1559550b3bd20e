"""After an upload the worker computes the round's reports once, so the first page view after the data change
reads them from the shared cache instead of computing them in a web process."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus.builders import ALL_POINTS_3, add_rounds, filled, region_municipalities
from sqlalchemy import Engine

from dashboard.analytics import report
from dashboard.web import jobs
from etl.ingest import upload_jobs

REGION = "GG3406"


def _job(engine: Engine, folder: Path, data: bytes | None = None) -> str:
    if data is None:
        codes = region_municipalities(engine, REGION)
        data = filled(engine, REGION, "2009", folder, {code: dict(ALL_POINTS_3) for code in codes})
    files = [upload_jobs.IncomingFile("return.xlsx", data)]
    return upload_jobs.create_job(
        engine, owner="nji@test.nl", allowed_regions=None, round_label="2009", remote_addr=None, files=files
    )


def _no_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the report was computed again")

    monkeypatch.setattr(report, "_build_round_report", refuse)


def test_the_first_report_after_an_upload_is_the_one_the_worker_computed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    add_rounds(engine, "2009")
    jobs.run_upload(_job(engine, tmp_path), engine.url.render_as_string(hide_password=False))
    expected = {lang: report.round_report(engine, "2009", lang=lang).to_dict() for lang in ("nl", "en")}
    assert expected["nl"]["national"]["n_returns"] == len(region_municipalities(engine, REGION))
    _no_computing(monkeypatch)
    for lang in ("nl", "en"):
        assert report.round_report(engine, "2009", lang=lang).to_dict() == expected[lang]


def test_a_rejected_upload_warms_nothing_and_a_warming_failure_leaves_the_job_done(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    add_rounds(engine, "2009")
    warmed: list[str] = []
    monkeypatch.setattr(jobs, "warm_round", lambda _engine, label: warmed.append(label))
    url = engine.url.render_as_string(hide_password=False)
    jobs.run_upload(_job(engine, tmp_path, b"not a workbook"), url)
    assert warmed == []

    def broken(_engine: Engine, _label: str) -> None:
        raise RuntimeError("cache down")

    monkeypatch.setattr(jobs, "warm_round", broken)
    job_id = _job(engine, tmp_path)
    jobs.run_upload(job_id, url)
    job = upload_jobs.job_view(engine, job_id, "", sees_all=True)
    assert job is not None and job.state == upload_jobs.DONE
    assert [f.report.status for f in job.files if f.report] == ["accepted"]
