"""Structured findings: every problem with an input names its file, sheet and cell, in Dutch and English."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One finding about an input file; any `error` rejects the whole file, a `warning` never does."""

    severity: Severity
    code: str
    file: str
    sheet: str | None
    cell: str | None
    message_nl: str
    message_en: str

    @property
    def location(self) -> str:
        """`file`, `file › sheet` or `file › sheet › B7`, for one-line messages."""
        return " › ".join(part for part in (self.file, self.sheet, self.cell) if part)

    def line(self, lang: str = "en") -> str:
        """A single readable line, e.g. for the CLI."""
        message = self.message_nl if lang == "nl" else self.message_en
        return f"{self.severity.upper()} {self.code} at {self.location}: {message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class UserError(Exception):
    """A problem the user can fix (bad input, unknown name); the CLI shows it as one line and exits 2.

    The English text is the exception's message; pages in Dutch show `message_nl` when the raiser gave one.
    """

    def __init__(self, message_en: str, message_nl: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_nl = message_nl or message_en

    def message(self, lang: str) -> str:
        """The message in `lang` ("nl" or "en")."""
        return self.message_nl if lang == "nl" else self.message_en


class InputRejected(UserError):
    """Raised when an input file has errors; carries the findings so callers can show each one."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(issue.line() for issue in issues[:5]))
