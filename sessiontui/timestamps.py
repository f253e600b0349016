"""Timestamps in every form the bots write, and written back in each bot's own form."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_timestamp(value: object) -> datetime | None:
    """Parse a bot timestamp into an aware UTC datetime; None when it is not one.

    Accepts chrono RFC 3339 with `+00:00` or `Z` and 0-9 fraction digits, plain dates,
    naive ISO text (taken as UTC, as Starpod's own tests write it), and epoch numbers
    in seconds or milliseconds.
    """
    if type(value) is str and value.endswith("+00:00"):  # chrono's SQLite form: no more to do
        try:
            return datetime.fromisoformat(value)  # already UTC, as astimezone(UTC) would give
        except ValueError:
            pass
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    if value.endswith("Z"):  # the common case (Claude Code): no trimming needed, 3.11 truncates
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    text = value.strip()
    if not text:
        return None
    # Python 3.11 reads chrono's 9 fraction digits (truncated to microseconds, never rounded up).
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def chrono_rfc3339(moment: datetime) -> str:
    """chrono's `to_rfc3339()`: `+00:00`, fraction of 0, 3, 6 or 9 digits (AutoSi).

    The form hermes-bot, ZeroClaw and Starpod write into SQLite. Never `Z`: their TEXT
    comparisons (prune, cleanup_stale, stuck) would sort it wrong.
    """
    return _rfc3339(moment, "+00:00")


def chrono_serde(moment: datetime) -> str:
    """chrono's serde form: RFC 3339 with `Z` (hermes-bot sessions.json, ZeroClaw costs.jsonl)."""
    return _rfc3339(moment, "Z")


def claude_code_timestamp(moment: datetime) -> str:
    """Claude Code's transcript form: milliseconds and `Z`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _rfc3339(moment: datetime, suffix: str) -> str:
    moment = moment.astimezone(UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    if micros == 0:
        fraction = ""
    elif micros % 1000 == 0:
        fraction = f".{micros // 1000:03d}"
    else:
        fraction = f".{micros:06d}"
    return base + fraction + suffix


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 UTC for output (`snapshot --json`), or None."""
    return None if moment is None else moment.astimezone(UTC).isoformat()
