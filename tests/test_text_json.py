"""`json_line` writes what `json.dumps(value, ensure_ascii=False, default=str)` writes, with one
encoder made once instead of one per line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sessiontui.text import json_line

printable_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("éß€漢🙂")
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | printable_text
    | st.datetimes(timezones=st.just(UTC))  # not JSON: written as str() by `default`
    | st.builds(Path, printable_text)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(printable_text, inner, max_size=4),
    max_leaves=12,
)


@given(values)
def test_json_line_writes_what_json_dumps_writes(value: Any) -> None:
    assert json_line(value) == json.dumps(value, ensure_ascii=False, default=str)


def test_json_line_writes_datetimes_and_unicode_as_before() -> None:
    value = {"at": datetime(2026, 11, 30, tzinfo=UTC), "name": "漢 é", "n": [1, 2.5, None]}
    assert (
        json_line(value)
        == '{"at": "2026-11-30 00:00:00+00:00", "name": "漢 é", "n": [1, 2.5, null]}'
    )
