"""Stop the process behind a session: SIGTERM, wait, then (when the operator asks) SIGKILL.

Data side: no Textual. The process is the one the operator was shown: its PID *and* its start
time, captured when the dialog opened. Before every signal the start time is read again, and a
PID now held by another program is refused. A process that leads its own group gets the signal
on the group, when every member of the group is the process or one of its descendants; otherwise
the process and its descendants are signalled one by one. A process serving many sessions (a bot
daemon) is refused unless the operator typed its name. Every step goes to the audit log, and the
result is verified: the process is gone, and the session's transcript or store stopped growing.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from sessiontui.actions.audit import append_audit
from sessiontui.actions.base import READ_ONLY
from sessiontui.model import ProcessInfo, Session

TERM_WAIT = 5.0  # seconds a process gets to exit after SIGTERM before SIGKILL is offered
KILL_WAIT = 3.0
SETTLE = 1.0  # seconds the store is watched after the process went, to see it stopped growing
START_TOLERANCE = 0.05  # seconds: create_time is computed from boot time and clock ticks


@dataclass(frozen=True, slots=True)
class StopRequest:
    """What the operator agreed to stop, as it was shown to them."""

    process: ProcessInfo
    session: Session | None  # the session it was stopped for (None: from the process list)
    serves: int = 1  # how many sessions it serves (a daemon: every session of its store)
    typed_name: str | None = None  # what the operator typed to stop a process serving many


@dataclass(frozen=True, slots=True)
class StopResult:
    gone: bool  # the process (and the group signalled) no longer runs
    message: str  # one line for a notification
    refused: bool = False  # nothing was signalled
    alive: tuple[int, ...] = ()  # still running after the wait: SIGKILL can be offered


def why_not_stop(request: StopRequest, *, read_only: bool) -> str | None:
    """None when the request may be carried out; otherwise why not, for the operator."""
    process = request.process
    if read_only:
        return READ_ONLY
    if not process.inspectable:
        return (
            f"process {process.pid} belongs to another user: sessiontui cannot inspect or stop it"
        )
    if request.serves > 1 and (request.typed_name or "").strip() != process.name:
        return (
            f"process {process.pid} ({process.name}) serves {request.serves} sessions: "
            f"type its name, {process.name}, to stop it anyway"
        )
    return None


def stop_process(
    request: StopRequest,
    sig: int = signal.SIGTERM,
    *,
    read_only: bool,
    wait: float | None = None,
    state_dir: Path | None = None,
) -> StopResult:
    """Send `sig` to the process (or its group), wait, verify, audit. Blocking: run in a thread."""
    process = request.process
    step = "sigkill" if sig == signal.SIGKILL else "sigterm"
    reason = why_not_stop(request, read_only=read_only)
    if reason is not None:
        return _audit(
            request, step, StopResult(False, f"not stopped: {reason}", refused=True), state_dir
        )
    try:
        proc = psutil.Process(process.pid)
        if abs(proc.create_time() - process.started) > START_TOLERANCE:
            reason = (
                f"PID {process.pid} now belongs to another process ({proc.name()}, started "
                f"{time.strftime('%H:%M:%S', time.localtime(proc.create_time()))}): nothing sent"
            )
            return _audit(request, step, StopResult(False, reason, refused=True), state_dir)
        members = [proc, *proc.children(recursive=True)]
        by_group = _whole_group(proc, members)
    except psutil.NoSuchProcess:
        return _audit(
            request, step, StopResult(True, f"process {process.pid} had already exited"), state_dir
        )
    except psutil.AccessDenied:
        return _audit(
            request,
            step,
            StopResult(False, f"process {process.pid}: permission denied", refused=True),
            state_dir,
        )
    sizes = _sizes(request.session)
    try:
        if by_group:
            os.killpg(process.pid, sig)
        else:
            for member in members:
                _signal(member, sig)
    except PermissionError:
        return _audit(
            request,
            step,
            StopResult(False, f"process {process.pid}: permission denied", refused=True),
            state_dir,
        )
    except ProcessLookupError:
        pass
    target = (
        "its process group"
        if by_group
        else f"{len(members)} process{'es' if len(members) > 1 else ''}"
    )
    _audit(
        request,
        step,
        StopResult(False, f"sent {signal.Signals(sig).name} to {target} of {process.pid}"),
        state_dir,
    )
    timeout = wait if wait is not None else (KILL_WAIT if sig == signal.SIGKILL else TERM_WAIT)
    _gone, alive = psutil.wait_procs(members, timeout=timeout)
    if alive:
        pids = tuple(p.pid for p in alive)
        message = (
            f"process {process.pid} ({process.name}) still runs {timeout:.0f} s after "
            f"{signal.Signals(sig).name}"
            + ("" if pids == (process.pid,) else f" ({len(pids)} processes left)")
        )
        return _audit(request, "verify", StopResult(False, message, alive=pids), state_dir)
    grew = _grew(request.session, sizes)
    message = f"process {process.pid} ({process.name}) stopped ({signal.Signals(sig).name})"
    message += (
        "; but its store is still growing: something else writes to it"
        if grew
        else ("; its store stopped growing" if sizes else "")
    )
    return _audit(request, "verify", StopResult(True, message), state_dir)


def _whole_group(proc: psutil.Process, members: list[psutil.Process]) -> bool:
    """Whether the process leads its group and the group holds only it and its descendants."""
    try:
        if os.getpgid(proc.pid) != proc.pid:
            return False
    except ProcessLookupError:
        return False
    allowed = {p.pid for p in members}
    for other in psutil.process_iter(["pid"]):
        try:
            if other.pid not in allowed and os.getpgid(other.pid) == proc.pid:
                return False
        except (ProcessLookupError, PermissionError):
            continue
    return True


def _signal(member: psutil.Process, sig: int) -> None:
    try:
        member.send_signal(sig)  # psutil refuses a process whose PID was reused since it was listed
    except psutil.NoSuchProcess:
        pass


def _files(session: Session | None) -> list[Path]:
    if session is None:
        return []
    if session.source_path:
        return [Path(session.source_path)]
    store = Path(session.store)
    return [store, Path(f"{store}-wal")] if store.is_file() else []


def _sizes(session: Session | None) -> dict[Path, int]:
    sizes = {}
    for path in _files(session):
        try:
            sizes[path] = path.stat().st_size
        except OSError:
            continue
    return sizes


def _grew(session: Session | None, before: dict[Path, int]) -> bool:
    """Whether the session's files still grow after the process went (watched for SETTLE s)."""
    if not before:
        return False
    gone = _sizes(session)
    time.sleep(SETTLE)
    after = _sizes(session)
    return any(after.get(path, 0) > gone.get(path, 0) for path in before)


def _audit(
    request: StopRequest, step: str, result: StopResult, state_dir: Path | None
) -> StopResult:
    process, session = request.process, request.session
    try:
        append_audit(
            action=f"stop-process:{step}",
            fmt=str(session.format) if session else "-",
            store=session.store if session else "-",
            session=session.id if session else None,
            before={
                "pid": process.pid,
                "started": process.started,
                "name": process.name,
                "cmdline": list(process.cmdline),
                "serves": request.serves,
            },
            ok=not result.refused,
            message=result.message,
            state_dir=state_dir,
        )
    except OSError:
        pass  # an unwritable audit log must not leave a process half stopped
    return result
