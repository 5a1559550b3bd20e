"""The demo database every page, report and export test reads: built once per test run by `load_demo` (shared by
the xdist workers through a file lock), with a known password for each demo user. `demo_engine` is a session
fixture for every test module (tests/conftest.py)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard.demo.build import DEMO_USERS, demo_logins, load_demo
from etl.admin.users import reset_password
from etl.store.db import engine_for, session_scope

DEMO_SEED = 2007
DEMO_PASSWORD = "demo password for the tests"


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all xdist workers of this run share (the per-run base folder), else this run's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine on a SQLite database built once by `load_demo` (seed DEMO_SEED), read-only for the tests."""
    folder = shared_folder(tmp_path_factory) / "raak-demo"
    folder.mkdir(exist_ok=True)
    url = f"sqlite:///{folder / 'raak.sqlite'}"
    with (folder / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "built").exists():
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("RAAK_INSTANCE_DIR", str(folder / "instance"))
                load_demo(engine_for(url), seed=DEMO_SEED)
            demo_logins(engine_for(url))
            with session_scope(engine_for(url)) as session:
                for email, _role in DEMO_USERS:
                    reset_password(session, email, DEMO_PASSWORD, actor="test")
            (folder / "built").touch()
    yield engine_for(url)
