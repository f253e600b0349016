"""The metric families of one moment, built from per-store totals (never from the rows).

Every name, type and HELP text lives here; `FAMILY_NAMES` is what the exporter can emit
(the Grafana dashboard and the alert rules are checked against it).
"""

from __future__ import annotations

import platform
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from sessiontui import __version__
from sessiontui.metrics.aggregate import StoreTotals
from sessiontui.metrics.disk import HostFacts
from sessiontui.metrics.labels import bot_of, label_value
from sessiontui.metrics.ledger import Series
from sessiontui.model import SessionState
from sessiontui.rules.state import Reason

STORE = ("bot", "store")
STUCK_REASONS = tuple(
    value for name, value in vars(Reason).items() if name.isupper() and isinstance(value, str)
)


@dataclass(frozen=True, slots=True)
class StoreMetrics:
    """One store at one moment: its totals and its counters as the ledger exports them."""

    totals: StoreTotals
    counters: Mapping[Series, float]  # ("tokens", model, type) / ("cost", model, source) -> value
    read_errors: int


def families(stores: Sequence[StoreMetrics], facts: HostFacts, now: datetime) -> Iterator[Metric]:
    sessions = GaugeMetricFamily(
        "sessiontui_sessions", "Sessions by state.", labels=(*STORE, "state")
    )
    stuck = GaugeMetricFamily(
        "sessiontui_stuck_sessions", "Stuck sessions by reason code.", labels=(*STORE, "reason")
    )
    oldest = GaugeMetricFamily(
        "sessiontui_oldest_running_without_progress_seconds",
        "How long the longest-quiet session mid-turn (running, or stuck in a turn) has gone "
        "without new activity; 0 when none is mid-turn.",
        labels=STORE,
    )
    tokens = CounterMetricFamily(
        "sessiontui_tokens",
        "Tokens used by the store's sessions (kept across deletes).",
        labels=(*STORE, "model", "token_type"),
    )
    cost = CounterMetricFamily(
        "sessiontui_cost_usd",
        "Dollars spent by the store's sessions (kept across deletes), "
        "recorded by the bot or computed from prices.",
        labels=(*STORE, "model", "cost_source"),
    )
    burn = GaugeMetricFamily(
        "sessiontui_burn_usd_per_second",
        "Dollars per second spent over the last 10 minutes.",
        labels=STORE,
    )
    runaway = GaugeMetricFamily(
        "sessiontui_runaway_sessions", "Sessions spending far faster than the others.", labels=STORE
    )
    info = GaugeMetricFamily(
        "sessiontui_store_info", "The store's format (always 1).", labels=(*STORE, "format")
    )
    up = GaugeMetricFamily(
        "sessiontui_store_up", "1 when the last read of the store succeeded.", labels=STORE
    )
    last_ok = GaugeMetricFamily(
        "sessiontui_store_last_success_timestamp_seconds",
        "When the store was last read successfully (Unix time).",
        labels=STORE,
    )
    errors = CounterMetricFamily(
        "sessiontui_store_read_errors", "Reads of the store that failed.", labels=STORE
    )
    skipped = GaugeMetricFamily(
        "sessiontui_store_skipped_lines", "Corrupt JSONL lines skipped in the store.", labels=STORE
    )
    size = GaugeMetricFamily(
        "sessiontui_store_bytes",
        "Bytes on disk: the database (or the files of a directory store) and "
        "the SQLite write-ahead log.",
        labels=(*STORE, "kind"),
    )
    for store in stores:
        t = store.totals
        base = (bot_of(t.format), label_value(t.path))
        for state in SessionState:
            sessions.add_metric((*base, str(state)), t.states.get(str(state), 0))
        for reason in (*STUCK_REASONS, *sorted(set(t.stuck_reasons) - set(STUCK_REASONS))):
            stuck.add_metric((*base, label_value(reason)), t.stuck_reasons.get(reason, 0))
        age = (
            (now - t.oldest_without_progress).total_seconds() if t.oldest_without_progress else 0.0
        )
        oldest.add_metric(base, max(0.0, age))
        for series, value in sorted(store.counters.items()):
            (tokens if series[0] == "tokens" else cost).add_metric((*base, *series[1:]), value)
        burn.add_metric(base, t.burn_usd_per_second)
        runaway.add_metric(base, t.runaway_sessions)
        info.add_metric((*base, label_value(t.format)), 1)
        up.add_metric(base, 1 if t.up else 0)
        if t.status is not None and t.status.last_ok is not None:
            last_ok.add_metric(base, t.status.last_ok.timestamp())
        errors.add_metric(base, store.read_errors)
        skipped.add_metric(base, t.status.skipped_lines if t.status else 0)
        for kind, count in sorted(facts.store_bytes.get((t.format, t.path), {}).items()):
            size.add_metric((*base, kind), count)
    yield from (
        sessions,
        stuck,
        oldest,
        tokens,
        cost,
        burn,
        runaway,
        info,
        up,
        last_ok,
        errors,
        skipped,
        size,
    )
    yield from _host(facts, now)


def _host(facts: HostFacts, now: datetime) -> Iterator[Metric]:
    trash = GaugeMetricFamily("sessiontui_trash_bytes", "Bytes kept in sessiontui's trash.")
    trash.add_metric((), facts.trash_bytes)
    entries = GaugeMetricFamily("sessiontui_trash_entries", "Deleted sessions kept in the trash.")
    entries.add_metric((), facts.trash_entries)
    actions = CounterMetricFamily(
        "sessiontui_operator_actions",
        "Actions taken with sessiontui on this host, from its audit log.",
        labels=("action", "result"),
    )
    for (action, result), count in sorted(facts.operator_actions.items()):
        actions.add_metric((label_value(action), label_value(result)), count)
    processes = GaugeMetricFamily(
        "sessiontui_processes",
        "Bot agent and daemon processes: linked to a session, or orphaned (parent gone, session ended).",
        labels=("bot", "kind"),
    )
    for (bot, kind), count in sorted(facts.processes.items()):
        processes.add_metric((bot, kind), count)
    refreshed = GaugeMetricFamily(
        "sessiontui_last_refresh_timestamp_seconds",
        "When these figures were read from the stores (Unix time).",
    )
    refreshed.add_metric((), now.timestamp())
    build = GaugeMetricFamily(
        "sessiontui_build_info",
        "The sessiontui version (always 1).",
        labels=("version", "python_version"),
    )
    build.add_metric((__version__, platform.python_version()), 1)
    yield from (trash, entries, actions, processes, refreshed, build)


FAMILY_NAMES = frozenset(
    {
        "sessiontui_processes",
        "sessiontui_sessions",
        "sessiontui_stuck_sessions",
        "sessiontui_oldest_running_without_progress_seconds",
        "sessiontui_tokens_total",
        "sessiontui_cost_usd_total",
        "sessiontui_burn_usd_per_second",
        "sessiontui_runaway_sessions",
        "sessiontui_store_info",
        "sessiontui_store_up",
        "sessiontui_store_last_success_timestamp_seconds",
        "sessiontui_store_read_errors_total",
        "sessiontui_store_skipped_lines",
        "sessiontui_store_bytes",
        "sessiontui_trash_bytes",
        "sessiontui_trash_entries",
        "sessiontui_operator_actions_total",
        "sessiontui_last_refresh_timestamp_seconds",
        "sessiontui_build_info",
    }
)
