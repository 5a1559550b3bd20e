"""The status-cell parser: every spelling in docs/return-format.md is read, everything else is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.reference.framework import load_status_scale
from etl.reference.status import InvalidStatus, StatusValue, default_parser


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (3, 3),
        (3.0, 3),
        (0, 0),
        (" 3 ", 3),
        ("3.0", 3),
        ("3,0", 3),
        ("Ingevoerd", 3),
        ("  ingevoerd   EN  geborgd ", 4),
        ("Partly implemented", 2),
        ("3 - Ingevoerd", 3),
        ("3: ingevoerd", 3),
        ("3 – Ingevoerd", 3),
        ("3. Ingevoerd", 3),
        ("1 - In preparation", 1),
        ("4-Ingevoerd en geborgd", 4),
    ],
)
def test_accepted_spellings_give_the_value(raw: object, status: int) -> None:
    assert default_parser().parse(raw) == StatusValue(status, False)


@pytest.mark.parametrize(
    "raw", ["n.v.t.", "N.V.T.", "nvt", "n.v.t", "n/a", "NA", "not applicable", "Niet van toepassing"]
)
def test_not_applicable_spellings_give_no_status(raw: str) -> None:
    assert default_parser().parse(raw) == StatusValue(None, True)


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_blank_cells_are_blank(raw: object) -> None:
    assert default_parser().parse(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        5,
        -1,
        2.5,
        float("nan"),
        float("inf"),
        True,
        False,
        "5",
        "ja",
        "3 - Niet gestart",
        "30",
        "3.5",
        "x3",
        dt.date(2009, 1, 1),
        dt.time(3, 0),
    ],
)
def test_anything_else_is_invalid(raw: object) -> None:
    with pytest.raises(InvalidStatus):
        default_parser().parse(raw)


def test_every_label_of_the_scale_is_accepted_in_both_languages() -> None:
    scale = load_status_scale()
    for status in scale.statuses:
        assert default_parser().parse(status.label_nl.upper()) == StatusValue(status.value, False)
        assert default_parser().parse(f" {status.label_en} ") == StatusValue(status.value, False)
        assert default_parser().parse(f"{status.value} - {status.label_nl}") == StatusValue(status.value, False)


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.sampled_from(["3 - Ingevoerd", "n.v.t.", " 4 ", "2,0", "3 -", "- 3", "3 : ingevoerd en geborgd", "1" * 5000]),
    st.dates(),
    st.datetimes(),
    st.times(),
)


@given(cell_values)
def test_any_cell_value_parses_or_is_refused_cleanly(raw: object) -> None:
    try:
        parsed = default_parser().parse(raw)
    except InvalidStatus:
        return
    assert parsed is None or (parsed.not_applicable and parsed.status is None) or parsed.status in range(5)


@given(st.integers(min_value=0, max_value=4), st.sampled_from(["", " ", "  "]), st.booleans())
def test_numbers_read_the_same_whatever_their_form(value: int, padding: str, as_float: bool) -> None:
    written = f"{padding}{float(value) if as_float else value}{padding}"
    assert default_parser().parse(written) == default_parser().parse(value) == StatusValue(value, False)
