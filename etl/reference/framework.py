"""The RAAK framework (groups, care-continuum levels, 35 points) and the status scale.

Both live as hand-editable YAML in the ``data_templates`` package; this module loads them into
frozen dataclasses, checks them on load and renders ``docs/framework.md`` from them, so the
framework text is typed exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

DATA_TEMPLATES_DIR = Path(str(files("data_templates")))
FRAMEWORK_DIR = DATA_TEMPLATES_DIR / "framework"
DEFAULT_FRAMEWORK_VERSION = "raak-2007"
STATUS_SCALE_PATH = DATA_TEMPLATES_DIR / "status_scale.yaml"
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "framework.md"

_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class FrameworkError(ValueError):
    """A framework or status-scale file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Group:
    """A cluster of levels for summaries: general, prevention, early intervention, protection."""

    code: str
    name_nl: str
    name_en: str


@dataclass(frozen=True)
class Level:
    """One level of the care continuum (a = universal prevention ... e = care and/or protection)."""

    code: str
    order: int
    name_nl: str
    name_en: str
    group: str


@dataclass(frozen=True)
class Point:
    """One of the framework's points; ``level`` is ``None`` for the general principles."""

    number: int
    level: str | None
    group: str
    title_nl: str
    title_en: str
    text_nl: str


@dataclass(frozen=True)
class Framework:
    """A complete, validated framework version; groups in display order, levels and points sorted."""

    version: str
    name_nl: str
    name_en: str
    source: str
    groups: tuple[Group, ...]
    levels: tuple[Level, ...]
    points: tuple[Point, ...]

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


@dataclass(frozen=True)
class Status:
    """One step of the implementation-status scale (0 = not started ... 4 = implemented and embedded)."""

    value: int
    key: str
    label_nl: str
    label_en: str
    implemented: bool
    color: str


@dataclass(frozen=True)
class StatusScale:
    """The ordered status scale plus the separate 'not applicable' answer and its accepted spellings."""

    statuses: tuple[Status, ...]
    not_applicable_key: str
    not_applicable_label_nl: str
    not_applicable_label_en: str
    not_applicable_aliases: tuple[str, ...]
    not_applicable_color: str

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


def available_frameworks() -> list[Path]:
    """The framework files shipped in ``data_templates/framework``, sorted by name."""
    return sorted(FRAMEWORK_DIR.glob("*.yaml"))


def default_framework_path() -> Path:
    """The file of the framework used when none is named (RAAK 2007)."""
    return FRAMEWORK_DIR / f"{DEFAULT_FRAMEWORK_VERSION}.yaml"


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FrameworkError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{path}: not valid YAML: {exc}") from exc


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FrameworkError(f"{where}: expected a mapping (key: value), got {type(value).__name__}")
    return value


def _sequence(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise FrameworkError(f"{where}: expected a non-empty list")
    return value


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    if key not in data or data[key] is None:
        raise FrameworkError(f"{where}: required field {key!r} is missing")
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise FrameworkError(f"{where}: field {key!r} must be non-empty text, got {value!r}")
    return " ".join(value.split())


def _int(data: Mapping[str, Any], key: str, where: str) -> int:
    if key not in data or data[key] is None:
        raise FrameworkError(f"{where}: required field {key!r} is missing")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise FrameworkError(f"{where}: field {key!r} must be a whole number, got {value!r}")
    return value


def _bool(data: Mapping[str, Any], key: str, where: str) -> bool:
    if key not in data or not isinstance(data[key], bool):
        raise FrameworkError(f"{where}: field {key!r} must be true or false, got {data.get(key)!r}")
    return data[key]


def _color(data: Mapping[str, Any], key: str, where: str) -> str:
    value = _text(data, key, where)
    if not _COLOR_RE.match(value):
        raise FrameworkError(f"{where}: field {key!r} must be a colour like '#1f77b4', got {value!r}")
    return value.lower()


def _unique(codes: Iterable[Any], what: str, where: str) -> None:
    seen: set[Any] = set()
    for code in codes:
        if code in seen:
            raise FrameworkError(f"{where}: {what} {code!r} appears more than once")
        seen.add(code)


def _check_numbers(numbers: list[int], where: str) -> None:
    _unique(numbers, "point number", where)
    expected = set(range(1, len(numbers) + 1))
    missing = sorted(expected - set(numbers))
    extra = sorted(set(numbers) - expected)
    if missing or extra:
        raise FrameworkError(
            f"{where}: point numbers must run 1..{len(numbers)} without gaps; "
            f"missing {missing or 'none'}, out of range {extra or 'none'}"
        )


def load_framework(path: Path | None = None) -> Framework:
    """Load and validate a framework file (default: ``data_templates/framework/raak-2007.yaml``).

    Raises :class:`FrameworkError` if a required field is missing, point numbers are not 1..N
    consecutive and unique, a point names an unknown level or group, or a point's group differs
    from its level's group. Points without a level must belong to a group that has no levels.
    """
    path = Path(path) if path is not None else default_framework_path()
    data = _mapping(_read_yaml(path), str(path))
    where = str(path)

    group_list: list[Group] = []
    for i, raw in enumerate(_sequence(data.get("groups"), f"{where}: groups")):
        at = f"{where}: groups[{i}]"
        raw = _mapping(raw, at)
        group_list.append(
            Group(
                code=_text(raw, "code", at),
                name_nl=_text(raw, "name_nl", at),
                name_en=_text(raw, "name_en", at),
            )
        )
    groups = tuple(group_list)
    _unique((g.code for g in groups), "group code", f"{where}: groups")
    group_codes = {g.code for g in groups}

    levels: list[Level] = []
    for i, raw in enumerate(_sequence(data.get("levels"), f"{where}: levels")):
        at = f"{where}: levels[{i}]"
        raw = _mapping(raw, at)
        level = Level(
            code=_text(raw, "code", at),
            order=_int(raw, "order", at),
            name_nl=_text(raw, "name_nl", at),
            name_en=_text(raw, "name_en", at),
            group=_text(raw, "group", at),
        )
        if level.group not in group_codes:
            raise FrameworkError(
                f"{at}: level {level.code!r} names group {level.group!r}, "
                f"which is not one of {', '.join(sorted(group_codes))}"
            )
        levels.append(level)
    _unique((lv.code for lv in levels), "level code", f"{where}: levels")
    _unique((lv.order for lv in levels), "level order", f"{where}: levels")
    level_group = {lv.code: lv.group for lv in levels}
    groups_with_levels = set(level_group.values())

    points: list[Point] = []
    for i, raw in enumerate(_sequence(data.get("points"), f"{where}: points")):
        at = f"{where}: points[{i}]"
        raw = _mapping(raw, at)
        number = _int(raw, "number", at)
        at = f"{where}: point {number}"
        if "level" not in raw:
            raise FrameworkError(f"{at}: required field 'level' is missing (use null for a general principle)")
        level_code = raw["level"]
        if level_code is not None and not isinstance(level_code, str):
            raise FrameworkError(f"{at}: field 'level' must be a level code or null, got {level_code!r}")
        point = Point(
            number=number,
            level=level_code,
            group=_text(raw, "group", at),
            title_nl=_text(raw, "title_nl", at),
            title_en=_text(raw, "title_en", at),
            text_nl=_text(raw, "text_nl", at),
        )
        if point.group not in group_codes:
            raise FrameworkError(f"{at}: group {point.group!r} is not one of {', '.join(sorted(group_codes))}")
        if point.level is None:
            if point.group in groups_with_levels:
                raise FrameworkError(
                    f"{at}: a point without a level must be in a group without levels "
                    f"(such as 'general'), not {point.group!r}"
                )
        elif point.level not in level_group:
            raise FrameworkError(f"{at}: level {point.level!r} is not one of {', '.join(sorted(level_group))}")
        elif point.group != level_group[point.level]:
            raise FrameworkError(
                f"{at}: group {point.group!r} does not match group {level_group[point.level]!r} "
                f"of level {point.level!r}"
            )
        points.append(point)
    _check_numbers([p.number for p in points], f"{where}: points")

    return Framework(
        version=_text(data, "version", where),
        name_nl=_text(data, "name_nl", where),
        name_en=_text(data, "name_en", where),
        source=_text(data, "source", where),
        groups=groups,
        levels=tuple(sorted(levels, key=lambda lv: lv.order)),
        points=tuple(sorted(points, key=lambda p: p.number)),
    )


def load_status_scale(path: Path | None = None) -> StatusScale:
    """Load and validate the status scale (default: ``data_templates/status_scale.yaml``).

    Raises :class:`FrameworkError` if values are not 0..N consecutive, keys repeat, or a field is
    missing or malformed.
    """
    path = Path(path) if path is not None else STATUS_SCALE_PATH
    where = str(path)
    data = _mapping(_read_yaml(path), where)

    statuses: list[Status] = []
    for i, raw in enumerate(_sequence(data.get("statuses"), f"{where}: statuses")):
        at = f"{where}: statuses[{i}]"
        raw = _mapping(raw, at)
        statuses.append(
            Status(
                value=_int(raw, "value", at),
                key=_text(raw, "key", at),
                label_nl=_text(raw, "label_nl", at),
                label_en=_text(raw, "label_en", at),
                implemented=_bool(raw, "implemented", at),
                color=_color(raw, "color", at),
            )
        )
    statuses.sort(key=lambda s: s.value)
    values = [s.value for s in statuses]
    if values != list(range(len(values))):
        raise FrameworkError(f"{where}: status values must be 0..{len(values) - 1} without gaps, got {values}")
    _unique((s.key for s in statuses), "status key", f"{where}: statuses")

    at = f"{where}: not_applicable"
    na = _mapping(data.get("not_applicable"), at)
    raw_aliases = na.get("aliases") or []
    if not isinstance(raw_aliases, list) or not all(isinstance(a, str) and a.strip() for a in raw_aliases):
        raise FrameworkError(f"{at}: 'aliases' must be a list of non-empty texts")
    key = _text(na, "key", at)
    if key in {s.key for s in statuses}:
        raise FrameworkError(f"{at}: key {key!r} is also a status key")
    return StatusScale(
        statuses=tuple(statuses),
        not_applicable_key=key,
        not_applicable_label_nl=_text(na, "label_nl", at),
        not_applicable_label_en=_text(na, "label_en", at),
        not_applicable_aliases=tuple(a.strip() for a in raw_aliases),
        not_applicable_color=_color(na, "color", at),
    )


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
