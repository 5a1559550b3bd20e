"""RAAK Monitor ETL: reference data, templates and the ingestion of regional returns.

Only this package writes assessments; the dashboard calls :func:`etl.ingest` like the CLI does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from etl.ingest import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]


def __getattr__(name: str) -> Any:
    """Import the ingest pipeline lazily so `import etl` stays cheap for the CLI and migrations."""
    if name in __all__:
        return getattr(importlib.import_module("etl.ingest"), name)
    raise AttributeError(name)
