"""Label values fit for Prometheus: short, printable, and few.

Store text (a model name, a path) may hold anything; a label value keeps only plain characters
and is cut to a length, so no value can make the exposition unreadable or explode a dashboard.
"""

from __future__ import annotations

import re

from sessiontui.stores.registry import record_for

MAX_LABEL_LENGTH = 120
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._:/@+=~-]")


def label_value(text: str | None, empty: str = "unknown") -> str:
    """`text` with every character outside a plain set as `_`, cut to MAX_LABEL_LENGTH."""
    if not text:
        return empty
    return _NOT_PLAIN.sub("_", text)[:MAX_LABEL_LENGTH]


def bot_of(fmt: str) -> str:
    """The bot a store format belongs to (two formats can belong to one bot)."""
    record = record_for(fmt)
    return label_value(record.bot.lower().replace(" ", "-") if record else fmt)
