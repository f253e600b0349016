"""Which finished sessions the operator has not looked at yet, remembered across runs.

A session is "finished, not yet seen" when its turn ended (idle, or waiting for its user) after
the operator last opened it, and after sessiontui began remembering (so a first run does not
mark every old session). Kept in the XDG state dir as `seen.json`, the operator's alone (0600).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sessiontui.live.classified_rows import RowChange
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
        since, seen = self.since or _NEVER, self.seen
        out: set[str] = set()
        for row in rows:  # (inline, not through is_unseen: 100k rows at start)
            last = row.session.last_activity
            if last is None or last <= since or row.verdict.state not in FINISHED:
                continue
            looked = seen.get(row.key)
            if looked is None or last > looked:
                out.add(row.key)
        return out

    def is_unseen(self, row: SessionRow, since: datetime) -> bool:
        """Whether `row` finished after `since` (when remembering began) and after its last look."""
        last = row.session.last_activity
        if last is None or last <= since or row.verdict.state not in FINISHED:
            return False
        looked = self.seen.get(row.key)
        return looked is None or last > looked

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


_NEVER = datetime.max.replace(tzinfo=UTC)


class UnseenRows:
    """`SeenSessions.unseen` of the rows last given, kept current from each `RowChange`: a tick
    looks at its changed rows only; a new look by the operator (the marks moved) counts again."""

    def __init__(self, seen: SeenSessions) -> None:
        self.seen = seen
        self.keys: frozenset[str] = frozenset()  # a new object whenever the set changes
        self._rows: Sequence[SessionRow] | None = None
        self._generation = -1

    def update(
        self,
        rows: Sequence[SessionRow],
        change: RowChange | None = None,
        since: Sequence[SessionRow] | None = None,
    ) -> frozenset[str]:
        """The unseen keys of `rows`; with `change` (from the rows `since`, when those are the
        rows last given) only the changed and removed rows are looked at; the same rows with
        the same marks cost nothing."""
        seen = self.seen
        if rows is self._rows and self._generation == seen.generation:
            return self.keys  # nothing moved
        if (
            change is None
            or since is None
            or since is not self._rows
            or self._generation != seen.generation
            or not change.versioned
        ):
            keys = frozenset(seen.unseen(rows))
        elif change:
            moment = seen.since or _NEVER
            add = {row.key for row in change.changed if seen.is_unseen(row, moment)}
            drop = change.removed | {row.key for row in change.changed if row.key not in add}
            keys = (self.keys - drop) | add if add or drop & self.keys else self.keys
        else:
            keys = self.keys
        self._rows, self._generation = rows, seen.generation
        if keys != self.keys:
            self.keys = keys
        return self.keys
