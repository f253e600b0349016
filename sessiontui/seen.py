"""Which finished sessions the operator has not looked at yet, remembered across runs.

A session is "finished, not yet seen" when its turn ended (idle, or waiting for its user) after
the operator last opened it, and after sessiontui began remembering (so a first run does not
mark every old session). Kept in the XDG state dir as `seen.json`, the operator's alone (0600).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sessiontui.model import SessionRow, SessionState

KEEP = 20_000  # sessions remembered at most; the longest unopened are forgotten first
FINISHED = frozenset({SessionState.IDLE, SessionState.WAITING})


class SeenSessions:
    def __init__(self, path: Path | None = None) -> None:
        from sessiontui.config import state_dir

        self.path = path or state_dir() / "seen.json"
        self.since: datetime | None = None
        self.seen: dict[str, datetime] = {}
        self.generation = 0  # moves with every look: what was computed from the marks is stale

    def load(self, now: datetime) -> None:
        """Read the file; a missing or damaged one starts remembering from `now`."""
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            self.since = datetime.fromisoformat(document["since"])
            self.seen = {
                str(k): datetime.fromisoformat(v) for k, v in dict(document["seen"]).items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.since, self.seen = now, {}
            self.save()

    def unseen(self, rows: Iterable[SessionRow]) -> set[str]:
        """The keys of the finished sessions whose last activity is newer than their last look."""
        since = self.since or datetime.max.replace(tzinfo=UTC)
        out: set[str] = set()
        for row in rows:
            last = row.session.last_activity
            if last is None or last <= since or row.verdict.state not in FINISHED:
                continue
            looked = self.seen.get(row.key)
            if looked is None or last > looked:
                out.add(row.key)
        return out

    def mark(self, key: str, at: datetime) -> None:
        """The operator opened the session at `at` (in memory: `save` writes the file)."""
        self.seen[key] = at
        self.generation += 1
        if len(self.seen) > KEEP:
            for old in sorted(self.seen, key=self.seen.__getitem__)[: len(self.seen) - KEEP]:
                del self.seen[old]

    def save(self) -> None:
        """Write the marks (atomic, owner-only, fsynced): call it off the event loop."""
        from sessiontui.private_files import private_dir, write_atomic

        since, marks = self.since or datetime.now(UTC), dict(self.seen)  # a copy: marks move on
        document = {
            "since": since.isoformat(),
            "seen": {k: v.isoformat() for k, v in marks.items()},
        }
        try:
            private_dir(self.path.parent)
            write_atomic(self.path, json.dumps(document).encode())
        except OSError:
            pass  # a state dir we may not write: the marks last for this run only
