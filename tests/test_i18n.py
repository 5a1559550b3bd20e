"""One translation system: the gettext catalogues in etl/i18n/locale agree with each other and with the code.

Every message exists in Dutch and English with the same {placeholders}; every message is used by the code; a
missing key fails loudly; numbers, percentages and dates are Babel's nl_NL and en_GB forms.
"""

from __future__ import annotations

import ast
import re
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from dashboard.exports.method import METHOD
from etl.i18n import (
    LANGUAGES,
    MISSING,
    catalogue,
    catalogue_path,
    count_text,
    integer,
    long_date,
    percent,
    percentage_points,
    t,
)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("etl", "dashboard")

# Keys the code builds from a prefix and a word that is a string literal in the code, such as
# t(f"severity.{issue.severity}") or _t(lang, "round") in the figures (which asks for `figure.round`). A catalogue
# key counts as used when it is a literal in the code, or one of these prefixes followed by a literal.
DYNAMIC_PREFIXES = (
    "figure.",  # dashboard.figures.charts: _t(lang, key) → figure.<key>
    "pdf.",  # dashboard.exports.pdf: _t / Report.t(key) → pdf.<key>, else the page text <key>
    "pdf.col.",  # ... Report.t(f"col.{key}")
    "xlsx.",  # dashboard.exports.xlsx: _t(key, lang) → xlsx.<key>
    "xlsx.kv.",  # ... _t(f"kv.{field}")
    "xlsx.columns.",  # ... _t(f"columns.{field}")
    "report.",  # dashboard.analytics.cli: labels[key] → report.<key>
    "download.column.",  # dashboard.exports.downloads.header(column) (the column names of the downloads)
    "download.value.scope.",  # dashboard.exports.downloads.value_text(column, code)
    "download.value.series.",
    "download.value.projection_status.",
    "issue.",  # etl findings: both_languages(f"issue.{code}") with code a key of SEVERITIES
    "issue.extent.",  # etl.workbook.read.sheet_too_large: the extent limit
    "issue.file_kind.",  # etl.workbook.read.not_a_workbook: what the file seems to be
    "reference.",  # etl.reference.geography._error(file, cell, code): a reference file that does not load
    "col.",  # pages and PDF table headers: t(f"col.{key}") / t(key) over a tuple of column names
    "severity.",  # t(f"severity.{issue.severity}")
    "role.",  # t(f"role.{user.role}")
    "error.",  # auth.refuse: t(f"error.{code}")
    "error.forbidden.",  # app: t(f"error.forbidden.{role}")
    "projection.",  # t(f"projection.{status}")
    "weighting.",  # t(f"weighting.{weighting}")
    "map.toggle.",  # national page: t(f"map.toggle.{key}")
    "export.format.",  # export page: t(f"export.format.{fmt}")
    "export.step.",  # export page: t(f"export.step.{step}")
    "upload.job.state.",  # upload page: t(f"upload.job.state.{state}")
    "upload.status.",  # upload page: t(f"upload.status.{status}")
    "upload.outcome.",  # upload page: t(f"upload.outcome.{status}")
    "my_region.state.",  # my region: t(f"my_region.state.{state}")
)
# Keys the code asks for as a used key plus one of these endings: View.t_for_role adds the role's hint, count_text
# the singular form.
DYNAMIC_SUFFIXES = (".nji", ".coordinator", ".steering", ".one")


def _po_entries(lang: str) -> list[tuple[str, str]]:
    with catalogue_path(lang).open("rb") as file:  # type: ignore[arg-type]
        return [(str(m.id), str(m.string)) for m in read_po(file) if m.id]


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _literals() -> set[str]:
    """Every string constant in the project's code, the constant parts of f-strings included."""
    found: set[str] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return found


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    nl, en = dict(_po_entries("nl")), dict(_po_entries("en"))
    assert set(nl) == set(en), f"only in nl: {sorted(set(nl) - set(en))}; only in en: {sorted(set(en) - set(nl))}"
    empty = sorted(key for key in nl if not nl[key].strip() or not en[key].strip())
    assert not empty, f"messages without text: {empty}"
    differ = sorted(key for key in nl if _placeholders(nl[key]) != _placeholders(en[key]))
    assert not differ, f"placeholders differ between nl and en: {differ}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_prose_writes_percentages_as_the_labels_do(lang: str) -> None:
    """Sentences write "0%" and "≥ 50%", as every label, axis and table writes "59,6%" (Babel's percent format)."""
    spaced = [key for key, text in _po_entries(lang) if re.search(r"\d %", text)]
    assert not spaced, spaced


def test_no_message_id_appears_twice_in_a_catalogue() -> None:
    for lang in LANGUAGES:
        ids = re.findall(r'^msgid "(.+)"$', catalogue_path(lang).read_text(encoding="utf-8"), flags=re.MULTILINE)
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_catalogue_entry_is_used_by_the_code() -> None:
    literals = _literals()

    def used(key: str) -> bool:
        if key in literals:
            return True
        if any(key.startswith(p) and key[len(p) :] in literals for p in DYNAMIC_PREFIXES):
            return True
        return any(key.endswith(s) and used(key[: -len(s)]) for s in DYNAMIC_SUFFIXES)

    unused = sorted(key for key in catalogue("nl") if not used(key))
    assert not unused, f"catalogue entries no code asks for (remove them, or document the prefix): {unused}"


def test_every_documented_prefix_is_still_built_by_some_entry() -> None:
    keys = set(catalogue("nl"))
    stale = [prefix for prefix in DYNAMIC_PREFIXES if not any(key.startswith(prefix) for key in keys)]
    assert not stale, stale


def test_a_missing_key_fails_loudly_naming_the_key() -> None:
    with pytest.raises(KeyError, match=r"no text 'nav\.nowhere' in the en catalogue"):
        t("nav.nowhere", "en")


def test_texts_fill_their_placeholders_in_the_asked_language() -> None:
    assert t("round", "nl", label="2010") == "ronde 2010" and t("round", "en", label="2010") == "round 2010"
    assert count_text("issues.count", 1, "nl") != count_text("issues.count", 2, "nl")


def test_babel_writes_shares_numbers_and_dates_per_locale() -> None:
    assert percent(0.635, "nl") == "63,5%" and percent(0.635, "en") == "63.5%"
    assert percent(None, "nl") == MISSING and percent(float("nan"), "en") == MISSING
    assert percentage_points(0.414, "nl") == "41,4" and percentage_points(0.414, "en") == "41.4"
    assert percentage_points(0.25, "en", digits=0) == "25"
    assert integer(1095, "nl") == "1.095" and integer(1095, "en") == "1,095"
    assert long_date(date(2011, 12, 31), "nl") == "31 december 2011"
    assert long_date(date(2011, 12, 31), "en") == "31 December 2011"
    assert long_date(None, "nl") == MISSING


def test_the_method_chapter_is_a_sequence_of_headings_paragraphs_and_formulas() -> None:
    assert METHOD and all(key.rsplit(".", 1)[1] in ("h", "p", "f") for key in METHOD)
    assert all(t(key, "nl") and t(key, "en") for key in METHOD)
