"""One record per store format: how its files are recognised, how its store is opened, what an
operator may do to its sessions, and how each of those writes is done and undone.

Everything else asks a record; nothing outside `stores/`, `actions/` and `demo/` names a format.
Adding a format is one adapter module in `stores/`, one writer module in `actions/` where the
bot's store may be written, and one record in `RECORDS` below.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sessiontui.actions import openclaw as openclaw_refusals
from sessiontui.actions.base import Outcome, Verb
from sessiontui.model import Session, StoreFormat
from sessiontui.stores.recognise import (
    claude_root,
    codex_root,
    is_claude_record,
    is_codex_record,
    is_hermes_json,
    is_openclaw_sessions_json,
    superseded,
)

if TYPE_CHECKING:
    from sessiontui.actions.trash import TrashEntry
    from sessiontui.stores.base import Store
    from sessiontui.stores.disk_parts import DiskPart
    from sessiontui.stores.fts_search import IndexHit

Tables = Mapping[str, set[str]]  # table name -> its column names
Write = Callable[[Session, str | None, Path | None], Outcome]  # session, text, state dir
Prune = Callable[[Path, int, Path | None], Outcome]  # store, TTL in days, state dir


def _stores(name: str) -> ModuleType:
    """An adapter module (`sessiontui.stores.<name>`), imported when a store of its format is
    opened: finding stores imports no adapter, and a run imports those of the formats it found."""
    return import_module(f"sessiontui.stores.{name}")


def _writes(name: str) -> ModuleType:
    """A writer module (`sessiontui.actions.<name>`), imported at the first write it does."""
    return import_module(f"sessiontui.actions.{name}")


def _late(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, imported at its first call (a restore, a prune, a search, a disk look)."""

    def call(*args: Any) -> Any:
        return getattr(import_module(module), name)(*args)

    call.__qualname__ = f"{module}.{name}"
    return call


class Layout(Enum):
    """Where a format keeps its sessions: what detection looks at."""

    SQLITE_FILE = "a SQLite database"
    JSON_FILE = "one JSON file"
    JSONL_DIRECTORY = "a directory of JSONL files, one per session"
    JSONL_TREE = "a tree of directories of JSONL transcripts"


@dataclass(frozen=True, slots=True)
class OpenContext:
    """What an adapter may need beyond its own path."""

    transcript_roots: list[Path] = field(default_factory=list)  # Claude Code trees, for links


@dataclass(frozen=True, slots=True)
class FormatRecord:
    """Everything sessiontui knows of one store format, in one place."""

    format: StoreFormat
    bot: str  # the bot that writes it, as its users call it
    layout: Layout
    open: Callable[[Path, OpenContext], Store]
    # Recognition (by content, never by file name alone): the predicate for this layout.
    sqlite_tables: Callable[[Tables], bool] | None = None  # SQLITE_FILE
    json_file: Callable[[Path], bool] | None = None  # JSON_FILE
    jsonl_record: Callable[[dict[str, Any]], bool] | None = None  # a line of JSONL_*
    tree_root: Callable[[Path], Path | None] | None = None  # JSONL_TREE: the root at a directory
    links_to: bool = False  # its transcripts are what other bots' rows name (hermes-bot -> Claude)
    processes: frozenset[str] = frozenset()  # names of the bot's own agent/daemon executables
    session_env: frozenset[str] = frozenset()  # environment variables naming an agent's session
    # What an operator may do: a writer per verb, or the reason the verb is not offered.
    read_only: str | None = None  # set: every write is refused with this reason
    verbs: Mapping[Verb, Write | str] = field(default_factory=dict)
    restore: Callable[[TrashEntry], Outcome] | None = None
    prune: Prune | None = None  # the bot's own expiry of old rows, on the whole store
    # Search: the bot's own full-text index (store path, text, limit), else transcripts are scanned.
    search_index: Callable[[Path, str, int], list[IndexHit]] | None = None
    resume: Callable[[Session], str] | None = None  # the shell command that resumes a session
    # Disk: the bot's own retention setting or command, and the parts beyond the store's own files.
    retention: str | None = None
    disk_extras: Callable[[Path], list[DiskPart]] | None = None

    def writer(self, verb: Verb) -> Write | None:
        action = self.verbs.get(verb)
        return None if action is None or isinstance(action, str) else action

    def refusal(self, verb: Verb) -> str | None:
        """Why this format never allows `verb` (None: it does, subject to the session)."""
        if self.read_only is not None:
            return self.read_only
        action = self.verbs.get(verb)
        if action is None:
            return f"{self.bot} has no '{verb}'"
        return action if isinstance(action, str) else None


def _zeroclaw_sqlite(tables: Tables) -> bool:
    return "session_key" in tables.get("sessions", set()) and "session_key" in tables.get(
        "session_metadata", set()
    )


def _hermes_sqlite(tables: Tables) -> bool:
    return {"thread_ts", "session_id"} <= tables.get("sessions", set())


def _starpod(tables: Tables) -> bool:
    return {"id", "last_message_at"} <= tables.get("session_metadata", set()) and (
        "session_messages" in tables
    )


def _hermes_agent(tables: Tables) -> bool:
    return {"id", "source", "started_at"} <= tables.get("sessions", set()) and "messages" in tables


def _openclaw(tables: Tables) -> bool:
    return "session_nodes" in tables and "session_windows" in tables


def _openclaw_legacy(path: Path) -> bool:
    """OpenClaw's sessions.json, unless the agent's SQLite store (the authority, 8.1) exists."""
    return is_openclaw_sessions_json(path) and not superseded(path)


HERMES_AGENT_NO_CLOSE = (
    "Hermes Agent ends its sessions itself (end_reason); it has no close for an operator"
)


def _zeroclaw_line(record: dict[str, Any]) -> bool:
    return isinstance(record.get("role"), str) and "content" in record


def _open_claude_code(path: Path, context: OpenContext) -> Store:
    cache = _stores("transcript_cache").TranscriptCache.for_store(path)
    return _stores("claude_code").ClaudeCodeStore(path, cache)  # type: ignore[no-any-return]


def _claude_resume(session: Session) -> str:
    command = f"claude --resume {shlex.quote(session.id)}"
    return f"cd {shlex.quote(session.channel)} && {command}" if session.channel else command


def _codex_resume(session: Session) -> str:
    return f"codex resume {shlex.quote(session.id)}"


ZEROCLAW_NO_CLOSE = "ZeroClaw has no close: reset, clear or delete the session instead"

RECORDS: tuple[FormatRecord, ...] = (
    FormatRecord(
        StoreFormat.HERMES_JSON,
        "hermes-bot",
        Layout.JSON_FILE,
        lambda path, ctx: _stores("hermes_json").HermesJsonStore(path, ctx.transcript_roots),
        processes=frozenset({"hermes"}),
        json_file=is_hermes_json,
        retention="tuning.session_ttl_days (default 7): expired rows are pruned every 5 minutes",
        read_only="hermes-bot 0.1.x rewrites sessions.json from memory: an edit would be lost",
    ),
    FormatRecord(
        StoreFormat.HERMES_SQLITE,
        "hermes-bot",
        Layout.SQLITE_FILE,
        lambda path, ctx: _stores("hermes_sqlite").HermesSqliteStore(path, ctx.transcript_roots),
        processes=frozenset({"hermes"}),
        sqlite_tables=_hermes_sqlite,
        retention="tuning.session_ttl_days (default 7): expired rows are pruned every 5 minutes",
        verbs={
            Verb.DELETE: lambda s, _, d: _writes("hermes_sqlite").delete(s, d),
            Verb.RENAME: "hermes-bot sessions have no names",
            Verb.CLOSE: "hermes-bot has no close: delete the row, or prune expired rows",
        },
        restore=_late("sessiontui.actions.hermes_sqlite", "restore"),
        prune=_late("sessiontui.actions.hermes_sqlite", "prune"),
    ),
    FormatRecord(
        StoreFormat.ZEROCLAW_JSONL,
        "ZeroClaw",
        Layout.JSONL_DIRECTORY,
        lambda path, ctx: _stores("zeroclaw_jsonl").ZeroClawJsonlStore(path),
        processes=frozenset({"zeroclaw"}),
        jsonl_record=_zeroclaw_line,
        verbs={
            Verb.DELETE: lambda s, _, d: _writes("zeroclaw_jsonl").delete(s, d),
            Verb.CLEAR: lambda s, _, d: _writes("zeroclaw_jsonl").clear(s, d),
            Verb.RENAME: "ZeroClaw's JSONL store keeps no names (only its SQLite store does)",
            Verb.CLOSE: "ZeroClaw has no close: clear or delete the session instead",
        },
        restore=_late("sessiontui.actions.zeroclaw_jsonl", "restore"),
    ),
    FormatRecord(
        StoreFormat.ZEROCLAW_SQLITE,
        "ZeroClaw",
        Layout.SQLITE_FILE,
        lambda path, ctx: _stores("zeroclaw_sqlite").ZeroClawSqliteStore(path),
        processes=frozenset({"zeroclaw"}),
        sqlite_tables=_zeroclaw_sqlite,
        retention="[gateway] session_ttl_hours (default 0: kept forever), applied when the gateway starts",
        search_index=_late("sessiontui.stores.fts_search", "search_zeroclaw"),
        verbs={
            Verb.RENAME: lambda s, text, _: _writes("zeroclaw_sqlite").rename(s, text or ""),
            Verb.RESET: lambda s, _, __: _writes("zeroclaw_sqlite").reset(s),
            Verb.DELETE: lambda s, _, d: _writes("zeroclaw_sqlite").delete(s, d),
            Verb.CLEAR: lambda s, _, d: _writes("zeroclaw_sqlite").clear(s, d),
            Verb.CLOSE: ZEROCLAW_NO_CLOSE,
        },
        restore=_late("sessiontui.actions.zeroclaw_sqlite", "restore"),
    ),
    FormatRecord(
        StoreFormat.STARPOD,
        "Starpod",
        Layout.SQLITE_FILE,
        lambda path, ctx: _stores("starpod").StarpodStore(path),
        processes=frozenset({"starpod"}),
        sqlite_tables=_starpod,
        verbs={
            Verb.CLOSE: lambda s, text, _: _writes("starpod").close(s, text),
            Verb.RENAME: lambda s, text, _: _writes("starpod").rename(s, text or ""),
            Verb.MARK_READ: lambda s, _, __: _writes("starpod").mark_read(s, True),
            Verb.MARK_UNREAD: lambda s, _, __: _writes("starpod").mark_read(s, False),
            Verb.ARCHIVE: lambda s, _, __: _writes("starpod").archive(s, True),
            Verb.UNARCHIVE: lambda s, _, __: _writes("starpod").archive(s, False),
            Verb.DELETE: lambda s, _, d: _writes("starpod").delete(s, d),
        },
        restore=_late("sessiontui.actions.starpod", "restore"),
    ),
    FormatRecord(
        StoreFormat.CLAUDE_CODE,
        "Claude Code",
        Layout.JSONL_TREE,
        _open_claude_code,
        processes=frozenset({"claude"}),
        jsonl_record=is_claude_record,
        tree_root=claude_root,
        links_to=True,
        resume=_claude_resume,
        retention="cleanupPeriodDays in ~/.claude/settings.json (transcripts older are removed at start-up)",
        read_only="Claude Code transcripts are read-only: Claude Code appends to them while it runs",
    ),
    FormatRecord(
        StoreFormat.HERMES_AGENT,
        "Hermes Agent",
        Layout.SQLITE_FILE,
        lambda path, ctx: _stores("hermes_agent").HermesAgentStore(path),
        processes=frozenset({"hermes"}),  # `hermes` CLI / serve / gateway (Python), STORES.md 11.1
        session_env=frozenset({"HERMES_SESSION_ID"}),
        sqlite_tables=_hermes_agent,
        retention="`hermes sessions prune` (older than 90 days by default; the bot also prunes and "
        "VACUUMs at start-up, at most daily, and never while another process holds the file)",
        search_index=_late("sessiontui.stores.fts_search", "search_hermes_agent"),
        verbs={
            Verb.RENAME: lambda s, text, _: _writes("hermes_agent").rename(s, text or ""),
            Verb.ARCHIVE: lambda s, _, __: _writes("hermes_agent").archive(s, True),
            Verb.UNARCHIVE: lambda s, _, __: _writes("hermes_agent").archive(s, False),
            Verb.MARK_READ: lambda s, _, __: _writes("hermes_agent").mark_read(s, True),
            Verb.MARK_UNREAD: lambda s, _, __: _writes("hermes_agent").mark_read(s, False),
            Verb.DELETE: lambda s, _, d: _writes("hermes_agent").delete(s, d),
            Verb.CLOSE: HERMES_AGENT_NO_CLOSE,
        },
        restore=_late("sessiontui.actions.hermes_agent", "restore"),
        prune=_late("sessiontui.actions.hermes_agent_prune", "prune"),
    ),
    FormatRecord(
        StoreFormat.OPENCLAW,
        "OpenClaw",
        Layout.SQLITE_FILE,
        lambda path, ctx: _stores("openclaw").OpenClawStore(path),
        processes=frozenset({"openclaw"}),  # the gateway (Node) owns the store, STORES.md 11.1
        sqlite_tables=_openclaw,
        retention="`openclaw sessions cleanup --enforce`",
        disk_extras=_late("sessiontui.stores.disk_parts", "openclaw_sqlite_extras"),
        search_index=_late("sessiontui.stores.fts_search", "search_openclaw"),
        verbs=openclaw_refusals.refusals(openclaw_refusals.SQLITE_OWNER),
    ),
    FormatRecord(
        StoreFormat.OPENCLAW_LEGACY,
        "OpenClaw",
        Layout.JSON_FILE,
        lambda path, ctx: _stores("openclaw_legacy").OpenClawLegacyStore(path),
        processes=frozenset({"openclaw"}),
        json_file=_openclaw_legacy,
        retention="`openclaw sessions cleanup --enforce`",
        disk_extras=_late("sessiontui.stores.disk_parts", "openclaw_legacy_extras"),
        verbs=openclaw_refusals.refusals(openclaw_refusals.LEGACY_OWNER),
    ),
    FormatRecord(
        StoreFormat.CODEX,
        "Codex",
        Layout.JSONL_TREE,
        lambda path, ctx: _stores("codex").CodexStore(path),
        processes=frozenset({"codex"}),
        jsonl_record=is_codex_record,
        tree_root=codex_root,
        resume=_codex_resume,
        retention="`codex archive <SESSION>` / `codex delete <SESSION>`",
        disk_extras=_late("sessiontui.stores.disk_parts", "codex_extras"),
        verbs={
            Verb.RENAME: lambda s, text, _: _writes("codex").rename(s, text or ""),
            Verb.ARCHIVE: lambda s, _, __: _writes("codex").archive(s),
            Verb.UNARCHIVE: lambda s, _, __: _writes("codex").unarchive(s),
            Verb.DELETE: lambda s, _, d: _writes("codex").delete(s, d),
            Verb.CLOSE: "Codex has no close: a Codex session lives while its codex process runs",
        },
        restore=_late("sessiontui.actions.codex", "restore"),
    ),
)

_BY_FORMAT: dict[str, FormatRecord] = {str(record.format): record for record in RECORDS}


def agent_process_names() -> frozenset[str]:
    """The executable names of every bot's agents and daemons (orphans are looked for among them)."""
    return frozenset(name for record in RECORDS for name in record.processes)


def session_env_names() -> frozenset[str]:
    """The environment variables by which any bot names the session its agent process runs."""
    return frozenset(name for record in RECORDS for name in record.session_env)


def record_for(fmt: StoreFormat | str) -> FormatRecord | None:
    """The record of a format (None for a name no record has, e.g. an old trash entry's)."""
    return _BY_FORMAT.get(str(fmt))


def records_with(layout: Layout) -> list[FormatRecord]:
    return [record for record in RECORDS if record.layout is layout]


def open_store(fmt: StoreFormat, path: Path, context: OpenContext) -> Store:
    record = record_for(fmt)
    assert record is not None, fmt
    return record.open(path, context)
