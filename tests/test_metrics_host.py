"""The host facts in the metrics: operator actions from the audit log, trash and store sizes, and
the age of the oldest turn without progress, each against the file or snapshot it comes from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixture_types import SnapshotRun
from prometheus_client.parser import text_string_to_metric_families

from sessiontui.actions.audit import append_audit, audit_path
from sessiontui.actions.trash import write_entry
from sessiontui.cli import main
from sessiontui.config import state_dir
from sessiontui.demo import populate, store_paths
from sessiontui.metrics.disk import AuditCounts, tree_bytes

Samples = list[tuple[str, dict[str, str], float]]


def scrape(capsys: pytest.CaptureFixture[str], *paths: Path) -> Samples:
    assert main(["metrics", *(str(p) for p in paths)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return [
        (s.name, dict(s.labels), s.value)
        for f in text_string_to_metric_families(out)
        for s in f.samples
    ]


def only(samples: Samples, name: str, **labels: str) -> dict[tuple[str, ...], float]:
    return {
        tuple(v for k, v in sorted(lab.items()) if k not in labels): value
        for n, lab, value in samples
        if n == name and all(lab.get(k) == v for k, v in labels.items())
    }


@pytest.fixture
def scene(tmp_path: Path, isolated_home: Path) -> Path:
    root = tmp_path / "scene"
    populate(root, now=datetime.now(UTC), seed=1, sessions=4)
    return root


def test_operator_actions_come_from_the_audit_log(
    scene: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert only(scrape(capsys, scene), "sessiontui_operator_actions_total") == {}
    for action, ok in (("rename", True), ("delete", True), ("delete", False), ("rename", True)):
        append_audit(
            action=action, fmt="starpod", store="/x", session="s", before=None, ok=ok, message="m"
        )
    with open(audit_path(), "a", encoding="utf-8") as log:
        log.write('{"action": "delete", "result": "ok"')  # a line still being written: not yet
    assert only(scrape(capsys, scene), "sessiontui_operator_actions_total") == {
        ("delete", "ok"): 1,
        ("delete", "refused"): 1,
        ("rename", "ok"): 2,
    }


def test_audit_counts_read_on_and_start_again_when_the_log_is_replaced(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    counts = AuditCounts(log)
    assert counts.read() == {}
    log.write_text('{"action": "close", "result": "ok"}\nnot json\n{"action": "clo')
    assert counts.read() == {("close", "ok"): 1}
    with open(log, "a") as handle:
        handle.write('se", "result": "ok"}\n')
    assert counts.read() == {("close", "ok"): 2}
    log.write_text('{"action": "clear", "result": "refused"}\n')
    assert counts.read() == {("clear", "refused"): 1}


def test_trash_and_store_sizes(scene: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kept = scene / "kept.jsonl"
    kept.write_text("x" * 5000)
    write_entry(
        action="delete",
        fmt="zeroclaw-jsonl",
        store=str(scene),
        session_id="s",
        name="n",
        messages=1,
        files=[(kept, "s.jsonl")],
    )
    got = scrape(capsys, scene)
    trash = state_dir() / "trash"
    assert only(got, "sessiontui_trash_entries") == {(): 1}
    assert (
        only(got, "sessiontui_trash_bytes") == {(): tree_bytes(trash)} and tree_bytes(trash) > 5000
    )
    paths = store_paths(scene)
    db = paths["zeroclaw-sqlite"].resolve()
    sizes = only(got, "sessiontui_store_bytes", store=str(db))
    assert sizes[("zeroclaw", "database")] == db.stat().st_size
    assert sizes[("zeroclaw", "wal")] == (
        Path(f"{db}-wal").stat().st_size if Path(f"{db}-wal").exists() else 0
    )
    jsonl = paths["zeroclaw-jsonl"].resolve()
    assert only(got, "sessiontui_store_bytes", store=str(jsonl)) == {
        ("zeroclaw", "database"): tree_bytes(jsonl)
    }


def test_oldest_turn_without_progress_matches_snapshot(
    scene: Path, snapshot_json: SnapshotRun, capsys: pytest.CaptureFixture[str]
) -> None:
    _, rows, _ = snapshot_json(scene)
    now = datetime.now(UTC)
    got = only(scrape(capsys, scene), "sessiontui_oldest_running_without_progress_seconds")
    by_store = {labels[1]: value for labels, value in got.items()}
    for store, value in by_store.items():
        mid_turn = [
            (now - datetime.fromisoformat(r["last_activity"])).total_seconds()
            for r in rows
            if r["store"] == store
            and r["last_activity"]
            and (r["state"] == "running" or (r["state"] == "stuck" and r["reason"] != "left-open"))
        ]
        assert value == pytest.approx(max(mid_turn, default=0.0), abs=60), store
    assert max(by_store.values()) > 20 * 60  # the scene's turn running for 25 minutes
