"""The upload page (`/upload`) through HTTP: each dropped workbook goes through `ingest()` as the logged-in user,
within their regions, and the page says per file what happened; limits are named with their values.

What touches storage runs on both backends; the page's own rules (limits, form, template) on SQLite only.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import dash
import openpyxl
import pytest
from corpus.builders import RECORD_TABLES, add_rounds, sqlite_only
from corpus.uploads import JOB_TABLES, outcomes, send, text_of, valid_return
from corpus.web import COORDINATOR_REGION, OTHER_REGION, SECRET_KEY, USERS, Client, add_users, logged_in, prop, walk
from sqlalchemy import Engine, select

from dashboard.figures import charts as figures
from dashboard.web.app import create_app
from dashboard.web.pages import upload
from etl.admin.rounds import set_round_open
from etl.store import models as m
from etl.store.config import get_settings
from etl.store.db import session_scope

pytestmark = pytest.mark.usefixtures("storage")


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "returns"
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(folder))
    return folder


@pytest.fixture
def app(engine: Engine) -> dash.Dash:
    add_rounds(engine, "2009")
    add_users(engine)
    return create_app(engine, secret_key=SECRET_KEY)


@pytest.fixture
def coordinator(app: dash.Dash) -> Client:
    return logged_in(app, USERS["coordinator"][0])


def changed_tables(before: dict[str, list], after: dict[str, list]) -> set[str]:
    return {table for table in before if before[table] != after[table]}


# --- outcomes ---------------------------------------------------------------------------------------------------


def kpi(client: Client, path: str, name: str) -> str:
    page = client.route(path, "?ronde=2009").get_json()["response"]["page"]["children"]
    return next(c for c in walk(page) if c.get("props", {}).get("id") == f"kpi-{name}")["props"]["children"]


def test_an_accepted_workbook_shows_its_municipalities_and_the_region_page_at_once(
    engine: Engine, coordinator: Client, tmp_path: Path
) -> None:
    region_page = f"/regio/{COORDINATOR_REGION}"
    assert kpi(coordinator, region_page, "completeness") == figures.percent(0, "nl")

    [result] = outcomes(send(coordinator, [("den_haag.xlsx", valid_return(engine, COORDINATOR_REGION, tmp_path))]))

    assert result.status == "accepted"
    assert "geaccepteerd" in result.text and "'s-Gravenhage (GM0518)" in result.text
    assert f"/regio/{COORDINATOR_REGION}?ronde=2009" in str(result.component)
    assert kpi(coordinator, region_page, "coverage") == figures.percent(1, "nl")
    assert kpi(coordinator, region_page, "completeness") == figures.percent(1, "nl")
    with session_scope(engine) as session:
        entry = session.scalar(select(m.AuditLog).where(m.AuditLog.action == "upload"))
        stored = session.scalar(select(m.Upload))
        assert (entry.actor, entry.remote_addr) == (USERS["coordinator"][0], "127.0.0.1")
        assert stored.uploader == USERS["coordinator"][0] and stored.status == "accepted"


def test_a_workbook_for_another_region_is_rejected_and_stored_nowhere(
    engine: Engine, coordinator: Client, tmp_path: Path, storage: Path, table_snapshot
) -> None:
    other = valid_return(engine, OTHER_REGION, tmp_path)
    before = table_snapshot(engine)

    [result] = outcomes(send(coordinator, [("amsterdam.xlsx", other)]))

    assert result.status == "rejected"
    assert f"U mag alleen aanleveren voor regio {COORDINATOR_REGION}" in result.text
    assert changed_tables(before, table_snapshot(engine)) <= RECORD_TABLES
    assert not storage.exists() or not any(storage.rglob("*"))


def test_an_invalid_workbook_lists_each_issue_and_offers_the_annotated_copy(
    engine: Engine, coordinator: Client, tmp_path: Path
) -> None:
    broken = valid_return(engine, COORDINATOR_REGION, tmp_path, status="ja")

    [result] = outcomes(send(coordinator, [("den_haag.xlsx", broken)], lang="en"))

    assert result.status == "rejected"
    rows = next(c for c in walk(result.component) if c.get("props", {}).get("id") == "upload-issues-0")
    cells = [[text_of(cell) for cell in row["props"]["children"]] for row in walk(rows) if row.get("type") == "Tr"]
    assert cells[0] == ["Severity", "Sheet", "Cell", "Message"]
    assert [
        "error",
        "’s-Gravenhage",
        "D10",
        "Point 1: 'ja' is not a valid status; allowed: 0-4, n.v.t. (number or label).",
    ] in cells
    link = next(c for c in walk(result.component) if c.get("props", {}).get("id") == "upload-annotated-0")["props"]
    assert link["download"] == "den_haag.annotated.xlsx"
    download = coordinator.http.get(link["href"])
    assert download.status_code == 200 and download.headers["Content-Disposition"].endswith("den_haag.annotated.xlsx")
    annotated = openpyxl.load_workbook(io.BytesIO(download.data))
    assert "Fouten" in annotated.sheetnames


def test_the_same_file_twice_is_a_duplicate_and_changes_nothing(
    engine: Engine, coordinator: Client, tmp_path: Path, table_snapshot
) -> None:
    data = valid_return(engine, COORDINATOR_REGION, tmp_path)
    assert outcomes(send(coordinator, [("a.xlsx", data)]))[0].status == "accepted"
    before = table_snapshot(engine)
    [again] = outcomes(send(coordinator, [("b.xlsx", data)]))
    assert again.status == "duplicate" and "al eerder geaccepteerd" in again.text and "GM0518" in again.text
    assert changed_tables(before, table_snapshot(engine)) == {"uploads", "audit_log", *JOB_TABLES}


def test_a_closed_round_refuses_uploads_with_a_clear_message(
    engine: Engine, coordinator: Client, tmp_path: Path
) -> None:
    data = valid_return(engine, COORDINATOR_REGION, tmp_path)
    with session_scope(engine) as session:
        set_round_open(session, "2009", False, actor="test")
    [result] = outcomes(send(coordinator, [("a.xlsx", data)]))
    assert result.status == "rejected" and "Ronde 2009 is gesloten en neemt geen aanleveringen meer aan" in result.text


# --- limits -----------------------------------------------------------------------------------------------------


@sqlite_only
@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("RAAK_MAX_UPLOAD_BYTES", "1000", "de grens is 1000 bytes"),
        ("RAAK_MAX_UNCOMPRESSED_BYTES", "2000", "de grens is 2000 bytes (max_uncompressed_bytes)"),
        ("RAAK_MAX_COMPRESSION_RATIO", "2", "de grens is 2× (max_compression_ratio)"),
        ("RAAK_MAX_SHEETS", "1", "de grens is 1 (max_sheets)"),
        ("RAAK_MAX_ROWS_PER_SHEET", "5", "de grens is 5 (max_rows_per_sheet)"),
    ],
)
def test_each_limit_is_checked_before_parsing_and_named_with_its_value(
    engine: Engine,
    coordinator: Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    table_snapshot,
    setting: str,
    value: str,
    expected: str,
) -> None:
    data = valid_return(engine, COORDINATOR_REGION, tmp_path)
    monkeypatch.setenv(setting, value)
    before = table_snapshot(engine)
    [result] = outcomes(send(coordinator, [("groot.xlsx", data)]))
    assert result.status == "rejected" and expected in result.text
    assert changed_tables(before, table_snapshot(engine)) <= RECORD_TABLES


@sqlite_only
def test_several_files_in_one_drop_each_get_their_own_outcome(
    engine: Engine, coordinator: Client, tmp_path: Path
) -> None:
    good = valid_return(engine, COORDINATOR_REGION, tmp_path / "good")
    bad = valid_return(engine, COORDINATOR_REGION, tmp_path / "bad", status=7)
    files = [("goed.xlsx", good), ("fout.xlsx", bad), ("notities.txt", b"geen werkmap")]
    results = outcomes(send(coordinator, files))
    assert [r.status for r in results] == ["accepted", "rejected", "rejected"]
    assert "goed.xlsx" in results[0].text and "fout.xlsx" in results[1].text
    assert "geen Excel- of OpenDocument-werkmap" in results[2].text


@sqlite_only
def test_too_many_files_or_an_unreadable_request_change_nothing(
    engine: Engine, coordinator: Client, table_snapshot
) -> None:
    before = table_snapshot(engine)
    too_many = outcomes(send(coordinator, [(f"{n}.xlsx", b"x") for n in range(upload.MAX_FILES_PER_UPLOAD + 1)]))
    assert f"de grens is {upload.MAX_FILES_PER_UPLOAD} per keer" in too_many[0].text
    for batch in (None, "data", {"contents": "x"}, {"contents": [], "filenames": []}):
        response = coordinator.callback(
            [(upload.RESULTS, "children")],
            [prop(upload.BATCH, "data", batch)],
            [prop(upload.ROUND_SELECT, "value", "2009"), prop("url", "search", "")],
        )
        assert "kon niet worden gelezen" in text_of(response.get_json()["response"][upload.RESULTS]["children"])
    garbled = coordinator.callback(
        [(upload.RESULTS, "children")],
        [prop(upload.BATCH, "data", {"contents": ["data:x;base64,@@@", "not a data url"], "filenames": [1, None]})],
        [prop(upload.ROUND_SELECT, "value", ["2009"]), prop("url", "search", 5)],
    )
    shown = text_of(garbled.get_json()["response"][upload.RESULTS]["children"])
    assert shown.count("kwam niet leesbaar aan") == 2 and "upload.xlsx" in shown
    assert table_snapshot(engine) == before


@sqlite_only
def test_a_request_over_the_size_limit_gets_a_clear_413(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAAK_MAX_UPLOAD_BYTES", "1000")
    add_rounds(engine, "2009")
    add_users(engine)
    app = create_app(engine, secret_key=SECRET_KEY)
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    assert limit == upload.max_request_bytes(get_settings())
    response = send(logged_in(app, USERS["nji"][0]), [("groot.xlsx", b"x" * limit)])
    assert response.status_code == 413
    body = response.get_json()
    assert body["error"] == "request_too_large" and body["limit"] == limit and "MB" in body["message_nl"]


# --- the page ---------------------------------------------------------------------------------------------------


@sqlite_only
def test_the_page_names_every_limit_a_workbook_must_stay_within(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAAK_MAX_COLUMNS_PER_SHEET", "77")
    monkeypatch.setenv("RAAK_MAX_CELLS_PER_FILE", "123456")
    add_rounds(engine, "2009")
    add_users(engine)
    app = create_app(engine, secret_key=SECRET_KEY)
    page = text_of(logged_in(app, USERS["nji"][0]).route("/upload").get_json()["response"]["page"]["children"])
    assert "77 kolommen per werkblad" in page and "123.456 cellen per bestand" in page


@sqlite_only
def test_the_page_defaults_to_the_latest_open_round_and_marks_closed_ones(engine: Engine) -> None:
    add_rounds(engine, "2008", "2009", "2010", closed=("2008",))
    add_users(engine)
    app = create_app(engine, secret_key=SECRET_KEY)
    page = logged_in(app, USERS["coordinator"][0]).route("/upload").get_json()["response"]["page"]["children"]
    select_round = next(c for c in walk(page) if c.get("props", {}).get("id") == upload.ROUND_SELECT)["props"]
    assert select_round["value"] == "2010"
    assert [(o["value"], o["disabled"]) for o in select_round["options"]] == [
        ("2008", True),
        ("2009", False),
        ("2010", False),
    ]
    assert f"({COORDINATOR_REGION})" in text_of(page) and "alle regio's" not in text_of(page)
    nji = logged_in(app, USERS["nji"][0]).route("/upload").get_json()["response"]["page"]["children"]
    assert "alle regio's" in text_of(nji)


@sqlite_only
def test_without_rounds_the_page_says_who_opens_one(engine: Engine) -> None:
    add_users(engine)
    app = create_app(engine, secret_key=SECRET_KEY)
    page = logged_in(app, USERS["coordinator"][0]).page("/upload")
    assert "upload-no-rounds" in page and "Beheer" in page


@sqlite_only
def test_the_template_of_an_own_region_downloads(engine: Engine, coordinator: Client) -> None:
    response = coordinator.callback(
        [(upload.TEMPLATE_DOWNLOAD, "data"), (upload.TEMPLATE_MESSAGE, "children")],
        [prop(upload.TEMPLATE_BUTTON, "n_clicks", 1)],
        [
            prop(upload.TEMPLATE_REGION, "value", COORDINATOR_REGION),
            prop(upload.ROUND_SELECT, "value", "2009"),
            prop(upload.TEMPLATE_PREFILL, "value", []),
            prop("url", "search", ""),
        ],
    )
    sent = response.get_json()["response"][upload.TEMPLATE_DOWNLOAD]["data"]
    assert sent["filename"] == f"RAAK_2009_{COORDINATOR_REGION}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(sent["content"])))
    assert "’s-Gravenhage" in book.sheetnames  # the template's sheet per municipality (Excel forbids a leading ')
    missing_region = coordinator.callback(
        [(upload.TEMPLATE_DOWNLOAD, "data"), (upload.TEMPLATE_MESSAGE, "children")],
        [prop(upload.TEMPLATE_BUTTON, "n_clicks", 2)],
        [
            prop(upload.TEMPLATE_REGION, "value", None),
            prop(upload.ROUND_SELECT, "value", "2009"),
            prop(upload.TEMPLATE_PREFILL, "value", []),
            prop("url", "search", ""),
        ],
    )
    assert missing_region.get_json()["response"][upload.TEMPLATE_MESSAGE]["children"] == "Kies een regio en een ronde."


def test_workbook_helpers_need_no_database() -> None:
    assert upload.decode("data:application/octet-stream;base64,aGk=") == b"hi"
    assert upload.decode("data:text/plain,hi") is None and upload.decode(b"x") is None
    assert upload.clean_filename("map/sub/Den Haag.xlsx") == "Den Haag.xlsx"
    assert upload.clean_filename("C:\\Users\\x\\a.xlsx") == "a.xlsx" and upload.clean_filename(None) == "upload.xlsx"
