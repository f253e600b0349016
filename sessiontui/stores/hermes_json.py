"""hermes-bot 0.1.x `sessions.json` (STORES.md 1.2): one pretty-printed map thread_ts -> entry.

The bot reads it only at start and rewrites it whole (temp file + rename), so it is re-read
whole whenever its size, mtime or inode change. It is never written: the running bot would
overwrite any edit.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from sessiontui.model import StoreFormat
from sessiontui.stores.base import StoreError
from sessiontui.stores.hermes_link import HermesStore


class HermesJsonStore(HermesStore):
    format = StoreFormat.HERMES_JSON

    def __init__(self, path: Path, claude_roots: list[Path] | None = None) -> None:
        super().__init__(path, claude_roots)
        self._stat_key: tuple[int, int, int] | None = None

    async def read_rows(self) -> list[dict[str, Any]] | None:
        return await asyncio.to_thread(self._read_sync)

    def _read_sync(self) -> list[dict[str, Any]] | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError as exc:
            raise StoreError(f"{self.path}: file is gone (migrated to sessions.db?)") from exc
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if key == self._stat_key:
            return None
        entries = parse_sessions_json(self.path)
        self._stat_key = key
        return [
            {**entry, "thread_ts": entry.get("thread_ts") or ts} for ts, entry in entries.items()
        ]


def parse_sessions_json(path: Path) -> dict[str, dict[str, Any]]:
    """The thread_ts -> SessionInfo map; StoreError naming the problem when it is not one."""
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise StoreError(f"{path}: expected a JSON object of thread_ts -> session entries")
    return data
