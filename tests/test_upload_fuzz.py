"""Fuzzing the upload callback over HTTP with random bytes and mutated workbooks: always a handled answer (never a
500), and a rejection changes nothing but the record of the rejection."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from corpus.builders import sqlite_only
from corpus.uploads import check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

EXAMPLES = 40
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PARTS = ("xl/worksheets/sheet2.xml", "xl/workbook.xml", "xl/sharedStrings.xml", "[Content_Types].xml")
TOKENS = (b"", b"<", b">", b'"', b"\x00", b"<f>1/0</f>", b'<c r="XFD1048576">', b"99999999999", b"&bogus;")
NAMES = st.sampled_from(["terug.xlsx", "terug.xls", "terug.ods", "terug", "../../etc/passwd", "=cmd.xlsx", "ü" * 300])

pytestmark = sqlite_only  # the app's handling of input does not depend on the database; test_upload covers both


@FUZZ_SETTINGS
@given(data=st.binary(max_size=4096), name=NAMES)
def test_random_bytes_always_get_a_handled_answer(
    engine: Engine, fuzz_target: tuple, table_snapshot, data: bytes, name: str
) -> None:
    _, client, _ = fuzz_target
    check(engine, client, name, data, table_snapshot)


def mutate_bytes(valid: bytes, position: float, garbage: bytes, truncate: bool) -> bytes:
    at = int(position * len(valid))
    return valid[:at] if truncate else valid[:at] + garbage + valid[at + len(garbage) :]


def mutate_part(valid: bytes, part: str, position: float, token: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(valid)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == part:
                at = int(position * len(content))
                content = content[:at] + token + content[at + 1 :]
            target.writestr(item, content)
    return out.getvalue()


def mutate_cells(valid: bytes, edits: list[tuple[int, int, object]]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(valid))
    sheet = book.worksheets[-1] if len(book.worksheets) > 1 else book.active
    for row, column, value in edits:
        sheet.cell(row, column).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


cell_values = st.one_of(
    st.none(),
    st.integers(-5, 10),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
    st.sampled_from(["n.v.t.", "ja", "=1+1", "GM0363", "GM0518", "Gemeentecode", "Nr", "Status", "<b>x</b>"]),
)
mutations = st.one_of(
    st.builds(
        lambda p, g, t: ("bytes", p, g, t),
        st.floats(0, 1, exclude_max=True),
        st.binary(min_size=1, max_size=64),
        st.booleans(),
    ),
    st.builds(
        lambda part, p, token: ("part", part, p, token),
        st.sampled_from(PARTS),
        st.floats(0, 1, exclude_max=True),
        st.sampled_from(TOKENS),
    ),
    st.builds(
        lambda edits: ("cells", edits),
        st.lists(st.tuples(st.integers(1, 45), st.integers(1, 6), cell_values), min_size=1, max_size=6),
    ),
)


@FUZZ_SETTINGS
@given(mutation=mutations, name=NAMES)
def test_mutated_workbooks_always_get_a_handled_answer(
    engine: Engine, fuzz_target: tuple, table_snapshot, mutation: tuple, name: str
) -> None:
    _, client, valid = fuzz_target
    kind, *args = mutation
    if kind == "bytes":
        data = mutate_bytes(valid, *args)
    elif kind == "part":
        data = mutate_part(valid, *args)
    else:
        data = mutate_cells(valid, *args)
    check(engine, client, name, data, table_snapshot)
