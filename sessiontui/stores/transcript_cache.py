"""A persistent cache of per-transcript summaries, so a second run reads only appended bytes.

One file per Claude Code tree in the XDG cache directory (`~/.cache/sessiontui/transcripts/`).
Each entry holds where the file's JsonlTail stood (offset, the fingerprint windows of the
file's first bytes and of the bytes before the offset, size, mtime, inode) and the summary.
On a later run the tail takes up that state: an unchanged file is not read at all, a grown one
is read from the offset, and a rewritten or truncated one (the fingerprints differ) is read
again from the start, exactly as between two polls of one run.

The whole cache is keyed by the code that makes a summary (a hash of the modules that parse,
summarise and price) and the genai-prices version: any change there, and the cache is not used.
Summaries are stored generically (dataclass fields, recursively), so a field added to
TranscriptSummary is carried without a change here. Writes go to a temporary file in the same
directory, made owner-only, then renamed over the cache: a reader sees the old or the new
file, never half of one, and two sessiontui processes at once each write a whole file (the
last one wins). A corrupt file is set aside and rebuilt, with one line saying so. Nothing is
fsynced (two fsyncs per tree cost more than the rest of a save): a crash may leave the cache
torn, and it is then rebuilt like any corrupt one.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import logging
import sys
from datetime import datetime
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import orjson
from platformdirs import user_cache_path

from sessiontui.private_files import private_dir, write_atomic
from sessiontui.rules import pricing
from sessiontui.stores.claude_follower import TranscriptFollower
from sessiontui.stores.claude_transcript import TranscriptSummary

log = logging.getLogger(__name__)

FORMAT = 1  # the layout of the cache file itself
_DECODABLE = (  # the modules whose classes a cached summary holds, rebuilt on reading
    "sessiontui.model",
    "sessiontui.stores.claude_transcript",
    "sessiontui.stores.claude_facts",
)
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
    __name__,
)


@lru_cache(maxsize=1)
def code_version() -> str:
    """What a cached summary depends on: the parsing, summarising and pricing code and the
    price data. Hashing the modules' source means no one has to remember to bump a number.
    Found without importing them (a warm run never folds a line: no msgspec import)."""
    digest = hashlib.sha256(f"{FORMAT}:{pricing.price_data_version()}".encode())
    for name in _SUMMARISING:
        spec = find_spec(name)
        digest.update(Path(spec.origin if spec and spec.origin else "").read_bytes())
    return digest.hexdigest()[:24]


class TranscriptCache:
    """The cached summaries of one Claude Code tree."""

    def __init__(self, root: Path, directory: Path | None = None) -> None:
        name = hashlib.sha256(str(root).encode()).hexdigest()[:20]
        self.path = (directory or cache_dir()) / f"{name}.json"
        self.version = code_version()
        self._entries: dict[str, dict[str, Any]] | None = None

    @classmethod
    def for_store(cls, root: Path) -> TranscriptCache | None:
        return cls(root) if _ENABLED else None

    def restore(self, follower: TranscriptFollower) -> bool:
        """Give a new follower its cached state; False when there is none to give."""
        entry = self._load().pop(str(follower.path), None)  # used once: not kept beside it
        if entry is None:
            return False
        try:
            summary = decode(entry["summary"])
            if not isinstance(summary, TranscriptSummary):
                raise TypeError("not a summary")
            follower.restore(entry["tail"], summary)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning(
                "sessiontui: transcript cache %s: an entry could not be used (%s); reading the file again",
                self.path,
                exc,
            )
            return False
        return True

    def save(self, followers: dict[Path, TranscriptFollower]) -> None:
        """Write the summaries of the files read to their end, atomically and owner-only."""
        entries = {
            str(path): {"tail": follower.tail.state(), "summary": encode(follower.summary)}
            for path, follower in followers.items()
            if not follower.counting
        }
        data = orjson.dumps({"format": FORMAT, "version": self.version, "entries": entries})
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

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as exc:
            log.warning(
                "sessiontui: transcript cache %s was unreadable (%s); rebuilding it", self.path, exc
            )
            return {}
        if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
            log.warning(
                "sessiontui: transcript cache %s was not a cache file; rebuilding it", self.path
            )
            return {}
        if data.get("format") != FORMAT or data.get("version") != self.version:
            return {}  # made by other code or price data: silently not used
        return data["entries"]  # type: ignore[no-any-return]


def encode(value: Any) -> Any:
    """Plain JSON values for a summary: dataclasses by their fields, with tags to rebuild them."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, enum.Enum):
        return {"$enum": _name(kind), "v": value.value}
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(kind)
        if names is None:
            names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
        return {"$dc": _name(kind), "f": {name: encode(getattr(value, name)) for name in names}}
    if isinstance(value, list):
        return value[:] if _plain(value) else [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        items = list(value)  # a set of request ids: most of a cache's bytes
        if items and all(type(v) is str and "\n" not in v for v in items):
            return {"$lines": "\n".join(items)}  # one JSON string: parsed 5x faster than a list
        return {"$set": items if _plain(items) else [encode(v) for v in items]}
    if isinstance(value, dict):
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot cache a {kind.__name__}")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def decode(value: Any) -> Any:
    """The inverse of `encode`; only classes of sessiontui's model are ever rebuilt."""
    kind = type(value)
    if kind is list:
        return value if _plain(value) else [decode(v) for v in value]
    if kind is not dict:
        return value
    if "$dc" in value:
        cls, names = _dataclass(value["$dc"])
        fields = value["f"]
        obj: Any = object.__new__(cls)
        for name, field_value in fields.items():
            # a plain field (most of them) is set as it is, without a call
            _set_field(
                obj, name, field_value if type(field_value) in _PLAIN else decode(field_value)
            )
        if not names.issubset(fields):
            raise ValueError(f"fields missing: {', '.join(sorted(names - set(fields)))}")
        return obj
    if "$dt" in value:
        return datetime.fromisoformat(value["$dt"])
    if "$tuple" in value:
        return tuple(decode(v) for v in value["$tuple"])
    if "$lines" in value:
        return set(value["$lines"].split("\n"))
    if "$set" in value:
        items = value["$set"]
        return set(items) if _plain(items) else {decode(v) for v in items}
    if "$map" in value:
        return {decode(k): decode(v) for k, v in value["$map"]}
    if "$enum" in value:
        return _class(value["$enum"])(value["v"])
    raise ValueError("an untagged object")


_set_field = object.__setattr__  # records are rebuilt field by field (frozen ones too)
_DATACLASSES: dict[str, tuple[type, frozenset[str]]] = {}


def _dataclass(name: str) -> tuple[type, frozenset[str]]:
    """A cached dataclass by its tag, with its field names."""
    known = _DATACLASSES.get(name)
    if known is None:
        cls = _class(name)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise TypeError(f"{name} is not a dataclass")
        known = _DATACLASSES[name] = (cls, frozenset(f.name for f in dataclasses.fields(cls)))
    return known


def _plain(items: list[Any]) -> bool:
    """Whether a list holds only plain values (a set of request ids: most of a cache's bytes)."""
    return all(type(v) in _PLAIN for v in items)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _class(name: str) -> Any:
    module, _, qualname = str(name).partition(":")
    if module not in _DECODABLE or "." in qualname:
        raise ValueError(f"{name} is not a class the cache rebuilds")
    return getattr(sys.modules[module], qualname)
