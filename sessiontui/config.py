"""Settings, resolved once at start: defaults < TOML config file < command-line flags."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from platformdirs import user_config_path, user_state_path

from sessiontui.model import StoreFormat
from sessiontui.rules.state import Thresholds

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$")
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, None: 60}


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the file or flag and the value."""


def parse_duration(value: object, what: str) -> timedelta:
    """'90s', '10m', '1.5h', '3d' or a bare number of minutes."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return timedelta(minutes=value)
        match = _DURATION.match(str(value))
        if match is None:
            raise ConfigError(f"{what}: {value!r} is not a duration (try 90s, 10m, 1h)")
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    except ConfigError:
        raise
    except (OverflowError, ValueError) as exc:  # 1e400, inf, nan, a 400-digit number
        raise ConfigError(f"{what}: {value!r} is not a usable duration ({exc})") from exc


def default_config_file() -> Path:
    return user_config_path("sessiontui") / "config.toml"


def state_dir() -> Path:
    return user_state_path("sessiontui")


@dataclass(frozen=True, slots=True)
class Config:
    paths: tuple[Path, ...] = ()
    refresh_seconds: float = 1.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    read_only: bool = False
    alert_command: tuple[str, ...] = ()
    alert_dollars_per_hour: float | None = None
    bell: bool = True


def load_config_file(path: Path, base: Config | None = None) -> Config:
    """Settings from a TOML file (missing file: the base unchanged)."""
    config = base or Config()
    if not path.is_file():
        return config
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return apply_settings(config, data, str(path))


def apply_settings(config: Config, data: dict[str, Any], source: str) -> Config:
    thresholds = config.thresholds
    if "stuck_after" in data:
        thresholds = replace(thresholds, stuck_after=parse_duration(data["stuck_after"], f"{source}: stuck_after"))
    per_store = data.get("stuck_after_per_store", {})
    if not isinstance(per_store, dict):
        raise ConfigError(f"{source}: stuck_after_per_store must be a table")
    known = {str(f) for f in StoreFormat}
    per_format = dict(thresholds.per_format)
    for name, value in per_store.items():
        if name not in known:
            raise ConfigError(f"{source}: unknown store format {name!r} (one of {', '.join(sorted(known))})")
        per_format[name] = parse_duration(value, f"{source}: stuck_after_per_store.{name}")
    thresholds = replace(thresholds, per_format=per_format)
    changes: dict[str, Any] = {"thresholds": thresholds}
    if "refresh" in data:
        changes["refresh_seconds"] = _positive(data["refresh"], f"{source}: refresh")
    if "read_only" in data:
        changes["read_only"] = bool(data["read_only"])
    if "alert_command" in data:
        command = data["alert_command"]
        if not (isinstance(command, list) and all(isinstance(c, str) for c in command)):
            raise ConfigError(f"{source}: alert_command must be a list of strings (argv, not a shell line)")
        changes["alert_command"] = tuple(command)
    if "alert_dollars_per_hour" in data:
        changes["alert_dollars_per_hour"] = _positive(data["alert_dollars_per_hour"], f"{source}: alert_dollars_per_hour")
    if "bell" in data:
        changes["bell"] = bool(data["bell"])
    return replace(config, **changes)


def _positive(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = -1.0
    if number <= 0:
        raise ConfigError(f"{what}: {value!r} must be a positive number")
    return number
