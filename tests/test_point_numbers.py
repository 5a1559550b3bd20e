"""The ETL reads point numbers as people write them and picks the right column when two could hold them."""

from __future__ import annotations

import pytest
from corpus.builders import add_rounds, current, sqlite_only, workbook
from sqlalchemy import Engine

from etl.ingest.pipeline import ingest
from etl.workbook.read import parse_point_number

POINTS = range(1, 36)


@pytest.mark.parametrize(
    ("written", "number"),
    [("Punt 7", 7), ("punt 7", 7), ("Point 7", 7), ("7.", 7), ("nr. 7", 7), ("P7", 7), (7.0, 7), ("  7 ", 7)],
)
def test_point_numbers_are_read_as_people_write_them(written: object, number: int) -> None:
    assert parse_point_number(written) == number


@pytest.mark.parametrize("written", ["Punt", "zeven", "7a", "Punt 7 en 8", True, None])
def test_text_that_is_no_point_number_stays_none(written: object) -> None:
    assert parse_point_number(written) is None


def _sheet(header: list[str], rows: list[list[object]]) -> bytes:
    return workbook({"Gemeente": [["Gemeentecode", "GM0518"], [], header, *rows]})


@sqlite_only
def test_a_return_with_written_out_point_numbers_is_accepted(engine: Engine) -> None:
    add_rounds(engine, "2011")
    forms = ["Punt {}", "punt {}", "Point {}", "{}.", "nr. {}", "P{}"]
    rows = [[forms[n % len(forms)].format(n), 3] for n in POINTS]
    report = ingest(_sheet(["Nr", "Status"], rows), "punten.xlsx", round="2011", engine=engine)
    assert report.status == "accepted", report.errors
    assert len(current(engine, "2011")) == len(POINTS)


@sqlite_only
def test_the_column_whose_values_are_points_wins_over_a_row_counter(engine: Engine) -> None:
    add_rounds(engine, "2011")
    # 'Nr' is a running line number 101-135, 'Punt' holds the point numbers in reverse order
    rows = [[100 + index, f"Punt {n}", n % 5] for index, n in enumerate(reversed(POINTS), start=1)]
    report = ingest(_sheet(["Nr", "Punt", "Status"], rows), "twee-kolommen.xlsx", round="2011", engine=engine)
    assert report.status == "accepted", report.errors
    stored = current(engine, "2011")
    assert {number: status for (_, number), (status, _, _) in stored.items()} == {n: n % 5 for n in POINTS}


@sqlite_only
def test_two_point_columns_that_disagree_are_one_clear_issue(engine: Engine) -> None:
    add_rounds(engine, "2011")
    rows = [[n, 36 - n, 3] for n in POINTS]  # both columns hold 1-35, in different orders
    report = ingest(_sheet(["Nr", "Punt", "Status"], rows), "dubbel.xlsx", round="2011", engine=engine)
    assert report.status == "rejected"
    assert [(i.code, i.sheet, i.cell) for i in report.errors] == [("ambiguous_point_column", "Gemeente", "A3")]
    [issue] = report.errors
    assert "A3, B3" in issue.message_nl and "A3, B3" in issue.message_en
