"""`raak demo`: a database with deterministic synthetic returns, loaded through the real ETL path, then the app.

The synthetic model (plain functions, no database) gives every region its own pace and emphasis: coverage rises
from about 10 % in 2008 to 40-95 % in 2011, some points lag nationally, prevention runs ahead of protection in some
regions and behind it in others. Every return is written as a real workbook (the region's template for the round,
`etl.templates.template.template_bytes`, with the values typed in as the file is written) and loaded with
`etl.ingest.pipeline`, so the demo exercises exactly what a coordinator's upload does. `raak demo` also makes one
user of each role (new passwords, printed, each time it starts) and signs sessions with a random key kept in the
instance folder.
"""

from __future__ import annotations

import ipaddress
import math
import multiprocessing
import os
import random
import secrets
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, inspect, make_url, select
from sqlalchemy.orm import Session

from dashboard.analytics.queries import DEMO_ACTION, is_demo_database
from dashboard.demo import DEFAULT_SEED
from etl.admin.rounds import add_round, set_round_open
from etl.admin.users import add_user, generate_password, reset_password
from etl.ingest.pipeline import ingest
from etl.ingest.validate import ReferenceCache
from etl.reference.divisions import Change, crosswalk, main_successor
from etl.reference.geography import load_reference
from etl.store import models as m
from etl.store.audit import record
from etl.store.config import get_settings
from etl.store.db import engine_for, make_engine, session_scope
from etl.store.issues import UserError
from etl.store.migrate import upgrade
from etl.templates.template import TemplateContext, template_bytes
from etl.workbook.layout import framework_versions

WRITER_CHUNK = 4  # returns the writing process hands over at a time
LOOPBACK_NAMES = ("localhost",)  # names that always mean this computer; addresses are checked with `ipaddress`
DEMO_UPLOADER = "demo"
SECRET_KEY_FILE = "secret_key"  # in the instance folder, readable by its owner only
SECRET_KEY_FILE_MODE = 0o600
SECRET_KEY_BYTES = 32
DEMO_USERS = (("nji@demo.raak", "nji"), ("coordinator@demo.raak", "coordinator"), ("steering@demo.raak", "steering"))

# --- the synthetic model ------------------------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 2008, 2011
START_COVERAGE = (0.06, 0.14)  # share of points implemented in the first round, per region
END_COVERAGE = (0.50, 0.97)  # ... and in the last round
PACE_SHAPE = (0.7, 1.6)  # < 1: early movers, > 1: late movers
PILOT_REGIONS = 3  # RAAK started in pilot regions (proefregio's): they start higher and finish near 100 %
PILOT_START, PILOT_END, PILOT_SHAPE = (0.26, 0.34), (0.96, 1.0), (0.5, 0.8)
EMPHASIS_LOGIT = 0.9  # how far prevention runs ahead of (or behind) protection, on the logit scale
LAGGING_LOGIT = -1.6  # how far the nationally lagging points trail
LAGGING_LEVELS = ("c",)  # indicated prevention lags nationally ...
LAGGING_TITLE_WORDS = ("post-mortem",)  # ... and so does the post-mortem protocol ...
EXTRA_LAGGING_POINTS = 2  # ... plus a few points drawn by the seed
MUNICIPALITY_SPREAD = 0.6  # standard deviation of a municipality's own offset (logit)
EMBEDDED_STEP, PARTLY_STEP, PREPARATION_STEP = 1.5, 1.2, 2.4  # logit distances between the status thresholds
REGRESSION_CHANCE = 0.015  # a point slipping back one status since the previous round
NOT_APPLICABLE_CHANCE = 0.012
COMMENT_CHANCE = 0.04
MISSING_SHARE = {2008: 0.22, 2009: 0.12, 2010: 0.06, 2011: 0.10}  # municipalities without a return
REGIONS_NOT_YET_IN_OPEN_ROUND = 3  # regions that have not sent anything in the open round
NOT_APPLICABLE_TEXT = "n.v.t."
INVALID_STATUS_TEXT = "ja"
PROTECTION_GROUPS = ("protection",)
PREVENTION_GROUPS = ("prevention",)

COMMENTS_NL: dict[int | str, tuple[str, ...]] = {
    0: ("Nog geen budget beschikbaar.", "Gepland voor volgend jaar.", "Geen capaciteit bij de GGD."),
    1: ("Werkgroep gestart.", "Plan van aanpak in concept.", "Afspraken met partners in voorbereiding."),
    2: ("Pilot in twee wijken.", "Loopt via het CJG; bereik < 50% van de doelgroep.", "Deels ingevoerd."),
    3: ("Opgenomen in het regionale convenant.", "Ingevoerd; evaluatie volgt.", "Werkt via het CJG."),
    4: ("Structureel gefinancierd.", "Geborgd in het beleidsplan jeugd.", "Vast onderdeel van de werkwijze."),
    NOT_APPLICABLE_TEXT: ("Geen voorziening van dit type in de gemeente.",),
}


@dataclass(frozen=True)
class DemoRound:
    """A reporting round the demo opens: reference date 31 December, deadline 1 February of the next year."""

    label: str
    reference_date: date
    deadline: date
    stays_open: bool


def demo_rounds() -> list[DemoRound]:
    """Rounds 2008-2011; only the last stays open after loading."""
    return [
        DemoRound(str(year), date(year, 12, 31), date(year + 1, 2, 1), stays_open=year == LAST_YEAR)
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
    ]


@dataclass(frozen=True)
class PointInfo:
    """What the model needs to know about a RAAK point."""

    number: int
    level: str | None
    group: str
    title_en: str


@dataclass(frozen=True)
class RegionProfile:
    """A region's pace and emphasis: implemented share from `start` to `end`, bent by `shape`; `emphasis` > 0
    puts prevention ahead of protection, < 0 the reverse."""

    start: float
    end: float
    shape: float
    emphasis: float

    def share(self, progress: float) -> float:
        """Expected implemented share at `progress` (0 = first round, 1 = last round)."""
        return self.start + (self.end - self.start) * progress**self.shape


Value = int | str | None


@dataclass
class DemoReturn:
    """One workbook the demo uploads: its values and comments per municipality, and why it exists."""

    region_code: str
    round_label: str
    values: dict[str, dict[int, Value]]
    comments: dict[str, dict[int, str]] = field(default_factory=dict)
    purpose: str = "return"  # return | rejected_invalid_status | rejected_missing_point | first_version

    @property
    def filename(self) -> str:
        suffix = "" if self.purpose == "return" else f"_{self.purpose}"
        return f"raak_{self.region_code}_{self.round_label}{suffix}.xlsx"


def _rng(seed: int, *parts: object) -> random.Random:
    """An independent, reproducible random stream for one part of the model."""
    return random.Random(":".join(str(part) for part in (seed, *parts)))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def region_profiles(region_codes: Iterable[str], seed: int) -> dict[str, RegionProfile]:
    """Each region's pace and emphasis, drawn from the seed; a few pilot regions run ahead of the rest."""
    codes = sorted(region_codes)
    pilots = set(_rng(seed, "pilots").sample(codes, min(PILOT_REGIONS, len(codes))))
    profiles = {}
    for code in codes:
        rng = _rng(seed, "region", code)
        start, end, shape = (
            (PILOT_START, PILOT_END, PILOT_SHAPE) if code in pilots else (START_COVERAGE, END_COVERAGE, PACE_SHAPE)
        )
        profiles[code] = RegionProfile(
            start=rng.uniform(*start), end=rng.uniform(*end), shape=rng.uniform(*shape), emphasis=rng.uniform(-1, 1)
        )
    return profiles


def lagging_points(points: Sequence[PointInfo], seed: int) -> set[int]:
    """The points that trail nationally: indicated prevention, the post-mortem protocol and a few drawn ones."""
    chosen = {
        p.number
        for p in points
        if p.level in LAGGING_LEVELS or any(word in p.title_en.lower() for word in LAGGING_TITLE_WORDS)
    }
    others = sorted(p.number for p in points if p.number not in chosen)
    chosen.update(_rng(seed, "lagging").sample(others, min(EXTRA_LAGGING_POINTS, len(others))))
    return chosen


def _status(z: float, u: float) -> int:
    """Status 0-4 for latent progress `z` and the cell's fixed draw `u`: monotone in `z`."""
    if u < _sigmoid(z - EMBEDDED_STEP):
        return 4
    if u < _sigmoid(z):
        return 3
    if u < _sigmoid(z + PARTLY_STEP):
        return 2
    if u < _sigmoid(z + PREPARATION_STEP):
        return 1
    return 0


def synthetic_statuses(
    seed: int,
    rounds: Sequence[str],
    municipalities_by_region: Mapping[str, Sequence[str]],
    points: Sequence[PointInfo],
) -> dict[str, dict[str, dict[int, int | str]]]:
    """Status (0-4 or n.v.t.) of every municipality on every point in every round: round → municipality → point.

    A cell keeps one random draw across rounds and its region's progress only grows, so statuses mostly rise;
    a small chance lets a point slip back one step, as real returns do.
    """
    profiles = region_profiles(municipalities_by_region, seed)
    lagging = lagging_points(points, seed)
    steps = max(len(rounds) - 1, 1)
    result: dict[str, dict[str, dict[int, int | str]]] = {label: {} for label in rounds}
    for region, municipalities in sorted(municipalities_by_region.items()):
        profile = profiles[region]
        for municipality in sorted(municipalities):
            rng = _rng(seed, "municipality", municipality)
            offset = rng.gauss(0, MUNICIPALITY_SPREAD)
            draws = {p.number: rng.random() for p in points}
            not_applicable = {p.number for p in points if rng.random() < NOT_APPLICABLE_CHANCE}
            for index, label in enumerate(rounds):
                base = _logit(profile.share(index / steps)) + offset
                row: dict[int, int | str] = {}
                for p in points:
                    if p.number in not_applicable:
                        row[p.number] = NOT_APPLICABLE_TEXT
                        continue
                    tilt = 1 if p.group in PREVENTION_GROUPS else -1 if p.group in PROTECTION_GROUPS else 0
                    z = base + tilt * profile.emphasis * EMPHASIS_LOGIT + (LAGGING_LOGIT if p.number in lagging else 0)
                    status = _status(z, draws[p.number])
                    if index and status and rng.random() < REGRESSION_CHANCE:
                        status -= 1
                    row[p.number] = status
                result[label][municipality] = row
    return result


def synthetic_comments(
    seed: int, statuses: Mapping[str, Mapping[str, Mapping[int, int | str]]]
) -> dict[str, dict[str, dict[int, str]]]:
    """A few typed comments per return, fitting the status they accompany: round → municipality → point."""
    comments: dict[str, dict[str, dict[int, str]]] = {}
    for label, by_municipality in statuses.items():
        for municipality, row in sorted(by_municipality.items()):
            rng = _rng(seed, "comments", label, municipality)
            for point, status in sorted(row.items()):
                if rng.random() < COMMENT_CHANCE:
                    comments.setdefault(label, {}).setdefault(municipality, {})[point] = rng.choice(COMMENTS_NL[status])
    return comments


def demo_returns(
    seed: int,
    rounds: Sequence[DemoRound],
    municipalities_by_region: Mapping[str, Sequence[str]],
    points: Sequence[PointInfo],
    divisions: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> list[DemoReturn]:
    """Every workbook the demo uploads, in upload order.

    `municipalities_by_region` sets each municipality's pace (its region's profile); `divisions` gives, per round,
    the regions and municipalities of that round's own division (default: `municipalities_by_region` for all).
    Most regions send one return per round, leaving a share of municipalities blank. A few send a file that is
    rejected (an invalid status, a missing point) and then the corrected file; one sends a first version that a
    complete file supersedes; in the open round some regions have sent nothing yet and one only a rejected file.
    """
    labels = [r.label for r in rounds]
    divisions = divisions or {label: municipalities_by_region for label in labels}
    statuses = synthetic_statuses(seed, labels, municipalities_by_region, points)
    comments = synthetic_comments(seed, statuses)
    rng = _rng(seed, "returns")
    open_round = next((r.label for r in rounds if r.stays_open), labels[-1])
    open_regions = sorted(divisions[open_round])
    silent = set(rng.sample(open_regions, min(REGIONS_NOT_YET_IN_OPEN_ROUND + 1, len(open_regions))))
    only_rejected = sorted(silent)[0]
    mistakes = ("rejected_invalid_status", "rejected_missing_point")
    corrected = {}
    for mistake in mistakes:
        label = rng.choice(labels[:-1] or labels)
        corrected[rng.choice(sorted(divisions[label])), label] = mistake
    second = labels[min(1, len(labels) - 1)]
    several = sorted(region for region, codes in divisions[second].items() if len(codes) > 1)
    resubmitted = (rng.choice(several or sorted(divisions[second])), second)

    returns: list[DemoReturn] = []
    for label in labels:
        missing_share = MISSING_SHARE.get(int(label), 0.1) if label.isdigit() else 0.1
        for region in sorted(divisions[label]):
            pick = _rng(seed, "missing", label, region)
            reporting = [code for code in sorted(divisions[label][region]) if pick.random() >= missing_share]
            values: dict[str, dict[int, Value]] = {code: dict(statuses[label][code]) for code in reporting}
            notes = {code: comments.get(label, {}).get(code, {}) for code in reporting}
            notes = {code: by_point for code, by_point in notes.items() if by_point}
            full = DemoReturn(region, label, values, notes)
            if not values:  # every municipality left blank: the region sent nothing
                continue
            if label == open_round and region in silent:
                if region == only_rejected:
                    returns.append(_broken(full, "rejected_invalid_status", pick))
                continue
            if (region, label) in corrected:
                returns.append(_broken(full, corrected[region, label], pick))
            if (region, label) == resubmitted and len(values) > 1:
                first = dict(list(values.items())[: len(values) // 2])
                returns.append(DemoReturn(region, label, first, notes, purpose="first_version"))
            returns.append(full)
    return returns


def _broken(full: DemoReturn, purpose: str, rng: random.Random) -> DemoReturn:
    """A copy of `full` with one mistake a coordinator makes: a word instead of a status, or a blank point."""
    values = {code: dict(row) for code, row in full.values.items()}
    municipality = rng.choice(sorted(values))
    point = rng.choice(sorted(values[municipality]))
    values[municipality][point] = INVALID_STATUS_TEXT if purpose == "rejected_invalid_status" else None
    return DemoReturn(full.region_code, full.round_label, values, full.comments, purpose=purpose)


# --- loading through the real ETL path -----------------------------------------------------------------------


class DemoError(UserError):
    """The demo cannot run here (another database configured) or a synthetic return did not load as planned."""


@dataclass(frozen=True)
class DemoSummary:
    """What `load_demo` uploaded, for the command's closing line and the tests."""

    seed: int
    rounds: tuple[str, ...]
    accepted: int
    rejected: int
    municipalities_without_return: int


def has_data(engine: Engine) -> bool:
    """Whether the database holds any round or upload (a demo never loads over those); False before migrating."""
    if not inspect(engine).has_table(m.Round.__tablename__):
        return False
    with engine.connect() as conn:
        return any(conn.scalar(select(table.id).limit(1)) is not None for table in (m.Round, m.Upload))


def _municipalities_by_region(session: Session, division_year: int) -> dict[str, list[str]]:
    """The regions of one division year and their municipalities."""
    D = m.MunicipalityDivision
    rows = session.execute(
        select(D.region_code, D.municipality_code)
        .where(D.year == division_year, D.region_code.is_not(None))
        .order_by(D.municipality_code)
    )
    result: dict[str, list[str]] = {}
    for region, code in rows:
        if region is not None:  # the query asked for none
            result.setdefault(region, []).append(code)
    return result


def _paces(session: Session, divisions: Mapping[int, Mapping[str, Sequence[str]]]) -> dict[str, list[str]]:
    """Every municipality of any round under the newest region it ends up in, so a municipality keeps one pace
    across rounds and a merger's predecessors move like their successor's region."""
    newest = max(divisions)
    region_of = {code: region for region, codes in divisions[newest].items() for code in codes}
    changes = [
        Change(c.change_date, c.old_code, c.new_code, c.share) for c in session.scalars(select(m.MunicipalChange))
    ]
    result: dict[str, list[str]] = {region: [] for region in divisions[newest]}
    for year, by_region in divisions.items():
        codes = [code for codes in by_region.values() for code in codes]
        walk = crosswalk(codes, changes, year, newest)
        for code in codes:
            region = region_of[main_successor(walk[code])]
            if code not in result[region]:
                result[region].append(code)
    return result


def _points(session: Session) -> list[PointInfo]:
    version = framework_versions(session)[-1]
    rows = session.scalars(select(m.Point).where(m.Point.framework_version == version).order_by(m.Point.number))
    return [PointInfo(p.number, p.level_code, p.group, p.title_en) for p in rows]


# --- writing the returns while they are ingested ---------------------------------------------------------------

_writer: tuple[Session, TemplateContext] | None = None  # in the writing process: its own session and the context


def _write(planned: DemoReturn) -> bytes:
    """One return as its region's template with the values typed in (a template reads reference data only: no
    prefill, so it does not depend on the returns ingested before it)."""
    assert _writer is not None, "the writer was not started"
    session, context = _writer
    _, workbook = template_bytes(
        session,
        planned.region_code,
        planned.round_label,
        values=planned.values,
        comments=planned.comments,
        context=context,
    )
    session.rollback()  # end the read transaction, so the ingests can write
    return workbook


def _start_writer(url: str, inherited: Engine | None) -> None:
    """In a forked writing process: leave the parent's pooled connections alone and open a database of its own."""
    global _writer
    if inherited is not None:
        inherited.dispose(close=False)
    session = Session(make_engine(url))
    _writer = (session, TemplateContext.load(session))


@contextmanager
def _reading_copy(engine: Engine) -> Iterator[str]:
    """The URL the writer reads from. On SQLite a copy of the database as it is now: the file has one writer, and
    the writer's reads would hold up every ingest's commit. A template reads only what is already there (regions,
    rounds, divisions, the framework). Elsewhere the database itself."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "sqlite":
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="raak-demo-") as folder:
        path = Path(folder) / "reference.sqlite"
        source = engine.raw_connection()
        try:
            with closing(sqlite3.connect(path)) as target:
                source.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            source.close()
        yield f"sqlite:///{path}"


def _workbooks(engine: Engine, returns: Sequence[DemoReturn]) -> Iterator[bytes]:
    """The returns' workbooks in order: written by a forked process while this one ingests (a second core), or
    here, one before each ingest, where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        _start_writer(engine.url.render_as_string(hide_password=False), None)
        yield from map(_write, returns)
        return
    context = multiprocessing.get_context("fork")
    with (
        _reading_copy(engine) as url,
        ProcessPoolExecutor(1, mp_context=context, initializer=_start_writer, initargs=(url, engine)) as writer,
    ):
        yield from writer.map(_write, returns, chunksize=WRITER_CHUNK)


def load_demo(
    engine: Engine, *, seed: int = DEFAULT_SEED, progress: Callable[[str], None] | None = None
) -> DemoSummary:
    """Migrate, load reference data, open rounds 2008-2011 and upload every synthetic return with `etl.ingest.pipeline`.

    Returns are ingested in upload order; a file meant to be rejected that is accepted (or the reverse) stops the
    demo with a DemoError, so the demo never shows data other than planned. Rounds before the last are closed
    afterwards, as NJi does once a round's deadline has passed.
    """
    upgrade(engine)
    rounds = demo_rounds()
    with session_scope(engine) as session:
        load_reference(session)
        for planned in rounds:
            add_round(session, planned.label, planned.reference_date, deadline=planned.deadline, actor=DEMO_UPLOADER)
        record(session, DEMO_ACTION, actor=DEMO_UPLOADER, detail={"seed": seed})
        years = {
            label: year for label, year in session.execute(select(m.Round.label, m.Round.division_year))
        }  # each round on its own division: 443 municipalities in 2008, 418 in 2011
        by_year = {year: _municipalities_by_region(session, year) for year in set(years.values())}
        by_round = {planned.label: by_year[years[planned.label]] for planned in rounds}
        paces = _paces(session, by_year)
        points = _points(session)
    returns = demo_returns(seed, rounds, paces, points, by_round)
    accepted = rejected = 0
    reference = ReferenceCache()  # the reference data validation reads, read once for all the returns
    for planned_return, workbook in zip(returns, _workbooks(engine, returns), strict=True):
        outcome = ingest(
            workbook,
            planned_return.filename,
            uploader=DEMO_UPLOADER,
            engine=engine,
            annotate_rejected=False,
            reference=reference,
        )
        wanted = "rejected" if planned_return.purpose.startswith("rejected") else "accepted"
        if outcome.status != wanted:
            problems = "; ".join(issue.line() for issue in outcome.errors[:3])
            raise DemoError(f"{planned_return.filename} was {outcome.status}, expected {wanted}: {problems}")
        accepted += wanted == "accepted"
        rejected += wanted == "rejected"
        if progress:
            progress(f"{planned_return.filename}: {outcome.status}")
    with session_scope(engine) as session:
        for planned in rounds:
            if not planned.stays_open:
                set_round_open(session, planned.label, False, actor=DEMO_UPLOADER)
    delivered = {(r.round_label, code) for r in returns if not r.purpose.startswith("rejected") for code in r.values}
    total = sum(len(codes) for planned in rounds for codes in by_round[planned.label].values())
    return DemoSummary(seed, tuple(r.label for r in rounds), accepted, rejected, total - len(delivered))


# --- log-ins -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's log-in, printed once by `raak demo`."""

    email: str
    role: str
    regions: tuple[str, ...]
    password: str


def demo_region(session: Session) -> str:
    """The demo coordinator's region: the first with an accepted return in the newest open round (else the first)."""
    with_returns = (
        select(m.Upload.region_code)
        .join(m.Round, m.Round.id == m.Upload.round_id)
        .where(m.Upload.status == "accepted", m.Round.is_open, m.Upload.region_code.is_not(None))
        .order_by(m.Round.reference_date.desc(), m.Upload.region_code)
        .limit(1)
    )
    code = session.scalar(with_returns) or session.scalar(select(m.Region.code).order_by(m.Region.code).limit(1))
    if code is None:
        raise DemoError("no regions loaded; run `raak reference load`")
    return code


def demo_logins(engine: Engine) -> list[DemoLogin]:
    """One user of each role with a new generated password (created the first time, re-passworded after that)."""
    logins = []
    with session_scope(engine) as session:
        region = demo_region(session)
        existing = set(session.scalars(select(m.User.email)))
        for email, role in DEMO_USERS:
            password = generate_password()
            regions = (region,) if role == "coordinator" else ()
            if email in existing:
                reset_password(session, email, password, actor=DEMO_UPLOADER)
            else:
                add_user(session, email, role, password, regions=regions, actor=DEMO_UPLOADER)
            logins.append(DemoLogin(email, role, regions, password))
    return logins


def demo_secret_key(instance_dir: Path) -> str:
    """The demo's session key: random, made once, in a file only its owner can read."""
    path = instance_dir / SECRET_KEY_FILE
    instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_KEY_FILE_MODE)
    except FileExistsError:
        os.chmod(path, SECRET_KEY_FILE_MODE)
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        key = secrets.token_hex(SECRET_KEY_BYTES)
        handle.write(key)
    return key


# --- the command ------------------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an IPv4/IPv6 address, maybe in brackets) reaches this computer only."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_demo_host(host: str, allow_remote: bool) -> None:
    """Refuse to serve the demo beyond this computer unless asked to: it is the development server, and the
    passwords of every role are printed on the console."""
    if is_loopback(host) or allow_remote:
        return
    raise DemoError(
        f"`raak demo` runs the development server and prints every role's password, so it listens on this computer "
        f"only; --host {host} would open it to the network. Add --allow-remote if you really mean that, or use "
        "`raak serve`/gunicorn behind HTTPS",
        f"`raak demo` draait de ontwikkelserver en toont het wachtwoord van elke rol, dus luistert alleen op deze "
        f"computer; --host {host} zou hem voor het netwerk openzetten. Voeg --allow-remote toe als u dat echt wilt, "
        "of gebruik `raak serve`/gunicorn achter HTTPS",
    )


def demo_engine(reset: bool) -> Engine:
    """The instance folder's SQLite database (refusing any other DATABASE_URL); with `reset`, a fresh file."""
    settings = get_settings()
    if not settings.database_url.startswith("sqlite"):
        raise DemoError(
            "`raak demo` only writes its own SQLite database in the instance folder, and DATABASE_URL points "
            f"elsewhere ({make_url(settings.database_url).render_as_string(hide_password=True)}); unset DATABASE_URL "
            "to run the demo, or use `raak serve` for that database"
        )
    engine = engine_for(settings.database_url)
    database = make_url(settings.database_url).database
    if reset and database and database != ":memory:" and Path(database).exists():
        if has_data(engine) and not is_demo_database(engine):
            raise DemoError(
                f"{database} holds data that `raak demo` did not make; --reset will not delete it. "
                "Move the file away yourself if you mean to start over"
            )
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)
    return engine
