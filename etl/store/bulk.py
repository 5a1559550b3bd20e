"""Many rows into one table in the caller's transaction, at the speed of the driver rather than of the ORM."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Insert `rows` (values in `columns` order) into `table`, in the session's transaction, in bulk.

    PostgreSQL with psycopg: one `COPY … FROM STDIN` on the session's own connection, instead of one prepared
    INSERT per row (or SQLAlchemy's per-row parameter handling). SQLite: one executemany of the plain INSERT, which
    sqlite3 runs in a loop in C. Any other driver: a Core executemany.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        from psycopg import sql  # imported here: only this path needs it

        copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        driver = connection.connection.driver_connection
        assert driver is not None  # an open connection always has its driver's
        with driver.cursor() as cursor, cursor.copy(copy) as writer:
            for row in rows:
                writer.write_row(row)
        return
    if connection.dialect.name == "sqlite":  # the rows go to sqlite3's executemany as they are, no dict per row
        names, marks = ", ".join(columns), ", ".join("?" * len(columns))
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(rows))
        return
    session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
