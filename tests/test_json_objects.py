"""`JsonObjects(keys).line(values)` writes exactly what `json_line(dict(zip(keys, values)))` writes,
for any values a row can hold (SQLite hands back whatever type a bot stored), including text that
must be escaped to be safe to print, floats that are not finite and objects written by `str`."""

from __future__ import annotations

import enum
import json
import math
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessiontui.json_objects import JsonObjects
from sessiontui.text import _UNSAFE, _json_escape, json_line, safe_json


class Level(enum.IntEnum):  # an int that is not exactly `int`
    LOW = 1


class Kind(enum.StrEnum):  # a str that is not exactly `str`
    A = "a\x9b"


any_text = (
    st.text()
    | st.text(st.sampled_from("a é\t\n\r\x00\x1b\x7f\x85\x9b\u202e\u2028\ud800\udcff"))
    | st.text(st.sampled_from("a\t\x00\x1b\x7f"))  # all ASCII, DEL among it
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too
    | any_text
    | st.sampled_from([Level.LOW, Kind.A, 2**70, -0.0])
    | st.datetimes(timezones=st.just(UTC))  # not JSON: written as str() by `default`
    | st.builds(Path, any_text)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(any_text, inner, max_size=4)
    ),
    max_leaves=8,
)


@given(st.lists(st.tuples(any_text, values), min_size=1, max_size=8, unique_by=lambda kv: kv[0]))
def test_a_line_is_what_json_line_writes_of_the_dict(pairs: list[tuple[str, Any]]) -> None:
    keys = [key for key, _ in pairs]
    got = JsonObjects(keys).line([value for _, value in pairs])
    assert got == json_line(dict(pairs))


@given(st.lists(st.integers() | st.booleans(), max_size=5))
def test_a_list_of_pids_is_written_as_json_writes_it(pids: list[int]) -> None:
    assert JsonObjects(["pids"]).line([pids]) == json_line({"pids": pids})


def test_the_awkward_values_one_by_one() -> None:
    keys = ["a", "b", "c", "d", "e", "f", "g"]
    row = [math.nan, -math.inf, True, Level.LOW, Kind.A, "\x7f\u202e", [1, True, 2]]
    line = JsonObjects(keys).line(row)
    assert line == json_line(dict(zip(keys, row, strict=True)))
    assert line.startswith('{"a": NaN, "b": -Infinity, "c": true, "d": 1, "e": "a\\u009b"')
    assert json.loads(line)["g"] == [1, True, 2]


def test_as_many_values_as_keys() -> None:
    with pytest.raises(ValueError, match="3 values for 2 keys"):
        JsonObjects(["a", "b"]).line([1, 2, 3])


@given(values)
def test_safe_json_escapes_what_the_full_scan_escapes(value: Any) -> None:
    line = json.dumps(value, ensure_ascii=False, default=str)
    assert safe_json(line) == _UNSAFE.sub(_json_escape, line)  # the path without the shortcut


def test_del_in_an_ascii_line_is_escaped() -> None:
    assert json_line({"a": "x\x7fy"}) == '{"a": "x\\u007fy"}'
