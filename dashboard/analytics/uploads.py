"""What the upload page shows besides its jobs: the regions' names, and which municipalities (and regions) an upload
covered, as plain data read on one snapshot."""

from __future__ import annotations

from sqlalchemy import Engine, select

from dashboard.analytics.queries import regions, snapshot
from etl.store import models as m


def region_names(engine: Engine) -> dict[str, str]:
    """The current division's regions: code → name, by code."""
    with snapshot(engine) as conn:
        found = regions(conn)
    return dict(zip(found["region_code"], found["region_name"], strict=True))


def covered(engine: Engine, codes: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The names of the municipalities an upload covered (code → name) and of their regions (code → name)."""
    if not codes:
        return {}, {}
    M, R = m.Municipality, m.Region
    with snapshot(engine) as conn:
        rows = conn.execute(
            select(M.code, M.name, R.code, R.name).outerjoin(R, R.code == M.region_code).where(M.code.in_(codes))
        ).all()
    return {code: name for code, name, _, _ in rows}, {region: name for _, _, region, name in rows if region}
