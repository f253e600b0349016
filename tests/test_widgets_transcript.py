"""TranscriptView in a real Textual app: safe text, follow mode, paging, bounded window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from sessiontui.model import Message, MessageKind, Role, ToolCall, ToolResult
from sessiontui.widgets.transcript_layout import layout_message, wrap
from sessiontui.widgets.transcript_view import TranscriptView

T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def text_message(i: int, text: str | None = None, role: Role = Role.USER) -> Message:
    return Message(role, f"message {i:05d}" if text is None else text, at=T0 + timedelta(seconds=i))


def page(start: int, stop: int) -> list[Message]:
    return [
        text_message(i, role=Role.USER if i % 2 else Role.ASSISTANT) for i in range(start, stop)
    ]


class TranscriptApp(App[None]):
    def __init__(self, messages: list[Message], max_messages: int = 5000) -> None:
        super().__init__()
        self.initial = messages
        self.max_messages = max_messages
        self.older_requests = 0
        self.latest_requests = 0

    def compose(self) -> ComposeResult:
        yield TranscriptView(max_messages=self.max_messages, tz=UTC)

    def on_mount(self) -> None:
        view = self.query_one(TranscriptView)
        view.set_messages(self.initial)
        view.focus()

    def on_transcript_view_need_older(self, message: TranscriptView.NeedOlder) -> None:
        self.older_requests += 1

    def on_transcript_view_need_latest(self, message: TranscriptView.NeedLatest) -> None:
        self.latest_requests += 1


def screen_lines(view: TranscriptView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def test_markup_and_escapes_render_literally() -> None:
    messages = [
        text_message(1, "[bold red]x[/] and \x1b[2J\x1b]0;title\x07 and \u202etxet"),
        Message(
            Role.ASSISTANT,
            "",
            kind=MessageKind.TOOL_CALL,
            tool_calls=(ToolCall("c1", "shell[/]", '{"command":"printf \\"\x1b[31m\\""}'),),
        ),
        Message(
            Role.TOOL,
            "",
            kind=MessageKind.TOOL_RESULT,
            tool_result=ToolResult("c1", "\x1b[31mred[/red]"),
        ),
    ]
    app = TranscriptApp(messages)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app.query_one(TranscriptView)))
        assert "[bold red]x[/]" in text and "shell[/]" in text and "red[/red]" in text
        assert "\u241b[2J" in text and "\u241b]0;title\u2407" in text
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "user  09:30:01" in text, "role and HH:MM:SS in the header line"


async def test_follow_pauses_counts_and_end_resumes() -> None:
    app = TranscriptApp(page(0, 40))
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        assert view.follow and view.scroll_offset.y == view.max_scroll_y > 0
        view.append_messages(page(40, 42))
        await pilot.pause()
        assert view.follow and view.scroll_offset.y == view.max_scroll_y
        assert "message 00041" in "".join(screen_lines(view))

        await pilot.press("up", "up", "up")
        assert not view.follow
        top = view.scroll_offset.y
        view.append_messages(page(42, 47))
        await pilot.pause()
        assert view.scroll_offset.y == top, "paused: the viewport does not move"
        assert view.new_since_pause == 5
        assert view.border_subtitle == "5 new \u2014 End to follow"
        assert "message 00046" not in "".join(screen_lines(view))

        await pilot.press("end")
        assert view.follow and view.new_since_pause == 0 and view.border_subtitle == ""
        assert view.scroll_offset.y == view.max_scroll_y
        assert "message 00046" in "".join(screen_lines(view))
        view.append_messages(page(47, 48))
        await pilot.pause()
        assert "message 00047" in "".join(screen_lines(view))


async def test_prepend_keeps_the_viewport_anchored() -> None:
    app = TranscriptApp(page(100, 140))
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.scroll_to(y=10, animate=False)
        await pilot.pause()
        before = screen_lines(view)
        view.prepend_messages(page(60, 100))
        await pilot.pause()
        assert view.message_count == 80
        assert screen_lines(view) == before
        assert view.scroll_offset.y == 10 + 40 * 3  # 3 lines a message: header, text, blank


async def test_need_older_posted_at_top_once_per_page() -> None:
    app = TranscriptApp(page(100, 140))
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        await pilot.press("home")
        await pilot.pause()
        assert view.scroll_offset.y == 0
        assert app.older_requests == 1
        await pilot.press("up", "home")  # already asked; the answer has not come
        await pilot.pause()
        assert app.older_requests == 1
        view.prepend_messages(page(90, 100))
        await pilot.pause()
        assert view.scroll_offset.y == 30
        await pilot.press("home")
        await pilot.pause()
        assert app.older_requests == 2
        view.prepend_messages([])  # the start of the transcript
        await pilot.press("down", "home")
        await pilot.pause()
        assert app.older_requests == 2 and not view.has_older


async def test_window_is_bounded_from_the_far_end() -> None:
    app = TranscriptApp(page(0, 50), max_messages=50)
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        view.append_messages(page(50, 60))
        await pilot.pause()
        assert view.message_count == 50
        assert (
            view.messages[0].text == "message 00010" and view.messages[-1].text == "message 00059"
        )

        view.scroll_to(y=0, animate=False)
        view.prepend_messages(page(0, 10))
        assert (
            view.messages[0].text == "message 00000" and view.messages[-1].text == "message 00049"
        )
        view.append_messages(page(60, 61))
        assert view.messages[-1].text == "message 00049", "not at the live end: not appended"
        await pilot.press("end")
        await pilot.pause()
        assert app.latest_requests == 1
        view.set_messages(page(11, 61))
        assert view.follow and view.messages[-1].text == "message 00060"


async def test_tools_compact_then_expanded_with_x() -> None:
    call = Message(
        Role.ASSISTANT,
        "",
        kind=MessageKind.TOOL_CALL,
        tool_calls=(ToolCall("c1", "shell", '{"command": "ls -la", "cwd": "/tmp"}'),),
    )
    result = Message(
        Role.TOOL,
        "",
        kind=MessageKind.TOOL_RESULT,
        tool_result=ToolResult("c1", "total 8\nfile-a\nfile-b\nfile-c"),
    )
    app = TranscriptApp([call, result])
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        lines = screen_lines(view)
        assert any('\u2699 shell {"command": "ls -la", "cwd": "/tmp"}' in line for line in lines)
        assert any("total 8 (3 more lines)" in line for line in lines)
        assert not any("file-b" in line for line in lines)
        await pilot.press("x")
        await pilot.pause()
        text = "\n".join(screen_lines(view))
        assert "file-a" in text and "file-c" in text and "more lines" not in text
        await pilot.press("x")
        await pilot.pause()
        assert "file-b" not in "\n".join(screen_lines(view))


def test_compact_tool_call_is_cut_to_the_width() -> None:
    call = Message(
        Role.ASSISTANT,
        "",
        kind=MessageKind.TOOL_CALL,
        tool_calls=(ToolCall("c", "shell", "x" * 500),),
    )
    lines = layout_message(call, 40)
    body = ["".join(text for text, _style in line) for line in lines[1:-1]]
    assert len(body) == 1 and body[0].endswith("\u2026") and cell_len(body[0]) <= 40


@pytest.mark.parametrize("width", [5, 12, 40])
def test_wrap_fits_and_keeps_every_word(width: int) -> None:
    text = "alpha beta  gamma\n\nsupercalifragilisticexpialidocious 日本語のテキストです end"
    lines = wrap(text, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert "" in lines, "blank lines are kept"


async def test_resize_rewraps_and_keeps_following() -> None:
    long = "lorem ipsum dolor sit amet " * 12
    app = TranscriptApp([text_message(i, f"{i:05d} {long}") for i in range(30)])
    async with app.run_test(size=(120, 20)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        wide_lines = view.line_count
        await pilot.resize_terminal(50, 20)
        await pilot.pause()
        width = view.scrollable_content_region.width
        lines = screen_lines(view)
        assert view.line_count > wide_lines
        assert all(cell_len(line.rstrip()) <= width for line in lines)
        assert view.follow and view.scroll_offset.y == view.max_scroll_y
        assert any("lorem" in line for line in lines[-4:])


async def test_click_expands_only_that_message() -> None:
    def result(i: int) -> Message:
        content = f"head {i}\nbody {i}\ntail {i}"
        return Message(
            Role.TOOL, "", kind=MessageKind.TOOL_RESULT, tool_result=ToolResult("c", content)
        )

    app = TranscriptApp([result(1), result(2)])
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        lines = screen_lines(view)
        y = next(i for i, line in enumerate(lines) if "head 1 (2 more lines)" in line)
        await pilot.click(TranscriptView, offset=(5, y + 1))  # +1: the border
        await pilot.pause()
        text = "\n".join(screen_lines(view))
        assert "body 1" in text and "tail 1" in text
        assert "head 2 (2 more lines)" in text and "body 2" not in text
