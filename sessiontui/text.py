"""Make text from a store safe to show: nothing in it may act on the terminal."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (0x80-0x9f: CSI, OSC ... on 8-bit terminals),
# and the bidirectional overrides that reorder what the eye reads.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _show(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r":
        return "\\r"
    code = ord(char)
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
    import json

    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False, default=str))


def one_line(text: str, width: int | None = None) -> str:
    """Printable text folded onto one line (newlines and tabs as spaces), cut to `width`."""
    flat = printable(text).replace("\n", " ").replace("\t", " ")
    if width is not None and len(flat) > width:
        return flat[: max(0, width - 1)] + "\u2026"
    return flat
