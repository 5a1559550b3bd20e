"""The audit trail: who did what, when and from where."""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy.orm import Session

from etl.models import AuditLog, fit_to_column


def cli_actor() -> str:
    """The actor recorded for command-line actions: the operating-system user."""
    return f"cli:{os.environ.get('USER') or os.environ.get('USERNAME') or 'unknown'}"


def record(
    session: Session,
    action: str,
    *,
    actor: str | None,
    detail: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> None:
    """Add an audit entry to the caller's transaction, so it is kept exactly when the action is.

    Actor and address may come from a form or a file: they are cut to fit their columns here, for every caller.
    """
    columns = AuditLog.__table__.c
    session.add(
        AuditLog(
            action=action,
            actor=fit_to_column(actor, columns.actor),
            remote_addr=fit_to_column(remote_addr, columns.remote_addr),
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )
