"""A coordinator learns nothing about a municipality outside their regions by uploading for it (issue 9, item 2).

Region B (OTHER_REGION) has an accepted return in round 2008 with statuses higher than those the coordinator of
region A (COORDINATOR_REGION) then uploads for round 2009. Every upload goes through the upload page's callback
as the logged-in coordinator (the Flask test client against the real app).
"""

from __future__ import annotations

from corpus.builders import POINTS, filled, points_rows, workbook
from corpus.scopes import EARLIER_STATUS, LOWER_STATUS, OWN_STATUS, Scene, other_region_file
from corpus.uploads import Outcome, outcomes, send
from corpus.web import COORDINATOR_REGION, USERS, walk
from sqlalchemy import Engine, select

from etl.ingest.pipeline import ingest
from etl.store import models as m
from etl.store.db import session_scope

SCOPE_CODE = "region_not_allowed"


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
