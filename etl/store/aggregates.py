"""A round's stored aggregates (`round_aggregates`): computed once when its data changes, read by every report.

The counts are exactly what a GROUP BY over the current assessments gives per round × municipality × level ×
group (points without a level under level ''), joined to the framework's points and the status scale's
`implemented` flag. Only the ETL writes them, in the transaction that changes what they count:

- an accepted return (`etl.ingest.load.load_accepted`): its round, its municipalities;
- a withdrawal (`etl.ingest.withdraw`): that round and municipality;
- a framework or status-scale load that changes a point's level or group or a status's `implemented` flag
  (`etl.reference.geography.load_reference`): every round;
- `raak db refresh-aggregates` for a database whose aggregates someone doubts, and migrations 0006 and 0007,
  which fill them for the rounds already there.

Beside them, `round_totals` holds per round × municipality the sums of those rows (what the history of every
earlier round needs), written by the same `refresh`.

Population and the region division are not in these counts (weights and the regions a municipality counts
towards are applied when a report reads them), so loading them changes no stored aggregate.

`round_coverage` holds what those counts, the weights and the division give per round × region: a report writes
it when it first computes a round (`store_coverage`), and it is read only while the round's data serial is the
one it was computed at. Every change to what it depends on adds a `round_changes` row in its own transaction,
which raises the serial (`mark_changed`): a write of the counts above, a round's weighting, a reference load that
changes what `coverage_inputs` reads (every round). So an upload makes one round's coverage stale, and a report
over hundreds of rounds computes that one round, not all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Engine, Table, and_, case, delete, func, insert, literal, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from etl.store import models as m
from etl.store.audit import record
from etl.store.bulk import insert_rows

NO_LEVEL = ""  # level_code of points outside the care continuum (as dashboard.analytics.metrics.NO_LEVEL)
AGGREGATES = cast(Table, m.RoundAggregate.__table__)
TOTALS = cast(Table, m.RoundTotal.__table__)  # per round × municipality: the sums of its aggregates
COVERAGE = cast(Table, m.RoundCoverage.__table__)  # per round, valid at the round's data serial
CHANGES = cast(Table, m.RoundChange.__table__)  # insert-only: what makes a round's stored coverage stale
COUNT_COLUMNS = ("n_points", "n_not_applicable", "n_implemented")
TOTAL_COLUMNS = ("round_id", "municipality_code", *COUNT_COLUMNS)
REFRESH_ACTION = "aggregates.refresh"
KEY_COLUMNS = ("round_id", "municipality_code", "level_code", "group_code")
LOCKED_ROUNDS_KEY = "raak_locked_rounds"  # Session.info: (transaction, the rounds it holds `FOR UPDATE`)

log = logging.getLogger(__name__)


def counts_query(round_ids: Collection[int] | None = None, municipality_codes: Collection[str] | None = None) -> Any:
    """The GROUP BY over current assessments that the stored rows hold (columns KEY_COLUMNS + COUNT_COLUMNS)."""
    A, P, S = m.Assessment, m.Point, m.StatusLevel
    level = func.coalesce(P.level_code, literal(NO_LEVEL))
    stmt = (
        select(
            A.round_id,
            A.municipality_code,
            level.label("level_code"),
            P.group.label("group_code"),
            func.count().label("n_points"),
            func.sum(case((A.not_applicable, 1), else_=0)).label("n_not_applicable"),
            func.sum(case((S.implemented, 1), else_=0)).label("n_implemented"),
        )
        .join(P, and_(P.framework_version == A.framework_version, P.number == A.point_number))
        .outerjoin(S, S.value == A.status)
        .where(A.is_current)
        .group_by(A.round_id, A.municipality_code, P.level_code, P.group)
    )
    if round_ids is not None:
        stmt = stmt.where(A.round_id.in_(list(round_ids)))
    if municipality_codes is not None:
        stmt = stmt.where(A.municipality_code.in_(list(municipality_codes)))
    return stmt


def lock_rounds(session: Session, round_ids: Collection[int] | None) -> None:
    """One writer per round at a time: `SELECT … FOR UPDATE` of the rounds (None: all) on PostgreSQL (SQLite
    has one writer). Rounds this transaction locked already are not asked for again (a round trip per file)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    held = _locked_rounds(session)
    if round_ids is not None and held.issuperset(round_ids):
        return
    lock = select(m.Round.id).order_by(m.Round.id).with_for_update()
    if round_ids is None:
        note_locked(session, set(session.scalars(lock)))
    else:
        session.execute(lock.where(m.Round.id.in_(list(round_ids))))
        note_locked(session, round_ids)


def note_locked(session: Session, round_ids: Collection[int]) -> None:
    """Record rounds the caller locked `FOR UPDATE` itself in this transaction (PostgreSQL), so that
    :func:`lock_rounds` does not ask for them again."""
    if session.get_bind().dialect.name == "postgresql":
        session.info[LOCKED_ROUNDS_KEY] = (session.get_transaction(), _locked_rounds(session) | set(round_ids))


def _locked_rounds(session: Session) -> frozenset[int]:
    """The rounds :func:`lock_rounds` locked in the session's current transaction (a lock ends with it)."""
    transaction, held = session.info.get(LOCKED_ROUNDS_KEY, (None, frozenset()))
    current = session.get_transaction()
    return frozenset(held) if current is not None and transaction is current else frozenset()


def mark_changed(session: Session, round_ids: Collection[int] | None = None) -> None:
    """Record a change to what the coverage of `round_ids` (None: every round) is computed from, in the caller's
    transaction: their stored coverage is stale from the moment the change commits, and never read again. An
    INSERT, not an UPDATE of the rounds, which every ingest's foreign-key checks lock."""
    ids: list[int | None] = [None] if round_ids is None else [*sorted(set(round_ids))]
    session.execute(insert(CHANGES), [{"round_id": round_id} for round_id in ids])


def store_coverage(engine: Engine, weighting: str, rows: list[tuple[int, int, str]]) -> None:
    """Keep rounds' coverage for `weighting` ('' = each round's own): (round id, the data serial it was computed
    at, its regions as `round_coverage.regions` holds them), replacing what those rounds held, in a transaction of
    its own. Only an optimisation for later reports: when it cannot be stored now (another writer holds the
    database, a concurrent report stored the same rounds) that is logged and a later report computes it again."""
    if not rows:
        return
    round_ids = sorted({round_id for round_id, _, _ in rows})
    try:
        with Session(engine) as session, session.begin():
            session.execute(
                delete(COVERAGE).where(COVERAGE.c.weighting == weighting, COVERAGE.c.round_id.in_(round_ids))
            )
            session.execute(
                insert(COVERAGE),
                [
                    {"round_id": round_id, "weighting": weighting, "data_serial": serial, "regions": regions}
                    for round_id, serial, regions in rows
                ],
            )
    except SQLAlchemyError:
        log.info("round coverage not stored this time; a later report computes it again", exc_info=True)


def _delete_stored(
    session: Session, round_ids: Collection[int] | None, municipality_codes: Collection[str] | None
) -> None:
    """Lock the rounds (see `lock_rounds`) and delete their stored aggregates and totals (None: every round; only
    of `municipality_codes` if given), before they are written anew."""
    lock_rounds(session, round_ids)
    for table in (AGGREGATES, TOTALS):
        stmt = delete(table)
        if round_ids is not None:
            stmt = stmt.where(table.c.round_id.in_(list(round_ids)))
        if municipality_codes is not None:
            stmt = stmt.where(table.c.municipality_code.in_(list(municipality_codes)))
        session.execute(stmt)


def refresh(
    session: Session, round_ids: Collection[int] | None = None, municipality_codes: Collection[str] | None = None
) -> None:
    """Recompute the stored aggregates of `round_ids` (None: every round), only of `municipality_codes` if given,
    in the caller's transaction: a failed change rolls them back with the data."""
    if round_ids is not None and not round_ids:
        return
    if municipality_codes is not None and not municipality_codes:
        return
    session.flush()  # the assessments the caller changed through the ORM must be visible to the INSERT … SELECT
    _delete_stored(session, round_ids, municipality_codes)
    mark_changed(session, round_ids)
    session.execute(
        insert(AGGREGATES).from_select([*KEY_COLUMNS, *COUNT_COLUMNS], counts_query(round_ids, municipality_codes))
    )
    session.execute(insert(TOTALS).from_select(list(TOTAL_COLUMNS), totals_query(round_ids, municipality_codes)))


def totals_query(round_ids: Collection[int] | None = None, municipality_codes: Collection[str] | None = None) -> Any:
    """Per round × municipality the sums of the stored aggregates (columns round_id, municipality_code +
    COUNT_COLUMNS): what `round_totals` holds."""
    G = AGGREGATES.c
    stmt = select(G.round_id, G.municipality_code, *(func.sum(G[c]).label(c) for c in COUNT_COLUMNS)).group_by(
        G.round_id, G.municipality_code
    )
    if round_ids is not None:
        stmt = stmt.where(G.round_id.in_(list(round_ids)))
    if municipality_codes is not None:
        stmt = stmt.where(G.municipality_code.in_(list(municipality_codes)))
    return stmt


@dataclass(frozen=True)
class CountingRules:
    """What a count needs besides the assessments, for one framework version: each point's (level code, '' when
    none; group) and the statuses that count as implemented (see :func:`counting_rules`)."""

    points: Mapping[int, tuple[str, str]]
    implemented: frozenset[int]


def store_counts(
    session: Session,
    round_id: int,
    municipality_codes: Collection[str],
    current: Iterable[tuple[str, int, int | None, bool]],
    rules: CountingRules,
    *,
    replace: bool = True,
) -> None:
    """Replace the stored aggregates of `round_id` × `municipality_codes` by the counts of `current`, which must
    be every current assessment of those municipalities in that round as (municipality, point number, status,
    n.v.t.): what the loader has just written. The numbers `refresh` would compute, without its GROUP BY query
    over the rows just inserted (a large part of an ingest's time on PostgreSQL).

    `replace=False`: the caller knows these municipalities had no current assessment before (so, as every writer
    keeps the stored counts equal to the current assessments, no stored row): nothing is deleted first, and a
    stored row there after all fails the insert on its primary key rather than being silently kept."""
    if not municipality_codes:
        return
    counts: dict[tuple[str, str, str], list[int]] = {}
    for code, number, status, not_applicable in current:
        level, group = rules.points[number]
        row = counts.setdefault((code, level, group), [0, 0, 0])
        row[0] += 1
        row[1] += bool(not_applicable)
        row[2] += status in rules.implemented
    totals: dict[str, list[int]] = {}
    for (code, _level, _group), numbers in counts.items():
        total = totals.setdefault(code, [0, 0, 0])
        for index, number in enumerate(numbers):
            total[index] += number
    if replace:
        _delete_stored(session, [round_id], municipality_codes)
    else:
        lock_rounds(session, [round_id])
    mark_changed(session, [round_id])
    insert_rows(
        session,
        AGGREGATES,
        (*KEY_COLUMNS, *COUNT_COLUMNS),
        [(round_id, *group_key, *numbers) for group_key, numbers in counts.items()],
    )
    insert_rows(
        session,
        TOTALS,
        TOTAL_COLUMNS,
        [(round_id, code, *numbers) for code, numbers in totals.items()],
    )


def refresh_round(session: Session, round_id: int, municipality_codes: Collection[str] | None = None) -> None:
    """Recompute one round's stored aggregates (only of `municipality_codes` if given)."""
    refresh(session, [round_id], municipality_codes)


def refresh_all(session: Session, *, actor: str | None = None, reason: str = "command") -> int:
    """Recompute the stored aggregates of every round, audited (which also tells cached reports to recompute);
    the number of rows stored."""
    refresh(session)
    record(session, REFRESH_ACTION, actor=actor, detail={"reason": reason})
    return session.scalar(select(func.count()).select_from(AGGREGATES)) or 0


def counting_rules(session: Session) -> tuple[frozenset[tuple[str, int, str | None, str]], frozenset[int]]:
    """What the counts depend on besides the assessments: each point's level and group, the implemented statuses.

    Compared before and after a reference load to decide whether every round needs recomputing.
    """
    P, S = m.Point, m.StatusLevel
    points = frozenset(
        (row.framework_version, row.number, row.level_code, row.group)
        for row in session.execute(select(P.framework_version, P.number, P.level_code, P.group))
    )
    implemented = frozenset(session.scalars(select(S.value).where(S.implemented)))
    return points, implemented


def coverage_inputs(session: Session) -> frozenset[tuple[Any, ...]]:
    """What stored coverage depends on besides the counts and a round's weighting: the divisions (which
    municipalities a round expects, in which region), the municipal changes and the population (the weights).

    Compared before and after a reference load, which records a change to every round only when they differ (a
    load that changes nothing changes nothing)."""
    tables = (m.MunicipalityDivision, m.MunicipalChange, m.Population)
    return frozenset(
        (model.__tablename__, *row) for model in tables for row in session.execute(select(model.__table__))
    )


def refresh_if_rules_changed(
    session: Session, before: tuple[frozenset[tuple[str, int, str | None, str]], frozenset[int]], *, actor: str | None
) -> bool:
    """After a framework or status-scale load: recompute every round when `counting_rules` changed and there are
    assessments to count (a first load into an empty database records nothing). Whether it recomputed."""
    if counting_rules(session) == before or session.scalar(select(m.Assessment.id).limit(1)) is None:
        return False
    refresh_all(session, actor=actor, reason="framework")
    return True
