"""SQLite: a web request that reads and then records (log-in, log-out, admin actions) begins as the writer.

A transaction that starts reading and writes later fails at once with "database is locked" when another connection
commits in between, whatever the busy timeout; the log-in then answered 503 while an export job was writing.
"""

from __future__ import annotations

import pytest
from corpus.builders import sqlite_only
from sqlalchemy import Engine, create_engine, func, insert, select
from sqlalchemy.exc import OperationalError

from etl.store import models as m
from etl.store.db import session_scope

OTHER_WRITER_TIMEOUT_SECONDS = 0.2


@sqlite_only
def test_a_request_that_reads_then_records_never_loses_its_write_to_another_writer(engine: Engine) -> None:
    other = create_engine(engine.url, connect_args={"timeout": OTHER_WRITER_TIMEOUT_SECONDS})
    with session_scope(engine, write_first=True, remote_addr="127.0.0.1") as session:
        session.scalar(select(func.count()).select_from(m.User))  # the request reads first ...
        with pytest.raises(OperationalError, match="locked"), other.begin() as connection:
            connection.execute(insert(m.AuditLog).values(action="elsewhere", actor="other"))  # ... so others wait
        session.add(m.AuditLog(action="login", actor="someone"))  # and its own write cannot fail any more
    other.dispose()
    with engine.connect() as connection:
        actions = list(connection.scalars(select(m.AuditLog.action)))
    assert "login" in actions and "elsewhere" not in actions
