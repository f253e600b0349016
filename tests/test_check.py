"""`sessiontui check`: 0 when nothing matches, 1 and one line per finding when something does,
2 when the check cannot run; on the demo scene, a missing store, and bad flags."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sessiontui.check import Checks, findings, parse_rate
from sessiontui.cli import main
from sessiontui.config import ConfigError
from sessiontui.demo import populate
from sessiontui.live.fleet import StoreStatus

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("check-scene")
    populate(root, now=datetime.now(UTC), seed=1, sessions=10)
    return root


def check(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str], str]:
    code = main(["check", *(str(a) for a in args)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_default_finds_the_stuck_sessions(
    scene: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = check(capsys, scene)
    assert (code, err) == (1, "")
    assert sorted(line.split()[0] for line in lines) == ["stuck"] * 8
    reasons = {line.split("  ")[-1].split(":")[0] for line in lines}
    assert reasons == {
        "turn-running",
        "tool-no-result",
        "unanswered",
        "pending",
        "interrupted",
        "lease-expired",
        "gateway-silent",
        "stale-running",
    }
    assert not any("\x1b" in line or "\x9b" in line for line in lines)
    assert check(capsys, "--stuck", scene) == (code, lines, err)


def test_nothing_matching_exits_0_silently(
    scene: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(capsys, "--store-down", scene) == (0, [], "")
    assert check(capsys, "--burn-above", "1000/h", "--waiting-longer-than", "3d", scene) == (
        0,
        [],
        "",
    )


def test_waiting_longer_than(
    scene: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = check(capsys, "--waiting-longer-than", "1m", scene)
    assert code == 1 and lines and all(line.startswith("waiting  ") for line in lines)
    waited = max(int(line.rsplit("for ", 1)[1].rstrip("m")) for line in lines)
    code, longer, _ = check(capsys, "--waiting-longer-than", f"{waited + 1}m", scene)
    assert (code, longer) == (0, [])


def test_burn_above(scene: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = check(capsys, "--burn-above", "0.0001/h", scene)
    assert code == 1 and lines and all(line.startswith("burn  ") for line in lines)
    top = max(float(line.split("$")[1].split("/h")[0]) for line in lines)
    assert check(capsys, "--burn-above", f"{top * 1.01}/h", scene)[:2] == (0, [])
    assert len(check(capsys, "--burn-above", f"{top * 0.99 / 60}/m", scene)[1]) >= 1


def test_a_missing_store(
    scene: Path, tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = tmp_path / "gone.db"
    code, lines, err = check(capsys, "--store-down", scene, gone)
    assert (code, err) == (1, "") and len(lines) == 1
    assert lines[0].startswith("store-down  ") and "gone.db" in lines[0]
    code, lines, err = check(capsys, "--stuck", scene, gone)
    assert (code, lines) == (2, []) and "gone.db" in err


def test_a_store_that_is_not_a_database(
    tmp_path: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sessiontui.demo.botschema import create_starpod_db

    db = tmp_path / "project" / ".starpod" / "db" / "core.db"
    create_starpod_db(db)
    db.write_bytes(b"garbage" * 1000)  # replaced by something that is not SQLite
    code, lines, err = check(capsys, "--store-down", db)
    assert (code, err) == (1, "") and len(lines) == 1
    assert lines[0].startswith("store-down  ") and str(db) in lines[0]


def test_a_store_whose_read_failed_is_down() -> None:
    status = StoreStatus(
        "starpod", "/srv/core.db", 3, None, "/srv/core.db: database disk image is malformed"
    )
    assert findings([], [status], NOW, Checks(store_down=True)) == [
        "store-down  starpod  /srv/core.db  /srv/core.db: database disk image is malformed"
    ]
    assert findings([], [status], NOW, Checks(stuck=True)) == []


@pytest.mark.parametrize(
    ("text", "per_hour"),
    [
        ("5/h", 5.0),
        ("$5/h", 5.0),
        ("5", 5.0),
        ("0.1/m", 6.0),
        ("1/s", 3600.0),
        ("48/d", 2.0),
        (" 2.5 / hour ", 2.5),
    ],
)
def test_rates(text: str, per_hour: float) -> None:
    assert parse_rate(text) == pytest.approx(per_hour)


@pytest.mark.parametrize("text", ["", "five", "5/w", "-1/h", "5/h/h"])
def test_bad_rates(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_rate(text)


@pytest.mark.parametrize("flags", [["--burn-above", "lots"], ["--waiting-longer-than", "soon"]])
def test_bad_flags_exit_2(
    flags: list[str], scene: Path, isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = check(capsys, *flags, scene)
    assert (code, lines) == (2, []) and flags[0] in err
