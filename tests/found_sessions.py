"""The sessions that sessiontui finds under a path, read the way the app reads them."""

from __future__ import annotations

from pathlib import Path

from sessiontui.model import Session
from sessiontui.stores import find_stores, open_stores


async def sessions_of(path: Path) -> dict[str, Session]:
    """Every session of every store found under `path`, by id; fails if no store is found or one errs."""
    found, errors = find_stores([path])
    assert found and not errors, errors
    out: dict[str, Session] = {}
    for store in open_stores(found):
        try:
            out.update({s.id: s for s in (await store.refresh()).sessions})
        finally:
            await store.close()
    return out
