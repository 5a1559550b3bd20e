"""What the administration page shows: the users (never a password hash) and the newest audit entries, as plain
data read on one snapshot."""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.analytics.queries import snapshot
from etl.admin.users import UserView
from etl.store import models as m

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def users(engine: Engine) -> list[UserView]:
    """Every user by e-mail address, with role, regions (sorted) and whether they can log in."""
    U, UR = m.User, m.UserRegion
    with snapshot(engine) as conn:
        people = conn.execute(select(U.id, U.email, U.role, U.is_active).order_by(U.email)).all()
        pairs = conn.execute(select(UR.user_id, UR.region_code).order_by(UR.region_code)).all()
    regions: dict[int, list[str]] = {}
    for user_id, code in pairs:
        regions.setdefault(user_id, []).append(code)
    return [
        UserView(email=email, role=role, regions=tuple(regions.get(user_id, [])), is_active=bool(is_active))
        for user_id, email, role, is_active in people
    ]


def detail_text(detail: object) -> str:
    """An audit entry's JSON detail as one readable line."""
    if not isinstance(detail, str) or not detail:
        return ""
    try:
        parsed = json.loads(detail)
    except ValueError:
        return detail
    return "; ".join(f"{key}: {value}" for key, value in parsed.items()) if isinstance(parsed, dict) else detail


def audit_entries(engine: Engine, limit: int) -> pd.DataFrame:
    """The newest `limit` audit entries, newest first: at (UTC, as text), actor, action, remote address and detail
    as text."""
    A = m.AuditLog
    with snapshot(engine) as conn:
        result = conn.execute(
            select(A.at, A.actor, A.action, A.remote_addr, A.detail).order_by(A.id.desc()).limit(limit)
        )
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["at"] = [pd.Timestamp(at).strftime(TIMESTAMP_FORMAT) + " UTC" for at in frame["at"]]
    frame["detail"] = frame["detail"].map(detail_text)
    return frame.fillna("")
