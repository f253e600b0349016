"""How one transcript message becomes display lines at a given width. Pure; no Textual.

A display line is a tuple of `(text, style)` parts. The style is a short name the transcript
view maps to its component class `transcript-view--<style>`; "" is the widget's own style.
All text passes through `printable()` / `one_line()` first: it is never parsed as markup.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from rich.cells import cell_len, chop_cells, set_cell_size

from sessiontui.model import Message, MessageKind, Role
from sessiontui.text import one_line, printable

Part = tuple[str, str]
Line = tuple[Part, ...]

GUTTER = "\u2502 "  # "│ ": every body line of a message, in the role's colour
TOOL_ICON = "\u2699"  # ⚙
ROLE_STYLES = {
    Role.USER: "user",
    Role.ASSISTANT: "assistant",
    Role.TOOL: "tool",
    Role.SYSTEM: "system",
}
BLANK: Line = ()

_WORD = re.compile(r"\S+\s*|\s+")


def _cut(text: str, width: int) -> str:
    """`text` cut to at most `width` cells, with an ellipsis when cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + "\u2026"


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap of printable text into lines of at most `width` cells.

    Newlines break lines; words longer than the width are broken; tabs become 4 spaces.
    """
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.replace("\t", "    ").split("\n"):
        if len(paragraph) <= width and (paragraph.isascii() or cell_len(paragraph) <= width):
            lines.append(paragraph.rstrip())
            continue
        line, used = "", 0
        for word in _WORD.findall(paragraph):
            size = cell_len(word)
            if used + cell_len(word.rstrip()) <= width:
                line, used = line + word, used + size
                continue
            if line.strip():
                lines.append(line.rstrip())
            line, used = "", 0
            if not word.strip():
                continue
            while cell_len(word.rstrip()) > width:
                head, *_rest = chop_cells(word, width)
                lines.append(head)
                word = word[len(head) :]
            line, used = word, cell_len(word)
        lines.append(line.rstrip())
    return lines


def role_style(role: Role | str) -> str:
    """The style name of a role; unknown roles look like system messages."""
    try:
        return ROLE_STYLES[Role(role)]
    except ValueError:
        return "system"


def header_line(message: Message, tz: tzinfo | None) -> Line:
    """`assistant  12:34:56  model` in the role's colour, the rest muted."""
    style = role_style(message.role)
    parts: list[Part] = [(one_line(str(message.role), 20), style)]
    if message.at is not None:
        moment = message.at.astimezone(tz) if message.at.tzinfo is not None else message.at
        parts.append(("  " + moment.strftime("%H:%M:%S"), "timestamp"))
    if message.model:
        parts.append(("  " + one_line(message.model, 40), "timestamp"))
    return tuple(parts)


def _body(lines: list[str], role: str, style: str = "") -> list[Line]:
    return [((GUTTER, role), (line, style)) for line in lines]


def _tool_result_lines(message: Message, role: str, width: int, expanded: bool) -> list[Line]:
    result = message.tool_result
    content = printable(result.content if result is not None else message.text)
    style = "tool-error" if result is not None and result.is_error else "tool-result"
    raw = content.rstrip("\n").split("\n")
    if expanded or len(raw) <= 1:
        return _body(wrap(content.rstrip("\n"), width), role, style)
    more = f" ({len(raw) - 1} more lines)"
    first = _cut(one_line(raw[0]), max(1, width - len(more)))
    return [((GUTTER, role), (first, style), (more, "more"))]


def _tool_call_lines(message: Message, role: str, width: int, expanded: bool) -> list[Line]:
    lines: list[Line] = []
    for call in message.tool_calls:
        if expanded:
            lines.append(
                ((GUTTER, role), (_cut(f"{TOOL_ICON} {one_line(call.name)}", width), "tool-call"))
            )
            lines.extend(_body(wrap(printable(call.arguments), width), role, "tool-call"))
        else:
            text = f"{TOOL_ICON} {one_line(call.name)} {one_line(call.arguments)}"
            lines.append(((GUTTER, role), (_cut(text, width), "tool-call")))
    return lines


def layout_message(
    message: Message, width: int, expanded: bool = False, tz: tzinfo | None = None
) -> list[Line]:
    """The display lines of one message: a header, the body behind a gutter, a blank line.

    Tool calls take one line each (`⚙ name {args}` cut to the width) and tool results their
    first line plus "(N more lines)", unless `expanded`.
    """
    role = role_style(message.role)
    inner = max(8, width - len(GUTTER))
    lines: list[Line] = [header_line(message, tz)]
    if message.kind is MessageKind.TOOL_RESULT or message.tool_result is not None:
        lines.extend(_tool_result_lines(message, role, inner, expanded))
    else:
        if message.text.strip() or not message.tool_calls:
            lines.extend(_body(wrap(printable(message.text.strip("\n")), inner), role))
        lines.extend(_tool_call_lines(message, role, inner, expanded))
    lines.append(BLANK)
    return lines


def is_expandable(message: Message) -> bool:
    """Whether expanding the message can show more than its compact form."""
    return (
        bool(message.tool_calls)
        or message.kind is MessageKind.TOOL_RESULT
        or (message.tool_result is not None)
    )
