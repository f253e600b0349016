"""Session stores: one adapter per format behind one protocol. Never imports Textual."""

from __future__ import annotations

from pathlib import Path

from sessiontui.model import StoreFormat
from sessiontui.stores.base import ReadReport, Store, StoreError
from sessiontui.stores.claude_code import ClaudeCodeStore
from sessiontui.stores.detect import Found, detect, detect_defaults
from sessiontui.stores.hermes_agent import HermesAgentStore
from sessiontui.stores.hermes_json import HermesJsonStore
from sessiontui.stores.hermes_link import default_claude_projects
from sessiontui.stores.hermes_sqlite import HermesSqliteStore
from sessiontui.stores.openclaw import OpenClawStore
from sessiontui.stores.openclaw_legacy import OpenClawLegacyStore
from sessiontui.stores.starpod import StarpodStore
from sessiontui.stores.zeroclaw_jsonl import ZeroClawJsonlStore
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

__all__ = ["Found", "ReadReport", "Store", "StoreError", "detect", "find_stores", "open_stores"]


def find_stores(paths: list[Path]) -> tuple[list[Found], list[str]]:
    """The stores at these paths (the default locations when empty), and one line per problem."""
    if not paths:
        defaults, places = detect_defaults()
        if not defaults:
            looked = ", ".join(str(p) for p in places)
            return [], [f"no session store found in the default locations ({looked})"]
        return defaults, []
    found: list[Found] = []
    errors: list[str] = []
    for path in paths:
        try:
            found.extend(detect(path))
        except StoreError as exc:
            errors.append(str(exc))
    return list(dict.fromkeys(found)), errors


def open_stores(found: list[Found]) -> list[Store]:
    """An adapter for each found store. hermes-bot rows look for their Claude Code transcripts
    in the Claude Code trees found alongside them first, then in the default Claude locations."""
    claude_roots = [f.path for f in found if f.format == StoreFormat.CLAUDE_CODE]
    link_roots = list(dict.fromkeys([*claude_roots, *default_claude_projects()]))
    stores: list[Store] = []
    for item in found:
        if item.format == StoreFormat.HERMES_JSON:
            stores.append(HermesJsonStore(item.path, link_roots))
        elif item.format == StoreFormat.HERMES_SQLITE:
            stores.append(HermesSqliteStore(item.path, link_roots))
        elif item.format == StoreFormat.ZEROCLAW_JSONL:
            stores.append(ZeroClawJsonlStore(item.path))
        elif item.format == StoreFormat.ZEROCLAW_SQLITE:
            stores.append(ZeroClawSqliteStore(item.path))
        elif item.format == StoreFormat.STARPOD:
            stores.append(StarpodStore(item.path))
        elif item.format == StoreFormat.HERMES_AGENT:
            stores.append(HermesAgentStore(item.path))
        elif item.format == StoreFormat.OPENCLAW:
            stores.append(OpenClawStore(item.path))
        elif item.format == StoreFormat.OPENCLAW_LEGACY:
            stores.append(OpenClawLegacyStore(item.path))
        else:
            stores.append(ClaudeCodeStore(item.path))
    return stores
