"""The audit trail: who did what, when and from where.

Every text stored here may come from a form, a file name or a crafted request, so each is bounded where it is
recorded: actor, action and address to their columns, each text in the detail to MAX_DETAIL_TEXT characters, lists
to MAX_DETAIL_ITEMS, and the whole detail to MAX_DETAIL_CHARS. A cut text ends in an ellipsis so a reader sees it.
"""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy.orm import Session

from etl.store.models import AuditLog, fit_to_column, shorten

MAX_DETAIL_TEXT = 255  # one text in the detail, e.g. a file name (as long as uploads.filename holds)
MAX_DETAIL_ITEMS = 50  # items of one list in the detail, e.g. error codes
MAX_DETAIL_DEPTH = 3  # nesting kept; anything deeper is stored as (bounded) text
MAX_DETAIL_CHARS = 4000  # the whole detail as stored JSON
JSON_ESCAPE_WIDTH = 6  # the most characters JSON writes for one character (a control character as \u001f)


def cli_actor() -> str:
    """The actor recorded for command-line actions: the operating-system user."""
    return f"cli:{os.environ.get('USER') or os.environ.get('USERNAME') or 'unknown'}"


def bounded_text(value: str, limit: int = MAX_DETAIL_TEXT) -> str:
    """`value` cut to `limit` characters (marked with an ellipsis) and without NUL characters."""
    return shorten(value, limit)


def bounded(value: Any, depth: int = 0) -> Any:
    """A detail value with every text, list and nesting level bounded; numbers, booleans and None as they are."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth < MAX_DETAIL_DEPTH and isinstance(value, dict):
        items = list(value.items())[:MAX_DETAIL_ITEMS]
        return {bounded_text(str(key)): bounded(item, depth + 1) for key, item in items}
    if depth < MAX_DETAIL_DEPTH and isinstance(value, list | tuple | set | frozenset):
        return [bounded(item, depth + 1) for item in list(value)[:MAX_DETAIL_ITEMS]]
    return bounded_text(str(value))


def detail_json(detail: dict[str, Any] | None) -> str | None:
    """The detail as stored: bounded JSON, at most MAX_DETAIL_CHARS characters and always valid JSON."""
    if not detail:
        return None
    text = json.dumps(bounded(detail), ensure_ascii=False, default=str)
    if len(text) <= MAX_DETAIL_CHARS:
        return text
    cut = bounded_text(text, MAX_DETAIL_CHARS // JSON_ESCAPE_WIDTH - len('{"truncated": ""}'))
    return json.dumps({"truncated": cut}, ensure_ascii=False)


def record(
    session: Session,
    action: str,
    *,
    actor: str | None,
    detail: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> None:
    """Add an audit entry to the caller's transaction, so it is kept exactly when the action is.

    Every text may come from a form or a file: it is bounded here (see the module), for every caller.
    """
    columns = AuditLog.__table__.c
    session.add(
        AuditLog(
            action=fit_to_column(action, columns.action),
            actor=fit_to_column(actor, columns.actor),
            remote_addr=fit_to_column(remote_addr, columns.remote_addr),
            detail=detail_json(detail),
        )
    )
