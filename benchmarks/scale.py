"""Deterministic scale generator: a database with 4 × `scale` rounds of returns from all 418 municipalities.

    python -m benchmarks.scale --scale 10 [--database-url URL] [--seed 13]

1x = 4 rounds × 418 municipalities × 35 points (58,520 assessments), 10x = 40 rounds, 100x = 400 rounds
(5.85 M assessments). Every round gets one return per region, loaded through the ETL's own load function
(`etl.ingest.load.load_accepted`, the step after validation: upload row, one submission per municipality, assessments by
the bulk path, superseding, an audit entry), one transaction per region return as `raak ingest` does. What is
skipped is reading and validating a workbook: the generator builds the validated returns directly, so no original
file is stored (`stored_path` names where it would be) and no `status_decreased` warnings are recorded.
The same scale and seed always give the same statuses.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

if not __package__:  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

ROUNDS_PER_SCALE = 4
FIRST_YEAR = 2000
QUARTERS = ((3, 31), (6, 30), (9, 30), (12, 31))
NOT_APPLICABLE_SHARE = 0.05
COMMENT_SHARE = 0.1
STATUS_MAX = 4
ACTOR = "benchmark-scale"
DEFAULT_SEED = 13


@dataclass(frozen=True)
class Generated:
    scale: int
    rounds: int
    returns: int
    assessments: int
    seconds: float


def round_plan(scale: int) -> list[tuple[str, date]]:
    """(label, reference date) of every round: quarters from 2000 on (`2000-Q1` …), oldest first."""
    plan = []
    for index in range(ROUNDS_PER_SCALE * scale):
        year, quarter = FIRST_YEAR + index // len(QUARTERS), index % len(QUARTERS)
        month, day = QUARTERS[quarter]
        plan.append((f"{year}-Q{quarter + 1}", date(year, month, day)))
    return plan


def _status(rng: random.Random, progress: float) -> tuple[int | None, bool]:
    """A status drifting upwards with the round's place in the series; some points not applicable."""
    if rng.random() < NOT_APPLICABLE_SHARE:
        return None, True
    centre = progress * STATUS_MAX
    return max(0, min(STATUS_MAX, round(rng.gauss(centre, 1.0)))), False


def _municipalities_by_region(session: Session, division_year: int) -> dict[str, list[str]]:
    from etl.store import models as m

    rows = session.execute(
        select(m.Municipality.region_code, m.Municipality.code)
        .join(m.MunicipalityDivision, m.MunicipalityDivision.municipality_code == m.Municipality.code)
        .where(m.MunicipalityDivision.year == division_year, m.Municipality.region_code.is_not(None))
        .order_by(m.Municipality.region_code, m.Municipality.code)
    )
    result: dict[str, list[str]] = {}
    for region, code in rows:
        result.setdefault(region, []).append(code)
    return result


def prepare_reference(engine: Engine) -> None:
    """Schema and reference data (the start of every scale)."""
    from etl.reference.geography import load_reference
    from etl.store.db import session_scope
    from etl.store.migrate import upgrade

    upgrade(engine)
    with session_scope(engine) as session:
        load_reference(session)


def fill(engine: Engine, scale: int, seed: int = DEFAULT_SEED) -> Generated:
    """Add the rounds of `scale` and every region's return for each (on a database with reference data only)."""
    from etl.admin.rounds import add_round
    from etl.ingest.load import load_accepted
    from etl.ingest.validate import MunicipalityReturn, PointValue, Validation
    from etl.reference.geography import current_division_year
    from etl.store import models as m
    from etl.store.db import session_scope
    from etl.store.storage import relative_path
    from etl.workbook.layout import framework_versions

    started = time.perf_counter()
    plan = round_plan(scale)
    division = current_division_year()
    with session_scope(engine) as session:
        version = framework_versions(session)[-1]
        points = list(session.scalars(select(m.Point.number).where(m.Point.framework_version == version)))
        regions = _municipalities_by_region(session, division)
        for label, reference in plan:
            add_round(session, label, reference, division_year=division, actor=ACTOR)
    returns = 0
    for index, (label, _) in enumerate(plan):
        progress = index / max(1, len(plan) - 1)
        for region, codes in regions.items():
            rng = random.Random(f"{seed}:{label}:{region}")  # str seeds hash the same in every process
            municipality_returns = []
            for code in codes:
                values = []
                for number in sorted(points):
                    status, not_applicable = _status(rng, progress)
                    comment = f"toelichting {label} {code} {number}" if rng.random() < COMMENT_SHARE else None
                    values.append(PointValue(number, status, not_applicable, comment, f"C{number + 1}"))
                municipality_returns.append(MunicipalityReturn(code, code, tuple(values)))
            sha = hashlib.sha256(f"{seed}:{label}:{region}".encode()).hexdigest()
            with session_scope(engine) as session:
                rnd = session.scalar(select(m.Round).where(m.Round.label == label))
                validation = Validation(rnd, region, version, None, municipality_returns, [])
                load_accepted(
                    session,
                    validation,
                    file=f"raak_{region}_{label}.xlsx",
                    sha=sha,
                    size=0,
                    uploader=ACTOR,
                    stored_path=relative_path(sha),  # where ingest would store it; no file is written
                )
            returns += 1
    with session_scope(engine) as session:
        assessments = session.scalar(select(func.count()).select_from(m.Assessment)) or 0
    return Generated(scale, len(plan), returns, assessments, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    from etl.store.db import make_engine

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="1, 10 or 100 (4 rounds per unit).")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--database-url", required=True, help="An empty database to fill (sqlite:///… or postgresql…).")
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url)
    prepare_reference(engine)
    generated = fill(engine, args.scale, args.seed)
    engine.dispose()
    print(
        f"{generated.scale}x: {generated.rounds} rounds, {generated.returns} region returns, "
        f"{generated.assessments:,} assessments in {generated.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
