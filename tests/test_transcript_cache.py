"""The persistent transcript cache: a warm run reads only appended bytes, a rewritten or shrunk
file is read again, the cache is owner-only, survives two processes at once, and a corrupt or
deleted one is harmless. Real transcripts, real files, real `sessiontui` processes."""

from __future__ import annotations

import json
import logging
import math
import os
import resource
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from test_claude_fold import LINES

from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict
from sessiontui.model import Session
from sessiontui.stores.claude_code import ClaudeCodeStore
from sessiontui.stores.claude_follower import TranscriptFollower
from sessiontui.stores.claude_transcript import TranscriptSummary
from sessiontui.stores.transcript_cache import TranscriptCache, UnreadIds

CWD = "/home/dev/src/cached"
SID = "0f7b5a34-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def write_turns(projects: Path, first: int, count: int) -> Path:
    w = ClaudeCodeWriter(projects)
    for turn in range(first, first + count):
        at = START + timedelta(minutes=turn)
        w.user(SID, CWD, f"prompt {turn} " + "p" * 400, now=at)
        w.assistant(
            SID,
            CWD,
            [text_block(f"answer {turn} " + "a" * 400)],
            model="claude-sonnet-4-5",
            usage=usage_dict(10, 100 + turn, 2_000, 300),
            now=at + timedelta(seconds=5),
        )
    return w.transcript_path(CWD, SID)


def bytes_read() -> int:
    """What this process has read from files so far (Linux /proc/self/io)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


async def read_store(projects: Path, cache_dir: Path | None) -> tuple[Session, int]:
    """One session read by a fresh store (a new run), and the bytes read doing it."""
    cache = TranscriptCache(projects, cache_dir) if cache_dir else None
    store = ClaudeCodeStore(projects, cache)
    before = bytes_read()
    report = await store.refresh()
    read = bytes_read() - before
    await store.close()
    assert len(report.sessions) == 1
    return report.sessions[0], read


def facts(session: Session) -> tuple[object, ...]:
    return (
        session.usage,
        session.cost_usd,
        session.message_count,
        session.turns,
        session.last_message,
        session.last_activity,
        session.daily_cost,
        session.recent_calls,
    )


async def test_a_warm_run_reads_nothing_of_an_unchanged_file(tmp_path: Path) -> None:
    path = write_turns(tmp_path / "projects", 0, 300)
    cold, cold_read = await read_store(tmp_path / "projects", tmp_path / "cache")
    warm, warm_read = await read_store(tmp_path / "projects", tmp_path / "cache")
    assert cold_read >= path.stat().st_size
    assert warm_read < path.stat().st_size / 4  # the cache file, not the transcript
    assert facts(warm) == facts(cold)


async def test_a_warm_run_reads_only_what_was_appended(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    write_turns(projects, 0, 300)
    await read_store(projects, tmp_path / "cache")
    size_before = write_turns(projects, 0, 0).stat().st_size
    path = write_turns(projects, 300, 20)
    warm, warm_read = await read_store(projects, tmp_path / "cache")
    uncached, _ = await read_store(projects, None)
    assert warm_read < (path.stat().st_size - size_before) * 3
    assert facts(warm) == facts(uncached)
    assert warm.usage is not None and warm.usage.output_tokens == sum(100 + t for t in range(320))


@pytest.mark.parametrize("change", ["rewritten", "truncated"])
async def test_a_rewritten_or_shrunk_file_is_read_again_from_the_start(
    tmp_path: Path, change: str
) -> None:
    projects = tmp_path / "projects"
    path = write_turns(projects, 0, 50)
    await read_store(projects, tmp_path / "cache")
    lines = path.read_bytes().splitlines(keepends=True)
    if change == "rewritten":  # same size, other bytes at the start: an atomic rewrite
        data = b"".join(lines).replace(b"prompt 0 ", b"PROMPT 0 ", 1)
        temporary = path.with_name("tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    else:
        path.write_bytes(b"".join(lines[:20]))
    warm, _ = await read_store(projects, tmp_path / "cache")
    uncached, _ = await read_store(projects, None)
    assert facts(warm) == facts(uncached)
    if change == "truncated":
        assert warm.usage is not None and warm.usage.output_tokens == sum(
            100 + t for t in range(10)
        )


async def test_a_corrupt_cache_is_rebuilt_with_one_line_saying_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    projects = tmp_path / "projects"
    write_turns(projects, 0, 30)
    cache = TranscriptCache(projects, tmp_path / "cache")
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(b'{"format": 1, "entries": {"half a')
    uncached, _ = await read_store(projects, None)
    with caplog.at_level(logging.WARNING):
        rebuilt, _ = await read_store(projects, tmp_path / "cache")
    assert facts(rebuilt) == facts(uncached)
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "unreadable" in notes[0] and "rebuilding" in notes[0]
    assert json.loads(cache.path.read_bytes())["entries"]  # written whole again
    cache.path.unlink()  # deleted: simply cold again, and quiet
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again, _ = await read_store(projects, tmp_path / "cache")
    assert facts(again) == facts(uncached) and not caplog.records


@pytest.mark.parametrize("kept", [0.0, 0.5, 0.999])
async def test_a_cache_torn_by_a_crash_is_rebuilt_and_saving_fsyncs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: float
) -> None:
    """The cache is written without fsync (it is atomic, not durable): a crash may leave it cut
    anywhere, even empty, and the next run rebuilds it with the same figures."""
    projects = tmp_path / "projects"
    write_turns(projects, 0, 30)
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    uncached, _ = await read_store(projects, tmp_path / "cache")
    assert synced == []
    cache = TranscriptCache(projects, tmp_path / "cache")
    whole = cache.path.read_bytes()
    cache.path.write_bytes(whole[: int(len(whole) * kept)])
    rebuilt, _ = await read_store(projects, tmp_path / "cache")
    assert facts(rebuilt) == facts(uncached)
    assert cache.path.read_bytes() == whole


async def test_the_cache_is_owner_only_and_other_code_versions_are_ignored(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    write_turns(projects, 0, 30)
    await read_store(projects, tmp_path / "cache")
    cache = TranscriptCache(projects, tmp_path / "cache")
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.path.parent.stat().st_mode) == 0o700
    data = json.loads(cache.path.read_bytes())
    (entry,) = data["entries"].values()
    entry["summary"]["cost_usd"] = 1234.5  # what an older pricing would have cached
    data["version"] = "made-by-other-code"
    cache.path.write_text(json.dumps(data))
    session, _ = await read_store(projects, tmp_path / "cache")
    assert session.cost_usd is not None and session.cost_usd < 1


def test_a_summary_survives_the_round_trip_field_for_field(tmp_path: Path) -> None:
    path = write_turns(tmp_path, 0, 40)
    follower = TranscriptFollower(path)
    follower.poll()
    summary = follower.summary
    assert summary.recent_calls and summary.daily_cost and summary.last_message
    assert summary._seen_requests and summary._last_message_id
    assert round_trip(tmp_path, follower) == summary


def round_trip(tmp_path: Path, follower: TranscriptFollower) -> TranscriptSummary | None:
    """The follower's summary saved in a cache file and read back by a new cache (a new run);
    None when nothing came back."""
    TranscriptCache(tmp_path, tmp_path / "cache").save({follower.path: follower})
    again = TranscriptFollower(follower.path)
    if not TranscriptCache(tmp_path, tmp_path / "cache").restore(again):
        return None
    assert again.tail.state() == follower.tail.state()
    assert again.seen_later is not None and not again.summary._seen_requests  # (not decoded)
    again.summary._seen_requests.update(again.seen_later())
    return again.summary


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(LINES)
def test_any_transcript_comes_back_from_the_cache_exactly(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes]
) -> None:
    """Whatever the lines (odd ones too), the typed decoder gives back the summary the fold
    made, field for field; only one JSON cannot hold (a NaN dollar figure, a lone surrogate)
    is not cached, and its file is read again."""
    directory = tmp_path_factory.mktemp("cached")
    path = directory / "t.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    follower = TranscriptFollower(path)
    follower.poll()
    got = round_trip(directory, follower)
    if got is None:
        assert not math.isfinite(follower.summary.cost_usd) or not utf8_json(follower.summary)
    else:
        assert got == follower.summary


def utf8_json(summary: TranscriptSummary) -> bool:
    try:
        json.dumps(msgspec.to_builtins(summary), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


async def test_a_cache_of_the_old_layout_is_silently_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cache written by the code before (tagged values, format 1) is not used, says nothing,
    and is written again in the current layout."""
    projects = tmp_path / "projects"
    path = write_turns(projects, 0, 30)
    cache = TranscriptCache(projects, tmp_path / "cache")
    cache.path.parent.mkdir(parents=True)
    old_entry = {
        "tail": {"offset": 1, "corrupt": 0, "long": 0, "skipping": False, "key": [1, 2, 3]},
        "summary": {"$dc": "sessiontui.stores.claude_transcript:TranscriptSummary", "f": {}},
    }
    old = {"format": 1, "version": cache.version, "entries": {str(path): old_entry}}
    cache.path.write_text(json.dumps(old))
    uncached, _ = await read_store(projects, None)
    with caplog.at_level(logging.WARNING):
        rebuilt, read = await read_store(projects, tmp_path / "cache")
    assert facts(rebuilt) == facts(uncached) and read >= path.stat().st_size
    assert not caplog.records
    assert json.loads(cache.path.read_bytes())["format"] == 2


@pytest.mark.parametrize(
    ("part", "field", "value"),
    [("summary", "messages", "many"), ("tail", "head", None)],  # None: the field is gone
)
async def test_an_entry_that_cannot_be_read_costs_only_its_own_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, part: str, field: str, value: object
) -> None:
    """One damaged entry: the other files come from the cache, that one is read again from its
    start (a tail half taken up before the damage showed must not be read on from), and one
    line says so."""
    projects = tmp_path / "projects"
    w = ClaudeCodeWriter(projects)
    for n in range(3):
        w.user(f"{SID[:-1]}{n}", f"{CWD}{n}", f"prompt {n} " + "p" * 40_000, now=START)
    await read_store_all(projects, tmp_path / "cache")
    cache = TranscriptCache(projects, tmp_path / "cache")
    data = json.loads(cache.path.read_bytes())
    damaged, *_ = data["entries"]
    if value is None:
        del data["entries"][damaged][part][field]
    else:
        data["entries"][damaged][part][field] = value
    cache.path.write_text(json.dumps(data))
    uncached, _ = await read_store_all(projects, tmp_path / "nowhere")
    with caplog.at_level(logging.WARNING):
        warm, read = await read_store_all(projects, tmp_path / "cache")
    assert sorted(warm, key=lambda s: s.id) == sorted(uncached, key=lambda s: s.id)
    size = Path(damaged).stat().st_size
    assert size <= read < 2 * size  # that file alone
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "could not be used" in notes[0] and str(cache.path) in notes[0]


async def test_damaged_rates_cost_only_the_rates(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The rates a cache keeps are a speed-up: damaged ones are dropped, quietly, and every
    entry is still used."""
    projects = tmp_path / "projects"
    path = write_turns(projects, 0, 30)
    cold, _ = await read_store(projects, tmp_path / "cache")
    cache = TranscriptCache(projects, tmp_path / "cache")
    data = json.loads(cache.path.read_bytes())
    data["rates"] = [["claude-sonnet-4-5", "not a day", False]]
    cache.path.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING):
        warm, read = await read_store(projects, tmp_path / "cache")
    assert facts(warm) == facts(cold) and read < path.stat().st_size / 4
    assert not caplog.records


def test_two_processes_at_once_both_answer_and_leave_a_whole_cache(
    tmp_path: Path, isolated_home: Path
) -> None:
    projects = tmp_path / "projects"
    write_turns(projects, 0, 400)
    env = {**os.environ, "HOME": str(isolated_home), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    command = [sys.executable, "-m", "sessiontui", "snapshot", "--json", str(projects)]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert outputs[0][0] == outputs[1][0] and b'"cost_usd"' in outputs[0][0]
    (cache_file,) = (tmp_path / "xdg" / "sessiontui" / "transcripts").glob("*.json")
    assert json.loads(cache_file.read_bytes())["entries"]
    assert not list(cache_file.parent.glob(".tmp-*"))
    warm = subprocess.run(command, env=env, capture_output=True, timeout=120, check=True)
    assert warm.stdout == outputs[0][0] and not warm.stderr


def test_no_cache_writes_no_cache(tmp_path: Path, isolated_home: Path) -> None:
    projects = tmp_path / "projects"
    write_turns(projects, 0, 5)
    env = {**os.environ, "HOME": str(isolated_home), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    command = [
        sys.executable,
        "-m",
        "sessiontui",
        "snapshot",
        "--json",
        "--no-cache",
        str(projects),
    ]
    subprocess.run(command, env=env, capture_output=True, timeout=120, check=True)
    assert not (tmp_path / "xdg").exists()


@pytest.mark.parametrize("method", ["spawn", "fork"])
async def test_a_cold_read_in_a_process_pool_gives_the_same_sessions_and_a_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    from sessiontui.stores import claude_pool

    monkeypatch.setattr(claude_pool, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(claude_pool, "FORK_MIN_BYTES", 0)
    monkeypatch.setattr(claude_pool, "idle_cores", lambda: 1)  # whatever the machine's load
    monkeypatch.setattr(claude_pool, "start_method", lambda: method)
    projects = tmp_path / "projects"
    w = ClaudeCodeWriter(projects)
    for n in range(3):
        sid = f"0f7b5a34-1c2d-4e5f-8a9b-0c1d2e3f4a5{n}"
        for turn in range(200):
            w.user(
                sid, f"{CWD}{n}", f"prompt {turn} " + "p" * 400, now=START + timedelta(minutes=turn)
            )
            w.assistant(
                sid,
                f"{CWD}{n}",
                [text_block("a" * 400)],
                model="claude-sonnet-4-5",
                usage=usage_dict(10, 100 + turn, 2_000, 300),
                now=START + timedelta(minutes=turn, seconds=5),
            )
    serial = (await ClaudeCodeStore(projects).refresh()).sessions
    store = ClaudeCodeStore(projects, TranscriptCache(projects, tmp_path / "cache"))
    # Worker processes ran (and were reaped): their page faults count among this process's
    # children. (Not their CPU time: a forked worker reading these files may take less than
    # the kernel's accounting tick.)
    faults_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    claude_pool.read_in_parallel([store])
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt > faults_before
    assert len(store._followers) == 3 and not any(f.counting for f in store._followers.values())
    pooled = (await store.refresh()).sessions
    await store.close()
    assert sorted(pooled, key=lambda s: s.id) == sorted(serial, key=lambda s: s.id)
    warm, _ = await read_store_all(projects, tmp_path / "cache")
    assert sorted(warm, key=lambda s: s.id) == sorted(serial, key=lambda s: s.id)


def test_workers_are_forked_only_where_no_other_thread_runs() -> None:
    import threading

    from sessiontui.stores.claude_pool import start_method

    alone = subprocess.run(
        [
            sys.executable,
            "-c",
            "from sessiontui.stores import claude_pool as p; print(p.start_method())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert alone.stdout.strip() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert start_method() == "spawn"
    finally:
        stop.set()
        other.join()


async def read_store_all(projects: Path, cache_dir: Path) -> tuple[tuple[Session, ...], int]:
    store = ClaudeCodeStore(projects, TranscriptCache(projects, cache_dir))
    before = bytes_read()
    report = await store.refresh()
    read = bytes_read() - before
    await store.close()
    return report.sessions, read


async def test_an_entry_is_handed_out_once_and_a_second_follower_reads_the_file(
    tmp_path: Path,
) -> None:
    """A restored entry is dropped from memory (the follower holds it now): a second follower of
    the same file gets nothing from the cache and reads the file, to the same summary."""
    projects = tmp_path / "projects"
    path = write_turns(projects, 0, 40)
    await read_store(projects, tmp_path / "cache")
    cache = TranscriptCache(projects, tmp_path / "cache")
    first, second = TranscriptFollower(path), TranscriptFollower(path)
    assert cache.restore(first)
    assert not cache.restore(second)
    second.poll()
    assert first.seen_later is not None
    first.summary._seen_requests.update(first.seen_later())
    assert second.summary == first.summary


def split_reply(projects: Path) -> tuple[Path, bytes]:
    """A transcript whose last reply is three lines of one request, and the bytes where a read
    stops inside that reply (after its first line)."""
    w = ClaudeCodeWriter(projects)
    path = write_turns(projects, 0, 20)
    w.user(SID, CWD, "one more", now=START + timedelta(hours=1))
    size = path.stat().st_size
    w.assistant(
        SID,
        CWD,
        [text_block("a"), text_block("b"), text_block("c")],
        model="claude-sonnet-4-5",
        usage=usage_dict(10, 500, 2_000, 300),
        now=START + timedelta(hours=1, seconds=5),
    )
    data = path.read_bytes()
    return path, data[: data.index(b"\n", size) + 1]


async def test_a_request_cut_by_a_warm_run_is_still_counted_once(tmp_path: Path) -> None:
    """The cache hands the counted request ids over undecoded; a file read on from where it
    stood decodes them first, so the rest of a request cut by the save is not counted again."""
    projects = tmp_path / "projects"
    path, head = split_reply(projects)
    whole = path.read_bytes()
    path.write_bytes(head)
    await read_store(projects, tmp_path / "cache")  # cached with the reply's first line only
    path.write_bytes(whole)
    warm, read = await read_store(projects, tmp_path / "cache")
    uncached, _ = await read_store(projects, None)
    assert read < len(whole) - len(head) + 50_000  # read on, not from the start
    assert facts(warm) == facts(uncached)
    assert warm.usage is not None  # the three-line reply's 500 counted once
    assert warm.usage.output_tokens == sum(100 + t for t in range(20)) + 500


async def test_request_ids_that_are_not_ids_make_the_file_be_read_again(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    path, head = split_reply(projects)
    whole = path.read_bytes()
    path.write_bytes(head)
    await read_store(projects, tmp_path / "cache")
    cache = TranscriptCache(projects, tmp_path / "cache")
    data = json.loads(cache.path.read_bytes())
    (entry,) = data["entries"].values()
    entry["seen"] = [1, 2]  # JSON, but no request ids: found only when the file is read on
    cache.path.write_text(json.dumps(data))
    path.write_bytes(whole)
    warm, read = await read_store(projects, tmp_path / "cache")
    uncached, _ = await read_store(projects, None)
    assert read >= len(whole)  # from the start
    assert facts(warm) == facts(uncached)


async def test_a_warm_run_of_an_unchanged_file_decodes_no_request_id(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    write_turns(projects, 0, 30)
    await read_store(projects, tmp_path / "cache")
    store = ClaudeCodeStore(projects, TranscriptCache(projects, tmp_path / "cache"))
    await store.refresh()
    (follower,) = store._followers.values()
    assert isinstance(follower.seen_later, UnreadIds) and not follower.summary._seen_requests
    await store.close()  # saved again as it was: the ids written back undecoded
    again, _ = await read_store(projects, tmp_path / "cache")
    uncached, _ = await read_store(projects, None)
    assert facts(again) == facts(uncached)


def test_calls_appended_today_are_priced_without_genai_prices(
    tmp_path: Path, isolated_home: Path, real_now: datetime
) -> None:
    """The cache keeps the rates its run resolved for yesterday and today: a later run pricing
    new calls of the same model (a session still running) imports no genai-prices, to the same
    dollars; a call of a model no run has priced today imports it, and that model is kept."""
    projects = tmp_path / "projects"
    env = {**os.environ, "HOME": str(isolated_home), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    probe = (
        "import contextlib, io, json, sys\n"
        "from sessiontui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['snapshot', '--json', *sys.argv[1:]])\n"
        "print(json.loads(out.getvalue())['cost_usd'], 'genai_prices' in sys.modules)\n"
    )

    def turn(model: str, minutes: int) -> None:
        at = real_now - timedelta(minutes=minutes)
        w = ClaudeCodeWriter(projects)
        w.user(SID, CWD, f"prompt {minutes}", now=at)
        w.assistant(
            SID,
            CWD,
            [text_block("done")],
            model=model,
            usage=usage_dict(10, 100, 2_000, 300),
            now=at,
        )

    def run(*flags: str) -> list[str]:
        command = [sys.executable, "-c", probe, *flags, str(projects)]
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    turn("claude-sonnet-4-5", 30)
    assert run()[1] == "True"  # cold: priced by genai-prices
    turn("claude-sonnet-4-5", 20)
    warm, uncached = run(), run("--no-cache")
    assert warm == [uncached[0], "False"]
    turn("claude-haiku-4-5", 10)
    assert run()[1] == "True"  # a model not priced today: resolved, and kept
    turn("claude-haiku-4-5", 5)
    turn("claude-sonnet-4-5", 4)
    assert run()[1] == "False"
