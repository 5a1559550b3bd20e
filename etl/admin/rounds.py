"""Reporting rounds: open a round for returns, set its deadline, close it.

The functions taking a session work inside the caller's transaction (the CLI's); `toggle_round`, `change_deadline`
and `create_round` are each one transaction of their own, for the web page, with the client's address in the audit.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from etl.reference.geography import division_year_for
from etl.store.aggregates import mark_changed
from etl.store.audit import record
from etl.store.db import session_scope
from etl.store.issues import UserError
from etl.store.models import Round, column_length
from etl.store.weighting import WEIGHTINGS

MAX_LABEL_LENGTH = column_length(Round.__table__.c.label)  # what the database keeps (PostgreSQL refuses more)


class RoundError(UserError):
    """A round operation that cannot be done, with a message fit for the user."""


class RoundLabelTooLong(RoundError):
    """A round label longer than MAX_LABEL_LENGTH: refused before it reaches the database."""


def check_label_length(label: str) -> None:
    """Refuse (RoundLabelTooLong) a label the `rounds.label` column cannot hold."""
    if len(label) > MAX_LABEL_LENGTH:
        raise RoundLabelTooLong(
            f"a round label has at most {MAX_LABEL_LENGTH} characters; this one has {len(label)}",
            f"een rondenaam heeft hoogstens {MAX_LABEL_LENGTH} tekens; deze heeft er {len(label)}",
        )


def _deadline_error(deadline: date, reference_date: date) -> RoundError:
    return RoundError(
        f"deadline {deadline} lies before the reference date {reference_date}",
        f"deadline {deadline} ligt vóór de peildatum {reference_date}",
    )


def get_round(session: Session, label: str) -> Round:
    """The round with `label`, or a RoundError naming the rounds that exist."""
    found = session.scalar(select(Round).where(Round.label == label))
    if found is None:
        labels = ", ".join(session.scalars(select(Round.label).order_by(Round.reference_date)))
        known, known_nl = labels or "none", labels or "geen"
        raise RoundError(f"unknown round {label!r} (known: {known})", f"onbekende ronde {label!r} (bekend: {known_nl})")
    return found


def list_rounds(session: Session) -> list[Round]:
    """All rounds, oldest reference date first."""
    return list(session.scalars(select(Round).order_by(Round.reference_date, Round.label)))


def add_round(
    session: Session,
    label: str,
    reference_date: date,
    *,
    deadline: date | None = None,
    division_year: int | None = None,
    weighting: str | None = None,
    actor: str | None = None,
) -> Round:
    """Create an open round on the municipal division of its reference year; a label may be used once."""
    label = label.strip()
    if not label:
        raise RoundError("a round needs a label, e.g. 2009", "een ronde heeft een naam nodig, bijvoorbeeld 2009")
    check_label_length(label)
    if session.scalar(select(Round).where(Round.label == label)) is not None:
        raise RoundError(f"round {label!r} exists already", f"ronde {label!r} bestaat al")
    if deadline is not None and deadline < reference_date:
        raise _deadline_error(deadline, reference_date)
    new = Round(
        label=label,
        reference_date=reference_date,
        deadline=deadline,
        is_open=True,
        division_year=division_year or division_year_for(reference_date),
    )
    if weighting is not None:
        new.weighting = _weighting(weighting)
    session.add(new)
    session.flush()
    record(
        session,
        "round.add",
        actor=actor,
        detail={"round": label, "reference_date": reference_date, "deadline": deadline},
    )
    return new


def set_round_open(session: Session, label: str, is_open: bool, *, actor: str | None = None) -> Round:
    """Open or close a round; a closed round refuses uploads."""
    found = get_round(session, label)
    found.is_open = is_open
    record(session, "round.open" if is_open else "round.close", actor=actor, detail={"round": label})
    return found


def _weighting(value: str) -> str:
    if value not in WEIGHTINGS:
        known = ", ".join(WEIGHTINGS)
        raise RoundError(
            f"unknown weighting {value!r} (known: {known})", f"onbekende weging {value!r} (bekend: {known})"
        )
    return value


def set_weighting(session: Session, label: str, weighting: str, *, actor: str | None = None) -> Round:
    """Change how a round's region and national coverage weigh municipalities (docs/metrics.md, "Weights")."""
    found = get_round(session, label)
    found.weighting = _weighting(weighting)
    mark_changed(session, [found.id])
    record(session, "round.weighting", actor=actor, detail={"round": label, "weighting": weighting})
    return found


def set_deadline(session: Session, label: str, deadline: date | None, *, actor: str | None = None) -> Round:
    """Change a round's submission deadline."""
    found = get_round(session, label)
    if deadline is not None and deadline < found.reference_date:
        raise _deadline_error(deadline, found.reference_date)
    found.deadline = deadline
    record(session, "round.deadline", actor=actor, detail={"round": label, "deadline": deadline})
    return found


# --- one transaction each (the administration page) ----------------------------------------------------------


def toggle_round(engine: Engine, label: str, *, actor: str, remote_addr: str | None = None) -> Round:
    """Close round `label` when it is open, open it when it is closed; the round as it is now."""
    with session_scope(engine, write_first=True, remote_addr=remote_addr) as session:
        return set_round_open(session, label, not get_round(session, label).is_open, actor=actor)


def change_deadline(
    engine: Engine, label: str, deadline: date | None, *, actor: str, remote_addr: str | None = None
) -> Round:
    """`set_deadline` in a transaction of its own."""
    with session_scope(engine, write_first=True, remote_addr=remote_addr) as session:
        return set_deadline(session, label, deadline, actor=actor)


def create_round(
    engine: Engine,
    label: str,
    reference_date: date,
    *,
    deadline: date | None,
    actor: str,
    remote_addr: str | None = None,
) -> Round:
    """`add_round` in a transaction of its own."""
    with session_scope(engine, write_first=True, remote_addr=remote_addr) as session:
        return add_round(session, label, reference_date, deadline=deadline, actor=actor)
