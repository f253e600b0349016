"""Finding stores: by their content, below a directory, and in the bots' default locations."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from sessiontui.demo.bots import (
    ClaudeCodeWriter,
    HermesJsonBot,
    HermesSqliteBot,
    ZeroClawJsonlBot,
    ZeroClawSqliteBot,
)
from sessiontui.demo.botschema import (
    create_starpod_db,
    create_starpod_legacy_db,
    create_zeroclaw_db,
)
from sessiontui.model import StoreFormat
from sessiontui.stores import Found, StoreError, detect, find_stores
from sessiontui.stores.detect import default_locations, detect_defaults


def formats(found: list[Found]) -> dict[str, Path]:
    result = {str(f.format): f.path for f in found}
    assert len(result) == len(found), found
    return result


def test_one_of_each_format(
    tmp_path: Path, one_store_each: Callable[[Path], dict[str, Path]]
) -> None:
    expected = one_store_each(tmp_path)
    assert formats(detect(tmp_path)) == expected


def test_zeroclaw_jsonl_and_sqlite_side_by_side(tmp_path: Path) -> None:
    """A <= v0.7.4 install: channel chats in *.jsonl, gateway chats in sessions.db, and the
    ACP store's own database beside them."""
    sessions = tmp_path / ".zeroclaw" / "workspace" / "sessions"
    ZeroClawJsonlBot(sessions).append("telegram_1", {"role": "user", "content": "hi"})
    bot = ZeroClawSqliteBot(sessions / "sessions.db", 4)
    bot.append("gw_1", "user", "hi")
    bot.close()
    acp = sqlite3.connect(sessions / "acp-sessions.db")
    acp.execute("CREATE TABLE acp_sessions (id INTEGER PRIMARY KEY, session_uuid TEXT UNIQUE)")
    acp.commit()
    acp.close()
    found = formats(detect(sessions))
    assert found == {
        "zeroclaw-jsonl": sessions.resolve(),
        "zeroclaw-sqlite": (sessions / "sessions.db").resolve(),
    }
    assert formats(detect(tmp_path)) == found  # the same, found from above


def test_acp_database_is_named_as_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "acp-sessions.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE acp_sessions (id INTEGER PRIMARY KEY, session_uuid TEXT UNIQUE)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as caught:
        detect(path)
    message = str(caught.value)
    assert str(path) in message and "ACP" in message and "\n" not in message


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("notes.txt", b"hello\n", "not a session store"),
        ("sessions.db", b"", "not a session store"),  # empty file
        ("broken.db", b"SQLite format 3\x00garbage", "cannot read it as SQLite"),
        ("other.jsonl", b'{"event":"x"}\n', "no ZeroClaw or Claude Code or Codex records"),
        ("config.json", b'{"theme": "dark"}', "not a session store"),
    ],
)
def test_not_a_store(tmp_path: Path, name: str, content: bytes, why: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        detect(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and why in message and "\n" not in message


def test_unrelated_sqlite_and_empty_dir(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "app.db")
    conn.execute(
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY, user TEXT)"
    )  # a `sessions` table, not ours
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="without the session tables"):
        detect(tmp_path / "app.db")
    with pytest.raises(StoreError, match="no session store found"):
        detect(tmp_path)
    with pytest.raises(StoreError, match="no such file"):
        detect(tmp_path / "missing")


def test_every_schema_variant_is_recognised(tmp_path: Path) -> None:
    for stage in range(1, 7):
        assert (
            detect(create_zeroclaw_db(tmp_path / f"zc{stage}.db", stage))[0].format
            == StoreFormat.ZEROCLAW_SQLITE
        )
    assert (
        detect(create_starpod_db(tmp_path / "old.db", archived_column=False))[0].format
        == StoreFormat.STARPOD
    )
    assert (
        detect(create_starpod_legacy_db(tmp_path / "session.db"))[0].format == StoreFormat.STARPOD
    )
    HermesSqliteBot(tmp_path / "hermes.db").close()
    assert detect(tmp_path / "hermes.db")[0].format == StoreFormat.HERMES_SQLITE


def test_hermes_json_beside_its_db_and_empty_map(tmp_path: Path) -> None:
    HermesJsonBot(tmp_path / "sessions.json").new_thread("1.1", "r", "/r", "C1", None)
    HermesSqliteBot(tmp_path / "sessions.db").close()
    (tmp_path / "old.json.bak").write_text(
        json.dumps({"1.1": {"session_id": "x", "thread_ts": "1.1"}})
    )
    assert set(formats(detect(tmp_path))) == {
        "hermes-json",
        "hermes-sqlite",
    }  # the .bak is no store
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "sessions.json").write_text("{}")
    assert detect(tmp_path / "empty" / "sessions.json") == [
        Found(StoreFormat.HERMES_JSON, tmp_path / "empty" / "sessions.json")
    ]


def test_single_files_open_their_directory(tmp_path: Path) -> None:
    zc = ZeroClawJsonlBot(tmp_path / "zc").append("a", {"role": "user", "content": "hi"})
    cc = ClaudeCodeWriter(tmp_path / "projects").user("s1", "/w", "hi")
    assert detect(zc) == [Found(StoreFormat.ZEROCLAW_JSONL, zc.parent)]
    assert detect(cc) == [Found(StoreFormat.CLAUDE_CODE, cc.parent)]
    # A Claude Code config dir, its projects dir and one project all open as Claude Code.
    assert detect(tmp_path / "projects") == [Found(StoreFormat.CLAUDE_CODE, tmp_path / "projects")]
    assert detect(cc.parent) == [Found(StoreFormat.CLAUDE_CODE, cc.parent)]


def test_find_stores_reports_each_bad_path_and_keeps_the_good(tmp_path: Path) -> None:
    HermesSqliteBot(tmp_path / "sessions.db").close()
    (tmp_path / "notes.txt").write_text("x")
    found, errors = find_stores(
        [tmp_path / "sessions.db", tmp_path / "notes.txt", tmp_path / "sessions.db"]
    )
    assert found == [Found(StoreFormat.HERMES_SQLITE, tmp_path / "sessions.db")]
    assert len(errors) == 1 and "notes.txt" in errors[0]


# ---------------------------------------------------------------------------------------------
# Default locations


def test_defaults_from_environment(
    tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "zc-data"
    config = tmp_path / "zc-config"
    claude = tmp_path / "claude-config"
    ZeroClawSqliteBot(data / "sessions" / "sessions.db").close()
    ZeroClawJsonlBot(config / "workspace" / "sessions").append(
        "old_1", {"role": "user", "content": "hi"}
    )
    ZeroClawSqliteBot(config / "data" / "sessions" / "sessions.db").close()
    ClaudeCodeWriter(claude / "projects").user("s1", "/w", "hi")
    # Present, but not where the variables point: must not be found.
    ClaudeCodeWriter(isolated_home / ".claude" / "projects").user("s2", "/w", "hi")
    monkeypatch.setenv("ZEROCLAW_DATA_DIR", str(data))
    monkeypatch.setenv("ZEROCLAW_CONFIG_DIR", str(config))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
    found, places = detect_defaults()
    assert set(found) == {
        Found(StoreFormat.ZEROCLAW_SQLITE, (data / "sessions" / "sessions.db").resolve()),
        Found(StoreFormat.ZEROCLAW_JSONL, (config / "workspace" / "sessions").resolve()),
        Found(
            StoreFormat.ZEROCLAW_SQLITE, (config / "data" / "sessions" / "sessions.db").resolve()
        ),
        Found(StoreFormat.CLAUDE_CODE, (claude / "projects").resolve()),
    }
    assert isolated_home / ".claude" / "projects" not in places


def test_defaults_from_home_and_cwd(tmp_path: Path, isolated_home: Path) -> None:
    cwd = Path.cwd()
    HermesSqliteBot(cwd / "sessions.db").close()
    create_starpod_db(cwd / ".starpod" / "db" / "core.db")
    create_starpod_db(cwd / ".instances" / "helper" / ".starpod" / "db" / "core.db")
    ZeroClawSqliteBot(isolated_home / ".zeroclaw" / "data" / "sessions" / "sessions.db").close()
    ClaudeCodeWriter(isolated_home / ".claude" / "projects").user("s1", "/w", "hi")
    ClaudeCodeWriter(isolated_home / ".config" / "claude" / "projects").user("s2", "/w", "hi")
    found, _ = find_stores([])
    assert set(found) == {
        Found(StoreFormat.HERMES_SQLITE, (cwd / "sessions.db").resolve()),
        Found(StoreFormat.STARPOD, (cwd / ".starpod" / "db" / "core.db").resolve()),
        Found(
            StoreFormat.STARPOD,
            (cwd / ".instances" / "helper" / ".starpod" / "db" / "core.db").resolve(),
        ),
        Found(
            StoreFormat.ZEROCLAW_SQLITE,
            (isolated_home / ".zeroclaw" / "data" / "sessions" / "sessions.db").resolve(),
        ),
        Found(StoreFormat.CLAUDE_CODE, (isolated_home / ".claude" / "projects").resolve()),
        Found(
            StoreFormat.CLAUDE_CODE, (isolated_home / ".config" / "claude" / "projects").resolve()
        ),
    }


def test_no_defaults_is_one_readable_error(isolated_home: Path) -> None:
    found, errors = find_stores([])
    assert found == [] and len(errors) == 1
    assert errors[0].startswith("no session store found in the default locations")
    assert str(isolated_home / ".claude" / "projects") in errors[0]
    assert isolated_home / ".zeroclaw" / "workspace" / "sessions" in default_locations()


def test_a_first_line_longer_than_a_read_is_recognised(tmp_path: Path) -> None:
    """Recognition reads a file's head in small pieces: a first line over one piece (64 KB)
    is gathered whole and parsed."""
    project = tmp_path / "projects" / "-home-dev-src-big"
    project.mkdir(parents=True)
    line = {"type": "user", "sessionId": "s1", "message": {"content": "x" * 300_000}}
    (project / "s1.jsonl").write_text(json.dumps(line) + "\n")
    assert formats(detect(tmp_path)) == {"claude-code": tmp_path / "projects"}
