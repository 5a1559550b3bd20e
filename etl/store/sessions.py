"""Server-side sessions: each log-in gets a row, and the signed cookie only names it.

The cookie alone is never enough: every request looks its row up, so deleting the row (log-out, or a password
reset, disabling, role or region change for the user) ends that session on every worker and every server at once.
Only a SHA-256 digest of the cookie's random token is stored, so the table cannot be turned back into cookies.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from etl.store.models import User, UserRegion, UserSession

SESSION_LIFETIME = timedelta(hours=8)  # a working day after log-in; the cookie also ends with the browser session
TOKEN_BYTES = 32


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(session: Session, user_id: int, now: datetime | None = None) -> str:
    """A new session for `user_id`, and its token for the cookie; sessions past their lifetime are swept here."""
    now = now or datetime.now(UTC)
    session.execute(delete(UserSession).where(UserSession.created_at <= now - SESSION_LIFETIME))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(UserSession(user_id=user_id, token_hash=_digest(token), created_at=now))
    session.flush()
    return token


@dataclass(frozen=True)
class SessionUser:
    """What a request knows of the user whose live session it carries."""

    id: int
    email: str
    role: str
    regions: tuple[str, ...]  # sorted region codes (a coordinator's regions)


def session_user(session: Session, user_id: int, token: str, now: datetime | None = None) -> SessionUser | None:
    """The active user whose live session `token` is, with their regions, or None (logged out, ended by a user
    change, or expired). One query: every request asks this."""
    now = now or datetime.now(UTC)
    rows = session.execute(
        select(User.id, User.email, User.role, UserRegion.region_code)
        .join(UserSession, UserSession.user_id == User.id)
        .outerjoin(UserRegion, UserRegion.user_id == User.id)
        .where(
            User.id == user_id,
            User.is_active.is_(True),
            UserSession.token_hash == _digest(token),
            UserSession.created_at > now - SESSION_LIFETIME,
        )
        .order_by(UserRegion.region_code)
    ).all()
    if not rows:
        return None
    regions = tuple(row.region_code for row in rows if row.region_code is not None)
    return SessionUser(rows[0].id, rows[0].email, rows[0].role, regions)


def end_session(session: Session, token: str) -> None:
    """Log-out: end this one session (the user's other browsers stay logged in)."""
    session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_user_sessions(session: Session, user_id: int) -> None:
    """End every session of a user: their password, access or scope changed."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))
