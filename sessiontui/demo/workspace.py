"""Where the demo fleet keeps its stores, and the report of what it wrote there.

Layout under a root directory (one store of each format, as a user's machine would have):

    ROOT/hermes-legacy/sessions.json                 hermes-bot 0.1.x map
    ROOT/hermes/sessions.db                          hermes-bot 0.2.0+ (apart from the json:
                                                     hermes migrates a json beside its db)
    ROOT/claude/projects/<encoded cwd>/<id>.jsonl    Claude Code (hermes-linked and standalone)
    ROOT/zeroclaw-jsonl/sessions/*.jsonl             an old ZeroClaw install's channel chats
    ROOT/zeroclaw/data/sessions/sessions.db          ZeroClaw HEAD (+ one *.jsonl.migrated)
    ROOT/starpod/.starpod/db/core.db                 Starpod v0.3.2+
    ROOT/hermes-agent/state.db                       NousResearch Hermes Agent (schema 30)
    ROOT/openclaw/agents/main/agent/openclaw-agent.sqlite   OpenClaw's agent store
    ROOT/codex/.codex/sessions/YYYY/MM/DD/*.jsonl    Codex CLI rollouts (+ archived_sessions/,
                                                     session_index.jsonl)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sessiontui.model import SessionState, StoreFormat

_LAYOUT = {
    StoreFormat.HERMES_JSON: ("hermes-legacy", "sessions.json"),
    StoreFormat.HERMES_SQLITE: ("hermes", "sessions.db"),
    StoreFormat.CLAUDE_CODE: ("claude", "projects"),
    StoreFormat.ZEROCLAW_JSONL: ("zeroclaw-jsonl", "sessions"),
    StoreFormat.ZEROCLAW_SQLITE: ("zeroclaw", "data", "sessions", "sessions.db"),
    StoreFormat.STARPOD: ("starpod", ".starpod", "db", "core.db"),
    StoreFormat.HERMES_AGENT: ("hermes-agent", "state.db"),
    StoreFormat.OPENCLAW: ("openclaw", "agents", "main", "agent", "openclaw-agent.sqlite"),
    StoreFormat.CODEX: ("codex", ".codex"),
}


def store_paths(root: Path) -> dict[str, Path]:
    """Each store format's path (a file or a directory) under `root`, keyed by format name."""
    root = Path(root)
    return {str(fmt): root.joinpath(*parts) for fmt, parts in _LAYOUT.items()}


def workspace_is_empty(root: Path) -> bool:
    """True when none of the stores exists yet under `root`."""
    return not any(path.exists() for path in store_paths(root).values())


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the dashboard should conclude about a scene session (at the scene's `now`)."""

    state: SessionState
    reason: str | None = None  # the rules' stuck reason code (sessiontui.rules.state.Reason)
    note: str = ""  # what the scene did to the session, in one line


@dataclass(slots=True)
class StoreReport:
    """What was written to one store: session id -> messages written (as the store counts).

    Messages are rows or lines holding a message: ZeroClaw `sessions` rows / JSONL lines,
    Starpod `session_messages` rows, Claude Code user+assistant lines (one per content block),
    Codex prompts, answers, tool calls and tool outputs (response items).
    hermes-bot stores no messages, so its sessions count 0 (theirs are in Claude Code).
    """

    format: str
    path: Path
    sessions: dict[str, int] = field(default_factory=dict)

    def add(self, session_id: str, messages: int = 0) -> None:
        self.sessions[session_id] = self.sessions.get(session_id, 0) + messages

    @property
    def session_count(self) -> int:
        return len(self.sessions)

    @property
    def message_count(self) -> int:
        return sum(self.sessions.values())


@dataclass(slots=True)
class SimulationReport:
    """The sessions and messages populate() / simulate() wrote, per store."""

    root: Path
    stores: dict[str, StoreReport]
    expected: dict[str, dict[str, Expectation]] = field(default_factory=dict)  # populate only
    steps: int = 0  # simulator steps taken
    writes: int = 0  # steps that wrote something

    @classmethod
    def empty(cls, root: Path) -> SimulationReport:
        stores = {fmt: StoreReport(fmt, path) for fmt, path in store_paths(root).items()}
        return cls(Path(root), stores)

    def add(self, fmt: str, session_id: str, messages: int = 0) -> None:
        self.stores[str(fmt)].add(session_id, messages)

    def expect(self, fmt: str, session_id: str, expectation: Expectation) -> None:
        self.expected.setdefault(str(fmt), {})[session_id] = expectation

    @property
    def session_count(self) -> int:
        return sum(store.session_count for store in self.stores.values())

    @property
    def message_count(self) -> int:
        return sum(store.message_count for store in self.stores.values())

    def merge(self, other: SimulationReport) -> None:
        """Add another report's counts (and expectations) into this one."""
        for fmt, store in other.stores.items():
            for session_id, count in store.sessions.items():
                self.add(fmt, session_id, count)
        for fmt, sessions in other.expected.items():
            for session_id, expectation in sessions.items():
                self.expect(fmt, session_id, expectation)
        self.steps += other.steps
        self.writes += other.writes
