"""A persistent cache of per-transcript summaries, so a second run reads only appended bytes.

One file per Claude Code tree in the XDG cache directory (`~/.cache/sessiontui/transcripts/`).
Each entry holds where the file's JsonlTail stood (offset, the fingerprint windows of the
file's first bytes and of the bytes before the offset, size, mtime, inode) and the summary.
On a later run the tail takes up that state: an unchanged file is not read at all, a grown one
is read from the offset, and a rewritten or truncated one (the fingerprints differ) is read
again from the start, exactly as between two polls of one run.

The whole cache is keyed by the code that makes a summary (a hash of the modules that parse,
summarise and price, and of the model's records) and the genai-prices version: any change
there, and the cache is not used. A summary is the JSON object of its dataclass fields, read
back by one typed msgspec decoder straight into the summary's own classes (a warm run's
decode, in C: no tagged values rebuilt one by one in Python), so a field added to
TranscriptSummary is carried without a change here; only the summary's classes can come out.
The file also keeps the rates the run resolved per (model, day) for yesterday and today
(`pricing.remember_rates`): a later run pricing calls appended since, as a running session's
are, need not import genai-prices at all.
Writes go to a temporary file in the same directory, made owner-only, then renamed over the
cache: a reader sees the old or the new file, never half of one, and two sessiontui processes
at once each write a whole file (the last one wins). A corrupt file is set aside and rebuilt,
with one line saying so. Nothing is fsynced (two fsyncs per tree cost more than the rest of a
save): a crash may leave the cache torn, and it is then rebuilt like any corrupt one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import msgspec
from platformdirs import user_cache_path

from sessiontui.private_files import private_dir, write_atomic
from sessiontui.rules import pricing
from sessiontui.stores.claude_follower import TranscriptFollower
from sessiontui.stores.claude_transcript import TranscriptSummary

log = logging.getLogger(__name__)

FORMAT = 2  # the layout of the cache file itself (1: tagged values, decoded in Python)
_ENABLED = True


def set_enabled(enabled: bool) -> None:
    """`--no-cache` turns the cache off for the whole process (set before stores are opened)."""
    global _ENABLED
    _ENABLED = enabled


def cache_dir() -> Path:
    return user_cache_path("sessiontui") / "transcripts"


_SUMMARISING = (  # the modules that read, summarise and price a transcript, and this one
    "sessiontui.live.jsonl_tail",
    "sessiontui.stores.claude_transcript",
    "sessiontui.stores.claude_fold",
    "sessiontui.stores.claude_follower",
    "sessiontui.stores.claude_records",
    "sessiontui.stores.claude_facts",
    "sessiontui.rules.pricing",
    "sessiontui.model",  # the records a summary holds: a field added there changes the layout
    __name__,
)


@lru_cache(maxsize=1)
def code_version() -> str:
    """What a cached summary depends on: the parsing, summarising and pricing code and the
    price data. Hashing the modules' source means no one has to remember to bump a number.
    Found without importing them (a warm run never folds a line)."""
    digest = hashlib.sha256(f"{FORMAT}:{pricing.price_data_version()}".encode())
    for name in _SUMMARISING:
        spec = find_spec(name)
        digest.update(Path(spec.origin if spec and spec.origin else "").read_bytes())
    return digest.hexdigest()[:24]


class Entry(msgspec.Struct):
    """One transcript's cached state: its tail's (`JsonlTail.state`), its summary, and apart
    from the summary the ids of the requests it counted (most of the bytes: left undecoded
    until the file is read on, see `UnreadIds`)."""

    tail: dict[str, Any]
    summary: TranscriptSummary
    seen: msgspec.Raw = msgspec.Raw(b"[]")


class KnownRates(msgspec.Struct, array_like=True):
    """A model's rates on a day as this price data and code resolve them (`pricing`): kept so
    that a later run pricing new calls on that day need not import genai-prices."""

    model: str
    day: date
    rates: pricing.ModelRates | bool | None


RATES_KEPT = timedelta(days=1)  # rates kept for calls from yesterday (UTC) on


def _since() -> date:
    return datetime.now(UTC).date() - RATES_KEPT


class CacheFile(msgspec.Struct):
    """The file, read in one typed pass."""

    format: int
    version: str
    entries: dict[str, Entry]
    rates: list[KnownRates] = []


class _RawFile(msgspec.Struct):
    """The file with its entries left as JSON: written entry by entry (one that cannot be
    encoded is left out), and read so when the typed pass failed."""

    format: object = None
    version: object = None
    entries: dict[str, msgspec.Raw] | None = None
    rates: msgspec.Raw = msgspec.Raw(b"[]")


@lru_cache(maxsize=1)
def _decoder() -> msgspec.json.Decoder[CacheFile]:
    return msgspec.json.Decoder(CacheFile)


_encode = msgspec.json.Encoder().encode
_ids = msgspec.json.Decoder(list[str]).decode
# A summary's fields as written: all but the request ids (an entry's `seen`)
_SUMMARY_FIELDS = tuple(
    f.name for f in dataclasses.fields(TranscriptSummary) if f.name != "_seen_requests"
)


class UnreadIds:
    """A cached summary's request ids, still as the cache's JSON: decoded only if its file is
    read on (a warm run's unchanged file never is), and written back as they are."""

    __slots__ = ("raw",)

    def __init__(self, raw: msgspec.Raw) -> None:
        self.raw = raw.copy()  # (not a view keeping the whole cache file's bytes alive)

    def __call__(self) -> list[str]:
        return _ids(self.raw)


def cache_entry(follower: TranscriptFollower) -> bytes | None:
    """A follower's entry in the cache file, as `save` writes it; None when JSON cannot hold it
    (a `costUSD: NaN` line's dollars, a lone surrogate in a title): its file is read again."""
    summary = follower.summary
    if not math.isfinite(summary.cost_usd):
        return None
    later = follower.seen_later
    seen = (
        later.raw if isinstance(later, UnreadIds) else msgspec.Raw(_encode(summary._seen_requests))
    )
    fields = {name: getattr(summary, name) for name in _SUMMARY_FIELDS}
    try:
        return _encode({"tail": follower.tail.state(), "summary": fields, "seen": seen})
    except (msgspec.EncodeError, UnicodeEncodeError):
        return None


class TranscriptCache:
    """The cached summaries of one Claude Code tree."""

    def __init__(self, root: Path, directory: Path | None = None) -> None:
        name = hashlib.sha256(str(root).encode()).hexdigest()[:20]
        self.path = (directory or cache_dir()) / f"{name}.json"
        self.version = code_version()
        self._entries: dict[str, Entry] | None = None

    @classmethod
    def for_store(cls, root: Path) -> TranscriptCache | None:
        return cls(root) if _ENABLED else None

    def restore(self, follower: TranscriptFollower) -> bool:
        """Give a new follower its cached state; False when there is none to give."""
        entry = self._load().pop(str(follower.path), None)  # used once: not kept beside it
        if entry is None:
            return False
        try:
            follower.restore(entry.tail, entry.summary, UnreadIds(entry.seen))
        except (KeyError, TypeError, ValueError) as exc:
            follower.start_over()  # (a tail half taken up must not be read on from)
            log.warning(
                "sessiontui: transcript cache %s: an entry could not be used (%s); reading the file again",
                self.path,
                exc,
            )
            return False
        return True

    def save(self, followers: dict[Path, TranscriptFollower]) -> None:
        """Write the summaries of the files read to their end, atomically and owner-only."""
        entries: dict[str, msgspec.Raw] = {}
        for path, follower in followers.items():
            entry = None if follower.counting else cache_entry(follower)
            if entry is not None:
                entries[str(path)] = msgspec.Raw(entry)
        rates = [KnownRates(*known) for known in pricing.resolved_rates(_since())]
        data = _encode(_RawFile(FORMAT, self.version, entries, msgspec.Raw(_encode(rates))))
        try:
            private_dir(self.path.parent)
            # No fsync (two per Claude project dir, 0.2 s wall for a cold 200 MB tree): a cache
            # a crash leaves torn is read as corrupt and rebuilt.
            write_atomic(self.path, data, durable=False)
        except OSError as exc:
            log.warning(
                "sessiontui: transcript cache %s could not be written (%s)",
                self.path,
                exc.strerror or exc,
            )

    def _load(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, Entry]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            return self._unreadable(exc)
        try:
            cache = _decoder().decode(data)
        except msgspec.ValidationError:  # JSON, but not all of it as this code writes it
            return self._entry_by_entry(data)
        except msgspec.DecodeError as exc:
            return self._unreadable(exc)
        if cache.format != FORMAT or cache.version != self.version:
            return {}  # made by other code or price data: silently not used
        pricing.remember_rates((known.model, known.day, known.rates) for known in cache.rates)
        return cache.entries

    def _unreadable(self, exc: Exception) -> dict[str, Entry]:
        log.warning(
            "sessiontui: transcript cache %s was unreadable (%s); rebuilding it", self.path, exc
        )
        return {}

    def _entry_by_entry(self, data: bytes) -> dict[str, Entry]:
        """The entries of a file the typed pass refused: nothing, silently, from another
        layout or code; else every entry that can be read (the others' files are read again)."""
        try:
            loose = msgspec.json.decode(data, type=_RawFile)
        except msgspec.DecodeError:
            loose = _RawFile()
        if loose.entries is None:
            log.warning(
                "sessiontui: transcript cache %s was not a cache file; rebuilding it", self.path
            )
            return {}
        if loose.format != FORMAT or loose.version != self.version:
            return {}
        decode = msgspec.json.Decoder(Entry).decode
        entries: dict[str, Entry] = {}
        for path, raw in loose.entries.items():
            try:
                entries[path] = decode(raw)
            except msgspec.DecodeError:
                continue
        if len(entries) < len(loose.entries):  # (else it was the rates: only a speed-up)
            log.warning(
                "sessiontui: transcript cache %s: %d entries could not be used; reading their files again",
                self.path,
                len(loose.entries) - len(entries),
            )
        return entries
