"""A small JSON file holding one object, read whole: what format detection looks into."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LARGEST_MAP_BYTES = 64 * 1024 * 1024  # past this a file is not taken for a sessions map


def small_json_map(path: Path) -> dict[str, Any] | None:
    """The file's JSON object; None when it is unreadable, too large, not JSON or not an object."""
    try:
        if path.stat().st_size > LARGEST_MAP_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None
