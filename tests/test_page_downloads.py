"""Pages stay small however many rounds there are: the municipality page draws at most ROUNDS_SHOWN rounds and
says so, and the tables that grow with every round (a municipality's history, the national trajectory) download
from the server for whoever may open the page instead of travelling with it."""

from __future__ import annotations

import csv
import io
from datetime import date

from corpus.demo import DEMO_PASSWORD
from corpus.layouts import NJI, by_id, text, walk
from corpus.web import SECRET_KEY, Client
from dash import dcc
from sqlalchemy import Engine, select

from dashboard.analytics.report import municipality_detail, round_report
from dashboard.exports.downloads import header
from dashboard.web.app import create_app, render
from dashboard.web.pages.municipality import ROUNDS_SHOWN, history_url, shown_rounds
from dashboard.web.pages.national import trajectory_url
from etl.admin.rounds import add_round
from etl.store import models as m
from etl.store.db import session_scope

AMSTERDAM = "GM0363"


def test_the_rounds_shown_end_at_the_chosen_round_and_never_exceed_the_limit() -> None:
    labels = [f"r{i}" for i in range(20)]
    assert shown_rounds(labels, "r19") == labels[12:]
    assert shown_rounds(labels, "r10") == labels[3:11]
    assert shown_rounds(labels, "r2") == labels[:8]  # an early round: the first eight
    assert shown_rounds(labels, "unknown") == labels[12:]
    assert shown_rounds(labels[:4], "r1") == labels[:4]  # few rounds: all of them
    assert len(shown_rounds(labels, "r19")) == ROUNDS_SHOWN == 8


def test_with_many_rounds_the_page_draws_the_newest_and_says_how_many_are_left_out(engine: Engine) -> None:
    with session_scope(engine) as session:
        for year in (2008, 2009, 2010):
            for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
                add_round(session, f"{year}-{month:02d}", date(year, month, day))
    layout = render(engine, f"/gemeente/{AMSTERDAM}", "?ronde=2010-12&lang=en", NJI)[2]
    cards = [c for c in walk(by_id(layout, "municipality-rounds")) if str(getattr(c, "id", "")).startswith("kpi-")]
    shown = [f"{year}-{month:02d}" for year in (2009, 2010) for month in (3, 6, 9, 12)]
    assert [c.id for c in cards] == [f"kpi-round-{label}" for label in shown]
    assert text(by_id(layout, "municipality-rounds-shown")) == (
        "Shown: 8 of the 12 rounds (2009-03 to 2010-12); the downloads hold them all."
    )


def test_the_demo_municipality_page_shows_every_round_and_sends_no_table_with_the_page(demo_engine: Engine) -> None:
    layout = render(demo_engine, f"/gemeente/{AMSTERDAM}", "", NJI)[2]
    assert "municipality-rounds-shown" not in [getattr(c, "id", None) for c in walk(layout)]
    stores = [c for c in walk(layout) if isinstance(c, dcc.Store) and isinstance(c.id, dict)]
    assert stores == []  # the downloads are links to the server
    links = {c.href.split("?")[0] for c in walk(layout) if getattr(c, "download", None) == ""}
    assert links == {history_url(AMSTERDAM, "csv"), history_url(AMSTERDAM, "xlsx")}


def test_the_history_download_holds_every_round_in_the_language_asked(demo_engine: Engine) -> None:
    client = Client(create_app(demo_engine, secret_key=SECRET_KEY))
    client.login("nji@demo.raak", DEMO_PASSWORD)
    response = client.http.get(history_url(AMSTERDAM, "csv") + "?lang=en")
    assert response.status_code == 200 and "raak_GM0363_geschiedenis.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))  # English: comma-separated
    detail = municipality_detail(demo_engine, AMSTERDAM, lang="en")
    assert len(rows) == 1 + len(detail.assessments) and header("round_label", "en") in rows[0]
    rounds = {row[rows[0].index(header("round_label", "en"))] for row in rows[1:]}
    assert rounds == set(detail.assessments["round_label"]) and len(rounds) > 1
    workbook = client.http.get(history_url(AMSTERDAM, "xlsx"))
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    assert client.http.get(history_url("GM9999", "csv")).status_code == 404
    assert client.http.get(history_url(AMSTERDAM, "pdf")).status_code == 404


def test_the_history_download_is_refused_outside_a_coordinators_regions(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        user = session.scalar(select(m.User).where(m.User.email == "coordinator@demo.raak"))
        own = set(session.scalars(select(m.UserRegion.region_code).where(m.UserRegion.user_id == user.id)))
    municipalities = round_report(demo_engine, "2011").municipalities
    mine = municipalities[municipalities["region_code"].isin(own)]["municipality_code"].iloc[0]
    other = municipalities[~municipalities["region_code"].isin(own)]["municipality_code"].iloc[0]
    client = Client(create_app(demo_engine, secret_key=SECRET_KEY))
    assert client.http.get(history_url(mine, "csv")).status_code in (302, 401)  # not logged in
    client.login("coordinator@demo.raak", DEMO_PASSWORD)
    assert client.http.get(history_url(mine, "csv")).status_code == 200
    assert client.http.get(history_url(other, "csv")).status_code == 403


def test_the_trajectory_downloads_from_the_server_for_the_round_asked(demo_engine: Engine) -> None:
    layout = render(demo_engine, "/", "?ronde=2010", NJI)[2]
    card = by_id(layout, "card-trajectory")
    assert not [c for c in walk(card) if isinstance(c, dcc.Store)]
    links = [c.href for c in walk(card) if getattr(c, "download", None) == ""]
    assert [link.split("?")[0] for link in links] == [trajectory_url("csv"), trajectory_url("xlsx")]
    client = Client(create_app(demo_engine, secret_key=SECRET_KEY))
    assert client.http.get(links[0]).status_code in (302, 401)  # not logged in
    client.login("steering@demo.raak", DEMO_PASSWORD)
    response = client.http.get(links[0])
    assert response.status_code == 200 and "raak_traject_2010.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 1 + len(round_report(demo_engine, "2010").trajectory)
    assert client.http.get(trajectory_url("csv") + "?ronde=1999").status_code == 404
    assert client.http.get(trajectory_url("pdf") + "?ronde=2010").status_code == 404
