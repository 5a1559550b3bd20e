"""Templates per region and round: what a coordinator downloads, and `raak template`."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from corpus.builders import (
    SMALL_REGION,
    add_rounds,
    expected,
    random_statuses,
    region_municipalities,
    sqlite_only,
    template,
)
from sqlalchemy import Engine

from dashboard.cli import USAGE_ERROR_EXIT, main
from etl.ingest.pipeline import ingest
from etl.reference.framework import load_framework, load_status_scale
from etl.store.config import get_settings
from etl.store.db import session_scope
from etl.templates.template import fill_template, status_choice, template_bytes
from etl.workbook.layout import INSTRUCTIONS_SHEET, TEMPLATE_VERSION, sheet_names
from etl.workbook.read import read_workbook


@sqlite_only
def test_template_has_instructions_a_protected_sheet_per_municipality_and_hidden_meta(
    engine: Engine, tmp_path: Path
) -> None:
    add_rounds(engine, "2009")
    path = template(engine, SMALL_REGION, "2009", tmp_path)
    assert path.name == f"RAAK_2009_{SMALL_REGION}.xlsx"
    book = openpyxl.load_workbook(path)
    codes = region_municipalities(engine, SMALL_REGION)
    assert book.sheetnames[0] == INSTRUCTIONS_SHEET
    assert book.sheetnames[-1] == "_meta"
    assert len(book.sheetnames) == len(codes) + 2

    meta = book["_meta"]
    assert meta.sheet_state == "hidden"
    values = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    assert values["template_version"] == TEMPLATE_VERSION
    assert values["framework_version"] == "raak-2007"
    assert values["round"] == "2009"
    assert values["region"] == SMALL_REGION

    framework = load_framework()
    found_codes = []
    for name in book.sheetnames[1:-1]:
        ws = book[name]
        assert ws.protection.sheet
        assert ws["A3"].value == "Gemeentecode"
        found_codes.append(ws["B3"].value)
        header = [cell.value for cell in ws[9]]
        assert header[:5] == ["Nr", "Niveau", "Titel", "Status", "Toelichting"]
        assert [ws.cell(row, 1).value for row in range(10, 45)] == list(range(1, 36))
        assert ws["F10"].value == framework.point(1).text_nl  # the full text is in the sheet
        assert ws["D10"].protection.locked is False and ws["E44"].protection.locked is False
        assert ws["A10"].protection.locked and ws["C10"].protection.locked and ws["B3"].protection.locked
        (validation,) = ws.data_validations.dataValidation
        assert validation.type == "list"
        assert "3 - Ingevoerd" in validation.formula1 and "n.v.t." in validation.formula1
        assert str(validation.sqref) == "D10:D44"
        assert all(ws.cell(row, 4).value is None for row in range(10, 45))
    assert sorted(found_codes) == codes
    assert book[INSTRUCTIONS_SHEET].protection.sheet
    instructions = " ".join(str(c.value) for row in book[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "Ingevoerd en geborgd" in instructions and "n.v.t." in instructions


def test_sheet_names_are_valid_unique_and_at_most_31_characters() -> None:
    names = sheet_names(["'s-Gravenhage", "A" * 40, "A" * 40, "Wijk/Stad: [oud]?", "instructie", "X", "x", "_meta"])
    assert len({n.casefold() for n in names}) == len(names)
    assert all(len(n) <= 31 for n in names)
    assert not any(ch in n for n in names for ch in "[]:*?/\\")
    assert not any(n.startswith("'") or n.endswith("'") for n in names)
    assert "instructie" not in {n.casefold() for n in names} and "_meta" not in names
    assert names[0] == "’s-Gravenhage"


def test_prefill_writes_the_last_accepted_values_so_an_unchanged_return_round_trips(
    engine: Engine, tmp_path: Path
) -> None:
    add_rounds(engine, "2009", "2010")
    codes = region_municipalities(engine, SMALL_REGION)
    values = random_statuses(codes, seed=7)
    first = fill_template(template(engine, SMALL_REGION, "2009", tmp_path / "a"), values)
    assert ingest(first, "2009.xlsx", engine=engine).status == "accepted"

    prefilled = template(engine, SMALL_REGION, "2010", tmp_path / "b", prefill=True)
    book = openpyxl.load_workbook(prefilled)
    ws = book[book.sheetnames[1]]
    code = ws["B3"].value
    assert ws["D10"].value == status_choice(load_status_scale(), *expected(values[code][1]))

    report = ingest(prefilled, engine=engine)
    assert report.status == "accepted", report.issues
    assert sorted(report.municipalities) == codes


@sqlite_only
def test_template_without_prefill_for_a_round_with_data_stays_empty(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    values = random_statuses(codes, 1)
    report = ingest(fill_template(template(engine, SMALL_REGION, "2009", tmp_path / "a"), values), engine=engine)
    assert report.status == "accepted"
    book = openpyxl.load_workbook(template(engine, SMALL_REGION, "2009", tmp_path / "b"))
    assert all(book[name]["D10"].value is None for name in book.sheetnames[1:-1])


@sqlite_only
def test_a_template_filled_as_it_is_written_reads_the_same_as_one_filled_afterwards(
    engine: Engine, tmp_path: Path
) -> None:
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    values: dict[str, dict[int, int | str | None]] = {**random_statuses(codes[1:], 5)}
    values[codes[1]][3], values[codes[1]][4] = "ja", None  # a word and a blank, as coordinators send them
    comments = {codes[1]: {1: "Loopt via het CJG; bereik < 50% & meer", 2: " met spaties "}}
    afterwards = fill_template(template(engine, SMALL_REGION, "2009", tmp_path), values, comments)
    with session_scope(engine) as session:
        name, at_once = template_bytes(session, SMALL_REGION, "2009", values=values, comments=comments)
    assert name == f"RAAK_2009_{SMALL_REGION}.xlsx"
    settings = get_settings()
    sheets = [
        {
            sheet.name: sheet.rows
            for sheet in read_workbook(data, name, settings).workbook.sheets
            if sheet.name != "_meta"
        }
        for data in (afterwards, at_once)
    ]
    assert sheets[0] == sheets[1]
    assert len(sheets[0]) == len(codes) + 1  # the instructions and one sheet per municipality, the first left blank
    with session_scope(engine) as session, pytest.raises(ValueError, match="no point 36"):
        template_bytes(session, SMALL_REGION, "2009", values={codes[0]: {36: 3}})


@sqlite_only
def test_fill_template_refuses_an_unknown_municipality_or_point(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    path = template(engine, SMALL_REGION, "2009", tmp_path)
    with pytest.raises(ValueError, match="GM0518"):
        fill_template(path, {"GM0518": {1: 3}})
    with pytest.raises(ValueError, match="no point 36"):
        fill_template(path, {"GM0363": {36: 3}})


@sqlite_only
def test_raak_template_writes_one_region_or_all_regions(use_database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["rounds", "add", "2011", "--reference-date", "2011-12-31"]).exit_code == 0
    one = runner.invoke(main, ["template", "--region", "gg3406", "--round", "2011", "--out", str(tmp_path / "a.xlsx")])
    assert one.exit_code == 0, one.output
    assert (tmp_path / "a.xlsx").exists()
    every = runner.invoke(main, ["template", "--all", "--round", "2011", "--out", str(tmp_path / "all")])
    assert every.exit_code == 0, every.output
    written = sorted(p.name for p in (tmp_path / "all").iterdir())
    assert len(written) == 28 and f"RAAK_2011_{SMALL_REGION}.xlsx" in written


def test_templates_of_a_2008_round_list_its_own_regions_and_municipalities(use_database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["rounds", "add", "2008", "--reference-date", "2008-12-31"]).exit_code == 0
    every = runner.invoke(main, ["template", "--all", "--round", "2008", "--out", str(tmp_path / "all")])
    assert every.exit_code == 0, every.output
    written = sorted(p.name for p in (tmp_path / "all").iterdir())
    assert len(written) == 30 and "RAAK_2008_GG0300.xlsx" in written  # the 30 GGD regions of 2008
    sheets = openpyxl.load_workbook(tmp_path / "all" / "RAAK_2008_GG0300.xlsx").sheetnames
    assert any("Bennebroek" in name for name in sheets)  # dissolved in 2009, still a municipality in 2008


@sqlite_only
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--round", "2009", "--out", "x.xlsx"], "either --region"),
        (["--region", "GG3406", "--all", "--round", "2009", "--out", "x"], "either --region"),
        (["--region", "GG9999", "--round", "2009", "--out", "x.xlsx"], "unknown region"),
        (["--region", "GG3406", "--round", "1999", "--out", "x.xlsx"], "unknown round"),
    ],
)
def test_raak_template_usage_errors_exit_2(use_database: str, tmp_path: Path, args: list[str], expected: str) -> None:
    runner = CliRunner()
    runner.invoke(main, ["rounds", "add", "2009", "--reference-date", "2009-12-31"])
    with runner.isolated_filesystem(temp_dir=tmp_path):
        result = runner.invoke(main, ["template", *args])
    assert result.exit_code == USAGE_ERROR_EXIT, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
