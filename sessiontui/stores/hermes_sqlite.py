"""hermes-bot 0.2.0+ `sessions.db` (STORES.md 1.3): one table `sessions` keyed by thread_ts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessiontui.model import StoreFormat
from sessiontui.stores.hermes_link import HermesStore
from sessiontui.stores.sqlite_read import ReadOnlyDatabase

COLUMNS = (
    "thread_ts",
    "session_id",
    "repo",
    "repo_path",
    "agent_kind",
    "channel_id",
    "created_at",
    "last_active",
    "status",
    "total_turns",
    "model",
)


class HermesSqliteStore(HermesStore):
    format = StoreFormat.HERMES_SQLITE

    def __init__(self, path: Path, claude_roots: list[Path] | None = None) -> None:
        super().__init__(path, claude_roots)
        self.db = ReadOnlyDatabase(self.path)

    async def read_rows(self) -> list[dict[str, Any]] | None:
        if not await self.db.changed():
            return None
        rows = await self.db.fetchall(f"SELECT {', '.join(COLUMNS)} FROM sessions")
        return [dict(zip(COLUMNS, row, strict=True)) for row in rows]

    async def close(self) -> None:
        await super().close()
        await self.db.close()
