"""`sessiontui snapshot`: every format in one run, in-process and as a real command; exit codes,
one-line errors, `--stuck`, and output that cannot act on the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import OneStoreEach, SnapshotRun

from sessiontui.cli import main
from sessiontui.demo.bots import ClaudeCodeWriter, StarpodBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db

FORMATS = {
    "hermes-json",
    "hermes-sqlite",
    "zeroclaw-jsonl",
    "zeroclaw-sqlite",
    "starpod",
    "claude-code",
}
EVIL = "evil\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x9b31mname"


def test_every_format_in_one_snapshot(
    tmp_path: Path,
    one_store_each: OneStoreEach,
    snapshot_json: SnapshotRun,
    snapshot_keys: set[str],
) -> None:
    stores = one_store_each(tmp_path / "host")
    code, rows, err = snapshot_json(tmp_path / "host")
    assert (code, err) == (0, "")
    assert {row["format"]: row["store"] for row in rows} == {f: str(p) for f, p in stores.items()}
    assert len(rows) == 6
    for row in rows:
        assert set(row) == snapshot_keys
        assert Path(row["store"]).is_absolute()
        for key in ("created_at", "last_activity"):
            assert row[key] is None or row[key].endswith("+00:00"), row
            assert row[key] is None or datetime.fromisoformat(row[key]).utcoffset() == timedelta(0)
    by_format = {row["format"]: row for row in rows}
    assert (by_format["hermes-json"]["state"], by_format["hermes-json"]["reason"]) == (
        "stuck",
        "pending",
    )
    assert by_format["hermes-sqlite"]["reason"] == "pending"
    assert by_format["claude-code"]["cost_usd"] == pytest.approx(
        (10 * 1 + 5 * 5) / 1e6
    )  # Haiku 4.5
    assert by_format["claude-code"]["cost_source"] == "computed"
    assert by_format["zeroclaw-sqlite"]["reason"] == "unanswered"
    assert by_format["starpod"]["turns"] == 0


def test_as_a_real_command(
    tmp_path: Path, one_store_each: OneStoreEach, snapshot_json: SnapshotRun
) -> None:
    one_store_each(tmp_path / "host")
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "CLAUDE_CONFIG_DIR",
            "ZEROCLAW_DATA_DIR",
            "ZEROCLAW_CONFIG_DIR",
            "ZEROCLAW_WORKSPACE",
        )
    }
    env["HOME"] = str(tmp_path / "home")
    env.pop("XDG_CONFIG_HOME", None)
    result = subprocess.run(
        [sys.executable, "-m", "sessiontui", "snapshot", "--json", str(tmp_path / "host")],
        capture_output=True,
        check=False,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["format"] for row in rows} == FORMATS
    _, in_process, _ = snapshot_json(tmp_path / "host")
    strip = ("state", "reason", "evidence", "last_activity")  # may move on between the two runs
    assert [{k: v for k, v in r.items() if k not in strip} for r in rows] == [
        {k: v for k, v in r.items() if k not in strip} for r in in_process
    ]


def written(name: str, content: bytes) -> Callable[[Path], Path]:
    def make(directory: Path) -> Path:
        (directory / name).write_bytes(content)
        return directory / name

    return make


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (written("notes.txt", b"hello"), "not a session store"),
        (lambda d: d / "missing.db", "no such file or directory"),
        (lambda d: d, "no session store found"),
        (written("bad.db", b"SQLite format 3\x00junk"), "cannot read it as SQLite"),
    ],
    ids=["text-file", "missing", "empty-dir", "corrupt-sqlite"],
)
def test_not_a_store_exits_2_with_one_line(
    tmp_path: Path, snapshot_json: SnapshotRun, make: Callable[[Path], Path], says: str
) -> None:
    target = tmp_path / "target"
    target.mkdir()
    path = make(target)
    code, rows, err = snapshot_json(path)
    assert (code, rows) == (2, [])
    assert err.count("\n") == 1 and err.startswith("sessiontui: ")
    assert str(path) in err and says in err
    assert "Traceback" not in err


def test_acp_database_exits_2(tmp_path: Path, snapshot_json: SnapshotRun) -> None:
    import sqlite3

    path = tmp_path / "acp-sessions.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE acp_sessions (id INTEGER PRIMARY KEY, session_uuid TEXT UNIQUE)")
    conn.close()
    code, _, err = snapshot_json(path)
    assert code == 2 and err.count("\n") == 1 and "ACP" in err and str(path) in err


def test_hostile_file_name_in_an_error_stays_one_printable_line(
    tmp_path: Path, snapshot_json: SnapshotRun
) -> None:
    path = tmp_path / "x\x1b]52;c;cm0=\x07\nsecond line.db"
    path.write_text("not a db")
    code, _, err = snapshot_json(path)
    assert code == 2
    assert err.count("\n") == 1
    assert not any(c in err for c in "\x1b\x07\x9b")
    assert "not a session store" in err


def test_good_and_bad_paths_together(
    tmp_path: Path, one_store_each: OneStoreEach, snapshot_json: SnapshotRun
) -> None:
    stores = one_store_each(tmp_path / "host")
    (tmp_path / "notes.txt").write_text("x")
    code, rows, err = snapshot_json(stores["starpod"], tmp_path / "notes.txt")
    assert code == 2 and len(rows) == 1 and rows[0]["format"] == "starpod"
    assert err.count("\n") == 1 and "notes.txt" in err


def test_stuck_only(tmp_path: Path, snapshot_json: SnapshotRun, real_now: datetime) -> None:
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    bot.append("gw_stuck", "user", "build it", now=real_now - timedelta(minutes=25))
    bot.set_state("gw_stuck", "running", "t-1", now=real_now - timedelta(minutes=25))
    bot.append("gw_fine", "user", "hi", now=real_now - timedelta(minutes=40))
    bot.append("gw_fine", "assistant", "Hello.", now=real_now - timedelta(minutes=40))
    bot.close()
    code, rows, err = snapshot_json(tmp_path / "sessions.db", flags=("--stuck",))
    assert (code, err) == (1, "")
    assert [(r["id"], r["state"], r["reason"]) for r in rows] == [
        ("gw_stuck", "stuck", "turn-running")
    ]
    assert "25 minutes" in rows[0]["evidence"]

    # A longer limit: nothing is stuck, and --stuck exits 0 with no rows.
    code, rows, _ = snapshot_json(
        tmp_path / "sessions.db", flags=("--stuck", "--stuck-after", "1h")
    )
    assert (code, rows) == (0, [])


def test_table_output(
    tmp_path: Path,
    one_store_each: OneStoreEach,
    isolated_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    one_store_each(tmp_path / "host")
    assert main(["snapshot", str(tmp_path / "host")]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert err == ""
    assert lines[0].split()[:4] == ["STATE", "FORMAT", "ID", "NAME"]
    assert lines[-1] == "6 sessions, 3 stuck"
    assert len(lines) == 8
    claude = next(line for line in lines if " claude-code " in line)
    assert "$0.0000" in claude  # $0.000035, shown to 4 places


def hostile_stores(root: Path, now: datetime) -> None:
    """Session names and texts that carry terminal escapes: clear screen, OSC 52 (write the
    clipboard), and an 8-bit CSI."""
    bot = ZeroClawSqliteBot(root / "zc" / "sessions.db")
    bot.append("gw_evil", "user", EVIL, now=now)
    bot.set_name("gw_evil", EVIL)
    bot.close()
    starpod = StarpodBot(create_starpod_db(root / "sp" / "core.db"))
    starpod.create_session("sp-evil", now=now)
    starpod.save_message("sp-evil", "user", EVIL, now=now)  # becomes the title
    starpod.close()
    ClaudeCodeWriter(root / "claude" / "projects").user("cc-evil", "/w", EVIL, now=now)


def test_table_output_cannot_act_on_the_terminal(
    tmp_path: Path, isolated_home: Path, real_now: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_stores(tmp_path / "host", real_now - timedelta(minutes=30))
    assert main(["snapshot", str(tmp_path / "host")]) == 0
    out, err = capsys.readouterr()
    assert not any(c in out + err for c in "\x1b\x07\x9b")
    assert out.count("evil\u241b[2J\u241b]52") == 3  # shown, as visible glyphs
    assert out.splitlines()[-1].startswith("3 sessions")


def test_json_output_escapes_control_characters(
    tmp_path: Path, snapshot_json: SnapshotRun, real_now: datetime
) -> None:
    hostile_stores(tmp_path / "host", real_now - timedelta(minutes=30))
    code, rows, _ = snapshot_json(tmp_path / "host")
    assert code == 0 and {r["name"] for r in rows} == {EVIL}  # exact text for scripts


def test_json_output_has_no_raw_control_bytes(
    tmp_path: Path, isolated_home: Path, real_now: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_stores(tmp_path / "host", real_now - timedelta(minutes=30))
    assert main(["snapshot", "--json", str(tmp_path / "host")]) == 0
    out, _ = capsys.readouterr()
    assert not any(c in out for c in "\x1b\x07")
    assert "\\u001b[2J" in out


def test_the_program_leaves_at_once_with_all_its_output_and_its_exit_code(
    tmp_path: Path, isolated_home: Path, real_now: datetime
) -> None:
    """`run` (the program) ends a snapshot with `os._exit`, skipping the interpreter's
    teardown: what was written is flushed first, whole, even to a block-buffered file, and the
    exit code is main's. An `atexit` hook shows the teardown was skipped."""
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    for n in range(300):
        bot.append(f"gw_{n:03}", "user", "hello " * 20, now=real_now - timedelta(minutes=40))
        bot.append(f"gw_{n:03}", "assistant", "Hello.", now=real_now - timedelta(minutes=40))
    bot.append("gw_stuck", "user", "build it", now=real_now - timedelta(minutes=25))
    bot.set_state("gw_stuck", "running", "t-1", now=real_now - timedelta(minutes=25))
    bot.close()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    program = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('torn down', file=sys.stderr))\n"
        "from sessiontui.cli import run\n"
        "sys.argv = ['sessiontui', *sys.argv[1:]]\n"
        "run()\n"
    )
    for flags, code, rows in ((("--json",), 0, 301), (("--json", "--stuck"), 1, 1)):
        out = tmp_path / "out.json"
        with out.open("wb") as handle:
            result = subprocess.run(
                [sys.executable, "-c", program, "snapshot", *flags, str(tmp_path / "sessions.db")],
                stdout=handle,
                stderr=subprocess.PIPE,
                env=env,
                timeout=60,
                check=False,
            )
        lines = out.read_bytes().splitlines()
        assert (result.returncode, result.stderr) == (code, b"")
        assert len(lines) == rows and all(json.loads(line)["id"] for line in lines)
    # Another command keeps the usual exit, teardown and all.
    result = subprocess.run(
        [sys.executable, "-c", program, "audit"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.stderr.endswith(b"torn down\n")


def test_the_collector_is_off_while_the_program_imports_and_on_when_it_runs() -> None:
    """`sessiontui.__main__` (the script's and `-m`'s entry) holds the collector off while the
    modules are imported; `run` turns it on before the command's work (here a probe in place
    of `main`)."""
    probe = (
        "import gc, sys\n"
        "import sessiontui.__main__ as program\n"
        "print(gc.isenabled())\n"
        "import sessiontui.cli as cli\n"
        "cli.main = lambda: print(gc.isenabled()) or 0\n"
        "sys.argv = ['sessiontui', 'audit']\n"
        "program.run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout.split()) == (0, ["False", "True"])


def test_a_worker_spawned_under_the_script_folds_with_the_collector_on(tmp_path: Path) -> None:
    """The `sessiontui` script imports `sessiontui.__main__` by name, and so does each worker a
    spawned pool starts from it (the app's background count): that worker never calls `run`,
    and must not be left with the collector off."""
    script = tmp_path / "sessiontui_script.py"
    script.write_text(
        "from sessiontui.__main__ import run  # as the installed script does\n"
        "def collector_on():\n"
        "    import gc\n"
        "    return gc.isenabled()\n"
        "if __name__ == '__main__':\n"
        "    import multiprocessing\n"
        "    with multiprocessing.get_context('spawn').Pool(1) as pool:\n"
        "        print(pool.apply(collector_on))\n"
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert (result.returncode, result.stdout.split()) == (0, ["True"]), result.stderr
