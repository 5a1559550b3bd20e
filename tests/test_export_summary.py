"""The steering PDF as its readers get it: a first page in plain words (Dutch, and English with --lang en), a
method chapter without developers' words, no internal codes, headers that never break inside a word and every
word inside the page margins."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus.exports import PDF_NAME, ROUND, Exported, cli_env
from sqlalchemy import Engine

from dashboard.cli import main
from dashboard.exports.pdf import FRAME_WIDTH, MARGIN_X, MONO, PAGE_WIDTH, header_widths, inline_markup, make_styles
from dashboard.i18n import percent, percentage_points

DEVELOPER_WORDS = (
    "RAAK_TARGET",
    "DATABASE_URL",
    "numpy",
    "polyfit",
    "pandas",
    "SQL",
    "status_scale",
    "municipality_divisions",
    "is_current",
    "early_intervention",
    "n_returns",
    "docs/metrics.md",
    "raak export",
)
MARGIN_TOLERANCE_PT = 1.0
WORD_BOX = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')


def pdf_text(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def english(demo_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`raak export --round 2011 --lang en --format pdf`."""
    out = tmp_path_factory.mktemp("export-en")
    result = CliRunner().invoke(
        main,
        ["export", "--round", ROUND, "--lang", "en", "--format", "pdf", "--out", str(out)],
        env=cli_env(demo_engine),
    )
    assert result.exit_code == 0, result.output
    yield out / PDF_NAME


def test_first_page_is_the_steering_summary_in_dutch(exported: Exported) -> None:
    first = " ".join(pdf_text(exported.folder / PDF_NAME)[0].split())
    national = exported.report["national"]
    coverage, gap = percent(national["coverage"], "nl"), percentage_points(national["gap"], "nl")
    assert f"doel 2011: 100% · landelijk {coverage} · nog {gap} procentpunt" in first
    assert "Samenvatting" in first
    on_track = [r["region_name"] for r in exported.report["regions"] if r["on_track"]]
    assert f"Op koers: {len(on_track)} van de {len(exported.report['regions'])} regio's" in first
    for name in on_track:
        assert name in first
    assert "Grootste achterstand per onderdeel" in first
    groups = {g["name"] for g in exported.report["groups"] if g["scope"] == "national"}
    assert len(groups) == 3
    for group in groups:
        assert f"{group}:" in first, group
    weakest = exported.report["weakest_points"][0]
    assert f"{weakest['point_number']}. {weakest['title']}" in first
    missing = national["n_expected"] - national["n_returns"]
    assert f"{national['n_returns']} van {national['n_expected']} gemeenten leverden aan" in first
    assert f"{missing} nog niet" in first


def test_first_page_is_in_english_with_lang_en(english: Path, exported: Exported) -> None:
    first = " ".join(pdf_text(english)[0].split())
    national = exported.report["national"]
    coverage, gap = percent(national["coverage"], "en"), percentage_points(national["gap"], "en")
    assert f"target 2011: 100% · national {coverage} · {gap} percentage points to go" in first
    assert "Summary" in first and "On track: " in first and "Largest gaps per part" in first
    assert "Samenvatting" not in first and "procentpunt" not in first


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_internal_codes_or_developer_words_anywhere(exported: Exported, english: Path, lang: str) -> None:
    path = exported.folder / PDF_NAME if lang == "nl" else english
    text = "\n".join(pdf_text(path))
    found = [word for word in DEVELOPER_WORDS if word in text]
    assert not found, found
    method = text[
        text.rindex("Methode" if lang == "nl" else "Method") : text.rindex("Bronnen" if lang == "nl" else "Sources")
    ]
    assert "`" not in method and "_" not in method
    assert "`" not in text  # commands (the demo banner's `raak demo`) are set in monospace, never with backticks
    assert ("Het doel en het doeltraject" if lang == "nl" else "The target and the target trajectory") in method


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_word_stays_inside_the_page_margins(exported: Exported, english: Path, lang: str) -> None:
    path = exported.folder / PDF_NAME if lang == "nl" else english
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    right = PAGE_WIDTH - MARGIN_X + MARGIN_TOLERANCE_PT
    outside = [(word, float(x_max)) for _x_min, x_max, word in WORD_BOX.findall(html) if float(x_max) > right]
    assert not outside, outside[:10]


def test_table_headers_wrap_between_words_only() -> None:
    from reportlab.platypus import Paragraph

    style = make_styles().cell_bold
    header = ["Pos.", "Regio", "Dekking", "Doel", "Op koers", "Volledigheid", "Prognose"]
    widths = header_widths(header, [0.05, 0.27, 0.1, 0.1, 0.08, 0.17, 0.23], style)
    assert abs(sum(widths) - FRAME_WIDTH) < 1e-6 or sum(widths) < FRAME_WIDTH
    for text, width in zip(header, widths, strict=True):
        paragraph = Paragraph(text, style)
        paragraph.wrap(width - 12, 1000)
        lines = [" ".join(line[1]) if isinstance(line, tuple) else line.words for line in paragraph.blPara.lines]
        words = [word for line in lines for word in (line.split() if isinstance(line, str) else [])]
        assert words == text.split(), (text, lines)


def test_markdown_in_texts_becomes_paragraph_markup_and_everything_else_stays_text() -> None:
    from reportlab.platypus import Paragraph

    text = "Run `raak demo` **now**, *then* read [the method](https://example.org/m?a=1&b=2): 1 < 2 & <b>x</b> `"
    markup = inline_markup(text)
    assert markup == (
        f'Run <font face="{MONO}">raak demo</font> <b>now</b>, <i>then</i> read '
        '<link href="https://example.org/m?a=1&amp;b=2">the method</link>: 1 &lt; 2 &amp; &lt;b&gt;x&lt;/b&gt; '
    )
    words = " ".join(Paragraph(markup, make_styles().body).getPlainText().split())
    assert words == "Run raak demo now, then read the method: 1 < 2 & <b>x</b>"
    assert inline_markup("children_0_17 and 2 * 3 * 4") == "children_0_17 and 2 * 3 * 4"  # no emphasis by accident
