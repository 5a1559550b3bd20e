"""Settings from the environment, with a zero-configuration default: SQLite in a git-ignored instance folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INSTANCE_DIR = Path("instance")
SQLITE_FILE_NAME = "raak.sqlite"
DEFAULT_QUEUE_PREFIX = "raak"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_SHEETS = 200
MAX_ROWS_PER_SHEET = 5_000
MAX_COLUMNS_PER_SHEET = 256  # a return uses ~5; 256 is also the most an .xls sheet can hold (column IV)
MAX_CELLS_PER_FILE = 1_000_000  # rows × columns from A1, summed over the sheets; a region's return is ~10 000


@dataclass(frozen=True)
class Settings:
    """Everything that differs between a laptop demo and production."""

    database_url: str
    instance_dir: Path
    storage_dir: Path
    storage_url: str | None
    secret_key: str | None
    redis_url: str | None
    queue_prefix: str
    max_upload_bytes: int
    max_uncompressed_bytes: int
    max_compression_ratio: int
    max_sheets: int
    max_rows_per_sheet: int
    max_columns_per_sheet: int
    max_cells_per_file: int


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from exc


def get_settings() -> Settings:
    """Read the settings now (not at import), so tests and the CLI can change the environment first."""
    instance_dir = Path(os.environ.get("RAAK_INSTANCE_DIR", DEFAULT_INSTANCE_DIR)).resolve()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / SQLITE_FILE_NAME}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs name the old scheme
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return Settings(
        database_url=database_url,
        instance_dir=instance_dir,
        storage_dir=Path(os.environ.get("RAAK_STORAGE_DIR", instance_dir / "returns")).resolve(),
        storage_url=os.environ.get("RAAK_STORAGE_URL") or None,
        secret_key=os.environ.get("SECRET_KEY") or None,
        redis_url=os.environ.get("REDIS_URL") or None,
        queue_prefix=os.environ.get("RAAK_QUEUE_PREFIX") or DEFAULT_QUEUE_PREFIX,
        max_upload_bytes=_int_env("RAAK_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES),
        max_uncompressed_bytes=_int_env("RAAK_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES),
        max_compression_ratio=_int_env("RAAK_MAX_COMPRESSION_RATIO", MAX_COMPRESSION_RATIO),
        max_sheets=_int_env("RAAK_MAX_SHEETS", MAX_SHEETS),
        max_rows_per_sheet=_int_env("RAAK_MAX_ROWS_PER_SHEET", MAX_ROWS_PER_SHEET),
        max_columns_per_sheet=_int_env("RAAK_MAX_COLUMNS_PER_SHEET", MAX_COLUMNS_PER_SHEET),
        max_cells_per_file=_int_env("RAAK_MAX_CELLS_PER_FILE", MAX_CELLS_PER_FILE),
    )
