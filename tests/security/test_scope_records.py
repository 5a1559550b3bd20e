"""A coordinator's rejected upload for another region changes nothing of that region (issue 9, item 4): not its
completeness row, upload counters or last upload, not its list of rejected files. The rejection is filed under the
uploader and the uploader's region, where the uploader and NJi see it."""

from __future__ import annotations

from typing import Any

import pandas as pd
from corpus.builders import RECORD_TABLES
from corpus.scopes import Scene, other_region_file
from corpus.uploads import outcomes, send
from corpus.web import COORDINATOR_REGION, OTHER_REGION, USERS, logged_in
from sqlalchemy import Engine

from dashboard.analytics import queries as data
from dashboard.analytics.report import completeness_table
from etl.admin.users import add_user
from etl.store import models as m
from etl.store.db import session_scope

FILE_CHOSEN_BY_A = "naam_gekozen_door_regio_a.xlsx"
OTHER_COORDINATOR = "coordinator-b@test.nl"


def region_view(engine: Engine, region: str) -> dict[str, Any]:
    """What the completeness page and the upload counters show of one region in round 2009."""
    table = completeness_table(engine, "2009")
    row = table.regions[table.regions["region_code"] == region].iloc[0].to_dict()
    with data.snapshot(engine) as conn:
        rounds = data.rounds(conn)
        round_id = int(rounds[rounds["label"] == "2009"]["id"].iloc[0])
        counts = data.upload_counts(conn, round_id)
    counted = counts[counts["region_code"] == region].to_dict("records")
    rejected = table.rejected[table.rejected["region_code"] == region]["filename"].tolist()
    return {
        "row": {k: (None if pd.isna(v) else v) for k, v in row.items()},
        "counts": counted,
        "rejected": rejected,
    }


def test_a_rejected_upload_for_another_region_changes_nothing_of_that_region(scene: Scene, table_snapshot) -> None:
    with session_scope(scene.engine) as session:
        add_user(session, OTHER_COORDINATOR, "coordinator", "x" * 20, regions=(OTHER_REGION,), actor="test")
    before_b, before_tables = region_view(scene.engine, OTHER_REGION), table_snapshot(scene.engine)

    [result] = outcomes(send(scene.coordinator, [(FILE_CHOSEN_BY_A, other_region_file(scene))]))

    assert result.status == "rejected"
    assert region_view(scene.engine, OTHER_REGION) == before_b
    after_tables = table_snapshot(scene.engine)
    assert {t for t in before_tables if before_tables[t] != after_tables[t]} <= RECORD_TABLES
    [(upload_id, uploader, region)] = [
        (row.id, row.uploader, row.region_code) for row in _new_uploads(scene.engine, before_tables, after_tables)
    ]
    assert (uploader, region) == (USERS["coordinator"][0], COORDINATOR_REGION)
    assert FILE_CHOSEN_BY_A in region_view(scene.engine, COORDINATOR_REGION)["rejected"]
    assert region_view(scene.engine, COORDINATOR_REGION)["counts"][0]["n_rejected"] == 1

    pages = {
        "uploader": scene.coordinator.page("/aanlevering", "?ronde=2009"),
        "nji": logged_in(scene.app, USERS["nji"][0]).page("/aanlevering", "?ronde=2009"),
        "region B": logged_in(scene.app, OTHER_COORDINATOR, "x" * 20).page("/aanlevering", "?ronde=2009"),
    }
    assert FILE_CHOSEN_BY_A in pages["uploader"] and FILE_CHOSEN_BY_A in pages["nji"]
    assert FILE_CHOSEN_BY_A not in pages["region B"]
    assert upload_id


def _new_uploads(engine: Engine, before: dict[str, list], after: dict[str, list]) -> list[m.Upload]:
    known = {row[0] for row in before["uploads"]}
    with session_scope(engine) as session:
        rows = [session.get(m.Upload, row[0]) for row in after["uploads"] if row[0] not in known]
        for row in rows:
            session.expunge(row)
        return rows
