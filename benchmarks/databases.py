"""Fresh copies of one prepared database, for repeated benchmark runs: a file copy on SQLite, `CREATE DATABASE …
TEMPLATE` on PostgreSQL (in a database server named by a URL, with databases of its own that it drops again)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

from etl.store.db import make_engine

PREFIX = "raak_bench_"


class Copies:
    """Build one database with `prepare(engine)`, then hand out copies of it; `close()` removes them all."""

    def __init__(self, folder: Path, server_url: str | None, prepare: Callable[[Engine], None]) -> None:
        self.folder = folder
        self.server = make_url(server_url) if server_url else None
        self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT") if self.server else None
        self.created: list[str] = []
        self.base = self._new()
        engine = make_engine(self.base)
        prepare(engine)
        engine.dispose()

    @property
    def backend(self) -> str:
        return "postgresql" if self.server else "sqlite"

    def _new(self, template: str | None = None) -> str:
        name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
        if self.admin is None or self.server is None:
            path = self.folder / f"{name}.sqlite"
            if template:
                shutil.copyfile(make_url(template).database or "", path)
            return f"sqlite:///{path}"
        with self.admin.connect() as connection:
            suffix = f' TEMPLATE "{make_url(template).database}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        self.created.append(name)
        return self.server.set(database=name).render_as_string(hide_password=False)

    def fresh(self) -> str:
        """A new database holding exactly what the prepared one holds."""
        return self._new(self.base)

    def close(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as connection:
                for name in reversed(self.created):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.admin.dispose()
