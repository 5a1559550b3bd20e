"""Shared fixtures: a fresh, migrated database per test on SQLite and (when configured) PostgreSQL.

Migrating for every test is slow, so each backend builds a template once per session (schema, or schema plus
reference data) and each test gets a copy: a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL.
PostgreSQL tests run when RAAK_TEST_DATABASE_URL is set (CI sets it) and are skipped, with a reason, otherwise.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

# Fixtures several test modules share, defined with their helpers in tests/corpus/ and registered here for all.
from corpus.browser import base_url, browser, browser_logged_in, report_json  # noqa: F401
from corpus.demo import demo_engine  # noqa: F401
from corpus.exports import exported  # noqa: F401
from corpus.s3 import s3_endpoint  # noqa: F401
from corpus.scopes import scene  # noqa: F401
from corpus.uploads import fuzz_target  # noqa: F401
from sqlalchemy import Engine, create_engine, make_url, text

from etl.reference.geography import load_reference
from etl.store.db import engine_for, session_scope
from etl.store.migrate import upgrade

PG_URL_ENV = "RAAK_TEST_DATABASE_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _build(url: str, with_reference: bool) -> None:
    engine = create_engine(url) if url.startswith("postgresql") else engine_for(url)
    upgrade(engine)
    if with_reference:
        with session_scope(engine) as session:
            load_reference(session)
    engine.dispose()


class SqliteFactory:
    """Copies of a template SQLite file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates: dict[bool, Path] = {}

    def fresh(self, with_reference: bool) -> str:
        if with_reference not in self.templates:
            path = self.folder / f"template_{'reference' if with_reference else 'schema'}.sqlite"
            url = f"sqlite:///{path}"
            _build(url, with_reference)
            engine_for(url).dispose()
            self.templates[with_reference] = path
        copy = self.folder / f"test_{uuid.uuid4().hex}.sqlite"
        shutil.copyfile(self.templates[with_reference], copy)
        return f"sqlite:///{copy}"

    def discard(self, url: str) -> None:
        engine_for(url).dispose()

    def close(self) -> None:
        pass


class PostgresFactory:
    """Databases created from a template database on the server named by RAAK_TEST_DATABASE_URL."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.templates: dict[bool, str] = {}
        self.created: list[str] = []
        # DROP DATABASE costs up to a second; dropping in the background overlaps it with the next tests.
        self.dropper = ThreadPoolExecutor(max_workers=1)

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def discard(self, url: str) -> None:
        """Drop a test's database once the test is over (its engine is disposed first)."""
        engine_for(url).dispose()
        name = make_url(url).database
        if name in self.created:
            self.created.remove(name)
            self.dropper.submit(self._drop, name)

    def _create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def fresh(self, with_reference: bool) -> str:
        if with_reference not in self.templates:
            name = f"raak_tpl_{uuid.uuid4().hex[:12]}"
            _build(self._create(name), with_reference)
            self.templates[with_reference] = name
        return self._create(f"raak_t_{uuid.uuid4().hex[:12]}", self.templates[with_reference])

    def close(self) -> None:
        engine_for.cache_clear()  # engines still open keep connections; FORCE ends them
        for name in reversed(self.created):
            self.dropper.submit(self._drop, name)
        self.dropper.shutdown(wait=True)
        self.admin.dispose()


@pytest.fixture(autouse=True)
def isolated_instance(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test writes stored returns and default databases under its own temporary folder, never ./instance."""
    folder = tmp_path_factory.mktemp("instance")
    monkeypatch.setenv("RAAK_INSTANCE_DIR", str(folder))
    monkeypatch.delenv("RAAK_STORAGE_DIR", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return folder


@pytest.fixture(scope="session")
def database_factories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    factories: dict[str, object] = {"sqlite": SqliteFactory(tmp_path_factory.mktemp("sqlite"))}
    if os.environ.get(PG_URL_ENV):
        factories["postgresql"] = PostgresFactory(os.environ[PG_URL_ENV])
    yield factories
    for factory in factories.values():
        factory.close()  # type: ignore[attr-defined]


def _fresh_url(request: pytest.FixtureRequest, factories: dict[str, object], with_reference: bool) -> Iterator[str]:
    backend = request.param
    if backend not in factories:
        pytest.skip(f"PostgreSQL tests need {PG_URL_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    factory = factories[backend]
    url = factory.fresh(with_reference)  # type: ignore[attr-defined]
    yield url
    factory.discard(url)  # type: ignore[attr-defined]


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, database_factories: dict[str, object]) -> Iterator[str]:
    """URL of a fresh database with the schema migrated and no data."""
    yield from _fresh_url(request, database_factories, with_reference=False)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, database_factories: dict[str, object]) -> Iterator[str]:
    """URL of a fresh database with the schema and the reference data (framework, scale, geography)."""
    yield from _fresh_url(request, database_factories, with_reference=True)


@pytest.fixture
def engine(db_url: str) -> Engine:
    """Engine on a fresh database with reference data."""
    return engine_for(db_url)


@pytest.fixture
def use_database(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point DATABASE_URL and the instance folder at a fresh database, for code that reads the settings."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("RAAK_INSTANCE_DIR", str(tmp_path / "instance"))
    return db_url


@pytest.fixture
def table_snapshot() -> Callable[[Engine], dict[str, list[tuple]]]:
    """Every row of every table, sorted: compare two snapshots to prove that nothing changed."""
    from etl.store.models import Base

    def snapshot(engine: Engine) -> dict[str, list[tuple]]:
        with engine.connect() as conn:
            return {
                name: sorted((tuple(row) for row in conn.execute(table.select())), key=repr)
                for name, table in Base.metadata.tables.items()
            }

    return snapshot


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With RAAK_NO_SKIP=1 (set by .ci/run) any skipped test fails the run: CI must exercise every backend."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("RAAK_NO_SKIP") == "1" and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"RAAK_NO_SKIP=1 but {len(reporter.stats['skipped'])} test(s) were skipped", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
