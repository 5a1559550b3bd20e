"""The RAAK framework and status-scale data: shape, fidelity to the 2007 source text, generated docs."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from etl.reference.framework import (
    FrameworkError,
    available_frameworks,
    default_framework_path,
    load_framework,
    load_status_scale,
    render_markdown,
)
from etl.reference.status import StatusParser, StatusValue

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_PATH = Path(__file__).resolve().parents[2] / "shared/seed/000_27f7e4397c35df91.txt"

# Characters that PDF extraction and typography make unreliable: whitespace, hyphens (soft, hard and
# dashes, since words are split across lines) and every straight or curly quote.
_IGNORED = re.compile(r"[\s\u00ad\-\u2010\u2011\u2013\u2014'\"`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u2032]")


def _normalise(text: str) -> str:
    return _IGNORED.sub("", text.lower())


@pytest.fixture(scope="module")
def framework():
    return load_framework()


@pytest.fixture(scope="module")
def scale():
    return load_status_scale()


def test_raak_2007_is_the_default_and_an_available_framework():
    assert default_framework_path().name == "raak-2007.yaml"
    assert default_framework_path() in available_frameworks()


def test_framework_has_exactly_35_points_numbered_1_to_35(framework):
    assert framework.version == "raak-2007"
    assert [p.number for p in framework.points] == list(range(1, 36))


def test_points_1_and_2_are_general_principles_without_level(framework):
    for number in (1, 2):
        point = framework.point(number)
        assert point.level is None
        assert point.group == "general"
    assert all(p.level is not None for p in framework.points[2:])


def test_each_level_has_the_agreed_number_of_points(framework):
    counts = Counter(p.level for p in framework.points if p.level)
    assert counts == {"a": 7, "b": 4, "c": 1, "d": 8, "e": 13}


def test_points_follow_document_order_level_by_level(framework):
    levels = "".join(p.level or "-" for p in framework.points)
    assert levels == "--" + "a" * 7 + "b" * 4 + "c" + "d" * 8 + "e" * 13


def test_levels_are_ordered_a_to_e_and_grouped_as_agreed(framework):
    assert [lv.code for lv in framework.levels] == ["a", "b", "c", "d", "e"]
    assert [lv.order for lv in framework.levels] == [1, 2, 3, 4, 5]
    assert {lv.code: lv.group for lv in framework.levels} == {
        "a": "prevention",
        "b": "prevention",
        "c": "prevention",
        "d": "early_intervention",
        "e": "protection",
    }
    assert [g.code for g in framework.groups] == ["general", "prevention", "early_intervention", "protection"]


def test_every_point_is_in_the_group_of_its_level(framework):
    for point in framework.points:
        if point.level is not None:
            assert point.group == framework.level(point.level).group, point.number


@pytest.mark.skipif(not SEED_PATH.is_file(), reason=f"source text {SEED_PATH} is not available in this checkout")
def test_every_point_text_occurs_in_the_2007_source_text(framework):
    seed = _normalise(SEED_PATH.read_text(encoding="utf-8"))
    missing = [p.number for p in framework.points if _normalise(p.text_nl) not in seed]
    assert missing == [], f"text_nl of points {missing} does not occur in {SEED_PATH.name}"


@pytest.mark.parametrize(
    ("number", "starts_with"),
    [
        (3, "Voorlichtingscampagnes"),
        (9, "Op alle scholen"),
        (22, "Home visiting-programma"),
        (23, "Reacties op"),
        (32, "Dit casemanagement"),
    ],
)
def test_anchor_points_start_with_the_expected_words(framework, number, starts_with):
    assert framework.point(number).text_nl.startswith(starts_with)


@pytest.mark.parametrize(("number", "contains"), [(13, "VVE"), (35, "Internationaal Verdrag")])
def test_anchor_points_contain_the_expected_words(framework, number, contains):
    assert contains in framework.point(number).text_nl


def test_point_32_is_only_the_casemanagement_sentence(framework):
    assert framework.point(32).text_nl == (
        "Dit casemanagement dient direct na de verwijzing door het AMK beschikbaar te zijn."
    )


def test_point_texts_have_no_pdf_artefacts(framework):
    for point in framework.points:
        assert "\t" not in point.text_nl and "\ufffd" not in point.text_nl and "  " not in point.text_nl
        assert "kennisverwer ving" not in point.text_nl and "opvoedings ondersteuning" not in point.text_nl


@pytest.mark.parametrize("field", ["title_nl", "title_en"])
def test_titles_are_non_empty_short_and_unique(framework, field):
    titles = [getattr(p, field) for p in framework.points]
    assert all(t.strip() for t in titles)
    assert all(len(t) <= 60 for t in titles), [t for t in titles if len(t) > 60]
    assert len(set(titles)) == len(titles), [t for t, n in Counter(titles).items() if n > 1]


def test_status_scale_runs_from_0_to_4(scale):
    assert scale.values == (0, 1, 2, 3, 4)
    assert [s.key for s in scale.statuses] == [
        "not_started",
        "in_preparation",
        "partly_implemented",
        "implemented",
        "embedded",
    ]


def test_only_statuses_3_and_4_count_as_implemented(scale):
    assert [s.value for s in scale.statuses if s.implemented] == [3, 4]


def test_status_colours_are_distinct_and_differ_from_not_applicable(scale):
    colours = [s.color for s in scale.statuses] + [scale.not_applicable_color]
    assert len(set(colours)) == len(colours)


def test_not_applicable_accepts_common_spellings(scale):
    assert {"nvt", "n/a"} <= set(scale.not_applicable_aliases)
    assert scale.not_applicable_label_nl == "n.v.t."
    parser = StatusParser(scale)
    for typed in ("nvt", " N.V.T. ", "n/a", "Niet van toepassing"):
        assert parser.parse(typed) == StatusValue(None, True), typed
    assert parser.parse("3") == StatusValue(3, False)


def test_docs_framework_md_is_the_rendered_framework(framework, scale):
    docs = (REPO_ROOT / "docs" / "framework.md").read_text(encoding="utf-8")
    assert docs == render_markdown(framework, scale), "docs/framework.md is stale: run `raak docs`"


def test_rendered_markdown_lists_every_point_and_the_do_not_edit_note(framework, scale):
    text = render_markdown(framework, scale)
    assert "do not edit by hand" in text
    for point in framework.points:
        assert f"#### {point.number}. {point.title_nl}" in text
        assert point.text_nl in text
    assert text.index("#### 1. ") < text.index("### a. ") < text.index("### e. ")


def _broken_copy(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(default_framework_path().read_text(encoding="utf-8"))
    change(data)
    target = tmp_path / "broken.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def test_unchanged_copy_loads_like_the_original(tmp_path, framework):
    assert load_framework(_broken_copy(tmp_path, lambda data: None)) == framework


def test_rejects_a_framework_with_a_point_removed(tmp_path):
    path = _broken_copy(tmp_path, lambda data: data["points"].pop(10))
    with pytest.raises(FrameworkError, match=r"missing \[11\]"):
        load_framework(path)


def test_rejects_a_framework_with_a_duplicate_point_number(tmp_path):
    def change(data):
        data["points"][4]["number"] = 4

    with pytest.raises(FrameworkError, match="point number 4 appears more than once"):
        load_framework(_broken_copy(tmp_path, change))


def test_rejects_a_point_with_an_unknown_level(tmp_path):
    def change(data):
        data["points"][4]["level"] = "z"

    with pytest.raises(FrameworkError, match="point 5: level 'z'"):
        load_framework(_broken_copy(tmp_path, change))


def test_rejects_a_point_whose_group_contradicts_its_level(tmp_path):
    def change(data):
        data["points"][22]["group"] = "prevention"

    with pytest.raises(FrameworkError, match="point 23: group 'prevention' does not match"):
        load_framework(_broken_copy(tmp_path, change))


def test_rejects_a_point_without_a_required_field(tmp_path):
    def change(data):
        del data["points"][0]["text_nl"]

    with pytest.raises(FrameworkError, match="point 1: required field 'text_nl' is missing"):
        load_framework(_broken_copy(tmp_path, change))


def test_rejects_a_level_in_an_unknown_group(tmp_path):
    def change(data):
        data["levels"][0]["group"] = "elsewhere"

    with pytest.raises(FrameworkError, match="names group 'elsewhere'"):
        load_framework(_broken_copy(tmp_path, change))


def test_rejects_a_file_that_is_not_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("points: [1, 2\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match="not valid YAML"):
        load_framework(path)


def test_rejects_a_status_scale_with_a_gap(tmp_path):
    data = yaml.safe_load((REPO_ROOT / "data_templates" / "status_scale.yaml").read_text(encoding="utf-8"))
    data["statuses"].pop(2)
    path = tmp_path / "scale.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FrameworkError, match="without gaps"):
        load_status_scale(path)


def test_errors_name_file_place_and_field_in_dutch_and_english(tmp_path):
    def change(data):
        del data["points"][0]["text_nl"]

    path = _broken_copy(tmp_path, change)
    with pytest.raises(FrameworkError) as raised:
        load_framework(path)
    assert raised.value.message("en") == f"{path}: point 1: required field 'text_nl' is missing"
    assert raised.value.message("nl") == f"{path}: punt 1: verplicht veld 'text_nl' ontbreekt"


def test_every_wrong_field_of_a_file_is_named_at_once(tmp_path):
    def change(data):
        data["points"][3]["title_nl"] = "   "
        data["levels"][1]["order"] = "2"
        data["groups"][0]["name_en"] = 7

    with pytest.raises(FrameworkError) as raised:
        load_framework(_broken_copy(tmp_path, change))
    english, dutch = raised.value.message("en"), raised.value.message("nl")
    assert "point 4: field 'title_nl' must be non-empty text, got '   '" in english
    assert "levels[1]: field 'order' must be a whole number, got '2'" in english
    assert "groups[0]: field 'name_en' must be text, got 7" in english
    assert "punt 4: veld 'title_nl' moet niet-lege tekst zijn" in dutch
    assert "levels[1]: veld 'order' moet een geheel getal zijn" in dutch


def test_rejects_a_misspelt_field_instead_of_ignoring_it(tmp_path):
    def change(data):
        data["points"][6]["titel_en"] = data["points"][6].pop("title_en")

    with pytest.raises(FrameworkError, match="point 7: required field 'title_en' is missing; point 7: unknown field"):
        load_framework(_broken_copy(tmp_path, change))


def test_rejects_a_status_scale_with_a_bad_colour_or_flag(tmp_path):
    data = yaml.safe_load((REPO_ROOT / "data_templates" / "status_scale.yaml").read_text(encoding="utf-8"))
    data["statuses"][0]["color"] = "red"
    data["statuses"][1]["implemented"] = "yes"
    path = tmp_path / "scale.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FrameworkError) as raised:
        load_status_scale(path)
    assert "statuses[0]: field 'color' must be a colour like '#1f77b4', got 'red'" in raised.value.message("en")
    assert "statuses[1]: veld 'implemented' moet true of false zijn, maar is 'yes'" in raised.value.message("nl")
