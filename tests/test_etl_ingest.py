"""Ingest end to end: template → filled → `ingest()` → database, and every content rule of the return format."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from corpus.builders import (
    ALL_POINTS_3,
    ONE_MUNICIPALITY_REGION,
    SMALL_REGION,
    Snapshot,
    SnapshotFn,
    add_rounds,
    assert_only_rejection_recorded,
    count,
    current,
    expected,
    filled,
    points_rows,
    random_statuses,
    region_municipalities,
    sqlite_only,
    upload_statuses,
    workbook,
)
from sqlalchemy import Engine, select

from dashboard.cli import USAGE_ERROR_EXIT, main
from etl.i18n import t
from etl.ingest.pipeline import IngestReport, ingest
from etl.ingest.validate import SEVERITIES as VALIDATE_SEVERITIES
from etl.store import models as m
from etl.store import storage
from etl.store.config import get_settings
from etl.store.db import engine_for, session_scope
from etl.workbook import read as read_module
from etl.workbook.read import SEVERITIES as READ_SEVERITIES
from etl.workbook.read import Workbook, read_workbook

DOCS = Path(__file__).resolve().parents[1] / "docs" / "return-format.md"
UPLOADER = "coordinator@example.org"


@pytest.fixture
def returns_dir(isolated_instance: Path) -> Path:
    """Where accepted originals are stored: the default `returns` folder of the test's instance folder."""
    return isolated_instance / "returns"


def _codes(report: IngestReport) -> list[str]:
    return [issue.code for issue in report.issues]


def _one_sheet(code: object = "GM0518", statuses: dict[int, object] | None = None, **meta: str) -> bytes:
    """A hand-made workbook for one municipality (default: 's-Gravenhage, all points 3)."""
    sheets: dict[str, list[list[object]]] = {
        "Gemeente": [["Gemeentecode", code], [], *points_rows(statuses if statuses is not None else ALL_POINTS_3)]
    }
    if meta:
        sheets["_meta"] = [[key, value] for key, value in meta.items()]
    return workbook(sheets)


# --- round trips, history, duplicates -----------------------------------------------------------------------


def test_filled_template_round_trips_into_the_database(engine: Engine, tmp_path: Path, returns_dir: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    values = random_statuses(codes, seed=3)
    values[codes[0]].update({1: "3 - Ingevoerd", 2: " 2 ", 3: "ingevoerd en geborgd", 4: "nvt", 5: "1"})
    comments = {codes[0]: {1: "Loopt sinds maart", 35: "Nieuw convenant"}}
    data = filled(engine, SMALL_REGION, "2009", tmp_path, values, comments)

    report = ingest(data, "amsterdam.xlsx", uploader=UPLOADER, engine=engine)

    assert report.status == "accepted", report.issues
    assert report.issues == []
    assert sorted(report.municipalities) == codes
    assert len(report.submission_ids) == len(codes)
    landed = current(engine, "2009")
    assert len(landed) == 35 * len(codes)
    for code in codes:
        for number, value in values[code].items():
            comment = comments.get(code, {}).get(number)
            assert landed[(code, number)] == (*expected(value), comment), (code, number, value)
    with session_scope(engine) as session:
        upload = session.get(m.Upload, report.upload_id)
        assert (upload.status, upload.template_version, upload.framework_version) == ("accepted", "1", "raak-2007")
        assert (upload.region_code, upload.uploader, upload.size_bytes) == (SMALL_REGION, UPLOADER, len(data))
        assert storage.read(upload.stored_path, returns_dir) == data
        assert upload.sha256 == storage.sha256(data)
        actions = list(session.scalars(select(m.AuditLog.action)))
    assert "upload" in actions


def test_newer_return_supersedes_the_earlier_one_which_stays_in_history(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    first = ingest(filled(engine, SMALL_REGION, "2009", tmp_path / "1", random_statuses(codes, 1)), engine=engine)
    changed = {codes[0]: {n: 4 for n in range(1, 36)}, codes[1]: {n: 0 for n in range(1, 36)}}
    second = ingest(filled(engine, SMALL_REGION, "2009", tmp_path / "2", changed), engine=engine)

    assert (first.status, second.status) == ("accepted", "accepted")
    assert sorted(second.municipalities) == sorted(changed)
    assert _codes(second).count("no_return") == len(codes) - 2  # the untouched sheets are skipped, not errors
    landed = current(engine, "2009")
    assert all(landed[(codes[0], n)][0] == 4 and landed[(codes[1], n)][0] == 0 for n in range(1, 36))
    assert landed[(codes[2], 1)] == (*expected(random_statuses(codes, 1)[codes[2]][1]), None)
    with session_scope(engine) as session:
        old = session.scalars(
            select(m.Submission).where(m.Submission.upload_id == first.upload_id).order_by(m.Submission.id)
        ).all()
        superseded = {s.municipality_code: s for s in old if s.status == "superseded"}
        assert set(superseded) == set(changed)
        new_ids = dict(zip(second.municipalities, second.submission_ids, strict=True))
        assert all(s.superseded_by_id == new_ids[code] for code, s in superseded.items())
    assert count(engine, m.Assessment) == 35 * (len(codes) + 2)  # history kept
    assert count(engine, m.Assessment, m.Assessment.is_current) == 35 * len(codes)


def test_the_same_bytes_again_are_a_duplicate_and_change_nothing(
    engine: Engine, tmp_path: Path, table_snapshot: SnapshotFn
) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    data = filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, 5))
    first = ingest(data, "a.xlsx", engine=engine)
    before: Snapshot = table_snapshot(engine)

    again = ingest(data, "a (copy).xlsx", engine=engine)

    after = table_snapshot(engine)
    assert (first.status, again.status) == ("accepted", "duplicate")
    assert _codes(again) == ["duplicate_file"]
    assert sorted(again.municipalities) == codes and again.submission_ids == []
    for table in before:
        if table not in {"uploads", "audit_log"}:
            assert before[table] == after[table], table
    assert len(after["uploads"]) == len(before["uploads"]) + 1
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    assert upload_statuses(engine) == ["accepted", "duplicate"]


def test_the_same_bytes_for_another_round_are_not_a_duplicate(engine: Engine) -> None:
    add_rounds(engine, "2009", "2010")
    data = _one_sheet()
    assert ingest(data, round="2009", engine=engine).status == "accepted"
    assert ingest(data, round="2010", engine=engine).status == "accepted"


@sqlite_only
def test_ingest_reads_a_path_bytes_or_a_file_object(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009", "2010", "2011")
    path = tmp_path / "denhaag.xlsx"
    path.write_bytes(_one_sheet())
    by_path = ingest(path, round="2009", engine=engine)
    with path.open("rb") as stream:
        by_stream = ingest(stream, round="2010", engine=engine)
    by_package = ingest(io.BytesIO(path.read_bytes()), "upload.xlsx", round="2011", engine=engine)
    assert [r.status for r in (by_path, by_stream, by_package)] == ["accepted"] * 3
    assert (by_path.file, by_stream.file, by_package.file) == ("denhaag.xlsx", "denhaag.xlsx", "upload.xlsx")
    assert json.loads(json.dumps(by_path.to_dict()))["municipalities"] == ["GM0518"]


# --- rejections ----------------------------------------------------------------------------------------------


def test_rejected_file_changes_nothing_but_records_the_rejection(
    engine: Engine, tmp_path: Path, table_snapshot: SnapshotFn, returns_dir: Path
) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    values = random_statuses(codes, 11)
    values[codes[2]][7] = "bijna klaar"
    data = filled(engine, SMALL_REGION, "2009", tmp_path, values)
    before = table_snapshot(engine)

    report = ingest(data, "bad.xlsx", engine=engine)

    assert report.status == "rejected"
    (issue,) = report.issues
    assert (issue.code, issue.severity, issue.file, issue.cell) == ("invalid_status", "error", "bad.xlsx", "D16")
    assert "bijna klaar" in issue.message_nl and "bijna klaar" in issue.message_en
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=1)
    assert upload_statuses(engine) == ["rejected"]
    with session_scope(engine) as session:
        stored = session.scalars(select(m.ValidationIssue)).one()
        assert (stored.code, stored.sheet, stored.cell, stored.upload_id) == (
            "invalid_status",
            issue.sheet,
            "D16",
            report.upload_id,
        )
    assert report.annotated is not None
    assert not returns_dir.exists() or not any(returns_dir.rglob("*"))


@sqlite_only
@pytest.mark.parametrize(
    ("statuses", "code", "cell"),
    [
        ({**ALL_POINTS_3, 5: None}, "missing_status", "B8"),
        ({**ALL_POINTS_3, 5: 7}, "invalid_status", "B8"),
        ({n: 3 for n in range(1, 35)}, "missing_points", "A3"),
        ({**ALL_POINTS_3, 36: 3}, "unknown_point", "A39"),
    ],
)
def test_a_content_error_names_its_cell(
    engine: Engine, table_snapshot: SnapshotFn, statuses: dict[int, object], code: str, cell: str
) -> None:
    add_rounds(engine, "2009")
    before = table_snapshot(engine)
    report = ingest(_one_sheet(statuses=statuses), "x.xlsx", round="2009", engine=engine)
    assert report.status == "rejected"
    assert [(i.code, i.sheet, i.cell) for i in report.errors] == [(code, "Gemeente", cell)]
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=len(report.issues))


@sqlite_only
def test_duplicate_point_and_a_status_without_point_number_are_errors(engine: Engine) -> None:
    add_rounds(engine, "2009")
    rows = [["Gemeentecode", "GM0518"], ["Nr", "Status"], *[[n, 3] for n in range(1, 36)], [7, 2], ["zeven", 1]]
    report = ingest(workbook({"S": rows}), round="2009", engine=engine)
    assert [(i.code, i.cell) for i in report.errors] == [("duplicate_point", "A38"), ("invalid_point_number", "A39")]


@sqlite_only
@pytest.mark.parametrize(
    ("code", "expected_issue"),
    [
        ("GM9999", "unknown_municipality"),
        ("GM0039", "municipality_dissolved"),
        ("Den Haag", "invalid_municipality_code"),
    ],
)
def test_municipality_must_exist_in_the_rounds_division(engine: Engine, code: str, expected_issue: str) -> None:
    add_rounds(engine, "2011")
    report = ingest(_one_sheet(code=code), round="2011", engine=engine)
    assert report.status == "rejected"
    assert [(i.code, i.cell) for i in report.errors] == [(expected_issue, "B1")]


@sqlite_only
def test_a_municipality_twice_is_an_error(engine: Engine) -> None:
    add_rounds(engine, "2009")
    table = [["Gemeentecode", "518"], [], *points_rows(ALL_POINTS_3)]
    report = ingest(workbook({"A": table, "B": table}), round="2009", engine=engine)
    assert [(i.code, i.sheet) for i in report.errors] == [("duplicate_municipality", "B")]


@sqlite_only
def test_all_blank_sheets_are_skipped_but_a_file_without_any_return_is_refused(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    report = ingest(filled(engine, SMALL_REGION, "2009", tmp_path, {}), engine=engine)
    assert report.status == "rejected"
    assert sorted(set(_codes(report))) == ["no_return", "no_returns"]


@sqlite_only
def test_workbook_without_municipality_sheet_is_refused(engine: Engine) -> None:
    add_rounds(engine, "2009")
    report = ingest(workbook({"Lijst": [["Nr", "Status"], [1, 3]]}), round="2009", engine=engine)
    assert _codes(report) == ["no_municipality_sheet"]


@sqlite_only
def test_sheet_without_points_table_is_refused(engine: Engine) -> None:
    add_rounds(engine, "2009")
    report = ingest(workbook({"S": [["Gemeentecode", "GM0518"], ["Punten", "Waarde"]]}), round="2009", engine=engine)
    assert [(i.code, i.sheet) for i in report.errors] == [("no_points_table", "S")]


# --- round, region, versions --------------------------------------------------------------------------------


@sqlite_only
def test_round_from_meta_and_option_must_agree(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009", "2010")
    codes = region_municipalities(engine, SMALL_REGION)
    data = filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, 2))
    report = ingest(data, round="2010", engine=engine)
    assert [(i.code, i.sheet, i.cell) for i in report.errors] == [("round_mismatch", "_meta", "B3")]
    assert ingest(data, round="2009", engine=engine).status == "accepted"


@sqlite_only
def test_without_a_round_the_single_open_round_is_assumed(engine: Engine) -> None:
    add_rounds(engine, "2008", "2009", closed=["2008"])
    report = ingest(_one_sheet(), engine=engine)
    assert (report.status, report.round, _codes(report)) == ("accepted", "2009", ["round_assumed"])


@sqlite_only
@pytest.mark.parametrize(
    ("rounds", "closed", "given", "code"),
    [
        (["2009", "2010"], [], None, "round_missing"),
        ([], [], None, "round_missing"),
        (["2009"], [], "1999", "round_unknown"),
        (["2009"], ["2009"], "2009", "round_closed"),
    ],
)
def test_round_must_be_known_open_and_unambiguous(
    engine: Engine, table_snapshot: SnapshotFn, rounds: list[str], closed: list[str], given: str | None, code: str
) -> None:
    add_rounds(engine, *rounds, closed=closed)
    before = table_snapshot(engine)
    report = ingest(_one_sheet(), round=given, engine=engine)
    assert (report.status, [i.code for i in report.errors]) == ("rejected", [code])
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=len(report.issues))


def test_region_from_meta_and_option_must_agree_and_contain_every_municipality(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    data = filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, 4))
    assert [i.code for i in ingest(data, region=ONE_MUNICIPALITY_REGION, engine=engine).errors] == ["region_mismatch"]
    wrong = ingest(_one_sheet(), round="2009", region=SMALL_REGION, engine=engine)
    assert [(i.code, i.cell) for i in wrong.errors] == [("municipality_not_in_region", "B1")]
    assert "GG3906" in wrong.errors[0].message_en
    unknown = ingest(_one_sheet(), round="2009", region="GG0000", engine=engine)
    assert [i.code for i in unknown.errors] == ["region_unknown"]
    mixed = workbook(
        {
            "A": [["Gemeentecode", "GM0518"], [], *points_rows(ALL_POINTS_3)],
            "B": [["Gemeentecode", codes[0]], [], *points_rows(ALL_POINTS_3)],
        }
    )
    assert ingest(mixed, round="2009", engine=engine).status == "accepted"  # no region stated: any region


def test_a_coordinator_cannot_submit_for_another_region(engine: Engine, tmp_path: Path, returns_dir: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    data = filled(engine, SMALL_REGION, "2009", tmp_path, random_statuses(codes, 4))
    report = ingest(data, allowed_regions=[ONE_MUNICIPALITY_REGION], engine=engine)
    assert [i.code for i in report.errors] == ["region_not_allowed"]
    without_meta = ingest(_one_sheet(code=codes[0]), round="2009", allowed_regions=["GG3906"], engine=engine)
    assert [(i.code, i.cell) for i in without_meta.errors] == [("region_not_allowed", "B1")]
    assert count(engine, m.Submission) == 0
    assert not returns_dir.exists() or not any(returns_dir.rglob("*"))
    assert ingest(data, allowed_regions=["gg3406"], engine=engine).status == "accepted"


@sqlite_only
@pytest.mark.parametrize(
    ("meta", "severity", "code"),
    [
        ({"template_version": "2"}, "error", "template_version_unknown"),
        ({"template_version": "beta"}, "error", "template_version_unknown"),
        ({"template_version": "0"}, "warning", "template_version_old"),
        ({"framework_version": "raak-1999"}, "error", "framework_version_unknown"),
    ],
)
def test_template_and_framework_versions_are_checked(
    engine: Engine, meta: dict[str, str], severity: str, code: str
) -> None:
    add_rounds(engine, "2009")
    report = ingest(_one_sheet(round="2009", **meta), engine=engine)
    assert [(i.severity, i.code, i.sheet) for i in report.issues] == [(severity, code, "_meta")]
    assert report.status == ("rejected" if severity == "error" else "accepted")


@sqlite_only
def test_an_older_framework_version_is_a_warning_and_its_points_are_kept_under_it(engine: Engine) -> None:
    add_rounds(engine, "2009")
    _add_framework_copy(engine, "raak-2012")
    older = ingest(_one_sheet(framework_version="raak-2007"), round="2009", engine=engine)
    assert [(i.severity, i.code) for i in older.issues] == [("warning", "framework_version_old")]
    newest = ingest(_one_sheet(code="GM0363"), round="2009", engine=engine)
    assert (older.status, newest.status, newest.issues) == ("accepted", "accepted", [])
    with session_scope(engine) as session:
        stored = dict(session.execute(select(m.Submission.municipality_code, m.Submission.framework_version)).all())
    assert stored == {"GM0518": "raak-2007", "GM0363": "raak-2012"}


def _add_framework_copy(engine: Engine, version: str) -> None:
    """A second framework version with the same levels and points, as a later revision of RAAK would add."""
    with session_scope(engine) as session:
        session.add(m.FrameworkVersion(version=version, name_nl="RAAK herzien", name_en="RAAK revised", source="test"))
        session.flush()
        for level in session.scalars(select(m.Level).where(m.Level.framework_version == "raak-2007")).all():
            session.add(
                m.Level(
                    framework_version=version,
                    code=level.code,
                    order=level.order,
                    name_nl=level.name_nl,
                    name_en=level.name_en,
                    group=level.group,
                )
            )
        session.flush()
        for point in session.scalars(select(m.Point).where(m.Point.framework_version == "raak-2007")).all():
            session.add(
                m.Point(
                    framework_version=version,
                    number=point.number,
                    level_code=point.level_code,
                    group=point.group,
                    title_nl=point.title_nl,
                    title_en=point.title_en,
                    text_nl=point.text_nl,
                )
            )


# --- warnings -------------------------------------------------------------------------------------------------


def test_a_lower_status_than_last_round_without_comment_is_a_warning(engine: Engine) -> None:
    add_rounds(engine, "2009", "2010")
    assert ingest(_one_sheet(statuses=ALL_POINTS_3), round="2009", engine=engine).status == "accepted"
    lower = {**ALL_POINTS_3, 1: 2, 2: 2, 3: "n.v.t.", 4: 4}
    rows = [["Gemeentecode", "GM0518"], [], *points_rows(lower, comments={2: "Coördinator vertrokken"})]
    report = ingest(workbook({"S": rows}), round="2010", engine=engine)
    assert report.status == "accepted"
    assert [(i.code, i.cell) for i in report.issues] == [("status_decreased", "B4")]
    assert "ronde 2009" in report.issues[0].message_nl


@sqlite_only
def test_a_formula_in_an_input_cell_is_a_warning_and_its_value_is_used(engine: Engine) -> None:
    add_rounds(engine, "2009")
    data = _with_formula(_one_sheet(), cell="B4", formula="1+1", value="2")
    report = ingest(data, round="2009", engine=engine)
    assert report.status == "accepted"
    assert [(i.code, i.cell) for i in report.issues] == [("formula_in_input", "B4")]
    assert current(engine, "2009")[("GM0518", 1)][0] == 2


def test_the_formulas_found_while_checking_the_extent_are_those_a_second_scan_finds() -> None:
    data = _with_formula(_one_sheet(), cell="B4", formula="1+1", value="2")
    read = read_workbook(data, "f.xlsx", get_settings()).workbook
    assert read is not None and read.scanned_formulas is not None  # no second pass over the sheet XML
    unscanned = Workbook(read.file, read.kind, data, read.sheets)  # scans the archive itself on first use
    assert read.formula_cells("Gemeente") == unscanned.formula_cells("Gemeente") == {"B4"}


@pytest.mark.parametrize(
    "xml",
    [
        *(b"<c><f>1</f></c>", b"<f/>", b"<f t='shared'/>", b"<x:f>1</x:f>", b"<formula1>x</formula1>", b"<x:formula/>"),
        *(b"a:f b", b"<c r='F1'/>", b"", b"<f", b"<x:f\n>", b"<my_ns:f>"),
    ],
)
def test_the_quick_formula_check_agrees_with_the_full_pattern(xml: bytes) -> None:
    assert read_module._has_formula_tag(xml) == bool(read_module._FORMULA_TAG.search(xml))


def _with_formula(data: bytes, *, cell: str, formula: str, value: str) -> bytes:
    """Rewrite one numeric cell of sheet1 as a formula with a cached value, as Excel saves it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                old = f'<c r="{cell}" t="n"><v>3</v></c>'.encode()
                assert old in content
                content = content.replace(old, f'<c r="{cell}"><f>{formula}</f><v>{value}</v></c>'.encode())
            target.writestr(item, content)
    return out.getvalue()


@sqlite_only
def test_an_xlsm_is_read_with_a_warning_that_macros_never_run(engine: Engine) -> None:
    add_rounds(engine, "2009")
    data = _one_sheet()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")
    report = ingest(out.getvalue(), "macro.xlsm", round="2009", engine=engine)
    assert (report.status, _codes(report)) == ("accepted", ["macros_ignored"])


# --- annotated copy ------------------------------------------------------------------------------------------


@sqlite_only
def test_annotated_copy_marks_each_offending_cell_with_a_dutch_comment(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    values = random_statuses(codes, 9)
    values[codes[0]][3] = "ja"
    values[codes[1]][35] = None
    report = ingest(filled(engine, SMALL_REGION, "2009", tmp_path, values), "regio.xlsx", engine=engine)
    assert report.status == "rejected" and report.annotated is not None

    book = openpyxl.load_workbook(io.BytesIO(report.annotated))
    assert book.sheetnames[0] == "Fouten"
    listed = [row for row in book["Fouten"].iter_rows(min_row=5, values_only=True) if row[0]]
    assert sorted(row[1] for row in listed) == ["invalid_status", "missing_status"]
    for issue in report.errors:
        cell = book[issue.sheet][issue.cell]
        assert cell.fill.fgColor.rgb.endswith("FF9999")
        assert issue.message_nl in cell.comment.text
    assert book[report.errors[0].sheet]["D11"].comment is None  # only offending cells are marked


@sqlite_only
def test_a_rejection_without_annotated_copy_records_the_same_issues(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    values = random_statuses(codes, 9)
    values[codes[0]][3] = "ja"
    workbook = filled(engine, SMALL_REGION, "2009", tmp_path, values)
    annotated = ingest(workbook, "regio.xlsx", engine=engine)
    plain = ingest(workbook, "regio.xlsx", engine=engine, annotate_rejected=False)
    assert (annotated.status, plain.status) == ("rejected", "rejected")
    assert annotated.annotated is not None and plain.annotated is None
    assert plain.issues == annotated.issues
    with session_scope(engine) as session:
        recorded = [
            [(i.code, i.sheet, i.cell, i.message_nl) for i in session.get(m.Upload, report.upload_id).issues]
            for report in (annotated, plain)
        ]
    assert recorded[0] == recorded[1] and recorded[0]


# --- the documented contract and the CLI ------------------------------------------------------------------------


def test_every_issue_code_is_documented_with_its_messages() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for code, severity in {**READ_SEVERITIES, **VALIDATE_SEVERITIES}.items():
        nl, en = t(f"issue.{code}", "nl"), t(f"issue.{code}", "en")
        row = f"| `{code}` | {severity} | {nl.replace('|', chr(92) + '|')} | {en.replace('|', chr(92) + '|')} |"
        assert row in text, f"docs/return-format.md lacks or differs for {code}"


def test_raak_ingest_json_exit_codes_and_annotated_copies(use_database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["rounds", "add", "2009", "--reference-date", "2009-12-31"]).exit_code == 0
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "good.xlsx").write_bytes(_one_sheet())
    (folder / "~$good.xlsx").write_bytes(b"lock file")  # Excel's lock file is skipped
    (folder / "notes.txt").write_text("not a workbook")

    ok = runner.invoke(main, ["ingest", str(folder), "--round", "2009", "--json"])
    assert ok.exit_code == 0, ok.output
    document = json.loads(ok.stdout)
    assert document["summary"] == {"accepted": 1, "rejected": 0, "duplicate": 0}
    (entry,) = document["files"]
    assert set(entry) >= {"file", "status", "submission_ids", "municipalities", "issues"}
    assert (entry["file"], entry["status"], entry["municipalities"]) == ("good.xlsx", "accepted", ["GM0518"])

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_one_sheet(statuses={**ALL_POINTS_3, 2: "misschien"}))
    annotated = tmp_path / "annotated"
    mixed = runner.invoke(
        main, ["ingest", str(folder / "good.xlsx"), str(bad), "--round", "2009", "--annotate", str(annotated)]
    )
    assert mixed.exit_code == 1
    assert "duplicate" in mixed.output and "rejected" in mixed.output and "invalid_status" in mixed.output
    assert "misschien" in mixed.output
    assert (annotated / "bad.annotated.xlsx").exists()
    assert not (annotated / "good.annotated.xlsx").exists()

    as_json = runner.invoke(main, ["ingest", str(bad), "--round", "2009", "--json"])
    assert as_json.exit_code == 1
    issue = json.loads(as_json.stdout)["files"][0]["issues"][0]
    assert set(issue) == {"severity", "code", "file", "sheet", "cell", "message_nl", "message_en"}


@sqlite_only
@pytest.mark.parametrize(
    ("args", "expected_text"),
    [
        (["--round", "1999"], "unknown round"),
        (["--region", "GG0000"], "unknown region"),
    ],
)
def test_raak_ingest_usage_errors_exit_2(
    use_database: str, tmp_path: Path, args: list[str], expected_text: str
) -> None:
    runner = CliRunner()
    path = tmp_path / "x.xlsx"
    path.write_bytes(_one_sheet())
    result = runner.invoke(main, ["ingest", str(path), *args])
    assert result.exit_code == USAGE_ERROR_EXIT, result.output
    assert expected_text in result.output
    assert count(engine_for(use_database), m.Upload) == 0


@sqlite_only
def test_raak_ingest_on_a_folder_without_workbooks_is_a_usage_error(use_database: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(tmp_path)])
    assert result.exit_code == USAGE_ERROR_EXIT
    assert "no workbooks" in result.output


# --- the stored original -------------------------------------------------------------------------------------


def test_the_original_is_written_in_full_before_the_commit_that_names_it(
    engine: Engine, returns_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The staged original is written (and synced) in full when the transaction commits, even when writing it is
    slow; it gets its final name only after the commit."""
    import time

    from sqlalchemy import event

    add_rounds(engine, "2009")
    write = storage._write_staged

    def slow(data: bytes, sha: str, folder: Path) -> Path:
        time.sleep(0.3)
        return write(data, sha, folder)

    monkeypatch.setattr(storage, "_write_staged", slow)
    staged_at_commit: list[list[str]] = []

    def committing(_connection: object) -> None:
        staged_at_commit.append([path.name for path in returns_dir.rglob(f"{storage.STAGED_PREFIX}*")])

    data = _one_sheet()
    event.listen(engine, "commit", committing)
    try:
        report = ingest(data, "slow.xlsx", engine=engine)
    finally:
        event.remove(engine, "commit", committing)

    assert report.status == "accepted", [issue.line() for issue in report.issues]
    assert len(staged_at_commit[-1]) == 1  # written (and synced) when the transaction committed, promoted after
    with session_scope(engine) as session:
        upload = session.get(m.Upload, report.upload_id)
        assert upload is not None and upload.stored_path is not None
        assert storage.read(upload.stored_path, returns_dir) == data
    assert not list(returns_dir.rglob(f"{storage.STAGED_PREFIX}*"))


def test_an_original_that_cannot_be_written_rolls_the_file_back(
    engine: Engine, returns_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_rounds(engine, "2009")

    def full_disk(data: bytes, sha: str, folder: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "_write_staged", full_disk)
    audit_before = count(engine, m.AuditLog)
    with pytest.raises(OSError, match="No space left"):
        ingest(_one_sheet(), "full.xlsx", engine=engine)

    assert (count(engine, m.Upload), count(engine, m.Assessment), count(engine, m.AuditLog)) == (0, 0, audit_before)
    assert not returns_dir.exists() or not [path for path in returns_dir.rglob("*") if path.is_file()]
