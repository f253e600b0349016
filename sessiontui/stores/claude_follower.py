"""A Claude Code transcript followed by byte offset and summarised as it grows (the fast fold)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.stores.claude_transcript import TranscriptSummary


class TranscriptFollower:
    """A transcript file followed by offset, summarised as it grows, one record at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tail = JsonlTail(path)
        self.summary = TranscriptSummary()
        self._restored = False  # taken from the transcript cache: the first poll reports it
        self.read_anything = False  # whether the last poll read the file (not only restored)

    def poll(self, budget: int | None = None, *, priced: bool = True) -> bool:
        """Read what was appended (at most about `budget` bytes); True when the summary may have
        changed. FileNotFoundError if the file is gone. `priced=False`: for a look at the head
        only, the calls are not priced (see TranscriptFold)."""
        restored, self._restored = self._restored, False
        self.read_anything = False
        reset = self.tail.start()
        if reset is None:
            return restored
        self.read_anything = True
        if reset:
            self.summary = TranscriptSummary()
        # Imported when a line is first read: a run served by the cache needs no msgspec.
        from sessiontui.stores.claude_fold import TranscriptFold

        fold = TranscriptFold(self.summary, priced=priced)
        for lines in self.tail.line_blocks(budget):
            fold.lines(lines)
        fold.finish()
        self.tail.corrupt_total += fold.corrupt
        return True

    @property
    def counting(self) -> bool:
        """True while the file has not been read to its end (a budgeted first read)."""
        return not self.tail.at_end

    def restore(self, tail_state: dict[str, Any], summary: TranscriptSummary) -> None:
        self.tail.restore(tail_state)
        self.summary = summary
        self._restored = True

    def take(self, other: TranscriptFollower) -> None:
        """Become `other`, the same file read elsewhere (a worker process): its next poll
        reports the change and reads on from where `other` stopped."""
        self.tail, self.summary, self._restored = other.tail, other.summary, True


def read_transcript(path: Path) -> TranscriptFollower | None:
    """A transcript read to its end (in a pool worker), handed back as the cache would hand it;
    None when it cannot be read (the store's own refresh then reports why)."""
    follower = TranscriptFollower(path)
    try:
        follower.poll()
    except OSError:
        return None
    follower.restore(follower.tail.state(), follower.summary)
    return follower
