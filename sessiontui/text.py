"""Make text from a store safe to show: nothing in it may act on the terminal."""

from __future__ import annotations

import json
import re
from functools import cache

# C0 controls but tab and newline, DEL, C1 controls (0x80-0x9f: CSI, OSC ... on 8-bit terminals),
# the bidirectional marks, overrides and isolates that reorder what the eye reads (U+061C,
# U+200E-F, U+202A-E, U+2066-9), the line and paragraph separators (U+2028-9), and lone
# surrogates: a JSON `\ud83d` cut from its pair, or a file name's undecodable byte (Python's
# surrogate escapes U+DC80-DCFF), which no UTF-8 output can carry.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
    "\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(char: str) -> str:
    """A file name's undecodable byte as `\\xff`; any other lone surrogate as U+FFFD."""
    code = ord(char)
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def safe_text(text: str) -> str:
    """Text that any UTF-8 output can carry: lone surrogates replaced and marked (see `_surrogate`);
    everything else unchanged. For text that is stored or compared, not only shown."""
    return (
        _SURROGATE.sub(lambda m: _surrogate(m.group()), text) if _SURROGATE.search(text) else text
    )


def _show(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r":
        return "\\r"
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return _surrogate(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ESC shows as the glyph ␛
    if code == 0x7F:
        return "\u2421"
    return f"\\u{code:04x}"


def printable(text: str) -> str:
    """Text with every control character made visible; tabs and newlines kept."""
    return _UNSAFE.sub(_show, text)


def json_line(value: object) -> str:
    """One JSON line that is safe to print: control and bidi characters stay `\\u` escapes."""
    return safe_json(json_encoder().encode(value))


def safe_json(line: str) -> str:
    """A line of JSON (as `json` writes it) made safe to print: control and bidi characters as
    `\\u` escapes. `json` escapes every C0 control itself, so in text that is all ASCII (a flag
    Python keeps: no scan) only DEL can be unsafe: one `in`, not `isprintable`'s check of
    every character (2 us of a 700-character line) nor the regex."""
    if line.isascii() and "\x7f" not in line:
        return line
    return _UNSAFE.sub(_json_escape, line)


@cache
def json_encoder() -> json.JSONEncoder:
    """The encoder `json.dumps(value, ensure_ascii=False, default=str)` makes anew at every call
    (2-3 us a line: 0.2 s of a 100k-session `snapshot --json`), made once."""
    return json.JSONEncoder(ensure_ascii=False, default=str)


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if 0xD800 <= ord(char) <= 0xDFFF:  # inside a JSON string: a backslash is written `\\`
        return _surrogate(char).replace("\\", "\\\\")
    return f"\\u{ord(char):04x}"


def one_line(text: str, width: int | None = None) -> str:
    """Printable text folded onto one line (newlines and tabs as spaces), cut to `width`."""
    flat = printable(text).replace("\n", " ").replace("\t", " ")
    if width is not None and len(flat) > width:
        return flat[: max(0, width - 1)] + "\u2026"
    return flat
