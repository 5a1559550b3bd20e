"""A coordinator learns nothing about a municipality outside their regions by uploading for it (issue 9, item 2).

Region B (OTHER_REGION) has an accepted return in round 2008 with statuses higher than those the coordinator of
region A (COORDINATOR_REGION) then uploads for round 2009. Every upload goes through the upload page's callback
as the logged-in coordinator (the Flask test client against the real app).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dash
import pytest
from corpus.builders import POINTS, add_rounds, filled, points_rows, region_municipalities, workbook
from sqlalchemy import Engine, select
from test_auth import COORDINATOR_REGION, OTHER_REGION, SECRET_KEY, USERS, Client, add_users, logged_in
from test_security import walk
from test_upload import Outcome, outcomes, send

from dashboard.web.app import create_app
from etl.ingest.pipeline import ingest
from etl.store import models as m
from etl.store.db import session_scope

EARLIER_STATUS, LOWER_STATUS, OWN_STATUS = 4, 1, 3
SCOPE_CODE = "region_not_allowed"


@dataclass
class Scene:
    engine: Engine
    app: dash.Dash
    coordinator: Client
    own: list[str]  # the municipalities of region A
    other: list[str]  # the municipalities of region B
    folder: Path


@pytest.fixture
def scene(engine: Engine, tmp_path: Path) -> Scene:
    """Rounds 2008 and 2009; region B's 2008 return (all statuses 4) loaded by NJi; A's coordinator logged in."""
    add_rounds(engine, "2008", "2009")
    add_users(engine)
    own, other = region_municipalities(engine, COORDINATOR_REGION), region_municipalities(engine, OTHER_REGION)
    earlier = {code: dict.fromkeys(POINTS, EARLIER_STATUS) for code in other}
    data = filled(engine, OTHER_REGION, "2008", tmp_path / "2008", earlier)
    assert ingest(data, "b_2008.xlsx", uploader=USERS["nji"][0], engine=engine).status == "accepted"
    app = create_app(engine, secret_key=SECRET_KEY)
    return Scene(engine, app, logged_in(app, USERS["coordinator"][0]), own, other, tmp_path)


def other_region_file(scene: Scene, status: int = LOWER_STATUS) -> bytes:
    """Region B's own 2009 template, filled with statuses below those of 2008 and no comments."""
    values = {code: dict.fromkeys(POINTS, status) for code in scene.other}
    return filled(scene.engine, OTHER_REGION, "2009", scene.folder / f"b_{status}", values)


def mixed_file(scene: Scene) -> bytes:
    """One sheet for A's municipality (unchanged statuses) and one for a municipality of B (lower statuses)."""
    return workbook(
        {
            "Eigen": [["Gemeentecode", scene.own[0]], [], *points_rows(dict.fromkeys(POINTS, OWN_STATUS))],
            "Ander": [["Gemeentecode", scene.other[0]], [], *points_rows(dict.fromkeys(POINTS, LOWER_STATUS))],
        }
    )


def stored_issues(engine: Engine, upload_id: int) -> list[tuple[str, str | None, str | None]]:
    """(code, sheet, cell) of every issue stored with an upload, in order."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(m.ValidationIssue.code, m.ValidationIssue.sheet, m.ValidationIssue.cell)
            .where(m.ValidationIssue.upload_id == upload_id)
            .order_by(m.ValidationIssue.id)
        )
        return [tuple(row) for row in rows]


def last_upload(engine: Engine) -> m.Upload:
    with session_scope(engine) as session:
        upload = session.scalar(select(m.Upload).order_by(m.Upload.id.desc()).limit(1))
        session.expunge(upload)
        return upload


def names(engine: Engine, codes: list[str]) -> list[str]:
    with session_scope(engine) as session:
        return list(session.scalars(select(m.Municipality.name).where(m.Municipality.code.in_(codes))))


def assert_nothing_about_b(scene: Scene, result: Outcome) -> None:
    """No status of B's earlier round, no "lower than" warning, no municipality of B listed as covered."""
    assert "lager dan" not in result.text and "ronde 2008" not in result.text
    assert f"({EARLIER_STATUS})" not in result.text
    covered = [c for c in walk(result.component) if c.get("props", {}).get("id") == "upload-municipalities-0"]
    for name in names(scene.engine, scene.other):
        assert all(name not in str(c) for c in covered), name


def test_a_file_for_another_region_answers_only_the_scope_rejection(scene: Scene) -> None:
    [result] = outcomes(send(scene.coordinator, [("b_2009.xlsx", other_region_file(scene))]))

    assert result.status == "rejected"
    upload = last_upload(scene.engine)
    issues = stored_issues(scene.engine, upload.id)
    assert issues and {code for code, _, _ in issues} == {SCOPE_CODE}
    assert f"U mag alleen aanleveren voor regio {COORDINATOR_REGION}" in result.text
    assert_nothing_about_b(scene, result)


def test_a_mixed_file_says_nothing_about_the_foreign_municipality_but_its_scope(scene: Scene) -> None:
    [result] = outcomes(send(scene.coordinator, [("gemengd.xlsx", mixed_file(scene))], round_label="2009"))

    assert result.status == "rejected"
    upload = last_upload(scene.engine)
    assert stored_issues(scene.engine, upload.id) == [(SCOPE_CODE, "Ander", "B1")]
    assert_nothing_about_b(scene, result)


def test_the_same_foreign_file_gets_the_same_answer_whether_or_not_it_was_accepted(scene: Scene) -> None:
    """Duplicate probing: the answer for B's exact accepted file equals the answer for a file B never sent."""
    accepted, never_sent = other_region_file(scene, LOWER_STATUS), other_region_file(scene, LOWER_STATUS + 1)
    assert ingest(accepted, "b.xlsx", uploader=USERS["nji"][0], engine=scene.engine).status == "accepted"

    answers = []
    for data in (accepted, never_sent):
        [result] = outcomes(send(scene.coordinator, [("probe.xlsx", data)]))
        upload = last_upload(scene.engine)
        answers.append((result.status, upload.status, stored_issues(scene.engine, upload.id)))
        assert "al eerder geaccepteerd" not in result.text
    assert answers[0] == answers[1]
    assert answers[0][0] == "rejected" and {code for code, _, _ in answers[0][2]} == {SCOPE_CODE}


def test_a_mixed_file_accepted_by_nji_is_no_duplicate_for_a_coordinator(scene: Scene) -> None:
    data = mixed_file(scene)
    assert ingest(data, "gemengd.xlsx", round="2009", uploader=USERS["nji"][0], engine=scene.engine).status == (
        "accepted"
    )

    [result] = outcomes(send(scene.coordinator, [("gemengd.xlsx", data)], round_label="2009"))

    assert result.status == "rejected"
    assert stored_issues(scene.engine, last_upload(scene.engine).id) == [(SCOPE_CODE, "Ander", "B1")]
    assert "al eerder geaccepteerd" not in result.text


def test_an_own_file_sent_twice_is_still_a_duplicate(scene: Scene) -> None:
    own = filled(
        scene.engine,
        COORDINATOR_REGION,
        "2009",
        scene.folder / "a",
        {code: dict.fromkeys(POINTS, OWN_STATUS) for code in scene.own},
    )
    assert outcomes(send(scene.coordinator, [("a.xlsx", own)]))[0].status == "accepted"
    [again] = outcomes(send(scene.coordinator, [("a.xlsx", own)]))
    assert again.status == "duplicate" and "al eerder geaccepteerd" in again.text
