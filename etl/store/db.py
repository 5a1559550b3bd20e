"""Engine and session handling, identical for SQLite and PostgreSQL.

`session_scope` is the one way to an ORM session: the ETL's transactions (every write, and the reads that go with
it). The dashboard's views read through `dashboard.analytics.queries.snapshot` instead (a read-only connection).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from etl.store import models as m
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
def session_scope(
    engine: Engine | None = None, *, write_first: bool = False, remote_addr: str | None = None
) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back entirely on any error.

    `write_first`: the block reads and then writes. On SQLite it then begins as the writer (`BEGIN IMMEDIATE`,
    waiting for another writer), because a reading transaction that later writes fails at once ("database is
    locked") when another connection committed in between, whatever the busy timeout. PostgreSQL ignores it.
    `remote_addr`: the client address a web request comes from; every audit entry the block adds without one
    carries it (the etl functions record who, the web server adds from where).
    """
    bind = engine or get_engine()
    if write_first:
        bind = bind.execution_options(**{WRITE_FIRST_OPTION: True})
    factory = sessionmaker(bind=bind, expire_on_commit=False)
    with factory() as session, session.begin():
        if remote_addr is not None:
            event.listen(session, "before_flush", _stamper(remote_addr))
        yield session


def _stamper(remote_addr: str) -> Callable[[Session, object, object], None]:
    """A before-flush hook that gives new audit entries without an address `remote_addr`."""
    address = m.fit_to_column(remote_addr, m.AuditLog.__table__.c.remote_addr)

    def stamp(flushing: Session, _context: object, _instances: object) -> None:
        for entry in flushing.new:
            if isinstance(entry, m.AuditLog) and entry.remote_addr is None:
                entry.remote_addr = address

    return stamp
