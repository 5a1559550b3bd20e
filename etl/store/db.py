"""Engine and session handling, identical for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from etl.store.config import get_settings

SQLITE_BUSY_TIMEOUT_SECONDS = 60
WRITE_FIRST_OPTION = "raak_write_first"  # execution option: SQLite begins the transaction as the writer
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10  # an unreachable host answers 503 soon, not at the web worker's timeout


def make_engine(url: str) -> Engine:
    """Create an engine; on SQLite enforce foreign keys and wait for (rather than fail on) a concurrent writer."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below issues BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            if database and database != ":memory:":
                cursor.execute("PRAGMA journal_mode = WAL")  # readers keep reading while an ingest writes
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            immediate = connection.get_execution_options().get(WRITE_FIRST_OPTION, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    connect_args = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per URL per process."""
    return make_engine(url)


def get_engine() -> Engine:
    """The engine for the configured `DATABASE_URL` (or the default SQLite file)."""
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None, *, write_first: bool = False) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back entirely on any error.

    `write_first`: the block reads and then writes. On SQLite it then begins as the writer (`BEGIN IMMEDIATE`,
    waiting for another writer), because a reading transaction that later writes fails at once ("database is
    locked") when another connection committed in between, whatever the busy timeout. PostgreSQL ignores it.
    """
    bind = engine or get_engine()
    if write_first:
        bind = bind.execution_options(**{WRITE_FIRST_OPTION: True})
    factory = sessionmaker(bind=bind, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
