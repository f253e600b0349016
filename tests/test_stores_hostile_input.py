"""Bytes from a store that no output can carry as they are: one row shows them escaped, the
store and every other session stay, and `snapshot` (table and JSON) prints valid UTF-8."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessiontui.demo.bots import HermesSqliteBot, StarpodBot, ZeroClawJsonlBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.text import json_line, one_line, printable

T0 = datetime.now(UTC) - timedelta(minutes=20)


def run_snapshot(*args: str) -> tuple[int, bytes, bytes]:
    """The real command under a strict UTF-8 stdout (any unencodable character is an error)."""
    done = subprocess.run(
        [sys.executable, "-m", "sessiontui", "snapshot", *args],
        capture_output=True,
        env={"PYTHONIOENCODING": "utf-8:strict", "HOME": "/nonexistent", "PATH": "/usr/bin"},
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_invalid_utf8_in_a_starpod_title_shows_escaped_in_that_row_only(tmp_path: Path) -> None:
    db = tmp_path / "project" / ".starpod" / "db" / "core.db"
    create_starpod_db(db)
    bot = StarpodBot(db)
    for sid in ("sp-good", "sp-bad"):
        bot.create_session(sid, now=T0)
        bot.save_message(sid, "user", f"hello from {sid}", now=T0)
    bot.conn.execute(
        "UPDATE session_metadata SET title = CAST(X'6f6bfffe21' AS TEXT) WHERE id = 'sp-bad'"
    )
    bot.close()
    code, out, err = run_snapshot("--json", str(db))
    assert code == 0, err
    rows = {row["id"]: row for row in map(json.loads, out.decode("utf-8").splitlines())}
    assert rows["sp-bad"]["name"] == "ok\\xff\\xfe!"
    assert rows["sp-good"]["name"] == "hello from sp-good"


def test_invalid_utf8_in_a_hermes_model_shows_escaped_and_the_store_stays(tmp_path: Path) -> None:
    db = tmp_path / "hermes" / "sessions.db"
    db.parent.mkdir()
    bot = HermesSqliteBot(db)
    bot.new_thread("1.1", "repo", "/src/repo", "C1", "claude-opus-4-6", T0)
    bot.new_thread("2.2", "repo", "/src/repo", "C1", "claude-opus-4-6", T0)
    bot.conn.execute(
        "UPDATE sessions SET model = CAST(X'636c61756465ff' AS TEXT) WHERE thread_ts = '2.2'"
    )
    bot.close()
    code, out, err = run_snapshot(str(db))  # the table form, to a strict UTF-8 stdout
    assert code == 0, err
    text = out.decode("utf-8")
    assert "1.1" in text and "2.2" in text and "2 sessions" in text
    code, out, err = run_snapshot("--json", str(db))
    rows = {row["id"]: row for row in map(json.loads, out.decode("utf-8").splitlines())}
    assert rows["2.2"]["model"] == "claude\\xff" and rows["1.1"]["model"] == "claude-opus-4-6"


def test_a_lone_surrogate_in_a_transcript_and_a_bad_file_name_print_as_utf8(tmp_path: Path) -> None:
    directory = tmp_path / "sessions"
    ZeroClawJsonlBot(directory).append("telegram_1", {"role": "user", "content": "fine"})
    (directory / "cut.jsonl").write_text('{"role":"user","content":"cut \\ud83d emoji"}\n')
    with open(bytes(directory) + b"/bad\xff\xfe.jsonl", "wb") as out:
        out.write(b'{"role":"user","content":"hi"}\n')
    code, stdout, err = run_snapshot(str(directory))
    assert code == 0, err
    text = stdout.decode("utf-8")  # strict: raises on anything but valid UTF-8
    assert (
        "telegram_1" in text and "cut" in text and "bad\\xff\\xfe" in text and "3 sessions" in text
    )
    code, stdout, err = run_snapshot("--json", str(directory))
    assert code == 0, err
    rows = [json.loads(line) for line in stdout.decode("utf-8").splitlines()]
    assert sorted(row["id"] for row in rows) == ["bad\\xff\\xfe", "cut", "telegram_1"]


@pytest.mark.parametrize(
    "char", ["\u200f", "\u200e", "\u061c", "\u2028", "\u2029", "\u202e", "\u2066"]
)
def test_bidi_marks_and_line_separators_are_shown_as_visible_escapes(char: str) -> None:
    assert printable(f"a{char}b") == f"a\\u{ord(char):04x}b"
    assert one_line(f"a{char}b") == f"a\\u{ord(char):04x}b"
    assert json_line(f"a{char}b") == f'"a\\u{ord(char):04x}b"'


@pytest.mark.parametrize(
    ("raw", "shown"), [("cut \ud83d x", "cut \ufffd x"), ("bad\udcff", "bad\\xff")]
)
def test_surrogates_are_replaced_and_marked(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert json.loads(json_line(raw)) == shown
    json_line(raw).encode("utf-8")


@pytest.mark.parametrize(
    "value", ["99999999999999999999d", "1" * 400, float("inf"), float("nan"), 1e300]
)
def test_a_duration_too_long_to_hold_is_a_config_error_not_a_crash(value: object) -> None:
    from sessiontui.config import ConfigError, parse_duration

    with pytest.raises(ConfigError, match="--stuck-after"):
        parse_duration(value, "--stuck-after")
