"""Session stores: one adapter per format behind one protocol. Never imports Textual."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sessiontui.stores.base import ReadReport, Store, StoreError
from sessiontui.stores.detect import Found, detect, detect_defaults
from sessiontui.stores.hermes_link import default_claude_projects
from sessiontui.stores.registry import OpenContext, open_store, record_for

__all__ = [
    "Found",
    "ReadReport",
    "Store",
    "StoreError",
    "detect",
    "find_stores",
    "open_paths",
    "open_stores",
]


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
            found.extend(detect(path, problems=errors))
        except StoreError as exc:
            errors.append(str(exc))
    return list(dict.fromkeys(found)), errors


def open_stores(found: list[Found]) -> list[Store]:
    """An adapter for each found store. hermes-bot rows look for their Claude Code transcripts
    in the transcript trees found alongside them first, then in the default Claude locations."""
    trees = [f.path for f in found if _is_link_target(f)]
    context = OpenContext(list(dict.fromkeys([*trees, *default_claude_projects()])))
    return [open_store(item.format, item.path, context) for item in found]


def _is_link_target(found: Found) -> bool:
    record = record_for(found.format)
    return record is not None and record.links_to


def open_paths(
    paths: Sequence[Path], error: Callable[[str], None]
) -> tuple[list[Store], bool] | None:
    """The stores at these paths, opened, each problem said through `error` (one line each):
    (stores, whether some path failed), or None when no store was found at all."""
    found, errors = find_stores(list(paths))
    for line in errors:
        error(line)
    if errors and not found:
        return None
    return open_stores(found), bool(errors)
