"""Withdrawing a return: NJi at any time, a region's coordinator for their own regions until the round's deadline.

Nothing is deleted. The municipality's current submission in the round is marked superseded by nothing
(`superseded_by_id` NULL: withdrawn), its assessments stop being current, so every number follows, and the audit
log records who withdrew it, when, from where and why. A later upload for the municipality is a new return.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from etl.admin.rounds import get_round
from etl.ingest.load import take_write_lock
from etl.store import models as m
from etl.store.aggregates import refresh_round
from etl.store.audit import record
from etl.store.db import session_scope
from etl.store.issues import UserError

WITHDRAW_ACTION = "return.withdraw"
MAX_REASON_CHARS = 500  # a reason is a sentence, not a document


class WithdrawError(UserError):
    """A return that cannot be withdrawn (none current, another region, past the deadline, no reason)."""


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal did: which submission of which municipality and round, and how many assessments."""

    round_label: str
    municipality_code: str
    submission_id: int
    n_assessments: int


def may_withdraw(rnd: m.Round, region_code: str | None, regions: Collection[str] | None, today: date) -> bool:
    """NJi (`regions` None) always; a coordinator for a municipality of their regions, in an open round, until the
    deadline (inclusive)."""
    if regions is None:
        return True
    in_scope = region_code is not None and region_code in {code.strip().upper() for code in regions}
    return in_scope and rnd.is_open and (rnd.deadline is None or today <= rnd.deadline)


def withdraw_return(
    engine: Engine | None,
    round_label: str,
    municipality_code: str,
    *,
    actor: str,
    reason: str,
    regions: Collection[str] | None = None,
    today: date | None = None,
    remote_addr: str | None = None,
) -> Withdrawal:
    """Withdraw the current return of `municipality_code` in `round_label`, in one transaction, audited.

    `regions` None is NJi; a coordinator passes their regions (and may then withdraw only until the deadline).
    """
    with session_scope(engine) as session:
        return _withdraw(
            session,
            round_label.strip(),
            municipality_code.strip().upper(),
            actor=actor,
            reason=reason.strip(),
            regions=regions,
            today=today or date.today(),
            remote_addr=remote_addr,
        )


def _withdraw(
    session: Session,
    round_label: str,
    code: str,
    *,
    actor: str,
    reason: str,
    regions: Collection[str] | None,
    today: date,
    remote_addr: str | None,
) -> Withdrawal:
    take_write_lock(session)
    if not reason:
        raise WithdrawError(
            "give a reason for withdrawing the return (it is kept in the audit log)",
            "geef een reden voor het intrekken van de aanlevering (die komt in het auditlog)",
        )
    rnd = get_round(session, round_label)
    municipality = session.get(m.Municipality, code)
    if municipality is None:
        raise WithdrawError(f"unknown municipality {code!r}", f"onbekende gemeente {code!r}")
    if not may_withdraw(rnd, municipality.region_code, regions, today):
        raise WithdrawError(
            f"you may not withdraw the return of {municipality.name} ({code}) in round {rnd.label}: a coordinator "
            f"withdraws returns of their own regions only, in an open round, until its deadline ({rnd.deadline}); "
            "ask NJi",
            f"u mag de aanlevering van {municipality.name} ({code}) in ronde {rnd.label} niet intrekken: een "
            f"coördinator trekt alleen aanleveringen van de eigen regio's in, in een open ronde, tot de deadline "
            f"({rnd.deadline}); vraag het NJi",
        )
    submission = session.scalar(
        select(m.Submission).where(
            m.Submission.round_id == rnd.id,
            m.Submission.municipality_code == code,
            m.Submission.status == "accepted",
        )
    )
    if submission is None:
        raise WithdrawError(
            f"{municipality.name} ({code}) has no current return in round {rnd.label}",
            f"{municipality.name} ({code}) heeft geen geldende aanlevering in ronde {rnd.label}",
        )
    n_assessments = session.scalar(
        select(func.count()).where(m.Assessment.submission_id == submission.id, m.Assessment.is_current)
    )
    session.execute(update(m.Assessment).where(m.Assessment.submission_id == submission.id).values(is_current=False))
    submission.status = "superseded"  # superseded by nothing: withdrawn
    submission.superseded_by_id = None
    refresh_round(session, rnd.id, [code])
    record(
        session,
        WITHDRAW_ACTION,
        actor=actor,
        remote_addr=remote_addr,
        detail={
            "round": rnd.label,
            "municipality": code,
            "submission_id": submission.id,
            "upload_id": submission.upload_id,
            "assessments": n_assessments,
            "reason": reason[:MAX_REASON_CHARS],
        },
    )
    return Withdrawal(rnd.label, code, submission.id, int(n_assessments or 0))
