"""Hermes Agent `state.db` DDL, verbatim from ../shared/STORES.md 7.3-7.4, and its older stages.

`SCHEMA_SQL` (`hermes_state_common.py` @ 00704d08, SCHEMA_VERSION 30) is quoted as STORES.md
gives it: the tables a monitor needs, without the SQL comments and without the FTS tables (their
triggers are not quoted; full-text search belongs to the search issue).

Older stages: the version-gated steps STORES.md 7.10 establishes (`messages.active` from 12,
`session_model_usage` from 20, its `task` key column from 22, `system_prompts` from 25). Which
version added each later `sessions` column is not established; the `v11` stage also lacks the
columns and tables a monitor treats as optional, and says so (*reconstructed*).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

HERMES_AGENT_SCHEMA_VERSION = 30

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS system_prompts (
    hash TEXT PRIMARY KEY,
    prompt TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    created_source TEXT,
    user_id TEXT,
    session_key TEXT,
    chat_id TEXT,
    chat_type TEXT,
    thread_id TEXT,
    display_name TEXT,
    origin_json TEXT,
    expiry_finalized INTEGER DEFAULT 0,
    model TEXT,
    model_config TEXT,
    system_prompt TEXT,
    system_prompt_hash TEXT,
    parent_session_id TEXT,
    started_at REAL NOT NULL,
    ended_at REAL,
    end_reason TEXT,
    message_count INTEGER DEFAULT 0,
    tool_call_count INTEGER DEFAULT 0,
    input_tokens INTEGER DEFAULT 0,
    output_tokens INTEGER DEFAULT 0,
    cache_read_tokens INTEGER DEFAULT 0,
    cache_write_tokens INTEGER DEFAULT 0,
    reasoning_tokens INTEGER DEFAULT 0,
    cwd TEXT,
    git_branch TEXT,
    git_repo_root TEXT,
    git_metadata_generation INTEGER NOT NULL DEFAULT 0,
    billing_provider TEXT,
    billing_base_url TEXT,
    billing_mode TEXT,
    estimated_cost_usd REAL,
    actual_cost_usd REAL,
    cost_status TEXT,
    cost_source TEXT,
    pricing_version TEXT,
    title TEXT,
    title_source TEXT,
    last_activity_at REAL,
    last_activity_description TEXT,
    last_activity_provenance TEXT,
    api_call_count INTEGER DEFAULT 0,
    handoff_state TEXT,
    handoff_platform TEXT,
    handoff_error TEXT,
    compression_failure_cooldown_until REAL,
    compression_failure_error TEXT,
    compression_fallback_streak INTEGER NOT NULL DEFAULT 0,
    compression_ineffective_count INTEGER NOT NULL DEFAULT 0,
    compression_recovery_deadline REAL,
    compression_overload_streak INTEGER NOT NULL DEFAULT 0,
    profile_name TEXT,
    transport_profile TEXT,
    rewind_count INTEGER NOT NULL DEFAULT 0,
    archived INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    last_read_at REAL,
    tool_names TEXT,
    FOREIGN KEY (parent_session_id) REFERENCES sessions(id),
    FOREIGN KEY (system_prompt_hash) REFERENCES system_prompts(hash)
);

CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    role TEXT NOT NULL,
    content TEXT,
    tool_call_id TEXT,
    tool_calls TEXT,
    tool_name TEXT,
    effect_disposition TEXT,
    timestamp REAL NOT NULL,
    token_count INTEGER,
    finish_reason TEXT,
    reasoning TEXT,
    reasoning_content TEXT,
    reasoning_details TEXT,
    codex_reasoning_items TEXT,
    codex_message_items TEXT,
    platform_message_id TEXT,
    observed INTEGER DEFAULT 0,
    _compressed_summary INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    compacted INTEGER NOT NULL DEFAULT 0,
    api_content TEXT,
    display_kind TEXT,
    display_metadata TEXT,
    display_identity BLOB,
    display_order INTEGER
);

CREATE TABLE IF NOT EXISTS session_model_usage (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    billing_provider TEXT NOT NULL DEFAULT '',
    billing_base_url TEXT NOT NULL DEFAULT '',
    billing_mode TEXT NOT NULL DEFAULT '',
    task TEXT NOT NULL DEFAULT '',
    api_call_count INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    estimated_cost_usd REAL NOT NULL DEFAULT 0,
    actual_cost_usd REAL NOT NULL DEFAULT 0,
    cost_status TEXT,
    cost_source TEXT,
    first_seen REAL,
    last_seen REAL,
    PRIMARY KEY (session_id, model, billing_provider, billing_base_url, billing_mode, task)
);

CREATE TABLE IF NOT EXISTS state_meta (
    key TEXT PRIMARY KEY,
    value TEXT
);

CREATE TABLE IF NOT EXISTS gateway_heartbeats (
    backend_id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    started_at REAL NOT NULL,
    last_heartbeat REAL NOT NULL,
    profile TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS compression_locks (
    session_id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at REAL NOT NULL,
    expires_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS session_turn_leases (
    conversation_id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at REAL NOT NULL,
    expires_at REAL NOT NULL
);

CREATE INDEX IF NOT EXISTS idx_sessions_source ON sessions(source);
CREATE INDEX IF NOT EXISTS idx_sessions_parent ON sessions(parent_session_id);
CREATE INDEX IF NOT EXISTS idx_sessions_started ON sessions(started_at DESC);
CREATE INDEX IF NOT EXISTS idx_messages_session ON messages(session_id, timestamp);
CREATE INDEX IF NOT EXISTS idx_messages_session_id ON messages(session_id, id);
CREATE INDEX IF NOT EXISTS idx_compression_locks_expires ON compression_locks(expires_at);
CREATE INDEX IF NOT EXISTS idx_session_turn_leases_expires ON session_turn_leases(expires_at);
CREATE INDEX IF NOT EXISTS idx_session_model_usage_session ON session_model_usage(session_id);
"""

DEFERRED_INDEX_SQL = """
CREATE INDEX IF NOT EXISTS idx_messages_session_active
    ON messages(session_id, active, timestamp);
CREATE INDEX IF NOT EXISTS idx_sessions_session_key
    ON sessions(session_key, started_at DESC);
CREATE INDEX IF NOT EXISTS idx_sessions_effective_activity
    ON sessions(COALESCE(last_activity_at, started_at) DESC, started_at DESC);
"""

TITLE_INDEX_SQL = "CREATE UNIQUE INDEX IF NOT EXISTS idx_sessions_title_unique ON sessions(title) WHERE title IS NOT NULL"

# Columns and tables the older stages lack (see the module docstring).
_OPTIONAL_SESSION_COLUMNS = (
    "title_source",
    "last_activity_at",
    "last_activity_description",
    "last_activity_provenance",
    "archived",
    "pinned",
    "hidden",
    "last_read_at",
    "tool_names",
    "system_prompt_hash",
    "profile_name",
    "transport_profile",
    "rewind_count",
    "handoff_state",
    "handoff_platform",
    "handoff_error",
    "compression_failure_cooldown_until",
    "compression_failure_error",
    "compression_fallback_streak",
    "compression_ineffective_count",
    "compression_recovery_deadline",
    "compression_overload_streak",
    "display_name",
    "origin_json",
    "expiry_finalized",
    "created_source",
    "git_metadata_generation",
    "git_branch",
    "git_repo_root",
)

STAGES = {
    30: "current SCHEMA_SQL (hermes_state_common.py @ 00704d08), deferred indexes, unique titles",
    21: "v20-21: session_model_usage without `task` in its key; no system_prompts (7.10)",
    11: "v11 (reconstructed): no messages.active, no session_model_usage, no system_prompts, "
    "no leases/heartbeats/locks, and none of the sessions columns of unknown age",
}


def hermes_agent_schema(version: int = HERMES_AGENT_SCHEMA_VERSION) -> str:
    """The DDL a store last opened writable by the Hermes of `version` (a key of STAGES) has."""
    if version >= HERMES_AGENT_SCHEMA_VERSION:
        return SCHEMA_SQL + DEFERRED_INDEX_SQL + TITLE_INDEX_SQL + ";\n"
    sql = SCHEMA_SQL.replace(
        "    FOREIGN KEY (system_prompt_hash) REFERENCES system_prompts(hash)\n", ""
    )
    sql = sql.replace(
        "    tool_names TEXT,\n    FOREIGN KEY (parent_session_id) REFERENCES sessions(id),\n",
        "    tool_names TEXT,\n    FOREIGN KEY (parent_session_id) REFERENCES sessions(id)\n",
    )
    sql = _drop_table(sql, "system_prompts").replace("    system_prompt_hash TEXT,\n", "")
    sql = sql.replace("    task TEXT NOT NULL DEFAULT '',\n", "").replace(
        "billing_mode, task)", "billing_mode)"
    )
    if version >= 20:
        return sql
    for table in (
        "session_model_usage",
        "gateway_heartbeats",
        "compression_locks",
        "session_turn_leases",
    ):
        sql = _drop_table(sql, table)
    sql = "\n".join(line for line in sql.splitlines() if not _drops(line))
    return sql.replace("    tool_names TEXT,\n", "")


def _drops(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("CREATE INDEX") and any(
        t in stripped for t in ("session_model_usage", "compression_locks", "session_turn_leases")
    ):
        return True
    name = stripped.split(" ", 1)[0]
    return name in _OPTIONAL_SESSION_COLUMNS or stripped.startswith(
        ("active INTEGER", "tool_names TEXT")
    )


def _drop_table(sql: str, table: str) -> str:
    start = sql.index(f"CREATE TABLE IF NOT EXISTS {table} (")
    end = sql.index(");\n", start) + 3
    return sql[:start] + sql[end:]


def create_hermes_agent_db(path: Path, version: int = HERMES_AGENT_SCHEMA_VERSION) -> Path:
    """An empty `state.db` as Hermes Agent leaves it: WAL, the schema, its version row, 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL").fetchall()
        conn.executescript(  # one transaction, as `_init_schema` runs it
            f"BEGIN IMMEDIATE;\n{hermes_agent_schema(version)}\n"
            f"INSERT INTO schema_version (version) VALUES ({int(version)});\nCOMMIT;"
        )
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        sidecar = Path(f"{path}{suffix}")
        if sidecar.exists():
            sidecar.chmod(0o600)
    return path
