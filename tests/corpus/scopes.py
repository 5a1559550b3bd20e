"""Two regions and a coordinator of the first (A): region B's 2008 return loaded by NJi, so that a coordinator's
upload can be checked for what it tells about B. `scene` is a fixture for the security tests
(tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dash
import pytest
from sqlalchemy import Engine

from corpus.builders import POINTS, add_rounds, filled, region_municipalities
from corpus.web import COORDINATOR_REGION, OTHER_REGION, SECRET_KEY, USERS, Client, add_users, logged_in
from dashboard.web.app import create_app
from etl.ingest.pipeline import ingest

EARLIER_STATUS, LOWER_STATUS, OWN_STATUS = 4, 1, 3


@dataclass
class Scene:
    """The two regions' database and app, A's coordinator logged in, and a folder for the files."""

    engine: Engine
    app: dash.Dash
    coordinator: Client
    own: list[str]  # the municipalities of region A
    other: list[str]  # the municipalities of region B
    folder: Path


@pytest.fixture
def scene(engine: Engine, tmp_path: Path) -> Scene:
    """Rounds 2008 and 2009; region B's 2008 return (all statuses 4) loaded by NJi; A's coordinator logged in."""
    add_rounds(engine, "2008", "2009")
    add_users(engine)
    own, other = region_municipalities(engine, COORDINATOR_REGION), region_municipalities(engine, OTHER_REGION)
    earlier = {code: dict.fromkeys(POINTS, EARLIER_STATUS) for code in other}
    data = filled(engine, OTHER_REGION, "2008", tmp_path / "2008", earlier)
    assert ingest(data, "b_2008.xlsx", uploader=USERS["nji"][0], engine=engine).status == "accepted"
    app = create_app(engine, secret_key=SECRET_KEY)
    return Scene(engine, app, logged_in(app, USERS["coordinator"][0]), own, other, tmp_path)


def other_region_file(scene: Scene, status: int = LOWER_STATUS) -> bytes:
    """Region B's own 2009 template, filled with statuses below those of 2008 and no comments."""
    values = {code: dict.fromkeys(POINTS, status) for code in scene.other}
    return filled(scene.engine, OTHER_REGION, "2009", scene.folder / f"b_{status}", values)
