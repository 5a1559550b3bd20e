"""Defects a new user found on the dashboard (issue 10): each test sends the real data through the real function
and fails on the code before its fix."""

from __future__ import annotations

import shlex
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from corpus.figures import MUNICIPALITIES, REGIONS, SCALE, TRAJECTORY
from corpus.layouts import NJI, by_id, text, walk
from dash import html
from sqlalchemy import Engine

from dashboard.analytics import metrics
from dashboard.analytics.metrics import Target
from dashboard.analytics.queries import municipality_geojson
from dashboard.analytics.report import round_report
from dashboard.cli import main
from dashboard.figures import charts as figures
from dashboard.i18n import LOCALES
from dashboard.web.app import render
from dashboard.web.auth import Principal
from dashboard.web.components import data_grid
from dashboard.web.pages.completeness import rejected_list
from dashboard.web.pages.view import View


def rounds(*rows: tuple[str, date, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["round_label", "reference_date", "coverage", "completeness"])


def test_no_projection_for_a_region_without_a_return_in_the_round() -> None:
    earlier = [("2008", date(2008, 12, 31), 0.3, 0.9), ("2009", date(2009, 12, 31), 0.6, 0.9)]
    silent = rounds(*earlier, ("2010", date(2010, 12, 31), 0.0, 0.0))
    projection = metrics.project(silent, Target())
    assert (projection.status, projection.reached_on) == ("insufficient_data", None)


def test_a_projection_never_lies_before_the_latest_reference_date() -> None:
    # the line through a steep start crosses 100 % before the last round, which itself is below the target
    history = rounds(
        ("2008", date(2008, 12, 31), 0.1, 0.9),
        ("2009", date(2009, 12, 31), 0.9, 0.9),
        ("2010", date(2010, 12, 31), 0.95, 0.9),
        ("2011", date(2011, 12, 31), 0.96, 0.9),
    )
    projection = metrics.project(history, Target())
    assert projection.reached_on is None or projection.reached_on > date(2011, 12, 31)
    assert projection.status != "projected" or projection.reached_on > date(2011, 12, 31)


def test_municipality_heatmap_hover_names_the_round_not_a_point() -> None:
    assessments = pd.DataFrame(
        {
            "round_label": ["2009", "2010"],
            "point_number": [12, 12],
            "title": ["Signaleren", "Signaleren"],
            "status": [1.0, 3.0],
            "not_applicable": [False, False],
            "status_label": ["In voorbereiding", "Ingevoerd"],
            "comment": [None, None],
        }
    )
    for lang, round_word, point_word in (("nl", "Ronde", "Punt"), ("en", "Round", "Point")):
        figure = figures.municipality_history_figure(assessments, SCALE, municipality_name="Appingedam", lang=lang)
        hover = figure.data[0].hovertemplate
        assert f"{round_word} %{{x}}" in hover and f"{point_word} %{{x}}" not in hover
    region = figures.region_heatmap_figure(
        pd.DataFrame(
            {
                "municipality_name": ["Appingedam"],
                "point_number": [12],
                "title": ["Signaleren"],
                "key": ["implemented"],
                "label": ["Ingevoerd"],
                "comment": [None],
            }
        ),
        pd.DataFrame({"municipality_code": ["GM0003"], "municipality_name": ["Appingedam"], "has_return": [True]}),
        SCALE,
        region_name="GGD Groningen",
        round_label="2011",
    )
    assert "Punt %{x}: %{customdata[0]}" in region.data[0].hovertemplate


# --- texts on the pages (rendered by the server, as a request would) ------------------------------------------

STEERING = Principal(3, "steering@demo.raak", "steering")
PAGES = ("/", "/regio/GG5406", "/regio/GG3406", "/gemeente/GM0363", "/punten?punt=3", "/aanlevering", "/export")


def region_hint(engine: Engine, user: Principal) -> Any:
    return by_id(render(engine, "/regio/GG5406", "?ronde=2011", user)[2], "empty-region")


def test_region_without_returns_hints_nji_a_command_that_works(
    demo_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hint = region_hint(demo_engine, NJI)
    (command,) = [item.children for item in walk(hint) if isinstance(item, html.Code)]
    assert command.startswith("raak template ")
    env = {"DATABASE_URL": demo_engine.url.render_as_string(hide_password=False)}
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, shlex.split(command)[1:], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "RAAK_2011_GG5406.xlsx").stat().st_size > 0


def test_steering_sees_a_plain_sentence_where_nji_sees_a_command(demo_engine: Engine) -> None:
    hint = region_hint(demo_engine, STEERING)
    assert not [item for item in walk(hint) if isinstance(item, html.Code)]
    assert text(hint) == "Nog geen aanleveringen uit deze regio voor ronde 2011."


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_page_shows_a_literal_backtick(demo_engine: Engine, lang: str) -> None:
    for user in (NJI, STEERING):
        for path in PAGES:
            address, _, query = path.partition("?")
            header, banner, root = render(demo_engine, address, f"?ronde=2011&lang={lang}&{query}", user)
            shown = text([header, banner, root])
            assert "`" not in shown, f"{path} as {user.role}: {shown[shown.index('`') - 60 :][:120]}"


# --- /aanlevering and the point detail in Dutch -----------------------------------------------------------------


def test_rejected_text_file_reads_as_dutch_without_nan(demo_engine: Engine) -> None:
    view = View(demo_engine, NJI, "/aanlevering", {}, "nl", ("2011",), "2011")
    rejected = pd.DataFrame(
        [
            {
                "upload_id": 1,
                "filename": "garbage.xlsx",
                "region_code": np.nan,
                "uploaded_at": pd.Timestamp("2011-02-01 09:30"),
                "uploader": "nji@demo.raak",
                "n_issues": 1,
            }
        ]
    )
    issues = pd.DataFrame(
        [
            {
                "upload_id": 1,
                "severity": "error",
                "sheet": np.nan,
                "cell": np.nan,
                "message_nl": "Geen Excel-werkmap.",
                "message_en": "Not an Excel workbook.",
            }
        ]
    )
    shown = text(rejected_list(view, rejected, issues))
    assert "garbage.xlsx · – · 2011-02-01 09:30 UTC · 1 melding " in f"{shown} "
    assert "nan" not in shown and "meldingen" not in shown
    assert "fout" in shown.split() and "error" not in shown.split()


def test_point_detail_says_no_return_instead_of_not_lagging(demo_engine: Engine) -> None:
    grid = by_id(render(demo_engine, "/punten", "?ronde=2011&punt=3", NJI)[2], "lagging-table")
    silent = set(round_report(demo_engine, "2011").regions.query("n_returns == 0")["region_name"])
    rows = {row["region_name"]: row["lags_text"] for row in grid.rowData}
    assert silent and {rows[name] for name in silent} == {"geen aanlevering"}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_tables_write_numbers_in_the_page_language(lang: str) -> None:
    """The formatter runs in the browser (tests/test_browser_ui.py reads the cells); here: every number has one."""
    frame = pd.DataFrame({"name": ["Appingedam"], "coverage_percent": [90.6], "n_returns": [1095]})
    grid = data_grid("t", frame, [("name", "Naam"), ("coverage_percent", "%"), ("n_returns", "n")], lang=lang)
    formatters = {d["field"]: d.get("valueFormatter", {}).get("function") for d in grid.columnDefs}
    assert formatters["name"] is None
    assert f"'{LOCALES[lang]}'" in formatters["coverage_percent"]
    assert formatters["coverage_percent"].endswith(", 1)") and formatters["n_returns"].endswith(", 0)")


def test_first_round_change_chart_has_no_dash_for_a_round() -> None:
    for lang in ("nl", "en"):
        figure = figures.change_figure(
            pd.DataFrame(), label_column="region_name", round_label="2008", previous_round=None, lang=lang
        )
        assert "–" not in figure.layout.title.text.split(" — ")[0]
    assert figures.change_figure(
        pd.DataFrame(), label_column="region_name", round_label="2008", previous_round=None
    ).layout.title.text.startswith("Verandering sinds de vorige ronde — ronde 2008")


# --- "no return" is its own state ---------------------------------------------------------------------------------


def test_a_region_without_a_return_is_not_coloured_as_zero_percent() -> None:
    regions = REGIONS.assign(n_returns=[2, 0], coverage=[0.2, 0.0], on_track=[False, False])
    shapes = municipality_geojson(2011)
    for lang, legend in (("nl", "Geen aanlevering"), ("en", "No return")):
        figure = figures.region_map_figure(
            regions, MUNICIPALITIES, shapes, round_label="2011", weighting="equal", lang=lang
        )
        coloured, silent = figure.data
        assert "GM0518" not in list(coloured.locations)  # Den Haag's region sent nothing
        assert list(silent.locations) == ["GM0518"] and silent.name == legend and silent.showlegend
        assert silent.colorscale[0][1] == figures.NO_RETURN_COLOR
    municipal = figures.municipality_map_figure(MUNICIPALITIES, shapes, round_label="2011")
    assert [(trace.name, trace.showlegend) for trace in municipal.data][1] == ("Geen aanlevering", True)


def test_ranking_bars_give_a_region_without_a_return_its_own_entry() -> None:
    regions = REGIONS.assign(n_returns=[2, 0], coverage=[0.2, 0.0], on_track=[False, False])
    figure = figures.region_ranking_figure(regions, target_value=1.0, round_label="2011", weighting="equal")
    by_name = {trace.name: list(trace.y) for trace in figure.data}
    assert by_name["geen aanlevering"] == ["GGD Den Haag"]
    assert by_name["achter op het doeltraject"] == ["GGD Amsterdam"]


def test_region_page_says_no_return_instead_of_zero_percent(demo_engine: Engine) -> None:
    root = render(demo_engine, "/regio/GG5406", "?ronde=2011", NJI)[2]
    assert by_id(root, "kpi-coverage").children == "geen aanlevering"


def test_trajectory_ticks_name_each_round_at_its_reference_date() -> None:
    figure = figures.trajectory_figure(TRAJECTORY, round_label="2010", weighting="equal")
    axis = figure.layout.xaxis
    assert list(axis.tickvals) == [date(2009, 12, 31), date(2010, 12, 31)]
    assert [text.split("<br>")[0] for text in axis.ticktext] == ["2009", "2010"]
    assert axis.title.text == "Ronde (peildatum)"
