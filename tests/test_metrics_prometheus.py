"""The real monitoring tools on our output: a Prometheus server scraping `sessiontui metrics
--listen` and node_exporter's textfile collector, promtool on the alert rules, and the Grafana
dashboard's queries against what the exporter emits."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sessiontui.demo import populate
from sessiontui.metrics.families import FAMILY_NAMES

CONTRIB = Path(__file__).resolve().parent.parent / "contrib"
PENDING: set[str] = set()  # names the alert rules use before the exporter emits them
INSTALL = "Debian: apt-get install prometheus (.ci/run does this)"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed ({INSTALL})")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def until(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {what}")


def env_for(home: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "ZEROCLAW_", "XDG_"))
    }
    env["HOME"] = str(home)
    return env


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_line(
    process: subprocess.Popen[bytes], pattern: str, timeout: float = 60.0
) -> re.Match[str]:
    """Read the process's stderr until a line matches `pattern`."""
    assert process.stderr is not None
    deadline, seen = time.monotonic() + timeout, b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.2)
        if ready:
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            match = re.search(pattern, seen.decode(errors="replace"))
            if match:
                return match
    raise AssertionError(f"no line matching {pattern!r} in: {seen.decode(errors='replace')}")


def query(port: int, expr: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body: dict[str, Any] = json.load(response)
            return body
    except (OSError, ValueError) as exc:
        return {"status": "unreachable", "error": str(exc)}


def test_prometheus_scrapes_listen_and_textfile_and_agrees_with_snapshot(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    prometheus, node_exporter = tool("prometheus"), tool("prometheus-node-exporter")
    home, scene = tmp_path / "home", tmp_path / "scene"
    home.mkdir()
    populate(scene, now=datetime.now(UTC), seed=1, sessions=10)
    env = env_for(home)
    command = [sys.executable, "-m", "sessiontui"]

    snapshot = subprocess.run(
        [*command, "snapshot", "--json", str(scene)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in snapshot.stdout.splitlines()]
    stuck = sum(row["state"] == "stuck" for row in rows)
    assert stuck >= 4

    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    subprocess.run(
        [*command, "metrics", "--textfile", str(textfiles / "sessiontui.prom"), str(scene)],
        env=env,
        cwd=tmp_path,
        check=True,
    )
    node_port = free_port()
    processes.append(
        subprocess.Popen(
            [
                node_exporter,
                f"--web.listen-address=127.0.0.1:{node_port}",
                "--collector.disable-defaults",
                "--collector.textfile",
                f"--collector.textfile.directory={textfiles}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    exporter = subprocess.Popen(
        [*command, "metrics", "--listen", "127.0.0.1:0", "--refresh", "0.5", str(scene)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
    )
    processes.append(exporter)
    listen_port = int(read_line(exporter, r"serving http://127\.0\.0\.1:(\d+)/metrics").group(1))

    prom_port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: [{CONTRIB / 'prometheus' / 'alerts.yml'}]\n"
        "scrape_configs:\n"
        f"  - job_name: sessiontui\n    static_configs: [{{targets: ['127.0.0.1:{listen_port}']}}]\n"
        f"  - job_name: node\n    static_configs: [{{targets: ['127.0.0.1:{node_port}']}}]\n"
    )
    processes.append(
        subprocess.Popen(
            [
                prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )

    def stuck_by_job() -> dict[str, float] | None:
        answer = query(prom_port, 'sum by (job) (sessiontui_sessions{state="stuck"})')
        result = (
            answer.get("data", {}).get("result", []) if answer.get("status") == "success" else []
        )
        found = {r["metric"]["job"]: float(r["value"][1]) for r in result}
        return found if set(found) == {"sessiontui", "node"} else None

    assert until(stuck_by_job, "Prometheus to scrape both targets", timeout=90) == {
        "sessiontui": stuck,
        "node": stuck,
    }
    answer = query(prom_port, "up")
    assert {r["metric"]["job"]: r["value"][1] for r in answer["data"]["result"]} == {
        "sessiontui": "1",
        "node": "1",
    }
    # Every family, through both paths (the textfile has no read errors and no actions yet).
    names = query(prom_port, 'count by (__name__, job) ({__name__=~"sessiontui_.+"})')["data"][
        "result"
    ]
    by_job: dict[str, set[str]] = {}
    for r in names:
        by_job.setdefault(r["metric"]["job"], set()).add(r["metric"]["__name__"])
    optional = {"sessiontui_operator_actions_total"}
    assert FAMILY_NAMES - optional <= by_job["sessiontui"] <= FAMILY_NAMES
    assert FAMILY_NAMES - optional <= by_job["node"] <= FAMILY_NAMES

    # Every query of the Grafana dashboard parses on the real server and names emitted series.
    for expr in dashboard_queries():
        concrete = expr.replace("$instance", ".*").replace("$bot", ".*").replace("$__range", "5m")
        concrete = re.sub(r"^label_values\((.*), *\w+\)$", r"\1", concrete)  # Grafana's, not PromQL
        answer = query(prom_port, concrete)
        assert answer["status"] == "success", (expr, answer)
    # The alert rules load in the real server.
    rules = urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/api/v1/rules", timeout=5)
    groups = json.load(rules)["data"]["groups"]
    assert sum(len(g["rules"]) for g in groups) == 9


def dashboard_queries() -> list[str]:
    dashboard = json.loads((CONTRIB / "grafana" / "sessiontui.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    return exprs


def test_grafana_dashboard_names_only_emitted_metrics() -> None:
    exprs = dashboard_queries()
    assert len(exprs) >= 20
    named = {name for expr in exprs for name in re.findall(r"\bsessiontui_[a-z_]+", expr)}
    assert named <= FAMILY_NAMES, named - FAMILY_NAMES
    wanted = {
        "sessiontui_sessions",
        "sessiontui_stuck_sessions",
        "sessiontui_cost_usd_total",
        "sessiontui_burn_usd_per_second",
        "sessiontui_store_up",
    }
    assert wanted <= named


def test_alert_rules_load_in_promtool_and_pass_their_unit_tests() -> None:
    promtool = tool("promtool")
    alerts = CONTRIB / "prometheus" / "alerts.yml"
    checked = subprocess.run(
        [promtool, "check", "rules", str(alerts)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 9 rules found" in checked.stdout
    tested = subprocess.run(
        [promtool, "test", "rules", "alerts_test.yml"],
        cwd=alerts.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    named = set(re.findall(r"\bsessiontui_[a-z_]+", alerts.read_text()))
    assert named <= FAMILY_NAMES | PENDING, named - FAMILY_NAMES - PENDING


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    command = Path(sys.executable).with_name("sessiontui")
    assert command.exists()
    for unit in (CONTRIB / "systemd").iterdir():
        text = unit.read_text().replace("/usr/local/bin/sessiontui", str(command))
        (tmp_path / unit.name).write_text(text)
    units = sorted(str(p) for p in tmp_path.iterdir())
    assert len(units) == 3
    result = subprocess.run(
        [analyze, "verify", *units], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
