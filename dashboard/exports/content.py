"""What an export is made of: the request, the gathered content, its charts and names — shared by every format.

The orchestrator (`bundle`) gathers an `ExportContent`; each format's writer (`pdf`, `xlsx`, images) reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dashboard.i18n import Lang
from etl.store.issues import UserError

if TYPE_CHECKING:  # the numbers (pandas, the database) and plotly load only when an export gathers or draws them
    import plotly.graph_objects as go

    from dashboard.analytics.report import CompletenessTable, RegionDetail, RoundReport

NATIONAL = "national"
DEFAULT_HEIGHT_PX = 500  # for figures that leave the height to the page
SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")

# Steps an export reports through `progress(done, total, step)`; the page shows them in words.
STEP_NUMBERS, STEP_IMAGES, STEP_PDF, STEP_XLSX, STEP_DONE = "numbers", "images", "pdf", "xlsx", "done"

Progress = Callable[[int, int, str], None]


class ExportError(UserError):
    """An export that cannot be made as asked (unknown format, no browser for the images)."""


def _no_progress(_done: int, _total: int, _step: str) -> None:
    return None


def safe_name(text: str) -> str:
    """`text` usable in a file name on every system (round labels may hold spaces or slashes)."""
    return SAFE_NAME.sub("-", text.strip()).strip("-.") or "round"


@dataclass(frozen=True)
class ExportRequest:
    """What to export: a round, optionally one region, in a language, in some of the formats (names of
    `dashboard.exports.formats.FORMATS`)."""

    round_label: str
    region_code: str | None = None
    lang: Lang = "nl"
    formats: tuple[str, ...] = field(kw_only=True)

    @property
    def scope(self) -> str:
        """`national`, or the region code for a one-region export."""
        return self.region_code or NATIONAL

    @property
    def stem(self) -> str:
        """The start of every file name: `2011_national`, `2011_GG3406`."""
        return f"{safe_name(self.round_label)}_{self.scope}"


@dataclass
class RegionPart:
    """One region's page: its row of the report, its detail, its change counts, who sent nothing."""

    code: str
    name: str
    row: dict[str, Any]
    detail: RegionDetail
    change: dict[str, Any] | None
    without_return: list[str]


@dataclass
class ExportContent:
    """Everything an export shows, gathered once: the numbers, each region's detail, point texts, sources."""

    request: ExportRequest
    report: RoundReport
    regions: list[RegionPart]
    completeness: CompletenessTable
    point_texts: dict[tuple[str, int], str]  # (framework version, point number) → the point's full Dutch text
    sources: dict[str, str]
    demo: bool
    made_at: datetime = field(default_factory=lambda: datetime.now().astimezone())

    @property
    def national(self) -> bool:
        """Whether this is the national export (all regions) rather than one region's."""
        return self.request.region_code is None

    def point_text(self, framework_version: str, point_number: int) -> str:
        """The full text of a point of the round's framework ('' when unknown)."""
        return self.point_texts.get((str(framework_version), int(point_number)), "")


@dataclass(frozen=True)
class Chart:
    """One chart of the export: `scope` (national or a region code), a name saying what it shows, the figure."""

    scope: str
    name: str
    figure: go.Figure

    @property
    def height(self) -> int:
        """The layout height in px the figure asks for (or the default)."""
        return int(self.figure.layout.height or DEFAULT_HEIGHT_PX)

    def stem(self, round_label: str) -> str:
        """`2011_national_trajectory`, `2011_GG3406_continuum`."""
        return f"{safe_name(round_label)}_{self.scope}_{self.name}"
