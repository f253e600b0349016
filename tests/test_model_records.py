"""The model's records are plain slotted dataclasses at run time (a frozen one's `__init__` costs
3.5x): they still compare, hash and rebuild as the frozen ones did."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, fields, replace
from datetime import UTC, datetime

import pytest

from sessiontui.model import (
    LastMessage,
    MessageKind,
    Session,
    SessionRow,
    SessionState,
    StoreFormat,
    Usage,
    Verdict,
)

AT = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FrozenUsage:
    """The reference: Usage as a frozen dataclass."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0


def session(**facts: object) -> Session:
    base = Session(
        StoreFormat.STARPOD, "/s/core.db", "k", "name", last_activity=AT, usage=Usage(1, 2)
    )
    return replace(base, **facts)  # type: ignore[arg-type]


def test_equal_records_hash_alike_and_the_uid_is_no_part_of_equality() -> None:
    one, other = session(), session()
    assert one == other and hash(one) == hash(other) and len({one, other}) == 1
    assert session(name="other") != one
    row = SessionRow(one, Verdict(SessionState.IDLE))
    assert row == SessionRow(other, Verdict(SessionState.IDLE)) and row.key == one.uid
    assert len({row, SessionRow(other, Verdict(SessionState.IDLE))}) == 1


def test_hash_and_repr_are_the_frozen_dataclasses() -> None:
    values = (1, 2, 3, 4, 5)
    assert hash(Usage(*values)) == hash(FrozenUsage(*values))
    assert repr(Usage(*values)).removeprefix("Usage") == repr(FrozenUsage(*values)).removeprefix(
        "FrozenUsage"
    )


def test_replace_gives_a_new_uid_and_records_take_no_new_attributes() -> None:
    moved = replace(session(), id="other")
    assert moved.uid.endswith("\x1fother") and moved.uid != session().uid
    last = LastMessage("user", MessageKind.TEXT, AT)
    with pytest.raises((AttributeError, TypeError, FrozenInstanceError)):
        last.colour = "red"  # type: ignore[attr-defined]
    assert [f.name for f in fields(Usage)] == [f.name for f in fields(FrozenUsage)]
