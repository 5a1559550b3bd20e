"""Chart-card downloads give the chart's rows as CSV and XLSX, with spreadsheet formulas neutralised."""

from __future__ import annotations

import base64
import io

import openpyxl
import pandas as pd

from dashboard.exports.downloads import neutralise
from dashboard.i18n import integer, long_date, normalize_language, t
from dashboard.web.components import download, export_bytes, table_data

DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tcmd", "\rcmd"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "comment": [*DANGEROUS, "Pilot in twee wijken"],
            "coverage": [0.5, -0.25, 1.0, None, 0.1, 0.2, 0.3],
            "reference_date": pd.to_datetime(["2010-12-31"] * 7).date,
        }
    )


def test_text_that_would_run_as_a_formula_gets_a_leading_quote() -> None:
    assert [neutralise(value) for value in DANGEROUS] == ["'" + value for value in DANGEROUS]
    assert neutralise("Pilot") == "Pilot" and neutralise(-0.25) == -0.25 and neutralise(None) is None


def test_csv_download_has_every_row_with_formulas_neutralised() -> None:
    payload = download("csv", table_data(_frame(), "en"), "raak_test_2010")
    assert payload["filename"] == "raak_test_2010.csv"
    content = base64.b64decode(payload["content"]).decode("utf-8-sig")
    read = pd.read_csv(io.StringIO(content), keep_default_na=False)
    assert list(read["Comment"]) == ["'" + v for v in DANGEROUS] + ["Pilot in twee wijken"]
    assert list(read["Reference date"]) == ["2010-12-31"] * 7
    assert read["Coverage"].iloc[1] == "-25.0%"  # a negative number is a number, not a formula: no quote


def test_dutch_csv_opens_in_dutch_excel_as_columns_with_decimal_commas() -> None:
    frame = pd.DataFrame(
        {
            "region_name": ["Amsterdam"],
            "coverage": [0.586],
            "weight": [1234.5],
            "on_track": [False],
            "scope": ["region"],
        }
    )
    raw = export_bytes(table_data(frame, "nl"), "csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Regio;Dekking;Gewicht;Op koers;Niveau"
    assert lines[1] == "Amsterdam;58,6%;1234,5;nee;regio"
    english = export_bytes(table_data(frame, "en"), "csv").decode("utf-8-sig").split("\r\n")
    assert english[0] == "Region,Coverage,Weight,On track,Scope"
    assert english[1] == "Amsterdam,58.6%,1234.5,no,region"


def test_excel_download_has_the_same_headers_and_percent_and_date_formats() -> None:
    frame = pd.DataFrame({"coverage": [0.586], "reference_date": ["2010-12-31"], "n_returns": [12]})
    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(table_data(frame, "nl"), "xlsx"))).active
    assert [cell.value for cell in sheet[1]] == ["Dekking", "Peildatum", "Aangeleverde gemeenten"]
    assert sheet["A2"].value == 0.586 and sheet["A2"].number_format == "0.0%"
    assert sheet["B2"].is_date and sheet["B2"].value.year == 2010
    assert sheet["C2"].value == 12
    english = openpyxl.load_workbook(io.BytesIO(export_bytes(table_data(frame, "en"), "xlsx"))).active
    assert [cell.value for cell in english[1]] == ["Coverage", "Reference date", "Municipalities with a return"]


def test_xlsx_download_opens_with_text_cells_and_no_formulas() -> None:
    book = openpyxl.load_workbook(io.BytesIO(export_bytes(table_data(_frame()), "xlsx")))
    sheet = book.active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    expected = ["'" + v.replace("\r", "\n") for v in DANGEROUS]  # XML stores a bare CR as LF
    assert [cell.value for cell in cells] == [*expected, "Pilot in twee wijken"]
    assert all(cell.data_type == "s" for cell in cells)
    assert sheet.cell(3, 2).value == -0.25 and sheet.cell(3, 2).number_format == "0.0%"


def test_nothing_to_download_without_data() -> None:
    assert download("csv", None, "x") is None


def test_every_text_exists_in_both_languages_and_formats_follow_the_language() -> None:
    assert t("round", "en", label="2010") == "round 2010" and t("round", "nl", label="2010") == "ronde 2010"
    assert normalize_language("EN") == "en" and normalize_language("fr") == "nl" and normalize_language(None) == "nl"
    assert integer(1095, "nl") == "1.095" and integer(1095, "en") == "1,095"
    from datetime import date

    assert long_date(date(2011, 12, 31), "nl") == "31 december 2011"
    assert long_date(date(2011, 12, 31), "en") == "31 December 2011"
