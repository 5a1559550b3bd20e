"""A coordinator's home ("Mijn regio"): where they land after log-in, what it shows, and navigation per role."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from corpus.builders import SMALL_REGION, add_rounds, filled, region_municipalities
from corpus.demo import DEMO_PASSWORD
from corpus.layouts import by_id, text, walk
from corpus.web import SECRET_KEY, Client
from sqlalchemy import Engine, select

from dashboard.analytics.report import LATE, MISSING, RETURNED, my_region, round_report
from dashboard.web.app import create_app, nav_pages, render
from dashboard.web.auth import Principal
from dashboard.web.pages.my_region import TEMPLATE_ROUTE
from etl.ingest.pipeline import ingest
from etl.store import models as m
from etl.store.db import session_scope


def coordinator(engine: Engine) -> Principal:
    """The demo coordinator as the pages see them."""
    with session_scope(engine) as session:
        user = session.scalar(select(m.User).where(m.User.email == "coordinator@demo.raak"))
        codes = session.scalars(select(m.UserRegion.region_code).where(m.UserRegion.user_id == user.id))
        return Principal(user.id, user.email, user.role, tuple(sorted(codes)))


def principals(engine: Engine) -> list[Principal]:
    return [Principal(1, "nji@demo.raak", "nji"), coordinator(engine), Principal(3, "steering@demo.raak", "steering")]


def test_a_coordinator_lands_on_my_region_after_logging_in(demo_engine: Engine) -> None:
    app = create_app(demo_engine, secret_key=SECRET_KEY)
    response = Client(app).login("coordinator@demo.raak", DEMO_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/mijn-regio")
    english = Client(app).login("coordinator@demo.raak", DEMO_PASSWORD, lang="en")
    assert english.headers["Location"].endswith("/mijn-regio?lang=en")
    nji = Client(app).login("nji@demo.raak", DEMO_PASSWORD)
    assert nji.headers["Location"].endswith("/")
    asked = Client(app).login("coordinator@demo.raak", DEMO_PASSWORD, next="/punten")
    assert asked.headers["Location"].endswith("/punten")  # a page asked for before log-in still wins


def test_my_region_says_who_returned_and_who_is_late_or_missing(demo_engine: Engine) -> None:
    user = coordinator(demo_engine)
    report = round_report(demo_engine, "2011")
    deadline = report.round["deadline"] or date(2012, 2, 1)
    before = my_region(demo_engine, "2011", user.regions, today=deadline - timedelta(days=1))
    after = my_region(demo_engine, "2011", user.regions, today=deadline + timedelta(days=1))
    expected = report.municipalities[report.municipalities["region_code"].isin(user.regions)]
    assert len(before.municipalities) == len(expected)
    returned = int(expected["has_return"].sum())
    assert before.counts[RETURNED] == after.counts[RETURNED] == returned
    if report.round["deadline"] is not None:
        assert before.counts[LATE] == 0 and before.counts[MISSING] == len(expected) - returned
        assert after.counts[LATE] == len(expected) - returned and after.counts[MISSING] == 0
    sent = before.municipalities[before.municipalities["state"] == RETURNED]
    assert sent["uploaded_at"].notna().all() and (sent["n_versions"] >= 1).all()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_my_region_page_shows_returns_deadline_and_the_template_and_upload_buttons(
    demo_engine: Engine,
    lang: str,
) -> None:
    user = coordinator(demo_engine)
    layout = render(demo_engine, "/mijn-regio", f"?ronde=2011&lang={lang}", user)[2]
    home = my_region(demo_engine, "2011", user.regions, today=date.today(), lang=lang)
    assert by_id(layout, "kpi-returned").children == f"{home.counts[RETURNED]}/{len(home.municipalities)}"
    code = user.regions[0]
    template = by_id(layout, f"my-region-template-{code}")
    assert template.href == TEMPLATE_ROUTE.replace("<region>", code).replace("<round_label>", "2011")
    assert by_id(layout, "my-region-upload").href.startswith("/upload")
    assert "forbidden" not in [getattr(c, "id", None) for c in walk(layout)]
    words = text(layout)
    assert ("Mijn regio" if lang == "nl" else "My region") in words
    assert ("Laatste upload" if lang == "nl" else "Last upload") in by_id(layout, "my-region-last-upload").children


def test_the_template_button_serves_only_the_coordinators_own_region(demo_engine: Engine) -> None:
    user = coordinator(demo_engine)
    app = create_app(demo_engine, secret_key=SECRET_KEY)
    client = Client(app)
    client.login("coordinator@demo.raak", DEMO_PASSWORD)
    own = client.http.get(f"/mijn-regio/sjabloon/{user.regions[0]}/2011")
    assert own.status_code == 200 and own.data[:2] == b"PK"
    other = next(code for code in round_report(demo_engine, "2011").regions["region_code"] if code not in user.regions)
    assert client.http.get(f"/mijn-regio/sjabloon/{other}/2011").status_code == 403


def test_no_navigation_link_leads_to_a_page_the_role_may_not_open(demo_engine: Engine) -> None:
    for user in principals(demo_engine):
        header = render(demo_engine, "/", "?ronde=2011", user)[0]
        links = [c for c in walk(header) if getattr(c, "href", None) and str(getattr(c, "id", "")).startswith("nav-")]
        paths = [link.href.split("?")[0] for link in links]
        assert ("/mijn-regio" in paths) == (user.role == "coordinator")
        assert len(paths) == len(nav_pages(user))
        for path in paths:
            layout = render(demo_engine, path, "?ronde=2011", user)[2]
            ids = [getattr(c, "id", None) for c in walk(layout)]
            assert "forbidden" not in ids, (user.role, path)


def test_my_region_counts_the_points_a_new_version_changed(engine: Engine, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: a second return of the same municipality in a round shows how many points changed."""
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    first = {codes[0]: {n: 1 for n in range(1, 36)}, codes[1]: {n: 2 for n in range(1, 36)}}
    ingest(filled(engine, SMALL_REGION, "2009", tmp_path / "1", first), engine=engine, uploader="a@ggd.example")
    second = {codes[0]: {n: 4 if n <= 5 else 1 for n in range(1, 36)}}
    ingest(filled(engine, SMALL_REGION, "2009", tmp_path / "2", second), engine=engine, uploader="b@ggd.example")

    home = my_region(engine, "2009", (SMALL_REGION,), today=date(2009, 6, 1))
    rows = home.municipalities.set_index("municipality_code")
    assert rows.loc[codes[0], "n_changed"] == 5 and rows.loc[codes[0], "n_versions"] == 2
    assert rows.loc[codes[0], "uploader"] == "b@ggd.example"
    assert pd.isna(rows.loc[codes[1], "n_changed"]) and rows.loc[codes[1], "n_versions"] == 1
    assert home.counts[RETURNED] == 2 and home.counts[MISSING] == len(codes) - 2
