"""The bots' own DDL, verbatim from ../shared/STORES.md, and functions that make such files.

Text marked *reconstructed* could not be read from the bot's source; it is built from the
description in STORES.md and the neighbouring verbatim text, and says so where it stands.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# hermes-bot sessions.db (STORES.md 1.3): `const SCHEMA` of src/session.rs, and the open PRAGMAs.

HERMES_PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;"

HERMES_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    thread_ts    TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL,
    repo         TEXT NOT NULL,
    repo_path    TEXT NOT NULL,
    agent_kind   TEXT NOT NULL DEFAULT 'claude',
    channel_id   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_active  TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active',
    total_turns  INTEGER NOT NULL DEFAULT 0,
    model        TEXT
);
CREATE INDEX IF NOT EXISTS idx_sessions_session_id ON sessions(session_id);
"""

# ---------------------------------------------------------------------------------------------
# ZeroClaw sessions.db (STORES.md 2.5).

ZEROCLAW_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA mmap_size = 4194304",
)

ZEROCLAW_HEAD_STAGE = 6
ZEROCLAW_STAGES = {
    1: "initial (9ba5ba56, v0.5.0): sessions, session_metadata, sessions_fts, ai/ad triggers",
    2: "+ session_metadata.name (483b2336, v0.5.8)",
    3: "+ state, turn_id, turn_started_at (604a70db, v0.6.5)",
    4: "+ sessions_au trigger (291dc17b, v0.7.4)",
    5: "+ agent_alias, channel_id, room_id, sender_id and indexes (18622d91, v0.8.0)",
    6: "+ jsonl_import_receipts (90531f07, HEAD)",
}

_ZC_SESSIONS = """CREATE TABLE IF NOT EXISTS sessions (
   id          INTEGER PRIMARY KEY AUTOINCREMENT,
   session_key TEXT NOT NULL,
   role        TEXT NOT NULL,
   content     TEXT NOT NULL,
   created_at  TEXT NOT NULL
)"""
_ZC_INDEX_KEY = "CREATE INDEX IF NOT EXISTS idx_sessions_key ON sessions(session_key)"
_ZC_INDEX_KEY_ID = "CREATE INDEX IF NOT EXISTS idx_sessions_key_id ON sessions(session_key, id)"
# Reconstructed: the HEAD table without the `name` column (added by ALTER in stage 2).
_ZC_METADATA_INITIAL = """CREATE TABLE IF NOT EXISTS session_metadata (
   session_key  TEXT PRIMARY KEY,
   created_at   TEXT NOT NULL,
   last_activity TEXT NOT NULL,
   message_count INTEGER NOT NULL DEFAULT 0
)"""
_ZC_METADATA_HEAD = """CREATE TABLE IF NOT EXISTS session_metadata (
   session_key  TEXT PRIMARY KEY,
   created_at   TEXT NOT NULL,
   last_activity TEXT NOT NULL,
   message_count INTEGER NOT NULL DEFAULT 0,
   name         TEXT
)"""
_ZC_RECEIPTS = """CREATE TABLE IF NOT EXISTS jsonl_import_receipts (
   source_name  TEXT PRIMARY KEY,
   session_key  TEXT NOT NULL,
   source_hash  TEXT NOT NULL,
   source_len   INTEGER NOT NULL,
   imported_at  TEXT NOT NULL
)"""
_ZC_FTS = """CREATE VIRTUAL TABLE IF NOT EXISTS sessions_fts USING fts5(
   session_key, content, content=sessions, content_rowid=id
)"""
_ZC_TRIGGER_AI = """CREATE TRIGGER IF NOT EXISTS sessions_ai AFTER INSERT ON sessions BEGIN
   INSERT INTO sessions_fts(rowid, session_key, content)
   VALUES (new.id, new.session_key, new.content);
END"""
_ZC_TRIGGER_AD = """CREATE TRIGGER IF NOT EXISTS sessions_ad AFTER DELETE ON sessions BEGIN
   INSERT INTO sessions_fts(sessions_fts, rowid, session_key, content)
   VALUES ('delete', old.id, old.session_key, old.content);
END"""
_ZC_TRIGGER_AU = """CREATE TRIGGER IF NOT EXISTS sessions_au AFTER UPDATE ON sessions BEGIN
   INSERT INTO sessions_fts(sessions_fts, rowid, session_key, content)
   VALUES ('delete', old.id, old.session_key, old.content);
   INSERT INTO sessions_fts(rowid, session_key, content)
   VALUES (new.id, new.session_key, new.content);
END"""

# The column migrations (ensure_metadata_column) and the routing indexes, in HEAD order.
ZEROCLAW_ALTERS = {
    "name": "ALTER TABLE session_metadata ADD COLUMN name TEXT",
    "state": "ALTER TABLE session_metadata ADD COLUMN state TEXT NOT NULL DEFAULT 'idle'",
    "turn_id": "ALTER TABLE session_metadata ADD COLUMN turn_id TEXT",
    "turn_started_at": "ALTER TABLE session_metadata ADD COLUMN turn_started_at TEXT",
    "agent_alias": "ALTER TABLE session_metadata ADD COLUMN agent_alias TEXT",
    "channel_id": "ALTER TABLE session_metadata ADD COLUMN channel_id TEXT",
    "room_id": "ALTER TABLE session_metadata ADD COLUMN room_id TEXT",
    "sender_id": "ALTER TABLE session_metadata ADD COLUMN sender_id TEXT",
}
ZEROCLAW_ROUTING_INDEXES = tuple(
    f"CREATE INDEX IF NOT EXISTS idx_session_metadata_{c} ON session_metadata({c})"
    for c in ("agent_alias", "channel_id", "room_id", "sender_id")
)

# The session_metadata columns that exist at each stage, in table order.
ZEROCLAW_METADATA_COLUMNS = {
    1: ("session_key", "created_at", "last_activity", "message_count"),
    2: ("session_key", "created_at", "last_activity", "message_count", "name"),
}
ZEROCLAW_METADATA_COLUMNS[3] = ZEROCLAW_METADATA_COLUMNS[2] + (
    "state",
    "turn_id",
    "turn_started_at",
)
ZEROCLAW_METADATA_COLUMNS[4] = ZEROCLAW_METADATA_COLUMNS[3]
ZEROCLAW_METADATA_COLUMNS[5] = ZEROCLAW_METADATA_COLUMNS[4] + (
    "agent_alias",
    "channel_id",
    "room_id",
    "sender_id",
)
ZEROCLAW_METADATA_COLUMNS[6] = ZEROCLAW_METADATA_COLUMNS[5]


def zeroclaw_schema(stage: int = ZEROCLAW_HEAD_STAGE) -> list[str]:
    """The DDL statements (no PRAGMAs) that leave an empty file at `stage` of STORES.md 2.5.

    Stage 6 is exactly what HEAD runs on an empty file: its CREATE batch (with `name` in the
    table), then every missing column by ALTER, then the routing indexes. Stages 1-5 are a
    database created by the first release and upgraded in place by each later one: the
    initial CREATEs (reconstructed from HEAD) followed by that release's additions.
    """
    if stage not in ZEROCLAW_STAGES:
        raise ValueError(f"ZeroClaw schema stage must be 1-6, not {stage}")
    if stage == ZEROCLAW_HEAD_STAGE:
        alters = [sql for col, sql in ZEROCLAW_ALTERS.items() if col != "name"]
        return [
            _ZC_SESSIONS,
            _ZC_INDEX_KEY,
            _ZC_INDEX_KEY_ID,
            _ZC_METADATA_HEAD,
            _ZC_RECEIPTS,
            _ZC_FTS,
            _ZC_TRIGGER_AI,
            _ZC_TRIGGER_AD,
            _ZC_TRIGGER_AU,
            *alters,
            *ZEROCLAW_ROUTING_INDEXES,
        ]
    statements = [
        _ZC_SESSIONS,
        _ZC_INDEX_KEY,
        _ZC_INDEX_KEY_ID,
        _ZC_METADATA_INITIAL,
        _ZC_FTS,
        _ZC_TRIGGER_AI,
        _ZC_TRIGGER_AD,
    ]
    if stage >= 2:
        statements.append(ZEROCLAW_ALTERS["name"])
    if stage >= 3:
        statements += [ZEROCLAW_ALTERS[c] for c in ("state", "turn_id", "turn_started_at")]
    if stage >= 4:
        statements.append(_ZC_TRIGGER_AU)
    if stage >= 5:
        routing = ("agent_alias", "channel_id", "room_id", "sender_id")
        statements += [ZEROCLAW_ALTERS[c] for c in routing]
        statements += list(ZEROCLAW_ROUTING_INDEXES)
    return statements


# ---------------------------------------------------------------------------------------------
# Starpod core.db (STORES.md 3.3): the session part of 001_init.sql at HEAD, verbatim.

STARPOD_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA synchronous = NORMAL",
)

STARPOD_SESSION_SCHEMA = """CREATE TABLE IF NOT EXISTS session_metadata (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    last_message_at TEXT NOT NULL,
    is_closed INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    message_count INTEGER NOT NULL DEFAULT 0,
    channel TEXT NOT NULL DEFAULT 'main',
    channel_session_key TEXT,
    title TEXT,
    user_id TEXT NOT NULL DEFAULT 'admin',
    is_read INTEGER NOT NULL DEFAULT 1,
    is_archived INTEGER NOT NULL DEFAULT 0,
    triggered_by TEXT
);

CREATE INDEX IF NOT EXISTS idx_session_channel_key
    ON session_metadata(channel, channel_session_key, is_closed, last_message_at DESC);

CREATE INDEX IF NOT EXISTS idx_session_user_channel
    ON session_metadata(user_id, channel, channel_session_key);

CREATE TABLE IF NOT EXISTS session_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES session_metadata(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    timestamp TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS idx_session_messages_session
    ON session_messages(session_id, id);

CREATE TABLE IF NOT EXISTS usage_stats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read INTEGER NOT NULL DEFAULT 0,
    cache_write INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0.0,
    model TEXT,
    timestamp TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT 'admin'
);

CREATE INDEX IF NOT EXISTS idx_usage_stats_user
    ON usage_stats(user_id, timestamp);

CREATE TABLE IF NOT EXISTS compaction_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES session_metadata(id) ON DELETE CASCADE,
    timestamp TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT 'auto',
    pre_tokens INTEGER NOT NULL,
    summary TEXT NOT NULL,
    messages_compacted INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS idx_compaction_log_session
    ON compaction_log(session_id);
"""

# v0.1.x-0.3.1: the same file before d895f984 added is_archived.
STARPOD_SESSION_SCHEMA_NO_ARCHIVE = STARPOD_SESSION_SCHEMA.replace(
    "    is_archived INTEGER NOT NULL DEFAULT 0,\n", ""
)

# sqlx 0.8.6 sqlx-sqlite/src/migrate.rs `ensure_migrations_table`.
SQLX_MIGRATIONS_DDL = """CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);"""

# The legacy per-crate session.db migrations (5810cc4~1:crates/starpod-session/migrations/).
# Verbatim where read from the repository; `init` is reconstructed from STORES.md 3.3.
# STORES.md names the last file 20260320000001; one stored commit has it as ...000000.
STARPOD_LEGACY_MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        20260313000000,
        "init",
        """CREATE TABLE IF NOT EXISTS session_metadata (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    last_message_at TEXT NOT NULL,
    is_closed INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    message_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS usage_stats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read INTEGER NOT NULL DEFAULT 0,
    cache_write INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0.0,
    model TEXT,
    timestamp TEXT NOT NULL
);
""",
    ),
    (
        20260314000000,
        "session messages",
        """CREATE TABLE IF NOT EXISTS session_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    role TEXT NOT NULL,          -- 'user' or 'assistant'
    content TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    FOREIGN KEY (session_id) REFERENCES session_metadata(id)
);

CREATE INDEX IF NOT EXISTS idx_session_messages_session ON session_messages(session_id, id);
""",
    ),
    (
        20260315000000,
        "channel sessions",
        """-- Add channel-based session routing.
-- "main" = explicit sessions (web, REPL, CLI); "telegram" = time-gap sessions (6h).
ALTER TABLE session_metadata ADD COLUMN channel TEXT NOT NULL DEFAULT 'main';
ALTER TABLE session_metadata ADD COLUMN channel_session_key TEXT;

CREATE INDEX idx_session_channel_key
    ON session_metadata(channel, channel_session_key, is_closed, last_message_at DESC);
""",
    ),
    (
        20260315000001,
        "session title",
        """-- Add a title column for session display (set from first user message).
ALTER TABLE session_metadata ADD COLUMN title TEXT;
""",
    ),
    (
        20260316000000,
        "compaction log",
        """CREATE TABLE IF NOT EXISTS compaction_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT 'auto',
    pre_tokens INTEGER NOT NULL,
    summary TEXT NOT NULL,
    messages_compacted INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (session_id) REFERENCES session_metadata(id)
);

CREATE INDEX idx_compaction_log_session ON compaction_log(session_id);
""",
    ),
    (
        20260317000000,
        "user id",
        """-- Add user_id column to session_metadata for per-user session scoping.
ALTER TABLE session_metadata ADD COLUMN user_id TEXT NOT NULL DEFAULT 'admin';

-- Create composite index for efficient per-user session lookups.
CREATE INDEX IF NOT EXISTS idx_session_user_channel ON session_metadata(user_id, channel, channel_session_key);
""",
    ),
    (
        20260318000000,
        "usage user id",
        """ALTER TABLE usage_stats ADD COLUMN user_id TEXT NOT NULL DEFAULT 'admin';
CREATE INDEX idx_usage_stats_user ON usage_stats(user_id, timestamp);
""",
    ),
    (
        20260320000000,
        "is read",
        """-- Add is_read flag to session_metadata (default true — existing sessions are "read")
ALTER TABLE session_metadata ADD COLUMN is_read INTEGER NOT NULL DEFAULT 1;
""",
    ),
    (
        20260320000001,
        "triggered by",
        """-- Add triggered_by column to track which cron job or heartbeat created the session.
-- NULL = regular user session, non-NULL = cron job name (e.g. "daily-digest", "__heartbeat__").
ALTER TABLE session_metadata ADD COLUMN triggered_by TEXT;
""",
    ),
)


# ---------------------------------------------------------------------------------------------
# Making the files.


def create_hermes_db(path: Path) -> Path:
    """An empty hermes-bot `sessions.db`, exactly as `SessionStore::new` leaves it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executescript(HERMES_PRAGMAS)
        conn.executescript(HERMES_SCHEMA)
    finally:
        conn.close()
    return path


def create_zeroclaw_db(path: Path, stage: int = ZEROCLAW_HEAD_STAGE) -> Path:
    """An empty ZeroClaw `sessions.db` at `stage` (1-6) of STORES.md 2.5."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ZEROCLAW_PRAGMAS:
            conn.execute(pragma).fetchall()
        for statement in zeroclaw_schema(stage):
            conn.execute(statement)
    finally:
        conn.close()
    return path


def create_starpod_db(
    path: Path, *, archived_column: bool = True, now: datetime | None = None
) -> Path:
    """An empty Starpod `core.db`: the session tables of 001_init.sql plus `_sqlx_migrations`.

    `archived_column=False` gives a v0.1.x-0.3.1 file (no `is_archived`). The bookkeeping
    row (version 1, 'init') carries the SHA-384 of the SQL applied here, as sqlx would.
    """
    sql = STARPOD_SESSION_SCHEMA if archived_column else STARPOD_SESSION_SCHEMA_NO_ARCHIVE
    return _apply_sqlx(Path(path), ((1, "init", sql),), now)


def create_starpod_legacy_db(path: Path, *, now: datetime | None = None) -> Path:
    """A pre-0.1.0 Starpod `session.db`: the per-crate migrations applied in order (3.3)."""
    return _apply_sqlx(Path(path), STARPOD_LEGACY_MIGRATIONS, now)


def _apply_sqlx(
    path: Path, migrations: tuple[tuple[int, str, str], ...], now: datetime | None
) -> Path:
    """Apply migrations the way sqlx's migrator does: one transaction each, then a row."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    installed_on = moment.strftime("%Y-%m-%d %H:%M:%S")  # CURRENT_TIMESTAMP's form
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in STARPOD_PRAGMAS:
            conn.execute(pragma).fetchall()
        conn.execute(SQLX_MIGRATIONS_DDL)
        for number, (version, description, sql) in enumerate(migrations):
            conn.execute("BEGIN")
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO _sqlx_migrations ( version, description, success, checksum, "
                "execution_time, installed_on ) VALUES ( ?1, ?2, TRUE, ?3, -1, ?4 )",
                (version, description, hashlib.sha384(sql.encode()).digest(), installed_on),
            )
            conn.execute(
                "UPDATE _sqlx_migrations SET execution_time = ?1 WHERE version = ?2",
                (1_250_000 + 17_000 * number, version),
            )
            conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def _split_sql(sql: str) -> list[str]:
    """Split a migration file into statements (none of these files has a `;` inside one)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
