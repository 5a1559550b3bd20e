"""`raak export` on the demo database: every promised file, a PDF with the expected pages and texts, PNGs at print
size, SVGs that parse, and an Excel workbook whose numbers equal `raak report --json`.

Drawing the charts starts Chromium, so the national export is made once per test run (shared by the xdist workers
through a file lock) and every test here reads it.
"""

from __future__ import annotations

import math
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from corpus.builders import add_rounds
from corpus.exports import PDF_NAME, ROUND, XLSX_NAME, Exported, cli_env
from PIL import Image
from sqlalchemy import Engine

from dashboard.cli import USAGE_ERROR_EXIT, main
from dashboard.exports.bundle import collect, export_charts
from dashboard.exports.content import ExportRequest
from dashboard.exports.formats import FORMATS, NAMES, parse_formats
from dashboard.exports.render import PRINT_WIDTH_PX, image_size
from dashboard.exports.xlsx import COLUMNS, KEY_VALUE_SHEETS, SHEETS, lookup
from dashboard.exports.xlsx import header as column_header
from dashboard.i18n import LANGUAGES, has, t
from etl.reference.framework import load_framework
from etl.store.db import engine_for

NATIONAL_CHARTS = (
    "trajectory",
    "map_regions",
    "map_municipalities",
    "ranking",
    "groups",
    "continuum",
    "weakest_points",
    "returns",
    "change",
)
EXCEL_PRECISION = 1e-15
TOC_LINE = re.compile(r"^\s*(?P<title>\S.*?)\s*(?:\.\s*){3,}(?P<page>\d+)\s*$")


@pytest.fixture(scope="session")
def pdf_pages(exported: Exported) -> list[str]:
    """The PDF's text, page by page (pdftotext keeps the layout, pages end with a form feed)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(exported.folder / PDF_NAME), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="session")
def charts(demo_engine: Engine) -> dict[str, Any]:
    """The export's charts by file stem (the figures only; drawing them is the export's job)."""
    content = collect(demo_engine, ExportRequest(ROUND, formats=NAMES))
    return {chart.stem(ROUND): chart for chart in export_charts(content)}


@pytest.fixture(scope="session")
def contents(pdf_pages: list[str]) -> dict[str, int]:
    """The table of contents: title → page number."""
    found = {}
    for page in pdf_pages[1:4]:
        for line in page.splitlines():
            if match := TOC_LINE.match(line):
                found[match["title"]] = int(match["page"])
    return found


def region_heading(region: dict[str, Any]) -> str:
    return f"{region['region_name']} ({region['region_code']})"


def regions_with_returns(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in report["regions"] if r["n_returns"] > 0]


# --- files ------------------------------------------------------------------------------------------------------


def test_cli_writes_every_promised_file_with_names_that_say_what_they_are(exported: Exported) -> None:
    report = exported.report
    compared = {r["region_code"] for r in report["changes"]["regions"] if r["n_compared"] > 0}
    stems = [f"{ROUND}_national_{name}" for name in NATIONAL_CHARTS]
    for region in regions_with_returns(report):
        stems.append(f"{ROUND}_{region['region_code']}_continuum")
        if region["region_code"] in compared:
            stems.append(f"{ROUND}_{region['region_code']}_change")
    expected = {PDF_NAME, XLSX_NAME} | {f"{stem}.{fmt}" for stem in stems for fmt in ("png", "svg")}

    assert {path.name for path in exported.folder.iterdir()} == expected
    assert len(regions_with_returns(report)) < len(report["regions"])  # regions without returns get no empty charts
    listed = {line.strip() for line in exported.output.splitlines()[1:]}
    assert listed == expected
    assert exported.output.startswith(f"Wrote {len(expected)} files to ")


def test_pngs_decode_at_print_resolution(exported: Exported, charts: dict[str, Any]) -> None:
    pngs = sorted(exported.folder.glob("*.png"))
    assert len(pngs) == len(charts)
    for path in pngs:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == image_size(charts[path.stem]), path.name
            assert image.size[0] >= 2000, "17 cm wide at ≈300 dpi"


def test_svgs_parse_and_carry_the_chart_titles(exported: Exported, charts: dict[str, Any]) -> None:
    svgs = sorted(exported.folder.glob("*.svg"))
    assert len(svgs) == len(charts)
    for path in svgs:
        root = ET.parse(path).getroot()
        assert root.tag.endswith("svg"), path.name
        assert float(root.get("width", "0")) == PRINT_WIDTH_PX
        title = str(charts[path.stem].figure.layout.title.text)
        assert title in "".join(root.itertext()), path.name


def test_printed_maps_are_sharp_vector_shapes_one_per_municipality(exported: Exported, charts: dict[str, Any]) -> None:
    """The export's maps are SVG paths (sharp when printed or enlarged), not a picture of MapLibre's canvas; the
    export configures no map source, so drawing them needs no network (a fetch would fail the export)."""
    maps = {stem: chart for stem, chart in charts.items() if "_map_" in stem}
    assert len(maps) == 2
    for stem, chart in maps.items():
        root = ET.parse(exported.folder / f"{stem}.svg").getroot()
        shapes = [element for element in root.iter() if element.get("class") == "choroplethlocation"]
        assert len(shapes) == sum(len(trace.locations) for trace in chart.figure.data), stem
        assert not [element for element in root.iter() if element.tag.endswith("}image")], stem


# --- the PDF ------------------------------------------------------------------------------------------------------


def test_pdf_is_a4_with_page_numbers_on_every_page_after_the_cover(exported: Exported, pdf_pages: list[str]) -> None:
    info = subprocess.run(["pdfinfo", str(exported.folder / PDF_NAME)], check=True, capture_output=True, text=True)
    fields = dict(line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    total = int(fields["Pages"])
    assert "595.276 x 841.89 pts (A4)" in fields["Page size"]
    assert len(pdf_pages) == total
    assert "Pagina 1 van" not in pdf_pages[0]
    for number, page in enumerate(pdf_pages[1:], start=2):
        assert f"Pagina {number} van {total}" in page
    assert all("SYNTHETISCHE DEMODATA" in page for page in pdf_pages), "demo data marked on every page"


def test_pdf_cover_names_round_dates_and_completeness(exported: Exported, pdf_pages: list[str]) -> None:
    national = exported.report["national"]
    cover = pdf_pages[0]
    for text in (
        "RAAK Monitor",
        "ronde 2011",
        "31 december 2011",  # reference date
        "1 februari 2012",  # deadline
        "gemaakt op",
        "Volledigheid van de gegevens",
        f"{national['n_returns']} van {national['n_expected']} gemeenten leverden aan",
        "Synthetische demodata",
    ):
        assert text in cover, text


def test_pdf_contents_point_to_the_pages_of_every_chapter_and_region(
    exported: Exported, pdf_pages: list[str], contents: dict[str, int]
) -> None:
    chapters = [
        "Landelijke stand tegen het doel 2011",
        "Kaart",
        "Volledigheid van de gegevens",
        "Regio's: rangorde, koers en prognose",
        "Dekking per onderdeel en per niveau",
        "De 10 zwakste RAAK-punten",
        "Verandering sinds de vorige ronde",
        "Per regio",
        "Methode",
        "Bronnen",
    ]
    regions = [region_heading(r) for r in exported.report["regions"]]
    for title in chapters + regions:
        assert title in contents, title
        assert title in pdf_pages[contents[title] - 1], f"{title} is not on page {contents[title]}"
    region_pages = [contents[title] for title in regions]
    assert region_pages == list(range(region_pages[0], region_pages[0] + len(regions))), "one page per region"


def test_pdf_shows_the_national_numbers_regions_and_weakest_points(exported: Exported, pdf_pages: list[str]) -> None:
    report = exported.report
    text = "\n".join(pdf_pages)
    national = report["national"]
    for value in (national["coverage"], national["completeness"]):
        assert f"{value * 100:.1f}".replace(".", ",") + "%" in text
    assert f"{national['regions_on_track']}/{national['n_regions']}" in text
    flat = " ".join(text.split())
    for region in report["regions"]:
        assert region_heading(region) in flat
    for point in report["weakest_points"]:
        assert f"{point['point_number']}. {point['title']}" in flat
    framework = load_framework()  # each weakest point with its full text from the action plan
    for point in report["weakest_points"]:
        assert " ".join(framework.point(point["point_number"]).text_nl.split()[:12]) in flat


def test_pdf_region_pages_show_kpis_and_the_municipalities_without_a_return(
    exported: Exported, pdf_pages: list[str], contents: dict[str, int]
) -> None:
    municipalities = exported.report["municipalities"]
    for region in exported.report["regions"]:
        page = " ".join(pdf_pages[contents[region_heading(region)] - 1].split())
        coverage = f"{region['coverage'] * 100:.1f}%".replace(".", ",") if region["n_returns"] else "geen aanlevering"
        assert f"Dekking regio {coverage}" in page  # a region without a return is its own state, not 0 %
        assert f"{region['n_returns']} van {region['n_expected']} gemeenten leverden aan" in page
        ranked = sum(1 for other in exported.report["regions"] if other["rank"] is not None)
        rank = f"Positie {region['rank']} van {ranked}" if region["n_returns"] else "Geen positie: geen aanlevering"
        assert rank in page  # silent regions are not ranked and do not push the others down
        silent = sorted(
            m["municipality_name"]
            for m in municipalities
            if m["region_code"] == region["region_code"] and not m["has_return"]
        )
        if silent:
            assert f"Gemeenten zonder aanlevering ({len(silent)})" in page
            assert ", ".join(silent) in page
        else:
            assert "Alle gemeenten van de regio leverden aan." in page


def test_pdf_method_chapter_explains_the_formulas_to_its_readers(pdf_pages: list[str]) -> None:
    text = " ".join("\n".join(pdf_pages).split())
    for formula in (
        "dekking = aantal ingevoerde punten ÷ aantal punten dat van toepassing is",
        "volledigheid = gemeenten met een aanlevering ÷ verwachte gemeenten",
        "nog te gaan = einddoel − dekking (in procentpunten)",
        "aandeel ingevoerd = antwoorden 'ingevoerd' ÷ antwoorden die van toepassing zijn",
    ):
        assert formula in text, formula
    assert "Worked example" not in text and "docs/metrics.md" not in text
    assert "CBS / PDOK (via edwindj/nl_maps)" in text  # the map credit, from SOURCES.md


# --- the workbook -----------------------------------------------------------------------------------------------


def _sheet_rows(sheet: Any) -> tuple[list[str], list[list[Any]]]:
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [str(h) for h in rows[0]], rows[1:]


def _plain(value: Any) -> Any:
    """A spreadsheet value as the JSON would hold it."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None if value == "" else value


def same(cell: Any, expected: Any) -> bool:
    """A cell equals a JSON value: floats to Excel's 15 significant digits (openpyxl writes 16), "" as empty."""
    if isinstance(expected, float) and isinstance(cell, int | float):
        return math.isclose(cell, expected, rel_tol=EXCEL_PRECISION, abs_tol=EXCEL_PRECISION)
    return cell == (None if expected == "" else expected)


@pytest.fixture(scope="session")
def workbook(exported: Exported) -> Any:
    return openpyxl.load_workbook(exported.folder / XLSX_NAME)


def test_workbook_numbers_equal_raak_report_json(exported: Exported, workbook: Any) -> None:
    names, lines = _sheet_rows(workbook["Kolommen"])
    described = [dict(zip(names, line, strict=True)) for line in lines]
    compared = 0
    for sheet_name in workbook.sheetnames:
        rows = [d for d in described if d["Blad"] == sheet_name]
        assert rows, f"sheet {sheet_name} is not described"
        source = str(rows[0]["Bron"])
        if not source.startswith("raak report --json: "):
            continue
        expected = lookup(exported.report, source.removeprefix("raak report --json: "))
        header, values = _sheet_rows(workbook[sheet_name])
        fields = [next(d["Veld"] for d in rows if d["Kolom"] == h) for h in header]
        assert len(values) == len(expected), sheet_name
        assert set(expected[0]) <= set(fields), f"{sheet_name} misses {set(expected[0]) - set(fields)}"
        for record, row in zip(expected, values, strict=True):
            got = dict(zip(fields, row, strict=True))
            for field, value in record.items():
                assert same(_plain(got[field]), value), (sheet_name, field, record)
                compared += 1
    assert compared > 10_000


def test_workbook_key_value_sheets_equal_raak_report_json(exported: Exported, workbook: Any) -> None:
    for names, rows in KEY_VALUE_SHEETS.values():
        header, values = _sheet_rows(workbook[names[0]])
        assert header == ["Kengetal", "Waarde", "Eenheid", "Veld"]
        by_field = {row[3]: row[1] for row in values if row[3]}
        assert set(by_field) == set(rows)
        for path, value in by_field.items():
            expected = lookup(exported.report, path)
            if isinstance(expected, list):
                expected = ", ".join(expected)
            assert same(_plain(value), expected), path


def test_workbook_headers_name_units_and_every_column_is_described(workbook: Any) -> None:
    regions = workbook["Regio's"]
    header = [cell.value for cell in regions[1]]
    assert "Dekking (%)" in header and "Verwacht (aantal)" in header and "Doel bereikt op (datum)" in header
    coverage = regions.cell(row=2, column=header.index("Dekking (%)") + 1)
    assert coverage.number_format == "0.0%" and 0 <= coverage.value <= 1
    assert regions.freeze_panes == "A2"
    header, rows = _sheet_rows(workbook["Kolommen"])
    assert header == ["Blad", "Kolom", "Veld", "Eenheid", "Omschrijving", "Bron", "Grafieken"]
    described = {(row[0], row[1]) for row in rows if row[4]}
    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            assert (sheet.title, cell.value) in described, (sheet.title, cell.value)
    assert set(COLUMNS) >= {row[2] for row in rows if row[0] not in ("Over deze export", "Landelijk", "Kolommen")}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_sheet_has_distinct_column_headers(lang: str) -> None:
    for table in SHEETS:
        headers = [column_header(field, lang) for field in table.columns]  # type: ignore[arg-type]
        assert len(set(headers)) == len(headers), (table.key, headers)


def test_workbook_has_no_formulas(workbook: Any) -> None:
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title


# --- one region, in English -------------------------------------------------------------------------------------


def test_one_region_in_english_gives_its_own_pages_and_rows_only(
    demo_engine: Engine,
    exported: Exported,
    tmp_path: Path,
) -> None:
    code = "GG3406"
    result = CliRunner().invoke(
        main,
        ["export", "--round", ROUND, "--region", code, "--lang", "en", "--format", "xlsx,pdf", "--out", str(tmp_path)],
        env=cli_env(demo_engine),
    )

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{ROUND}_{code}_report.pdf", f"{ROUND}_{code}_tables.xlsx"]
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / f"{ROUND}_{code}_report.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = text.split("\f")[:-1]
    region = next(r for r in exported.report["regions"] if r["region_code"] == code)
    assert "Contents" in pages[1] and "Method" in text and "Sources" in text
    assert f"Page 2 of {len(pages)}" in pages[1]
    assert f"{region['region_name']} ({code})" in text
    assert "Per region" not in text and "Regions: ranking" not in text
    others = [r["region_name"] for r in exported.report["regions"] if r["region_code"] != code]
    assert not any(f"{name} (" in text for name in others)
    book = openpyxl.load_workbook(tmp_path / f"{ROUND}_{code}_tables.xlsx")
    assert "Columns" in book.sheetnames and "Trajectory" not in book.sheetnames
    header, rows = _sheet_rows(book["Regions"])
    assert len(rows) == 1 and same(rows[0][header.index("Coverage (%)")], region["coverage"])
    header, rows = _sheet_rows(book["Municipalities"])
    assert {row[header.index("Region code")] for row in rows} == {code}


# --- bad requests -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--round", "1999"], "unknown round '1999'"),
        (["--round", "2011", "--region", "GG9999"], "unknown region 'GG9999'"),
        (["--round", "2011", "--format", "pdf,docx"], "unknown format docx"),
    ],
)
def test_unknown_round_region_or_format_exits_2_with_one_line(
    use_database: str, tmp_path: Path, arguments: list[str], message: str
) -> None:
    add_rounds(engine_for(use_database), ROUND)
    result = CliRunner().invoke(main, ["export", *arguments, "--out", str(tmp_path / "out")])

    assert result.exit_code == USAGE_ERROR_EXIT
    assert result.output.strip().count("\n") == 0
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_every_export_format_is_declared_once_with_its_file_name_and_a_label_in_both_languages() -> None:
    assert NAMES == ("pdf", "png", "svg", "xlsx")  # the canonical order: checkboxes, `--format`, files
    for fmt in FORMATS:
        assert fmt.extension == f".{fmt.name}" and has(fmt.label)
        assert all(t(fmt.label, lang) for lang in LANGUAGES)
    documents = {fmt.name: fmt.filename("2011_national") for fmt in FORMATS if not fmt.per_chart}
    assert documents == {"pdf": "2011_national_report.pdf", "xlsx": "2011_national_tables.xlsx"}
    assert [fmt.places for fmt in FORMATS if not fmt.per_chart] == ["png", None]  # the PDF places the PNGs
    assert parse_formats(" XLSX,pdf ") == ("pdf", "xlsx")
