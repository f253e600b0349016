"""Texts that many sessions repeat, kept as one object each.

Titles, names and last messages repeat across sessions (a cron job's sessions share a title,
a bot answers many sessions alike): each row read brings its own copy, so a first read of 100k
sessions would keep up to 100k copies of a handful of texts.
"""

from __future__ import annotations

from functools import lru_cache

from sessiontui.model import PREVIEW_CHARS


@lru_cache(maxsize=8192, typed=True)
def one_copy(text: str) -> str:
    """`text`, or an equal text passed recently (the same object for every caller). Unlike
    `sys.intern`, a text seen once is let go after 8192 newer ones: unique texts cost nothing."""
    return text


def one_copy_of_preview(content: str) -> str:
    """`content`, kept once if it is no longer than a last message's preview (then the preview is
    usually this very text). A longer one is returned as it is: only its preview outlives the
    read, so keeping it in the cache would hold a long answer or a tool's output in memory."""
    return one_copy(content) if len(content) <= PREVIEW_CHARS else content
