"""A session's messages oldest first, a page at a time, and the plain dicts they export as."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sessiontui.model import Message, Session, Usage
from sessiontui.stores.base import Store
from sessiontui.timestamps import iso_utc

PAGE_MESSAGES = 500


async def messages_in_order(store: Store, session: Session) -> AsyncIterator[Message]:
    """Every message oldest first, holding one page at a time: the pages' cursors are found
    walking back from the end (kept: one per page), then each page is read again, in order."""
    cursors: list[object | None] = [None]
    while True:
        page = await store.read_messages(session, before=cursors[-1], limit=PAGE_MESSAGES)
        if page.older is None or not page.messages:
            break
        cursors.append(page.older)
    for before in reversed(cursors):
        page = await store.read_messages(session, before=before, limit=PAGE_MESSAGES)
        for message in page.messages:
            yield message


def usage_json(usage: Usage | None) -> dict[str, int] | None:
    if usage is None:
        return None
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "cache_write_1h_tokens": usage.cache_write_1h_tokens,
    }


def session_json(session: Session) -> dict[str, Any]:
    """What the store holds of the session itself (cost None: not known, never 0)."""
    return {
        "format": str(session.format),
        "store": session.store,
        "id": session.id,
        "name": session.name,
        "created_at": iso_utc(session.created_at),
        "last_activity": iso_utc(session.last_activity),
        "channel": session.channel,
        "user": session.user,
        "agent": session.agent,
        "model": session.model,
        "messages": session.message_count,
        "turns": session.turns,
        "usage": usage_json(session.usage),
        "cost_usd": session.cost_usd,
        "cost_source": str(session.cost_source) if session.cost_source else None,
        "models": [
            {"model": m.model, "calls": m.calls, "usage": usage_json(m.usage), "cost_usd": m.cost}
            for m in session.models
        ],
        "transcript": session.source_path,
    }


def message_json(message: Message) -> dict[str, Any]:
    result = message.tool_result
    return {
        "role": str(message.role),
        "kind": str(message.kind),
        "at": iso_utc(message.at),
        "model": message.model,
        "text": message.text,
        "tool_calls": [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls
        ],
        "tool_result": None
        if result is None
        else {
            "tool_call_id": result.tool_call_id,
            "content": result.content,
            "is_error": result.is_error,
        },
    }
