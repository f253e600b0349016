"""`sessiontui metrics`: the exposition agrees with `snapshot`, passes promtool, is written to a
textfile safely, keeps its labels plain and its series few (10,000 sessions, 500 models)."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import SnapshotRun
from prometheus_client.parser import text_string_to_metric_families

from sessiontui.cli import main
from sessiontui.demo import populate
from sessiontui.demo.bots import StarpodBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.metrics.exporter import parse_listen
from sessiontui.metrics.families import FAMILY_NAMES
from sessiontui.metrics.labels import MAX_LABEL_LENGTH
from sessiontui.metrics.ledger import MODELS_PER_STORE
from sessiontui.timestamps import chrono_rfc3339

Samples = list[tuple[str, dict[str, str], float]]


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip(
            "promtool not installed (Debian: apt-get install prometheus; .ci/run does this)"
        )
    return path


def metrics_text(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["metrics", *args])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return out


def samples(text: str) -> Samples:
    return [
        (s.name, dict(s.labels), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


@pytest.fixture
def scene(tmp_path: Path, isolated_home: Path) -> Path:
    root = tmp_path / "scene"
    populate(root, now=datetime.now(UTC), seed=1, sessions=10)
    return root


def test_sessions_by_state_agree_with_snapshot(
    scene: Path, snapshot_json: SnapshotRun, capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows, _ = snapshot_json(scene)
    assert code == 0
    text = metrics_text(capsys, str(scene))
    got = samples(text)
    by_state: Counter[tuple[str, str]] = Counter()
    for name, labels, value in got:
        if name == "sessiontui_sessions":
            by_state[(labels["store"], labels["state"])] += int(value)
    expected = Counter((row["store"], row["state"]) for row in rows)
    assert +by_state == expected
    stuck = Counter(row["reason"] for row in rows if row["state"] == "stuck")
    reported = Counter(
        {labels["reason"]: int(v) for n, labels, v in got if n == "sessiontui_stuck_sessions" and v}
    )
    assert reported == stuck and sum(stuck.values()) >= 4
    assert {name for name, _, _ in got} <= FAMILY_NAMES | {"sessiontui_build_info"}
    families = {name for name, _, _ in got}
    assert {
        "sessiontui_tokens_total",
        "sessiontui_cost_usd_total",
        "sessiontui_store_up",
        "sessiontui_build_info",
        "sessiontui_store_bytes",
    } <= families
    for name, labels, _ in got:
        assert not {"id", "session", "key", "name", "user", "channel"} & set(labels), (name, labels)


def test_tokens_and_cost_are_the_sessions_sums(
    scene: Path, snapshot_json: SnapshotRun, capsys: pytest.CaptureFixture[str]
) -> None:
    _, rows, _ = snapshot_json(scene)
    got = samples(metrics_text(capsys, str(scene)))
    tokens = sum(v for n, _, v in got if n == "sessiontui_tokens_total")
    cost = sum(v for n, _, v in got if n == "sessiontui_cost_usd_total")
    assert (
        tokens
        == sum(
            (row[k] or 0)
            for row in rows
            for k in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
        )
        > 0
    )
    assert cost == pytest.approx(sum(row["cost_usd"] or 0 for row in rows)) and cost > 0
    by_model = {labels["model"] for n, labels, _ in got if n == "sessiontui_tokens_total"}
    assert by_model == {
        row["model"] or "unknown" for row in rows if row["input_tokens"] is not None
    }


def test_promtool_accepts_the_exposition(scene: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tool = promtool()
    text = metrics_text(capsys, str(scene))
    result = subprocess.run(
        [tool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""  # no lint warning either


def test_textfile_is_owner_only_complete_and_without_timestamps(
    scene: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "textfile" / "sessiontui.prom"
    target.parent.mkdir()
    target.write_text("previous run\n")
    assert main(["metrics", "--textfile", str(target), str(scene)]) == 0
    assert capsys.readouterr() == ("", "")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["sessiontui.prom"]  # no temp file left
    text = target.read_text()
    assert "previous run" not in text and text.endswith("\n")
    for family in text_string_to_metric_families(text):
        assert all(s.timestamp is None for s in family.samples)
    assert any(n == "sessiontui_sessions" for n, _, _ in samples(text))


def test_textfile_in_a_missing_directory_is_an_error(
    scene: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file-not-dir"
    target.write_text("")
    assert main(["metrics", "--textfile", str(target / "x.prom"), str(scene)]) == 2
    assert "file-not-dir" in capsys.readouterr().err


def test_listen_refuses_a_bad_address(scene: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--listen", "localhost:http", str(scene)]) == 2
    assert "--listen" in capsys.readouterr().err


def _starpod_fleet(path: Path, sessions: int, models: list[str], now: datetime) -> None:
    """Starpod's own SQL (StarpodBot), many rows at once: a session and one request each."""
    create_starpod_db(path, now=now)
    bot = StarpodBot(path)
    stamp = chrono_rfc3339(now - timedelta(hours=2))
    bot.conn.execute("BEGIN")
    bot.conn.executemany(
        "INSERT INTO session_metadata (id, created_at, last_message_at, is_closed, "
        "message_count, channel, channel_session_key, user_id, triggered_by) "
        "VALUES (?1, ?2, ?2, 0, 0, ?3, ?4, ?5, ?6)",
        [(f"s{i}", stamp, "main", None, f"user{i}", None) for i in range(sessions)],
    )
    bot.conn.executemany(
        "INSERT INTO usage_stats (session_id, turn, input_tokens, output_tokens, cache_read, "
        "cache_write, cost_usd, model, user_id, timestamp) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        [
            (f"s{i}", 1, 10, 20, 0, 0, 0.001, models[i % len(models)], f"user{i}", stamp)
            for i in range(sessions)
        ],
    )
    bot.conn.execute("COMMIT")
    bot.close()


def test_series_stay_bounded_at_10000_sessions_and_500_models(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "project" / ".starpod" / "db" / "core.db"
    db.parent.mkdir(parents=True)
    models = [
        f"model-{i:03d}\x1b[31m{{evil}}\n" if i == 7 else f"model-{i:03d}" for i in range(500)
    ]
    _starpod_fleet(db, 10_000, models, datetime.now(UTC))
    text = metrics_text(capsys, str(db))
    got = samples(text)
    assert sum(v for n, labels, v in got if n == "sessiontui_sessions") == 10_000
    model_labels = {labels["model"] for n, labels, _ in got if n == "sessiontui_tokens_total"}
    assert len(model_labels) == MODELS_PER_STORE + 1 and "other" in model_labels
    assert sum(v for n, _, v in got if n == "sessiontui_tokens_total") == 10_000 * 30
    for _, labels, _ in got:
        for value in labels.values():
            assert value.isprintable() and len(value) <= MAX_LABEL_LENGTH and "{" not in value
    assert len(got) < 200, len(got)  # independent of the session and model counts


def test_a_second_run_keeps_the_same_model_names(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sticky names: once a model has its own series it keeps it, though others outgrow it."""
    db = tmp_path / "core.db"
    _starpod_fleet(db, 100, [f"m{i:02d}" for i in range(30)], datetime.now(UTC))
    first = {
        labels["model"]
        for n, labels, _ in samples(metrics_text(capsys, str(db)))
        if n == "sessiontui_tokens_total"
    }
    bot = StarpodBot(db)
    for i in range(200):  # a new model now spends more than any named one
        bot.record_usage(
            "s1",
            turn=2,
            input_tokens=1000,
            output_tokens=0,
            cache_read=0,
            cache_write=0,
            model="newcomer",
        )
    bot.close()
    second = {
        labels["model"]
        for n, labels, _ in samples(metrics_text(capsys, str(db)))
        if n == "sessiontui_tokens_total"
    }
    assert first == second and "newcomer" not in second


def test_metrics_and_check_never_import_textual(scene: Path) -> None:
    """The exporter runs beside the bots all day: no UI toolkit in its memory."""
    code = (
        "import sys, contextlib, io\n"
        "from sessiontui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['metrics', {str(scene)!r}]) == 0\n"
        f"    assert main(['check', {str(scene)!r}]) == 1\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert (result.stdout.strip(), result.stderr) == ("", "")


def test_listen_on_a_taken_port_is_an_error(
    scene: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["metrics", "--listen", f"127.0.0.1:{port}", str(scene)]) == 2
    err = capsys.readouterr().err
    assert f"--listen 127.0.0.1:{port}" in err and "in use" in err.lower()


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("9977", ("127.0.0.1", 9977)),
        (":9977", ("127.0.0.1", 9977)),
        ("127.0.0.1:0", ("127.0.0.1", 0)),
        ("0.0.0.0:9977", ("0.0.0.0", 9977)),
        ("[::1]:9977", ("::1", 9977)),
    ],
)
def test_listen_addresses_default_to_loopback(text: str, address: tuple[str, int]) -> None:
    assert parse_listen(text) == address


@pytest.mark.parametrize("text", ["", "host:", "host:port", "1:70000", "127.0.0.1:-1"])
def test_bad_listen_addresses(text: str) -> None:
    with pytest.raises(ValueError, match="--listen"):
        parse_listen(text)
