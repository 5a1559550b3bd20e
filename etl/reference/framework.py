"""The RAAK framework (groups, care-continuum levels, 35 points) and the status scale.

Both live as hand-editable YAML in the ``data_templates`` package; this module reads them into frozen pydantic
models, which check them on load (types, required fields, codes that refer to each other), and renders
``docs/framework.md`` from them, so the framework text is typed exactly once. A file that does not fit raises a
:class:`FrameworkError` naming the file, the place (``point 5``, ``levels[0]``) and the field, in English and Dutch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from etl.store.issues import UserError

DATA_TEMPLATES_DIR = Path(str(files("data_templates")))
FRAMEWORK_DIR = DATA_TEMPLATES_DIR / "framework"
DEFAULT_FRAMEWORK_VERSION = "raak-2007"
STATUS_SCALE_PATH = DATA_TEMPLATES_DIR / "status_scale.yaml"
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "framework.md"

_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
ERRORS_SHOWN = 5  # a file with many problems: the first few, then "…"


class FrameworkError(UserError, ValueError):
    """A framework or status-scale file is missing, unreadable or inconsistent."""


# --- what a broken file is told, in English and Dutch -----------------------------------------------------------

# The checks of our own: error type → (English, Dutch), filled with the error's context.
CHECKS: dict[str, tuple[str, str]] = {
    "empty_text": ("must be non-empty text, got {input}", "moet niet-lege tekst zijn, maar is {input}"),
    "colour": ("must be a colour like '#1f77b4', got {input}", "moet een kleur als '#1f77b4' zijn, maar is {input}"),
    "level_code": ("must be a level code or null, got {input}", "moet een niveaucode of null zijn, maar is {input}"),
    "duplicate": ("{what_en} {code} appears more than once", "{what_nl} {code} komt meer dan eens voor"),
    "numbering": (
        "point numbers must run 1..{count} without gaps; missing {missing}, out of range {extra}",
        "puntnummers moeten zonder gaten van 1 tot en met {count} lopen; ontbrekend {missing}, buiten bereik {extra}",
    ),
    "level_group": (
        "level {code} names group {group}, which is not one of {known}",
        "niveau {code} noemt onderdeel {group}, dat niet een van {known} is",
    ),
    "point_group": ("group {group} is not one of {known}", "onderdeel {group} is niet een van {known}"),
    "point_level": ("level {level} is not one of {known}", "niveau {level} is niet een van {known}"),
    "loose_point": (
        "a point without a level must be in a group without levels (such as 'general'), not {group}",
        "een punt zonder niveau hoort in een onderdeel zonder niveaus (zoals 'general'), niet in {group}",
    ),
    "group_mismatch": (
        "group {group} does not match group {level_group} of level {level}",
        "onderdeel {group} past niet bij onderdeel {level_group} van niveau {level}",
    ),
    "status_values": (
        "status values must be 0..{last} without gaps, got {values}",
        "statuswaarden moeten zonder gaten van 0 tot en met {last} lopen, maar zijn {values}",
    ),
    "na_key": ("key {key} is also a status key", "sleutel {key} is ook een statussleutel"),
}

# pydantic's own error types, about one field → (English, Dutch)
FIELD_ERRORS: dict[str, tuple[str, str]] = {
    "missing": ("required field {field} is missing", "verplicht veld {field} ontbreekt"),
    "string_type": ("field {field} must be text, got {input}", "veld {field} moet tekst zijn, maar is {input}"),
    "int_type": (
        "field {field} must be a whole number, got {input}",
        "veld {field} moet een geheel getal zijn, maar is {input}",
    ),
    "bool_type": (
        "field {field} must be true or false, got {input}",
        "veld {field} moet true of false zijn, maar is {input}",
    ),
    "too_short": ("field {field} must be a non-empty list", "veld {field} moet een niet-lege lijst zijn"),
    "list_type": ("field {field} must be a non-empty list", "veld {field} moet een niet-lege lijst zijn"),
    "tuple_type": ("field {field} must be a non-empty list", "veld {field} moet een niet-lege lijst zijn"),
    "model_type": (
        "expected a mapping (key: value), got {type}",
        "verwacht een mapping (sleutel: waarde), maar is {type}",
    ),
    "dict_type": (
        "expected a mapping (key: value), got {type}",
        "verwacht een mapping (sleutel: waarde), maar is {type}",
    ),
    "extra_forbidden": ("unknown field {field}", "onbekend veld {field}"),
}
HINTS = {  # a missing field whose right value is not obvious
    "level": (" (use null for a general principle)", " (gebruik null voor een algemeen uitgangspunt)"),
}


def _fail(kind: str, **context: object) -> NoReturn:
    """Raise one of our own checks (CHECKS[kind]) with `context` filled in."""
    values = {key: str(value) for key, value in context.items()}
    raise PydanticCustomError(kind, CHECKS[kind][0], values)


def _where(loc: tuple[int | str, ...], data: Any) -> tuple[str, str, str | None]:
    """(place in English, place in Dutch, field) of an error location: `point 5` (by its number when the file gives
    one), `levels[0]`, `not_applicable.aliases[1]`; the field is the location's last part when that is a name."""
    field = loc[-1] if loc and isinstance(loc[-1], str) else None
    parts_en: list[str] = []
    parts_nl: list[str] = []
    node = data
    for position, part in enumerate(loc[:-1] if field else loc):
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            number = item.get("number") if isinstance(item, dict) else None
            if loc[position - 1] == "points" and isinstance(number, int) and not isinstance(number, bool):
                parts_en[-1], parts_nl[-1] = f"point {number}", f"punt {number}"
            else:
                parts_en[-1] += f"[{part}]"
                parts_nl[-1] += f"[{part}]"
            node = item
        else:
            parts_en.append(part)
            parts_nl.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts_en), ".".join(parts_nl), field


def _describe(error: ErrorDetails, data: Any) -> tuple[str, str]:
    """One pydantic error as (English, Dutch): where, then what."""
    kind = error["type"]
    context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    where_en, where_nl, field = _where(tuple(error["loc"]), data)
    if kind in CHECKS and "at_en" in context:  # a check across fields names its own place
        where_en, where_nl = context["at_en"], context["at_nl"]
    values = {"field": repr(field), "input": repr(error.get("input")), "type": type(error.get("input")).__name__}
    if kind in CHECKS:
        en, nl = CHECKS[kind]
        message_en = en.format(**values, **context)
        message_nl = nl.format(**values, **context)
        if field and kind in ("empty_text", "colour", "level_code"):
            message_en, message_nl = f"field {field!r} {message_en}", f"veld {field!r} {message_nl}"
    elif kind in FIELD_ERRORS:
        en, nl = FIELD_ERRORS[kind]
        hint_en, hint_nl = HINTS.get(field or "", ("", "")) if kind == "missing" else ("", "")
        message_en, message_nl = en.format(**values) + hint_en, nl.format(**values) + hint_nl
    else:  # a pydantic check without a translation of its own
        message_en = message_nl = f"field {field!r}: {error['msg']}" if field else error["msg"]
    return (
        f"{where_en}: {message_en}" if where_en else message_en,
        f"{where_nl}: {message_nl}" if where_nl else message_nl,
    )


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], path: Path) -> M:
    """Read `path` as YAML and validate it as `model`; a FrameworkError names the file and every problem."""
    data = _read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        described = [_describe(error, data) for error in exc.errors()]
        more = " …" if len(described) > ERRORS_SHOWN else ""
        shown = described[:ERRORS_SHOWN]
        raise FrameworkError(
            f"{path}: " + "; ".join(en for en, _ in shown) + more,
            f"{path}: " + "; ".join(nl for _, nl in shown) + more,
        ) from None


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FrameworkError(
            f"{path}: cannot read the file ({reason})", f"{path}: het bestand is niet te lezen ({reason})"
        ) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{path}: not valid YAML: {exc}", f"{path}: geen geldige YAML: {exc}") from exc


# --- field types ------------------------------------------------------------------------------------------------


def _normalise_text(value: str) -> str:
    normalised = " ".join(value.split())
    if not normalised:
        _fail("empty_text")
    return normalised


def _colour(value: str) -> str:
    if not _COLOR_RE.match(value):
        _fail("colour")
    return value.lower()


def _level_code(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        _fail("level_code")
    return value


Text = Annotated[StrictStr, AfterValidator(_normalise_text)]  # non-empty; runs of whitespace become one space
Colour = Annotated[StrictStr, AfterValidator(_colour)]  # '#1f77b4', stored in lower case


def _unique(codes: Iterable[object], what_en: str, what_nl: str) -> None:
    seen: set[object] = set()
    for code in codes:
        if code in seen:
            _fail("duplicate", what_en=what_en, what_nl=what_nl, code=repr(code))
        seen.add(code)


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- the framework ----------------------------------------------------------------------------------------------


class Group(_Data):
    """A cluster of levels for summaries: general, prevention, early intervention, protection."""

    code: Text
    name_nl: Text
    name_en: Text


class Level(_Data):
    """One level of the care continuum (a = universal prevention ... e = care and/or protection)."""

    code: Text
    order: StrictInt
    name_nl: Text
    name_en: Text
    group: Text


class Point(_Data):
    """One of the framework's points; ``level`` is ``None`` for the general principles (and must be written so)."""

    number: StrictInt
    level: Annotated[StrictStr | None, BeforeValidator(_level_code)]
    group: Text
    title_nl: Text
    title_en: Text
    text_nl: Text


def _at(point: Point) -> dict[str, str]:
    return {"at_en": f"point {point.number}", "at_nl": f"punt {point.number}"}


class Framework(_Data):
    """A complete, validated framework version; groups in display order, levels and points sorted.

    Point numbers run 1..N without gaps, codes are unique, every level names a known group, every point a known
    level and that level's group; a point without a level belongs to a group that has no levels.
    """

    version: Text
    name_nl: Text
    name_en: Text
    source: Text
    groups: tuple[Group, ...] = Field(min_length=1)  # order matters: the gap views show the groups in this order
    levels: tuple[Level, ...] = Field(min_length=1)
    points: tuple[Point, ...] = Field(min_length=1)

    @field_validator("groups")
    @classmethod
    def _unique_groups(cls, groups: tuple[Group, ...]) -> tuple[Group, ...]:
        _unique((g.code for g in groups), "group code", "onderdeelcode")
        return groups

    @field_validator("levels")
    @classmethod
    def _sorted_levels(cls, levels: tuple[Level, ...]) -> tuple[Level, ...]:
        _unique((lv.code for lv in levels), "level code", "niveaucode")
        _unique((lv.order for lv in levels), "level order", "niveauvolgorde")
        return tuple(sorted(levels, key=lambda lv: lv.order))

    @field_validator("points")
    @classmethod
    def _numbered_points(cls, points: tuple[Point, ...]) -> tuple[Point, ...]:
        numbers = [p.number for p in points]
        _unique(numbers, "point number", "puntnummer")
        expected = set(range(1, len(numbers) + 1))
        missing, extra = sorted(expected - set(numbers)), sorted(set(numbers) - expected)
        if missing or extra:
            _fail("numbering", count=len(numbers), missing=missing or "none", extra=extra or "none")
        return tuple(sorted(points, key=lambda p: p.number))

    @model_validator(mode="after")
    def _references(self) -> Framework:
        group_codes = {g.code for g in self.groups}
        known_groups = ", ".join(sorted(group_codes))
        for index, level in enumerate(self.levels):
            if level.group not in group_codes:
                at = f"levels[{index}]"
                _fail(
                    "level_group",
                    at_en=at,
                    at_nl=at,
                    code=repr(level.code),
                    group=repr(level.group),
                    known=known_groups,
                )
        level_group = {lv.code: lv.group for lv in self.levels}
        for point in self.points:
            if point.group not in group_codes:
                _fail("point_group", **_at(point), group=repr(point.group), known=known_groups)
            if point.level is None:
                if point.group in level_group.values():
                    _fail("loose_point", **_at(point), group=repr(point.group))
            elif point.level not in level_group:
                _fail("point_level", **_at(point), level=repr(point.level), known=", ".join(sorted(level_group)))
            elif point.group != level_group[point.level]:
                _fail(
                    "group_mismatch",
                    **_at(point),
                    group=repr(point.group),
                    level_group=repr(level_group[point.level]),
                    level=repr(point.level),
                )
        return self

    def point(self, number: int) -> Point:
        """Return the point with this number; ``KeyError`` if there is none."""
        for point in self.points:
            if point.number == number:
                return point
        raise KeyError(f"framework {self.version} has no point {number}")

    def level(self, code: str) -> Level:
        """Return the level with this code (``a``..``e``); ``KeyError`` if there is none."""
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(f"framework {self.version} has no level {code!r}")

    def group(self, code: str) -> Group:
        """Return the group with this code; ``KeyError`` if there is none."""
        for group in self.groups:
            if group.code == code:
                return group
        raise KeyError(f"framework {self.version} has no group {code!r}")

    def points_in_level(self, code: str | None) -> tuple[Point, ...]:
        """The points of one level, in number order; ``None`` gives the points without a level."""
        return tuple(point for point in self.points if point.level == code)

    def points_in_group(self, code: str) -> tuple[Point, ...]:
        """The points of one group, in number order."""
        return tuple(point for point in self.points if point.group == code)


# --- the status scale -------------------------------------------------------------------------------------------


class Status(_Data):
    """One step of the implementation-status scale (0 = not started ... 4 = implemented and embedded)."""

    value: StrictInt
    key: Text
    label_nl: Text
    label_en: Text
    implemented: StrictBool
    color: Colour


class NotApplicable(_Data):
    """The separate 'not applicable' answer (not on the scale) and the spellings a return may use for it."""

    key: Text
    label_nl: Text
    label_en: Text
    aliases: Annotated[tuple[Text, ...], BeforeValidator(lambda value: () if value is None else value)] = ()
    color: Colour


class StatusScale(_Data):
    """The ordered status scale (values 0..N without gaps, unique keys) plus the 'not applicable' answer."""

    statuses: tuple[Status, ...] = Field(min_length=1)
    not_applicable: NotApplicable

    @field_validator("statuses")
    @classmethod
    def _sorted_statuses(cls, statuses: tuple[Status, ...]) -> tuple[Status, ...]:
        ordered = tuple(sorted(statuses, key=lambda s: s.value))
        values = [s.value for s in ordered]
        if values != list(range(len(values))):
            _fail("status_values", last=len(values) - 1, values=values)
        _unique((s.key for s in ordered), "status key", "statussleutel")
        return ordered

    @model_validator(mode="after")
    def _separate_not_applicable(self) -> StatusScale:
        if self.not_applicable.key in {s.key for s in self.statuses}:
            _fail("na_key", at_en="not_applicable", at_nl="not_applicable", key=repr(self.not_applicable.key))
        return self

    @property
    def not_applicable_key(self) -> str:
        return self.not_applicable.key

    @property
    def not_applicable_label_nl(self) -> str:
        return self.not_applicable.label_nl

    @property
    def not_applicable_label_en(self) -> str:
        return self.not_applicable.label_en

    @property
    def not_applicable_aliases(self) -> tuple[str, ...]:
        return self.not_applicable.aliases

    @property
    def not_applicable_color(self) -> str:
        return self.not_applicable.color

    def status(self, value: int) -> Status:
        """Return the status with this value; ``KeyError`` if it is not on the scale."""
        for status in self.statuses:
            if status.value == value:
                return status
        raise KeyError(f"status {value!r} is not on the scale")

    @property
    def values(self) -> tuple[int, ...]:
        """All values on the scale, lowest first."""
        return tuple(status.value for status in self.statuses)


# --- loading -------------------------------------------------------------------------------------------


def version_order(version: str) -> list[tuple[int, int | str]]:
    """Sort key for framework versions: numbers compare as numbers (`raak-2007` < `raak-2012` < `raak-2012b`)."""
    return [(0, int(part)) if part.isdecimal() else (1, part) for part in re.split(r"(\d+)", version)]


def available_frameworks() -> list[Path]:
    """The framework files shipped in ``data_templates/framework``, sorted by name."""
    return sorted(FRAMEWORK_DIR.glob("*.yaml"))


def default_framework_path() -> Path:
    """The file of the framework used when none is named (RAAK 2007)."""
    return FRAMEWORK_DIR / f"{DEFAULT_FRAMEWORK_VERSION}.yaml"


def load_framework(path: Path | None = None) -> Framework:
    """Load and validate a framework file (default: ``data_templates/framework/raak-2007.yaml``); a
    :class:`FrameworkError` says what is wrong where (see :class:`Framework` for the rules)."""
    return _parse(Framework, Path(path) if path is not None else default_framework_path())


def load_status_scale(path: Path | None = None) -> StatusScale:
    """Load and validate the status scale (default: ``data_templates/status_scale.yaml``); a
    :class:`FrameworkError` says what is wrong where (see :class:`StatusScale` for the rules)."""
    return _parse(StatusScale, Path(path) if path is not None else STATUS_SCALE_PATH)


# --- documentation -------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _number_ranges(numbers: Iterable[int]) -> str:
    """Compact a sorted list of numbers: [3, 4, 5, 9] -> '3–5, 9'."""
    parts: list[str] = []
    run: list[int] = []
    for n in sorted(numbers):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
        run = [n]
    if run:
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
    return ", ".join(parts) or "–"


def _render_points(points: Iterable[Point]) -> list[str]:
    lines: list[str] = []
    for point in points:
        lines += [
            f"#### {point.number}. {point.title_nl}",
            "",
            f"*{point.title_en}*",
            "",
            point.text_nl,
            "",
        ]
    return lines


def render_markdown(framework: Framework, scale: StatusScale) -> str:
    """The text of ``docs/framework.md``: status scale, care continuum and every point in full.

    Points appear per group in the framework's group order: first the points of the group
    without a level (the general principles), then level by level.
    """
    lines = [
        f"# {framework.name_nl}",
        "",
        f"*{framework.name_en}*",
        "",
        f"> Generated from data_templates/framework/{framework.version}.yaml by `raak docs` — do not edit by hand.",
        "",
        f"- Source: {framework.source}",
        f"- Framework version: `{framework.version}`",
        f"- Points: {len(framework.points)}",
        "",
        "## Status scale / Statusschaal",
        "",
        "| Value | Key | Nederlands | English | Counts as implemented | Colour |",
        "|---:|---|---|---|---|---|",
    ]
    for s in scale.statuses:
        lines.append(
            f"| {s.value} | `{s.key}` | {_cell(s.label_nl)} | {_cell(s.label_en)} | "
            f"{'yes' if s.implemented else 'no'} | `{s.color}` |"
        )
    lines += [
        f"| – | `{scale.not_applicable_key}` | {_cell(scale.not_applicable_label_nl)} | "
        f"{_cell(scale.not_applicable_label_en)} | left out of the count | `{scale.not_applicable_color}` |",
        "",
        "Accepted spellings of n.v.t. in a return: " + ", ".join(f"`{a}`" for a in scale.not_applicable_aliases) + ".",
        "",
        "## Care continuum / Zorgcontinuüm",
        "",
        "| Level | Nederlands | English | Group | Points |",
        "|---|---|---|---|---|",
    ]
    for level in framework.levels:
        group = framework.group(level.group)
        numbers = [p.number for p in framework.points_in_level(level.code)]
        lines.append(
            f"| {level.code} | {_cell(level.name_nl)} | {_cell(level.name_en)} | "
            f"{_cell(group.name_nl)} / {_cell(group.name_en)} | {_number_ranges(numbers)} |"
        )
    lines += ["", f"## The {len(framework.points)} points / De {len(framework.points)} punten", ""]
    for group in framework.groups:
        loose = [p for p in framework.points_in_group(group.code) if p.level is None]
        if loose:
            lines += [f"### {group.name_nl} / {group.name_en}", ""]
            lines += _render_points(loose)
        for level in framework.levels:
            if level.group != group.code:
                continue
            lines += [f"### {level.code}. {level.name_nl} / {level.name_en}", ""]
            lines += _render_points(framework.points_in_level(level.code))
    return "\n".join(lines).rstrip("\n") + "\n"


def write_framework_docs(target: Path | None = None) -> Path:
    """Write :func:`render_markdown` of the default framework and scale to ``docs/framework.md``."""
    target = Path(target) if target is not None else DOCS_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_markdown(load_framework(), load_status_scale())
    target.write_text(text, encoding="utf-8", newline="\n")
    return target
