"""Timestamps in every form the bots write (STORES.md 1.2, 1.3, 2.3, 4.1, 5.1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessiontui.timestamps import (
    chrono_rfc3339,
    chrono_serde,
    claude_code_timestamp,
    iso_utc,
    parse_timestamp,
)

BASE = datetime(2026, 3, 15, 20, 37, 51, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        # chrono serde (hermes sessions.json): `Z`, AutoSi fraction of 0, 3, 6 or 9 digits.
        ("2026-03-15T20:37:51Z", 0),
        ("2026-03-15T20:37:51.500Z", 500_000),
        ("2026-03-15T20:37:51.123456Z", 123_456),
        ("2026-03-15T20:37:51.123456789Z", 123_456),  # nanoseconds cut, never rounded up
        ("2026-03-15T20:37:51.999999999Z", 999_999),
        # chrono to_rfc3339 (every SQLite column): `+00:00`.
        ("2026-03-15T20:37:51+00:00", 0),
        ("2026-03-15T20:37:51.500+00:00", 500_000),
        ("2026-03-15T20:37:51.123456+00:00", 123_456),
        ("2026-03-15T20:37:51.123456789+00:00", 123_456),
        # Claude Code: milliseconds and `Z`.
        ("2026-03-15T20:37:51.557Z", 557_000),
    ],
)
def test_chrono_and_claude_forms_parse_to_utc(text: str, micros: int) -> None:
    parsed = parse_timestamp(text)
    assert parsed == BASE.replace(microsecond=micros)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-15T16:37:51-04:00", BASE),  # other offsets become UTC
        ("2026-03-16T02:07:51.5+05:30", BASE.replace(microsecond=500_000)),
        ("2026-03-15 20:37:51", BASE),  # naive text is UTC (Starpod's own tests write it)
        ("2026-03-15", datetime(2026, 3, 15, tzinfo=UTC)),
        (int(BASE.timestamp()), BASE),  # epoch seconds
        (int(BASE.timestamp()) * 1000 + 250, BASE.replace(microsecond=250_000)),  # epoch ms
        ("  2026-03-15T20:37:51Z  ", BASE),
    ],
)
def test_other_accepted_forms(value: object, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    "value", [None, "", "   ", "garbage", "2026-13-01T00:00:00Z", True, [], {}]
)
def test_not_a_timestamp_is_none(value: object) -> None:
    assert parse_timestamp(value) is None


@pytest.mark.parametrize(
    ("moment", "rfc3339", "serde"),
    [
        (BASE, "2026-03-15T20:37:51+00:00", "2026-03-15T20:37:51Z"),
        (
            BASE.replace(microsecond=500_000),
            "2026-03-15T20:37:51.500+00:00",
            "2026-03-15T20:37:51.500Z",
        ),
        (
            BASE.replace(microsecond=123_456),
            "2026-03-15T20:37:51.123456+00:00",
            "2026-03-15T20:37:51.123456Z",
        ),
        (
            datetime(2026, 3, 15, 16, 37, 51, tzinfo=timezone(timedelta(hours=-4))),
            "2026-03-15T20:37:51+00:00",
            "2026-03-15T20:37:51Z",
        ),
    ],
)
def test_written_in_each_bots_own_form(moment: datetime, rfc3339: str, serde: str) -> None:
    assert chrono_rfc3339(moment) == rfc3339
    assert chrono_serde(moment) == serde


def test_claude_code_form_has_milliseconds_and_z() -> None:
    assert claude_code_timestamp(BASE.replace(microsecond=557_999)) == "2026-03-15T20:37:51.557Z"
    assert claude_code_timestamp(BASE) == "2026-03-15T20:37:51.000Z"


def test_iso_utc_for_snapshot_output() -> None:
    assert iso_utc(None) is None
    assert iso_utc(BASE.replace(microsecond=5)) == "2026-03-15T20:37:51.000005+00:00"
    eastern = datetime(2026, 3, 15, 16, 37, 51, tzinfo=timezone(timedelta(hours=-4)))
    assert iso_utc(eastern) == "2026-03-15T20:37:51+00:00"


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?\+00:00$")


@given(moments)
def test_rfc3339_round_trips_and_never_writes_z(moment: datetime) -> None:
    text = chrono_rfc3339(moment)
    assert RFC3339.match(text), text
    assert parse_timestamp(text) == moment
    assert parse_timestamp(chrono_serde(moment)) == moment


@given(moments, moments)
def test_rfc3339_text_order_is_time_order(a: datetime, b: datetime) -> None:
    """The bots compare these strings as TEXT (prune, cleanup_stale, stuck): what we write
    must sort the way the times do, against each other whatever their fraction width."""
    if a == b:
        return
    assert (chrono_rfc3339(a) < chrono_rfc3339(b)) == (a < b)
