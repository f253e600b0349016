"""JSON objects with the same keys line after line (`snapshot --json`), written without a dict.

`JsonObjects(keys).line(values)` is byte for byte `json_line(dict(zip(keys, values)))`: the keys
are encoded once; each value goes to the C function `json.dumps` itself uses for its type (text,
integers, true/false/null, a list of integers), and anything else (other floats than finite
ones, dicts, objects written through `default=str`) to the very encoder `json_line` uses. A
`snapshot --json` row: about 7 us instead of 11 for its dict and `json_line` (ZeroClaw), 9
instead of 13 (Starpod): `benchmarks/results/snap12_writer.txt`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from json.encoder import encode_basestring
from typing import Any

from sessiontui.text import json_encoder, safe_json


def _float(value: float) -> str:
    """As `json.dumps`: `repr` for a finite float, `NaN` / `Infinity` for the rest."""
    return float.__repr__(value) if value - value == 0 else json_encoder().encode(value)


def _list(value: list[Any]) -> str:
    """A list of plain integers (the PIDs) as `json.dumps` writes it; any other list by it."""
    if all(type(item) is int for item in value):
        return "[" + ", ".join(map(int.__repr__, value)) + "]"
    return json_encoder().encode(value)


def _other(value: object) -> str:
    return json_encoder().encode(value)


_BY_TYPE: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    type(None): {None: "null"}.__getitem__,
    bool: {True: "true", False: "false"}.__getitem__,
    float: _float,
    list: _list,
}


class JsonObjects:
    """One JSON object per line, always with these keys in this order."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = tuple(keys)
        # ['{"a": ', None, ', "b": ', None, '}']: the constant text once, each value in its slot
        self._slots: list[str | None] = [None] * (2 * len(keys)) + ["}"]
        for place, key in enumerate(keys):
            self._slots[2 * place] = ("{" if place == 0 else ", ") + encode_basestring(key) + ": "

    def line(self, values: Sequence[object]) -> str:
        """The object of these values (in `keys` order) on one line, safe to print (`json_line`)."""
        if len(values) != len(self.keys):
            raise ValueError(f"{len(values)} values for {len(self.keys)} keys")
        get = _BY_TYPE.get
        slots = self._slots.copy()
        # (None first: half a row's values are null, and `is` is cheaper than the look-up)
        slots[1:-1:2] = ["null" if v is None else get(type(v), _other)(v) for v in values]
        return safe_json("".join(slots))  # type: ignore[arg-type]
