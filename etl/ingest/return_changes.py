"""What an accepted upload changed, per municipality: against the return it replaced in the same round, or (for a
first return in the round) against the municipality's return in the previous round, so a copied return stands out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from etl.store import models as m
from etl.store.db import session_scope

ChangeKind = Literal["replaced", "new"]
Answers = dict[int, tuple[int | None, bool]]


@dataclass(frozen=True)
class ReturnChange:
    """One municipality of an upload: `kind` replaced (a return in this round existed) or new; `changed` points
    differ from `compared_with` (the replaced return, or round `previous_round`'s; None: nothing to compare)."""

    municipality_code: str
    municipality_name: str
    kind: ChangeKind
    n_points: int
    changed: int | None
    previous_round: str | None = None

    @property
    def copied(self) -> bool:
        """A new return identical to the previous round's: possibly a prefilled template sent unchanged."""
        return self.kind == "new" and self.changed == 0


def _answers(session: Session, submission_id: int) -> Answers:
    rows = session.execute(
        select(m.Assessment.point_number, m.Assessment.status, m.Assessment.not_applicable).where(
            m.Assessment.submission_id == submission_id
        )
    )
    return {number: (status, na) for number, status, na in rows}


def _differences(new: Answers, old: Answers) -> int:
    return sum(1 for number in new.keys() | old.keys() if new.get(number) != old.get(number))


def upload_changes(engine: Engine, submission_ids: Sequence[int]) -> list[ReturnChange]:
    """Per submission of an accepted upload, what it changed (in municipality-code order)."""
    result = []
    with session_scope(engine) as session:
        for submission in session.scalars(select(m.Submission).where(m.Submission.id.in_(list(submission_ids)))):
            rnd = session.get_one(m.Round, submission.round_id)
            name = session.get(m.Municipality, submission.municipality_code)
            new = _answers(session, submission.id)
            replaced = session.scalar(select(m.Submission).where(m.Submission.superseded_by_id == submission.id))
            previous_round, old = None, None
            if replaced is not None:
                old = _answers(session, replaced.id)
            else:
                earlier = session.scalar(
                    select(m.Round)
                    .where(m.Round.reference_date < rnd.reference_date)
                    .order_by(m.Round.reference_date.desc())
                )
                before = earlier and session.scalar(
                    select(m.Submission).where(
                        m.Submission.round_id == earlier.id,
                        m.Submission.municipality_code == submission.municipality_code,
                        m.Submission.status == "accepted",
                    )
                )
                if earlier is not None and before:
                    previous_round, old = earlier.label, _answers(session, before.id)
            result.append(
                ReturnChange(
                    municipality_code=submission.municipality_code,
                    municipality_name=name.name if name else submission.municipality_code,
                    kind="replaced" if replaced is not None else "new",
                    n_points=len(new),
                    changed=None if old is None else _differences(new, old),
                    previous_round=previous_round,
                )
            )
    return sorted(result, key=lambda change: change.municipality_code)
