"""OpenClaw's older store (STORES.md 4.2): `agents/<agent>/sessions/sessions.json`, a map
`sessionKey -> SessionEntry`, and one pi-format `<sessionId>.jsonl` transcript per session. Read-only.

A delete or reset leaves the transcript renamed `<id>.jsonl.deleted.<ts>` / `.reset.<ts>`, and
`openclaw sessions cleanup` does not remove those (openclaw#75658): they are counted, with their
size, on the store line. Files are re-read when their size or mtime moves (they are small).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import humanize

from sessiontui.live.jsonl_tail import parse_line
from sessiontui.model import (
    CostSource,
    Message,
    MessagePage,
    Session,
    StoreFormat,
    last_message_of,
)
from sessiontui.stores.base import ReadReport, StoreError
from sessiontui.stores.openclaw_entry import (
    CLOSED_STATUSES,
    ERROR_STATUSES,
    entry_cost,
    entry_usage,
)
from sessiontui.stores.pi_transcript import TranscriptTotals, to_messages
from sessiontui.timestamps import parse_timestamp

TOMBSTONE = re.compile(r"\.jsonl\.(deleted|reset)\.")


@dataclass(slots=True)
class Transcript:
    stamp: tuple[int, int] = (0, 0)
    totals: TranscriptTotals = field(default_factory=TranscriptTotals)
    messages: list[Message] = field(default_factory=list)
    skipped: int = 0


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns)


class OpenClawLegacyStore:
    format = StoreFormat.OPENCLAW_LEGACY

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()  # the sessions.json file
        self.directory = self.path.parent
        self._index_stamp: tuple[int, int] | None = None
        self._entries: dict[str, dict[str, Any]] = {}
        self._transcripts: dict[str, Transcript] = {}
        self._snapshot: tuple[Session, ...] = ()
        self._notes: tuple[str, ...] = ()
        parts = self.path.parts
        self._agent = parts[-3] if len(parts) >= 4 and parts[-4] == "agents" else None

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        return await asyncio.to_thread(self._refresh)

    def _refresh(self) -> ReadReport:
        changed = False
        stamp = _stamp(self.path)
        if stamp is None:
            raise StoreError(f"{self.path}: no such file")
        if stamp != self._index_stamp:
            try:
                data = json.loads(self.path.read_bytes())
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                raise StoreError(f"{self.path}: cannot read it as JSON ({exc})") from exc
            self._entries = (
                {k: v for k, v in data.items() if isinstance(v, dict)}
                if isinstance(data, dict)
                else {}
            )
            self._index_stamp = stamp
            changed = True
        for entry in self._entries.values():
            changed |= self._read_transcript(str(entry.get("sessionId") or ""))
        notes = self._tombstones()
        if changed or notes != self._notes or not self._snapshot:
            self._notes = notes
            self._snapshot = tuple(self._session(k, e) for k, e in self._entries.items())
            changed = True
        skipped = sum(t.skipped for t in self._transcripts.values())
        return ReadReport(self._snapshot, changed, skipped, note="; ".join(self._notes))

    def _read_transcript(self, session_id: str) -> bool:
        path = self.directory / f"{session_id}.jsonl"
        stamp = _stamp(path)
        known = self._transcripts.get(session_id)
        if stamp is None or (known is not None and known.stamp == stamp):
            return False
        transcript = Transcript(stamp)
        try:
            data = path.read_bytes()
        except OSError:
            return False
        for line in data.split(b"\n")[:-1]:  # the part after the last newline may be half written
            record = parse_line(line)
            if record is None:
                transcript.skipped += bool(line.strip())
                continue
            transcript.totals.add(record)
            transcript.messages.extend(to_messages(record))
        self._transcripts[session_id] = transcript
        return True

    def _tombstones(self) -> tuple[str, ...]:
        count = size = 0
        try:
            with os.scandir(self.directory) as entries:
                for item in entries:
                    if TOMBSTONE.search(item.name) and item.is_file():
                        count += 1
                        size += item.stat().st_size
        except OSError:
            return ()
        if not count:
            return ()
        note = (
            f"{count} deleted/reset transcript files kept beside it ({humanize.naturalsize(size)}); "
            "`openclaw sessions cleanup` leaves them"
        )
        return (note,)

    def _session(self, key: str, entry: dict[str, Any]) -> Session:
        session_id = str(entry.get("sessionId") or "")
        transcript = self._transcripts.get(session_id, Transcript())
        totals = transcript.totals
        status = entry.get("status")
        usage = entry_usage(entry, totals)
        cost = entry_cost(entry, totals)
        times = [
            t
            for t in (parse_timestamp(entry.get("lastActivityAt")), totals.last_at)
            if t is not None
        ]
        details = [
            ("sessionId", session_id),
            ("status", status),
            ("chatType", entry.get("chatType")),
            ("abortedLastRun", "yes" if entry.get("abortedLastRun") else None),
            ("spawnedBy", entry.get("spawnedBy")),
        ]
        return Session(
            format=self.format,
            store=str(self.path),
            id=key,
            name=entry.get("label") or entry.get("displayName") or key,
            created_at=parse_timestamp(entry.get("sessionStartedAt")),
            last_activity=max(times) if times else parse_timestamp(entry.get("updatedAt")),
            channel=entry.get("channel") or entry.get("lastChannel") or entry.get("chatType"),
            agent=self._agent,
            model=entry.get("model") or totals.model,
            message_count=totals.messages,
            usage=usage,
            cost_usd=cost,
            cost_source=CostSource.RECORDED if cost is not None else None,
            native_state="error" if status in ERROR_STATUSES else status,
            closed=status in CLOSED_STATUSES,
            archived=entry.get("archivedAt") is not None,
            running_is_claim=True,
            last_message=last_message_of(totals.last) if totals.last else None,
            recent_calls=tuple(totals.recent),
            source_path=str(self.directory / f"{session_id}.jsonl"),
            version=(entry.get("updatedAt"), transcript.stamp),
            extra=tuple((k, str(v)) for k, v in details if v is not None),
        )

    async def read_messages(
        self, session: Session, *, before: object | None = None, limit: int = 200
    ) -> MessagePage:
        messages = self._messages(session)
        end = int(before) if isinstance(before, int) else len(messages)
        start = max(0, end - limit)
        return MessagePage(tuple(messages[start:end]), start if start > 0 else None, len(messages))

    async def read_new_messages(self, session: Session, after: object) -> MessagePage:
        messages = self._messages(session)
        start = int(after) if isinstance(after, int) else len(messages)
        return MessagePage(tuple(messages[start:]), None, len(messages))

    def _messages(self, session: Session) -> list[Message]:
        session_id = dict(session.extra).get("sessionId", "")
        self._read_transcript(session_id)
        return self._transcripts.get(session_id, Transcript()).messages

    def watch_paths(self) -> list[Path]:
        return [self.directory]

    async def close(self) -> None:
        return None
