"""`sessiontui metrics`: print once, write a node_exporter textfile, or serve /metrics live.

`FleetMetrics` is a prometheus_client Collector over the fleet's latest update: on an update it
folds the rows into per-store totals (only when the rows changed: the fleet hands back the same
tuple otherwise) and advances the counters' high-water marks; a scrape only turns those totals
into families, so its cost does not grow with the number of sessions.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.core import CollectorRegistry, Metric

from sessiontui.actions.audit import audit_path
from sessiontui.actions.trash import trash_dir
from sessiontui.config import Config
from sessiontui.config import state_dir as default_state_dir
from sessiontui.live.fleet import Fleet, FleetUpdate
from sessiontui.live.process_links import ProcessWatch
from sessiontui.live.process_list import bot_of_process, listed_processes
from sessiontui.metrics.aggregate import StoreTotals, totals_by_store
from sessiontui.metrics.disk import AuditCounts, HostFacts, store_bytes, trash_facts
from sessiontui.metrics.families import StoreMetrics, families
from sessiontui.metrics.labels import bot_of, label_value
from sessiontui.metrics.ledger import CounterLedger, Series, ledger_file, write_private
from sessiontui.model import SessionRow
from sessiontui.stores.base import Store

DISK_EVERY_SECONDS = 30.0  # store and trash sizes: walked at most this often when serving


@dataclass(frozen=True, slots=True)
class _Moment:
    stores: tuple[StoreMetrics, ...]
    facts: HostFacts
    update: FleetUpdate


class FleetMetrics:
    """The Collector. `take()` runs where the fleet runs; `collect()` in the HTTP thread."""

    def __init__(self, state_dir: Path | None, *, persist: bool = True) -> None:
        self.state_dir = state_dir or default_state_dir()
        self.persist = persist
        self._ledgers: dict[tuple[str, str], CounterLedger] = {}
        self._audit = AuditCounts(audit_path(self.state_dir))
        self._rows: tuple[SessionRow, ...] | None = None
        self._totals: list[StoreTotals] = []
        self._disk_at = float("-inf")
        self._disk: tuple[dict[tuple[str, str], dict[str, int]], tuple[int, int]] = ({}, (0, 0))
        self._moment: _Moment | None = None

    def take(self, update: FleetUpdate, stores: Sequence[Store]) -> None:
        """Fold a fleet update in (cheap when the rows did not change)."""
        if update.rows is not self._rows:
            self._rows = update.rows
            self._totals = totals_by_store(update.rows, update.statuses)
            for totals in self._totals:
                self._advance(totals)
        else:  # statuses may still have moved (a store went down, or came back)
            by_key = {(s.format, s.path): s for s in update.statuses}
            self._totals = [
                replace(t, status=by_key.get((t.format, t.path), t.status)) for t in self._totals
            ]
        for totals in self._totals:
            if totals.status is not None and totals.status.error is not None:
                self._ledger(totals).note_read_error()
        if self.persist:
            for ledger in self._ledgers.values():
                ledger.save()
        if time.monotonic() - self._disk_at >= DISK_EVERY_SECONDS:
            self._disk_at = time.monotonic()
            self._disk = (
                {(str(s.format), str(s.path)): store_bytes(s.path) for s in stores},
                trash_facts(trash_dir(self.state_dir)),
            )
        sizes, (trash_bytes, trash_entries) = self._disk
        facts = HostFacts(
            sizes, trash_bytes, trash_entries, self._audit.read(), process_counts(update)
        )
        stores_now = tuple(
            StoreMetrics(t, self._ledger(t).exported(), self._ledger(t).read_errors)
            for t in self._totals
        )
        self._moment = _Moment(stores_now, facts, update)

    def collect(self) -> Iterable[Metric]:
        moment = self._moment
        if moment is None:
            return []
        return list(families(moment.stores, moment.facts, moment.update.now))

    def _ledger(self, totals: StoreTotals) -> CounterLedger:
        key = (totals.format, totals.path)
        ledger = self._ledgers.get(key)
        if ledger is None:
            file = ledger_file(self.state_dir, *key) if self.persist else None
            ledger = self._ledgers[key] = CounterLedger(file, *key)
        return ledger

    def _advance(self, totals: StoreTotals) -> None:
        ledger = self._ledger(totals)
        if not totals.up:  # the sums of a store that could not be read say nothing: keep the marks
            return
        ledger.name_models(totals.model_tokens)
        current: dict[Series, float] = {}
        for (model, kind), count in totals.tokens.items():
            series = ("tokens", ledger.model_label(model), kind)
            current[series] = current.get(series, 0.0) + count
        for (model, source), dollars in totals.cost_usd.items():
            series = ("cost", ledger.model_label(model), source)
            current[series] = current.get(series, 0.0) + dollars
        ledger.advance(current)


def registry_for(metrics: FleetMetrics) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics)
    return registry


async def read_once(stores: Sequence[Store], config: Config, metrics: FleetMetrics) -> FleetUpdate:
    fleet = Fleet(stores, clock=_utc_now, thresholds=config.thresholds, processes=ProcessWatch())
    update = await fleet.refresh(full=True)
    metrics.take(update, stores)
    return update


def write_textfile(path: Path, metrics: FleetMetrics) -> None:
    """The exposition for node_exporter's textfile collector: owner-only, replaced atomically."""
    write_private(path, generate_latest(registry_for(metrics)))


def print_exposition(metrics: FleetMetrics) -> None:
    sys.stdout.write(generate_latest(registry_for(metrics)).decode())


def parse_listen(text: str) -> tuple[str, int]:
    """'PORT', ':PORT' (both loopback), 'HOST:PORT' or '[V6]:PORT'."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--listen: {text!r} is not [HOST:]PORT")
    return host, int(port)


async def serve(
    stores: Sequence[Store],
    config: Config,
    metrics: FleetMetrics,
    host: str,
    port: int,
    announce: Callable[[str], None],
) -> None:
    """Keep a live fleet and serve /metrics from it until cancelled."""
    from prometheus_client import start_http_server

    fleet = Fleet(
        stores,
        clock=_utc_now,
        thresholds=config.thresholds,
        refresh_seconds=config.refresh_seconds,
        processes=ProcessWatch(),
    )
    started = asyncio.Event()

    def on_update(update: FleetUpdate) -> None:
        metrics.take(update, stores)
        started.set()

    runner = asyncio.create_task(fleet.run(on_update))
    try:
        await asyncio.wait(
            {runner, asyncio.create_task(started.wait())}, return_when=asyncio.FIRST_COMPLETED
        )
        if runner.done():
            runner.result()
        server, thread = start_http_server(port, host, registry=registry_for(metrics))
        where = f"[{host}]" if ":" in host else host
        announce(f"serving http://{where}:{server.server_port}/metrics")
        try:
            await runner
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
    finally:
        runner.cancel()
        await fleet.close()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def process_counts(update: FleetUpdate) -> dict[tuple[str, str], int]:
    """Agent and daemon processes by bot and kind: `linked` (serving a session) or `orphan`."""
    counts = {
        (bot_of(status.format), kind): 0
        for status in update.statuses
        for kind in ("linked", "orphan")
    }
    for listed in listed_processes(update):
        kind = "orphan" if listed.why_orphan is not None else "linked" if listed.sessions else None
        if kind is None:
            continue
        bot = bot_of_process(listed.info)
        key = (label_value(bot.lower().replace(" ", "-")) if bot else "other", kind)
        counts[key] = counts.get(key, 0) + 1
    return counts
