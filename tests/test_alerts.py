"""Alerts fire once per transition: through the rules, and through the real app and command."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pilot_wait import until

from sessiontui.app import FleetUpdated
from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.live.alerts import AlertWatch
from sessiontui.live.classified_rows import RowChange
from sessiontui.model import Burn, Session, SessionRow, SessionState, StoreFormat, Verdict


def row(
    sid: str,
    state: SessionState,
    dollars_per_minute: float | None = None,
    reason: str = "unanswered",
) -> SessionRow:
    burn = None if dollars_per_minute is None else Burn(1000.0, dollars_per_minute)
    return SessionRow(
        Session(StoreFormat.STARPOD, "/c.db", sid, sid),
        Verdict(state, reason if state is SessionState.STUCK else None, "x"),
        burn,
    )


def test_one_alert_per_transition() -> None:
    watch = AlertWatch(dollars_per_hour=6.0)
    assert (
        watch.check([row("a", SessionState.STUCK), row("b", SessionState.RUNNING)]) == []
    )  # primed
    alerts = watch.check([row("a", SessionState.STUCK), row("b", SessionState.STUCK)])
    assert [(a.kind, a.row.session.id) for a in alerts] == [("stuck", "b")]
    assert watch.check([row("a", SessionState.STUCK), row("b", SessionState.STUCK)]) == []
    watch.check([row("a", SessionState.IDLE), row("b", SessionState.STUCK)])
    assert [a.row.session.id for a in watch.check([row("a", SessionState.STUCK)])] == ["a"]
    hot = watch.check(
        [row("a", SessionState.STUCK), row("c", SessionState.RUNNING, 0.2)]
    )  # $12/hour
    assert [(a.kind, a.row.session.id) for a in hot] == [("burn", "c")]
    assert watch.check([row("a", SessionState.STUCK), row("c", SessionState.RUNNING, 0.3)]) == []


@pytest.mark.parametrize("incremental", [False, True])
def test_a_session_left_open_for_days_alerts_no_one(incremental: bool) -> None:
    """Crossing into left-open is the clock's doing, days after the last activity: shown, not
    alerted. The same session stuck for another reason afterwards does alert."""
    watch = AlertWatch()
    rows = [row("a", SessionState.IDLE), row("b", SessionState.IDLE)]
    assert watch.check(rows) == []  # primed

    def check(new: list[SessionRow], changed: list[SessionRow]) -> list[str]:
        nonlocal rows
        change = RowChange(tuple(changed)) if incremental else None
        alerts = watch.check(new, change, rows)
        rows = new
        return [a.row.session.id for a in alerts]

    left = row("a", SessionState.STUCK, reason="left-open")
    assert check([left, row("b", SessionState.IDLE)], [left]) == []
    stuck_b = row("b", SessionState.STUCK)
    assert check([left, stuck_b], [stuck_b]) == ["b"]
    unanswered = row("a", SessionState.STUCK)
    assert check([unanswered, stuck_b], [unanswered]) == ["a"]


async def test_alert_command_gets_exactly_one_event_per_transition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    db = tmp_path / "zc" / "sessions.db"
    db.parent.mkdir()
    start = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_1", "user", "please deploy", start)
    bot.set_state("gw_1", "running", "turn-1", start)
    bot.close()
    events = tmp_path / "events.jsonl"
    script = "import sys; open(sys.argv[1], 'a').write(sys.stdin.read())"

    from sessiontui.app import make_app
    from sessiontui.config import Config
    from sessiontui.stores import find_stores

    clock = {"now": start + timedelta(minutes=1)}
    config = Config(
        refresh_seconds=0.05, alert_command=(sys.executable, "-c", script, str(events)), bell=False
    )
    found, _ = find_stores([db.parent])
    app = make_app(config, found=found, clock=lambda: clock["now"])
    updates: list[object] = []

    def hook(message: object) -> None:
        if isinstance(message, FleetUpdated):
            updates.append(message)

    def alerting() -> bool:
        return any(w.group == "alerts" and not w.is_finished for w in app.workers)

    async with app.run_test(message_hook=hook) as pilot:
        await until(
            pilot, lambda: app.latest is not None and len(updates) >= 3, "the first refreshes"
        )
        assert app.latest is not None and app.latest.rows[0].verdict.state == SessionState.RUNNING
        await until(pilot, lambda: not alerting(), "no alert command running")
        assert not events.exists()  # running: nothing to say
        clock["now"] = start + timedelta(minutes=30)  # the turn is now 30 minutes old
        await until(
            pilot, lambda: events.exists() and events.read_text().endswith("\n"), "the alert"
        )
        seen = len(updates)
        # many refreshes while it stays stuck
        await until(
            pilot, lambda: len(updates) >= seen + 20 and not alerting(), "20 more refreshes"
        )
    lines = events.read_text().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "stuck"
    assert event["session"]["id"] == "gw_1" and event["session"]["reason"] == "turn-running"
