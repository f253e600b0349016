"""The settings file: every key read right, every broken form refused with one line naming the
file, the key and what was expected; the flags share the same parsers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from sessiontui.config import SETTINGS, Config, ConfigError, load_config_file

GOOD: list[tuple[str, Callable[[Config], bool]]] = [
    ("stuck_after = '15m'", lambda c: c.thresholds.stuck_after == timedelta(minutes=15)),
    ("stuck_after = 20", lambda c: c.thresholds.stuck_after == timedelta(minutes=20)),
    ("stuck_after = '90s'", lambda c: c.thresholds.stuck_after == timedelta(seconds=90)),
    (
        "[stuck_after_per_store]\nstarpod = '1h'",
        lambda c: c.thresholds.per_format == {"starpod": timedelta(hours=1)},
    ),
    ("refresh = 2.5", lambda c: c.refresh_seconds == 2.5),
    ("read_only = true", lambda c: c.read_only is True),
    (
        "alert_command = ['notify-send', 'sessiontui']",
        lambda c: c.alert_command == ("notify-send", "sessiontui"),
    ),
    ("alert_dollars_per_hour = 5", lambda c: c.alert_dollars_per_hour == 5.0),
    ("bell = false", lambda c: c.bell is False),
]

BAD = [
    ("refersh = 2", "refersh", "unknown setting"),
    ("stuck-after = '10m'", "stuck-after", "unknown setting"),
    ("stuck_after = 'soon'", "stuck_after", "not a duration"),
    ("stuck_after = true", "stuck_after", "not a duration"),
    ("stuck_after_per_store = '10m'", "stuck_after_per_store", "expected a table"),
    ("[stuck_after_per_store]\nnobot = '1h'", "stuck_after_per_store", "unknown store format"),
    ("[stuck_after_per_store]\nstarpod = 'x'", "stuck_after_per_store.starpod", "not a duration"),
    ("refresh = 0", "refresh", "expected a positive number"),
    ("refresh = -1", "refresh", "expected a positive number"),
    ("refresh = 'fast'", "refresh", "expected a positive number"),
    ("refresh = true", "refresh", "expected a positive number"),
    ("read_only = 'yes'", "read_only", "expected true or false"),
    ("read_only = 1", "read_only", "expected true or false"),
    ("alert_command = 'notify-send x'", "alert_command", "expected a list of strings"),
    ("alert_command = []", "alert_command", "expected a list of strings"),
    ("alert_command = ['ok', 3]", "alert_command", "expected a list of strings"),
    ("alert_dollars_per_hour = 0", "alert_dollars_per_hour", "expected a positive number"),
    ("alert_dollars_per_hour = 'nan'", "alert_dollars_per_hour", "expected a positive number"),
    ("bell = 'off'", "bell", "expected true or false"),
    ("bell = [", "", "Invalid value"),  # not TOML at all
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_every_setting_has_a_good_and_a_bad_case() -> None:
    good_keys = {text.split("=")[0].strip(" [").split("]")[0] for text, _ in GOOD}
    bad_keys = {key.split(".")[0] for _, key, _ in BAD if key}
    assert set(SETTINGS) <= good_keys
    assert set(SETTINGS) <= bad_keys


@pytest.mark.parametrize(("text", "check"), GOOD, ids=[g[0] for g in GOOD])
def test_good_settings_are_read(tmp_path: Path, text: str, check: Callable[[Config], bool]) -> None:
    config = load_config_file(write(tmp_path, text))
    assert check(config)


@pytest.mark.parametrize(("text", "key", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_settings_are_refused_naming_file_and_key(
    tmp_path: Path, text: str, key: str, says: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config_file(path)
    message = str(raised.value)
    assert str(path) in message and says in message and "\n" not in message
    if key:
        assert key in message


def test_a_missing_default_file_is_no_error(tmp_path: Path) -> None:
    assert load_config_file(tmp_path / "absent.toml") == Config()


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(home / ".config")}
    return subprocess.run(
        [sys.executable, "-m", "sessiontui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_typo_in_the_file_stops_the_command_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "refersh = 2")
    done = run_cli("snapshot", "--config", str(path), str(tmp_path), home=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refersh" in lines[0] and str(path) in lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("flag", "value"), [("--refresh", "0"), ("--refresh", "-2"), ("--stuck-after", "soon")]
)
def test_flags_share_the_parsers(tmp_path: Path, flag: str, value: str) -> None:
    done = run_cli(flag, value, str(tmp_path), home=tmp_path)
    assert done.returncode == 2
    assert flag in done.stderr and len(done.stderr.strip().splitlines()) == 1
