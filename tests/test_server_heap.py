"""A web process freezes what it keeps for its lifetime, so the collector's full passes stop walking it in the
middle of a page (they took ~90 ms each at 10x; docs/performance.md)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from corpus.web import SECRET_KEY
from sqlalchemy import Engine

from dashboard.analytics.queries import municipality_geojson
from dashboard.web.app import create_server
from etl.reference.geography import division_years


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()  # the test process itself goes on collecting everything


def _tracked(target: object) -> bool:
    """Whether the collector's passes still walk `target` (frozen objects are in none of its generations)."""
    return any(tracked is target for tracked in gc.get_objects())


def test_the_server_freezes_the_map_shapes_of_every_division_year(
    use_database: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, unfrozen_afterwards: None
) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    gc.unfreeze()
    create_server()
    assert gc.get_freeze_count() > 0
    for year in division_years():
        shapes = municipality_geojson(year)
        assert not _tracked(shapes), year
        assert not _tracked(shapes["features"][0]["geometry"]["coordinates"]), year
