"""Counters that only go up, though sessions get deleted: a high-water mark per store.

A counter is the sum over the sessions a store holds now. When that sum falls (sessions deleted,
a transcript rotated away) the fall is added to a carried offset, so the exported value never
goes down and Prometheus sees no reset. The marks live in the XDG state directory, one
owner-only JSON file per store, so a textfile run every minute by a timer carries them too.

The ledger also decides which model names get a label of their own: the first MODELS_PER_STORE
seen (biggest first) keep theirs for good; every later one is counted under `other`. Sticky
names keep each series continuous.

Run one exporter per host: two processes sharing these files would each carry the offsets.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sessiontui.metrics.labels import label_value
from sessiontui.private_files import private_dir, write_atomic

log = logging.getLogger(__name__)
MODELS_PER_STORE = 20
OTHER_MODEL = "other"
UNKNOWN_MODEL = "unknown"
Series = tuple[str, ...]  # a counter's name and label values after the store's


class CounterLedger:
    """The high-water marks of one store's counters."""

    def __init__(self, file: Path | None, fmt: str, store: str) -> None:
        self.file = file
        self.format, self.store = fmt, store
        self.models: list[str] = []  # raw names with a label of their own, in the order named
        self._named: set[str] = set()
        self._marks: dict[Series, list[float]] = {}  # series -> [last seen sum, exported value]
        self.read_errors = 0
        self._dirty = False
        if file is not None:
            self._load(file)

    def model_label(self, raw: str) -> str:
        if not raw:
            return UNKNOWN_MODEL
        return label_value(raw) if raw in self._named else OTHER_MODEL

    def name_models(self, tokens_by_model: Mapping[str, int]) -> None:
        """Give new models a label of their own while there is room, biggest first."""
        if len(self.models) >= MODELS_PER_STORE:
            return
        for raw, _ in sorted(tokens_by_model.items(), key=lambda item: (-item[1], item[0])):
            if raw and raw not in self._named and len(self.models) < MODELS_PER_STORE:
                self.models.append(raw)
                self._named.add(raw)
                self._dirty = True

    def advance(self, current: Mapping[Series, float]) -> None:
        """Take the store's current sums (series absent here count as 0)."""
        for series in current.keys() | self._marks.keys():
            now = current.get(series, 0.0)
            mark = self._marks.get(series)
            if mark is None:
                self._marks[series] = [now, now]
                self._dirty = True
                continue
            last, exported = mark
            if now != last:  # a rise is counted; a fall is carried (the exported value stays)
                mark[0], mark[1] = now, exported + max(0.0, now - last)
                self._dirty = True

    def note_read_error(self) -> None:
        self.read_errors += 1
        self._dirty = True

    def exported(self) -> dict[Series, float]:
        return {series: mark[1] for series, mark in self._marks.items()}

    def save(self) -> None:
        """Write the marks if they changed: temp file and rename, owner-only. Never raises."""
        if self.file is None or not self._dirty:
            return
        data = {
            "format": self.format,
            "store": self.store,
            "models": self.models,
            "read_errors": self.read_errors,
            "marks": [[list(series), *mark] for series, mark in self._marks.items()],
        }
        try:
            write_private(self.file, json.dumps(data, ensure_ascii=False).encode())
            self._dirty = False
        except OSError as exc:
            log.warning("could not save metric marks to %s: %s", self.file, exc)

    def _load(self, file: Path) -> None:
        try:
            data: Any = json.loads(file.read_text(encoding="utf-8"))
            models = [str(m) for m in data.get("models", [])][:MODELS_PER_STORE]
            marks = {
                tuple(str(v) for v in item[0]): [float(item[1]), float(item[2])]
                for item in data.get("marks", [])
            }
            read_errors = int(data.get("read_errors", 0))
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
            log.warning("ignoring unreadable metric marks %s: %s", file, exc)
            return
        self.models, self._marks, self.read_errors = models, marks, read_errors
        self._named = set(models)


def ledger_file(state_dir: Path, fmt: str, store: str) -> Path:
    """Where one store's marks are kept: named by a digest of its format and path."""
    digest = hashlib.sha256(f"{fmt}\x1f{store}".encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return state_dir / "metrics" / f"{fmt}-{digest}.json"


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically and owner-only (the directory made owner-only too)."""
    private_dir(path.parent)
    write_atomic(path, data)
