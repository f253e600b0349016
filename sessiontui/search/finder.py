"""Find the messages that hold a text, across stores: newest sessions first, as they are found.

A store whose format keeps a full-text index is asked through it (read-only, the text as one
phrase, so it matches whole words as the bot's own search does), and only the messages holding
the text itself are kept (the index ignores punctuation); every other store, or one
whose index cannot be read, is scanned: a session's transcript file is first read as bytes in
bounded chunks and skipped unless the text (as UTF-8 or JSON-escaped) is in it, then its
messages are read a page at a time from the end, so memory stays bounded on any size.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sessiontui.model import Message, Session
from sessiontui.search.hits import SearchHit, byte_needles, matching_line
from sessiontui.stores.base import Store, StoreError
from sessiontui.stores.fts_search import has_token
from sessiontui.stores.registry import record_for

CHUNK_BYTES = 1 << 20
PAGE_MESSAGES = 200
INDEX_LIMIT = 10_000  # index hits asked of one store at most

Source = tuple[Store, Sequence[Session]]


def file_may_hold(path: Path, needles: Sequence[bytes]) -> bool:
    """True when any of `needles` is in the file (ASCII case folded), read 1 MiB at a time.
    A file that cannot be read is kept: the store's own reading says why."""
    overlap = max(len(n) for n in needles) - 1
    tail = b""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                window = tail + chunk.lower()
                if any(n in window for n in needles):
                    return True
                tail = window[-overlap:] if overlap else b""
    except OSError:
        return True
    return False


def _newest_first(sessions: Sequence[Session]) -> list[Session]:
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(sessions, key=lambda s: s.last_activity or s.created_at or oldest, reverse=True)


def _resume(session: Session) -> str | None:
    record = record_for(session.format)
    return record.resume(session) if record is not None and record.resume is not None else None


def _message_hit(
    session: Session, message: Message, needle: str, resume: str | None
) -> SearchHit | None:
    texts = [message.text, *(call.arguments for call in message.tool_calls)]
    if message.tool_result is not None and message.tool_result.content != message.text:
        texts.append(message.tool_result.content)
    for text in texts:
        found = matching_line(text, needle)
        if found is not None:
            return SearchHit(
                session, message.at, str(message.role), *found, via="scan", resume=resume
            )
    return None


async def scan_session(
    store: Store, session: Session, needle: str, needles: Sequence[bytes]
) -> AsyncIterator[SearchHit]:
    """The session's matching messages, newest first."""
    if session.source_path and not await asyncio.to_thread(
        file_may_hold, Path(session.source_path), needles
    ):
        return
    resume = _resume(session)
    before: object | None = None
    while True:
        page = await store.read_messages(session, before=before, limit=PAGE_MESSAGES)
        for message in reversed(page.messages):
            hit = _message_hit(session, message, needle, resume)
            if hit is not None:
                yield hit
        if page.older is None or not page.messages:
            return
        before = page.older


async def index_hits(
    store: Store, sessions: Sequence[Session], needle: str
) -> list[SearchHit] | None:
    """The store's own full-text index, asked once; None when it has none or cannot be read."""
    record = record_for(store.format)
    if record is None or record.search_index is None or not has_token(needle):
        return None
    try:
        found = await asyncio.to_thread(record.search_index, store.path, needle, INDEX_LIMIT)
    except sqlite3.Error:
        return None
    by_id = {s.id: s for s in sessions}
    rank = {s.id: i for i, s in enumerate(_newest_first(sessions))}
    found = sorted(
        (h for h in found if h.session_id in by_id), key=lambda h: (rank[h.session_id], -h.order)
    )
    hits = []
    for (
        item
    ) in found:  # the index ignores punctuation and case: keep the messages holding the text itself
        line = matching_line(item.text, needle)
        if line is not None:
            session = by_id[item.session_id]
            hits.append(
                SearchHit(session, item.at, item.role, *line, via="index", resume=_resume(session))
            )
    return hits


async def find(
    sources: Sequence[Source], needle: str, *, use_index: bool = True
) -> AsyncIterator[SearchHit]:
    """Every message holding `needle`: the indexed stores' hits first, then the scanned
    sessions', newest session first. Stop by leaving the loop (or cancelling the task)."""
    if not needle:
        return
    scanned: list[tuple[Session, Store]] = []
    for store, sessions in sources:
        hits = await index_hits(store, sessions, needle) if use_index else None
        if hits is None:
            scanned.extend((s, store) for s in sessions)
            continue
        for hit in hits:
            yield hit
    needles = byte_needles(needle)
    order = {id(s): i for i, s in enumerate(_newest_first([s for s, _ in scanned]))}
    for session, store in sorted(scanned, key=lambda pair: order[id(pair[0])]):
        try:
            async for hit in scan_session(store, session, needle, needles):
                yield hit
        except (StoreError, OSError):
            continue  # a transcript gone or unreadable: the dashboard's store line says why
