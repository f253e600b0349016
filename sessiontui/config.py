"""Settings, resolved once at start: defaults < TOML config file < command-line flags."""

from __future__ import annotations

import re
from collections.abc import Callable
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
    import tomllib  # only when there is a file to parse (most runs have none)

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return apply_settings(config, data, str(path))


def parse_positive(value: object, what: str) -> float:
    """A number above zero (seconds, dollars): the file and the flags share this."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{what}: expected a positive number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number > 0 or number == float("inf"):
        raise ConfigError(f"{what}: expected a positive number, got {value!r}")
    return number


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{what}: expected true or false, got {value!r}")
    return value


def _argv(value: object, what: str) -> tuple[str, ...]:
    if not (isinstance(value, list) and value and all(isinstance(c, str) and c for c in value)):
        raise ConfigError(
            f"{what}: expected a list of strings (argv, not a shell line), got {value!r}"
        )
    return tuple(value)


def _per_store(value: object, what: str) -> dict[str, timedelta]:
    if not isinstance(value, dict):
        raise ConfigError(f"{what}: expected a table of store format = duration, got {value!r}")
    known = {str(f) for f in StoreFormat}
    per_format: dict[str, timedelta] = {}
    for name, limit in value.items():
        if name not in known:
            raise ConfigError(
                f"{what}: unknown store format {name!r} (one of {', '.join(sorted(known))})"
            )
        per_format[name] = parse_duration(limit, f"{what}.{name}")
    return per_format


#: Every key the settings file may hold: how it is read, and what it sets.
SETTINGS: dict[str, tuple[Callable[[object, str], Any], str]] = {
    "stuck_after": (parse_duration, "a duration such as 90s, 10m, 1h"),
    "stuck_after_per_store": (_per_store, "a table of store format = duration"),
    "refresh": (parse_positive, "a positive number of seconds"),
    "read_only": (_bool, "true or false"),
    "alert_command": (_argv, "a list of strings"),
    "alert_dollars_per_hour": (parse_positive, "a positive number of dollars"),
    "bell": (_bool, "true or false"),
}


def apply_settings(config: Config, data: dict[str, Any], source: str) -> Config:
    """The settings of one file applied to `config`; ConfigError names the file and the key."""
    unknown = sorted(set(data) - set(SETTINGS))
    if unknown:
        expected = ", ".join(SETTINGS)
        raise ConfigError(
            f"{source}: unknown setting {unknown[0]!r} (the settings are: {expected})"
        )
    values = {key: SETTINGS[key][0](value, f"{source}: {key}") for key, value in data.items()}
    thresholds = config.thresholds
    if "stuck_after" in values:
        thresholds = replace(thresholds, stuck_after=values["stuck_after"])
    if "stuck_after_per_store" in values:
        thresholds = replace(
            thresholds, per_format={**thresholds.per_format, **values["stuck_after_per_store"]}
        )
    changes: dict[str, Any] = {"thresholds": thresholds}
    renamed = {"refresh": "refresh_seconds"}
    for key in ("refresh", "read_only", "alert_command", "alert_dollars_per_hour", "bell"):
        if key in values:
            changes[renamed.get(key, key)] = values[key]
    return replace(config, **changes)
