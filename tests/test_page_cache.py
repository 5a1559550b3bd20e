"""The router draws a data page once per data version and serves its JSON from the shared cache afterwards:
the same page as drawing it afresh, per language, role and region scope, and drawn again after any data change."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest
from corpus.layouts import NJI
from plotly.io.json import to_json_plotly
from sqlalchemy import Engine

from dashboard.web import app as web_app
from dashboard.web.auth import Principal
from etl.admin.rounds import add_round
from etl.store.db import session_scope

STEERING = Principal(3, "steering@demo.raak", "steering")
COORDINATOR_A = Principal(4, "a@demo.raak", "coordinator", ("GG3406",))
COORDINATOR_B = Principal(5, "b@demo.raak", "coordinator", ("GG0111",))
CACHED_PAGES = ("/", "/regio/GG3406", "/gemeente/GM0363", "/punten")


def _json(tree: Any) -> Any:
    return json.loads(to_json_plotly(tree))


def _page(engine: Engine, path: str, search: str, user: Principal, cache: bool) -> Any:
    return _json(web_app.render(engine, path, search, user, cache=cache)[2])


@pytest.fixture
def layout_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths whose page layout was drawn, in order."""
    calls: list[str] = []
    original = web_app.find_page

    def counting(path: str) -> Any:
        found = original(path)
        if found is None:
            return None
        page, params = found

        def layout(*args: Any, **kwargs: Any) -> Any:
            calls.append(path)
            return page.layout(*args, **kwargs)

        return dataclasses.replace(page, layout=layout), params

    monkeypatch.setattr(web_app, "find_page", counting)
    return calls


@pytest.mark.parametrize("path", CACHED_PAGES)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_cached_page_is_the_page_drawn_afresh(demo_engine: Engine, path: str, lang: str) -> None:
    search = f"?lang={lang}&ronde=2010"
    fresh = _page(demo_engine, path, search, NJI, cache=False)
    assert _page(demo_engine, path, search, NJI, cache=True) == fresh  # drawn and stored
    assert _page(demo_engine, path, search, NJI, cache=True) == fresh  # from the cache


def test_a_data_page_is_drawn_once_per_data_version(engine: Engine, layout_calls: list[str]) -> None:
    with session_scope(engine) as session:
        add_round(session, "2008", date(2008, 12, 31))
    first = _page(engine, "/", "", NJI, cache=True)
    assert _page(engine, "/", "", NJI, cache=True) == first
    assert layout_calls == ["/"]
    with session_scope(engine) as session:  # any data change makes the stored drawing unreachable
        add_round(session, "2009", date(2009, 12, 31))
    again = _page(engine, "/", "", NJI, cache=True)
    assert layout_calls == ["/", "/"] and again != first and "2009" in json.dumps(again)


def test_pages_with_forms_or_a_clock_are_never_cached(demo_engine: Engine, layout_calls: list[str]) -> None:
    for path in ("/aanlevering", "/export", "/beheer"):
        _page(demo_engine, path, "", NJI, cache=True)
        _page(demo_engine, path, "", NJI, cache=True)
    assert layout_calls == ["/aanlevering", "/aanlevering", "/export", "/export", "/beheer", "/beheer"]


def test_each_role_and_region_scope_gets_its_own_cached_page(demo_engine: Engine) -> None:
    for user in (NJI, STEERING, COORDINATOR_A, COORDINATOR_B, NJI):
        for path in ("/", "/punten"):
            assert _page(demo_engine, path, "?ronde=2011", user, cache=True) == _page(
                demo_engine, path, "?ronde=2011", user, cache=False
            )


def test_another_release_never_reads_this_releases_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.analytics import cache

    key = cache.cache_key("sqlite://", "navigation", (), "7@2026-12-01")
    monkeypatch.setattr(cache, "CODE_VERSION", "another-release")
    assert cache.cache_key("sqlite://", "navigation", (), "7@2026-12-01") != key
