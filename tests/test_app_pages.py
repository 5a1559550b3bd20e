"""The pages and callbacks, called directly on the demo database: every number on screen is the report's."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from corpus.demo import DEMO_PASSWORD
from corpus.layouts import NJI, by_id, text, walk
from corpus.web import SECRET_KEY, logged_in
from sqlalchemy import Engine

from dashboard.analytics.report import completeness_table, point_detail, region_detail, round_report
from dashboard.figures import charts as figures
from dashboard.i18n import LANGUAGES, has, t
from dashboard.web.app import click_href, create_app, render, round_href, target_href
from dashboard.web.auth import Principal
from dashboard.web.pages import PAGES, find_page, nav_pages, region
from dashboard.web.pages.view import Page
from etl.admin.rounds import add_round
from etl.store.db import session_scope

STEERING = Principal(3, "steering@demo.raak", "steering")


def page(engine: Engine, path: str, search: str = "", user: Principal = NJI) -> Any:
    return render(engine, path, search, user)[2]


# --- national -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_national_kpis_equal_the_report(demo_engine: Engine, lang: str) -> None:
    layout = page(demo_engine, "/", f"?ronde=2010&lang={lang}")
    national = round_report(demo_engine, "2010", lang=lang).to_dict()["national"]
    assert layout.to_plotly_json()["props"]["data-round"] == "2010"
    assert by_id(layout, "kpi-coverage").children == figures.percent(national["coverage"], lang)
    assert by_id(layout, "kpi-completeness").children == figures.percent(national["completeness"], lang)
    assert by_id(layout, "kpi-on-track").children == f"{national['regions_on_track']}/{national['n_regions']}"
    days = (date(2011, 12, 31) - date(2010, 12, 31)).days
    assert str(days) in by_id(layout, "kpi-time-left").children


def test_default_round_is_the_latest_with_returns(demo_engine: Engine) -> None:
    layout = page(demo_engine, "/")
    assert layout.to_plotly_json()["props"]["data-round"] == "2011"
    assert "2011" in by_id(layout, "page-title").children


def test_a_round_without_returns_says_what_to_do_to_each_role(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_round(session, "2008", date(2008, 12, 31))
    layout = page(engine, "/")
    assert layout.to_plotly_json()["props"]["data-round"] == "2008"
    message = text(by_id(layout, "empty-round"))
    assert "raak ingest BESTAND.xlsx --round 2008" in message and "Aanleveren" in message
    steering = text(by_id(page(engine, "/", user=STEERING), "empty-round"))
    assert steering == "Nog geen aanleveringen voor ronde 2008." and "raak" not in steering


def test_without_rounds_every_round_page_explains_how_to_start(engine: Engine) -> None:
    for path in ("/", "/punten", "/aanlevering", "/regio/GG3406"):
        assert "raak rounds add" in text(by_id(page(engine, path), "no-rounds"))
        assert "raak" not in text(by_id(page(engine, path, user=STEERING), "no-rounds"))


def test_unknown_round_region_and_page_name_what_exists(demo_engine: Engine) -> None:
    assert "2008, 2009, 2010, 2011" in text(page(demo_engine, "/", "?ronde=1999"))
    assert "GG0111" in by_id(page(demo_engine, "/regio/XX99"), "not-found-message").children
    assert "exist" in by_id(page(demo_engine, "/nergens", "?lang=en"), "not-found-message").children


def test_demo_data_is_marked_in_the_ui_and_real_data_is_not(demo_engine: Engine, engine: Engine) -> None:
    banner = render(demo_engine, "/", "?lang=en", NJI)[1]
    assert "Synthetic demo data" in text(banner) and "raak demo" in text(banner)
    assert render(engine, "/", "", NJI)[1] is None


def test_map_toggle_and_language_links_keep_the_round(demo_engine: Engine) -> None:
    header, _, layout = render(demo_engine, "/", "?ronde=2009", NJI)
    assert by_id(layout, "map-toggle-municipalities").href == "/?ronde=2009&kaart=gemeenten"
    assert by_id(header, "lang-en").href == "/?ronde=2009&lang=en"
    assert by_id(header, "nav-punten").href == "/punten?ronde=2009"
    municipal = page(demo_engine, "/", "?ronde=2009&kaart=gemeenten")
    chart = by_id(municipal, {"type": "nav-graph", "name": "national-map", "target": "municipality", "field": 1})
    assert "gemeente" in chart.figure.layout.title.text


# --- region ---------------------------------------------------------------------------------------------------


def test_region_page_shows_the_region_beside_national(demo_engine: Engine) -> None:
    # the 2010 round is on the 2010 division, whose regions are the 2008 GGD regions: GGD Amsterdam is GG0340
    detail = region_detail(demo_engine, "2010", "GG0340").to_dict()
    layout = page(demo_engine, "/regio/GG0340", "?ronde=2010")
    assert by_id(layout, "kpi-coverage").children == figures.percent(detail["region"]["coverage"], "nl")
    assert figures.percent(detail["national"]["coverage"], "nl") in text(layout)
    assert by_id(layout, "kpi-completeness").children == figures.percent(detail["region"]["completeness"], "nl")
    grid = by_id(layout, "municipality-table")
    assert len(grid.rowData) == len(detail["municipalities"])


def test_heatmap_click_opens_the_municipality_in_the_same_round(demo_engine: Engine) -> None:
    layout = page(demo_engine, "/regio/GG0340", "?ronde=2010&lang=en")  # GGD Amsterdam in the 2010 division
    graph_id = {"type": "nav-graph", "name": "heatmap", "target": "municipality", "field": "y"}
    rows = list(by_id(layout, graph_id).figure.data[0].y)
    lookup = by_id(layout, {"type": "nav-lookup", "name": "heatmap"}).data
    codes = set(region_detail(demo_engine, "2010", "GG0340").municipalities["municipality_code"])
    assert set(lookup) == set(rows) and set(lookup.values()) == codes
    click = {"points": [{"x": "5", "y": "Amsterdam", "z": 3, "curveNumber": 0}]}  # what Dash passes on a click
    href = click_href(graph_id, click, "?ronde=2010&lang=en", {"heatmap": lookup})
    assert href == "/gemeente/GM0363?ronde=2010&lang=en"


def test_region_without_returns_says_how_to_get_the_template(demo_engine: Engine) -> None:
    report = round_report(demo_engine, "2011")
    silent = report.regions[report.regions["n_returns"] == 0]["region_code"].iloc[0]
    message = text(by_id(page(demo_engine, f"/regio/{silent}", "?ronde=2011"), "empty-region"))
    assert f"raak template --region {silent} --round 2011" in message


# --- municipality, points, completeness --------------------------------------------------------------------------


def test_municipality_page_lists_every_point_per_round_with_comments_as_text(demo_engine: Engine) -> None:
    layout = page(demo_engine, "/gemeente/GM0363", "?ronde=2010")
    rows = by_id(layout, "assessment-table").rowData
    rounds = {row["round_label"] for row in rows}
    assert {row["point_number"] for row in rows} == set(range(1, 36))
    assert len(rows) == 35 * len(rounds)
    comments = [row["comment"] for row in rows if row["comment"]]
    assert comments and all("[" not in c for c in comments)  # shown as typed: no Markdown or HTML rendering
    selected = [c for c in walk(layout) if getattr(c, "className", None) == "kpi-card selected"]
    assert len(selected) == 1 and by_id(selected[0], "kpi-round-2010")


def test_point_panel_shows_the_full_text_and_lagging_regions(demo_engine: Engine) -> None:
    detail = point_detail(demo_engine, "2011", 27, lang="en")
    layout = page(demo_engine, "/punten", "?ronde=2011&punt=27&lang=en")
    assert by_id(layout, "point-text").children == detail.point["text_nl"]
    assert figures.percent(detail.national_share, "en") in by_id(layout, "point-national-share").children
    grid = by_id(layout, "lagging-table")
    assert [row["region_name"] for row in grid.rowData] == list(detail.regions["region_name"])
    assert "exist" not in text(layout)


def test_completeness_page_lists_rejected_files_with_their_issues(demo_engine: Engine) -> None:
    table = completeness_table(demo_engine, "2011")
    layout = page(demo_engine, "/aanlevering", "?ronde=2011&lang=en")
    shown = text(by_id(layout, "rejected-list"))
    for upload in table.rejected.itertuples():
        assert upload.filename in shown
    for message in table.issues["message_en"]:
        assert message in shown
    grid = by_id(layout, "completeness-grid")
    assert [row["n_returns"] for row in grid.rowData] == list(table.regions["n_returns"])


# --- callbacks --------------------------------------------------------------------------------------------------


def test_choosing_a_round_keeps_the_page_and_its_options() -> None:
    assert round_href("2009", "/regio/GG3406", "?ronde=2011&lang=en") == "/regio/GG3406?ronde=2009&lang=en"
    assert round_href("2009", "/", "?kaart=gemeenten") == "/?kaart=gemeenten&ronde=2009"
    assert round_href(None, "/", "") is None


def test_map_clicks_open_the_region_or_municipality() -> None:
    region_click = {"points": [{"customdata": ["GG3406", "GM0363", "GGD Amsterdam", "70 %", "100 %", "op koers"]}]}
    region_map = {"type": "nav-graph", "name": "national-map", "target": "region", "field": 0}
    municipality_map = {**region_map, "target": "municipality", "field": 1}
    assert click_href(region_map, region_click, "?ronde=2010&kaart=gemeenten") == "/regio/GG3406?ronde=2010"
    assert click_href(municipality_map, region_click, "?lang=en") == "/gemeente/GM0363?lang=en"
    assert click_href(region_map, {"points": []}, "") is None
    assert target_href("point", 27, "?ronde=2010&punt=3") == "/punten?ronde=2010&punt=27"


def test_app_serves_its_layout_and_local_assets_only(demo_engine: Engine) -> None:
    client = logged_in(create_app(demo_engine, secret_key=SECRET_KEY), "nji@demo.raak", DEMO_PASSWORD).http
    index = client.get("/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "/assets/style.css" in html
    assert re.findall(r'(?:src|href)="(https?://[^"]+)"', html) == []  # nothing from a CDN
    assert client.get("/_dash-layout").status_code == 200


def test_a_page_path_names_its_parameters_and_matches_with_or_without_a_trailing_slash() -> None:
    page = Page(path="/regio/<code>", layout=lambda view, code: [])
    assert page.match("/regio/GG3406") == {"code": "GG3406"} == page.match("/regio/GG3406/")
    assert page.match("/regio/") is None and page.match("/regio/GG3406/kaart") is None
    home = Page(path="/", layout=lambda view: [])
    assert home.match("") == {} == home.match("/") and home.match("/punten") is None
    assert find_page("/regio/GG3406") == (region.PAGE, {"code": "GG3406"}) and find_page("/onbekend") is None


def test_each_role_gets_the_links_of_exactly_the_pages_it_may_open_in_their_order() -> None:
    coordinator = ["/mijn-regio", "/", "/punten", "/aanlevering", "/upload"]
    assert [page.path for page in nav_pages("coordinator")] == coordinator
    assert [page.path for page in nav_pages("nji")] == ["/", "/punten", "/aanlevering", "/export", "/upload", "/beheer"]
    assert [page.path for page in nav_pages("steering")] == ["/", "/punten", "/aanlevering", "/export"]


def test_every_page_is_declared_once_and_its_link_is_named_in_both_languages() -> None:
    paths = [page.path for page in PAGES]
    assert len(set(paths)) == len(paths)
    for page in PAGES:
        if page.nav_label is not None:
            assert has(page.nav_label) and all(t(page.nav_label, lang) for lang in LANGUAGES)
