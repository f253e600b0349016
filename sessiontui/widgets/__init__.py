"""Widgets of the dashboard: the session table, the transcript view and the summary bar.

Names are imported lazily, so `sessiontui.widgets.rows` can be used without importing Textual.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sessiontui.widgets.rows import SessionRow
    from sessiontui.widgets.session_table import SessionTable
    from sessiontui.widgets.summary_bar import SummaryBar
    from sessiontui.widgets.transcript_view import TranscriptView

_MODULES = {
    "SessionRow": "sessiontui.widgets.rows",
    "SessionTable": "sessiontui.widgets.session_table",
    "SummaryBar": "sessiontui.widgets.summary_bar",
    "TranscriptView": "sessiontui.widgets.transcript_view",
}

__all__ = ["SessionRow", "SessionTable", "SummaryBar", "TranscriptView"]


def __getattr__(name: str) -> Any:
    """Import a widget on first use."""
    if name in _MODULES:
        return getattr(import_module(_MODULES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
