"""A Claude Code transcript followed by byte offset and summarised as it grows (the fast fold)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
        # The summary's request ids when the cache handed them over unread (see `restore`)
        self.seen_later: Callable[[], Iterable[str]] | None = None

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
        elif self.seen_later is not None:  # read on: the requests counted so far are needed now
            try:
                self.summary._seen_requests.update(self.seen_later())
            except ValueError:  # not ids after all (a damaged cache): read it all again
                self.start_over()
                return self.poll(budget, priced=priced) or restored
        self.seen_later = None
        # Imported when a line is first read: a run served by the cache never imports the fold.
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

    def restore(
        self,
        tail_state: dict[str, Any],
        summary: TranscriptSummary,
        seen_later: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        """Take up a saved state. `seen_later`: the ids of the requests the summary counted,
        when they are not in it yet (most of a cache's bytes): asked for only if the file is
        read on from where it stood, which a warm run of an unchanged file never does."""
        self.tail.restore(tail_state)
        self.summary = summary
        self.seen_later = seen_later
        self._restored = True

    def start_over(self) -> None:
        """Forget what was read or taken from the cache: the next poll reads from the start."""
        self.tail, self.summary, self.seen_later = JsonlTail(self.path), TranscriptSummary(), None

    def take(self, other: TranscriptFollower) -> None:
        """Become `other`, the same file read elsewhere (a worker process): its next poll
        reports the change and reads on from where `other` stopped."""
        self.tail, self.summary, self._restored = other.tail, other.summary, True
        self.seen_later = other.seen_later


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
