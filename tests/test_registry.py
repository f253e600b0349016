"""One record per format: every format has one, each is complete for its layout, and no code
outside `stores/`, `actions/` and `demo/` names a format."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sessiontui.actions import Verb, why_not
from sessiontui.model import Session, StoreFormat
from sessiontui.stores.registry import RECORDS, Layout, record_for

PACKAGE = Path(__file__).resolve().parent.parent / "sessiontui"
ALLOWED = ("stores", "actions", "demo")
FORMAT_NAMES = {str(fmt) for fmt in StoreFormat}
MEMBER_NAMES = {fmt.name for fmt in StoreFormat}


def test_every_format_has_exactly_one_record() -> None:
    formats = [record.format for record in RECORDS]
    assert sorted(formats) == sorted(StoreFormat)
    assert len(set(formats)) == len(formats)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: str(r.format))
def test_each_record_can_recognise_its_files(record: object) -> None:
    from sessiontui.stores.registry import FormatRecord

    assert isinstance(record, FormatRecord)
    needs = {
        Layout.SQLITE_FILE: record.sqlite_tables,
        Layout.JSON_FILE: record.json_file,
        Layout.JSONL_DIRECTORY: record.jsonl_record,
        Layout.JSONL_TREE: record.tree_root,
    }
    assert needs[record.layout] is not None, f"{record.format}: no recogniser for {record.layout}"
    assert record.bot


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: str(r.format))
def test_each_verb_is_a_writer_or_a_reason(record: object) -> None:
    from sessiontui.stores.registry import FormatRecord

    assert isinstance(record, FormatRecord)
    session = Session(record.format, "/nowhere", "k", "k", read=False)
    for verb in Verb:
        reason = why_not(session, verb)
        if record.writer(verb) is None:
            assert reason, f"{record.format} {verb}: neither a writer nor a reason"
        writes_something = any(record.writer(v) for v in (Verb.DELETE, Verb.CLEAR))
        if writes_something:
            assert record.restore is not None, f"{record.format} deletes but cannot restore"


def test_an_unknown_format_name_has_no_record() -> None:
    assert record_for("no-such-format") is None


def _named_formats(path: Path) -> list[str]:
    """Format string literals and `StoreFormat.MEMBER` references in one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in FORMAT_NAMES
        ):
            found.append(f"{path.name}:{node.lineno} {node.value!r}")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("StoreFormat", "F")
            and node.attr in MEMBER_NAMES
        ):
            found.append(f"{path.name}:{node.lineno} StoreFormat.{node.attr}")
    return found


def test_no_format_is_named_outside_its_own_modules() -> None:
    offenders: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ALLOWED or relative == Path("model.py"):
            continue  # model.py defines the names (the StoreFormat enum) and nothing else uses them
        offenders += _named_formats(path)
    assert offenders == []


def test_the_scan_finds_a_format_named_in_code(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from sessiontui.model import StoreFormat\n"
        "x = s.format == StoreFormat.STARPOD\n"
        "y = fmt == 'claude-code'\n",
        encoding="utf-8",
    )
    assert len(_named_formats(sample)) == 2


def test_model_names_formats_only_in_its_enum() -> None:
    tree = ast.parse((PACKAGE / "model.py").read_text(encoding="utf-8"))
    enum = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "StoreFormat")
    inside = {id(n) for n in ast.walk(enum)}
    outside = [
        n.lineno
        for n in ast.walk(tree)
        if id(n) not in inside
        and isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value in FORMAT_NAMES
    ]
    assert outside == []


def test_every_late_name_in_the_registry_exists() -> None:
    """The registry names adapters and writers as module + attribute, imported when first used:
    each of those names is there (a typo would fail only at an operator's keypress)."""
    import importlib

    from sessiontui.stores import registry

    tree = ast.parse(Path(registry.__file__).read_text())
    named: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id in ("_stores", "_writes")
        ):
            (argument,) = node.value.args
            assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            package = "stores" if node.value.func.id == "_stores" else "actions"
            named.add((f"sessiontui.{package}.{argument.value}", node.attr))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_late"
        ):
            module, name = (str(arg.value) for arg in node.args if isinstance(arg, ast.Constant))
            named.add((module, name))
    assert len(named) > 30
    for module, name in sorted(named):
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"


UNUSED_WHEN_WARM = (  # what a warm Claude Code snapshot has no use for
    "multiprocessing",  # no file to read: no pool
    "sqlite3",  # no SQLite file found
    "aiosqlite",
    "sessiontui.actions.perform",  # nothing written: none of the write path
    "sessiontui.actions.trash",
    "sessiontui.actions.journal",
    "sessiontui.actions.audit",
)


def test_finding_and_reading_claude_code_imports_no_other_adapter(tmp_path: Path) -> None:
    """A snapshot of a Claude Code tree imports Claude Code's adapter and no other format's
    adapter or writer (the registry imports them when a store of their format is opened); a
    warm one (every file from the transcript cache) none of what it does not use either."""
    import os
    import subprocess
    import sys

    from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict

    writer = ClaudeCodeWriter(tmp_path / "projects")
    writer.user("s1", "/home/dev/src/a", "hello")
    writer.assistant(
        "s1",
        "/home/dev/src/a",
        [text_block("hi")],
        model="claude-sonnet-4-5",
        usage=usage_dict(1, 2, 3, 4),
    )
    code = (
        "import contextlib, io, sys\n"
        "from sessiontui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main(['snapshot', '--json', {str(tmp_path / 'projects')!r}])\n"
        "ours = sorted(m for m in sys.modules if m.startswith(('sessiontui.stores.', "
        "'sessiontui.actions.')))\n"
        "print(code, out.getvalue().count(chr(10)), ' '.join(ours))\n"
        f"print(*(m for m in {UNUSED_WHEN_WARM!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for run in ("cold", "warm"):
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env=env,
        )
        ours, unused = result.stdout.splitlines()
        status, rows, *modules = ours.split()
        assert (status, rows) == ("0", "1"), result.stderr
        assert "sessiontui.stores.claude_code" in modules
        others = ("codex", "starpod", "zeroclaw", "hermes", "openclaw", "fts_search", "disk_parts")
        # hermes_link says where Claude Code keeps its transcripts; actions.openclaw is refusals
        light = {"sessiontui.stores.hermes_link", "sessiontui.actions.openclaw"}
        assert [
            m for m in modules if m.rsplit(".", 1)[1].startswith(others) and m not in light
        ] == []
        assert run == "cold" or unused == "", unused


def test_every_name_the_actions_package_hands_out_resolves() -> None:
    """`sessiontui.actions` imports its modules when a name is first asked for: each is there."""
    import sessiontui.actions

    for name in sessiontui.actions.__all__:
        value = getattr(sessiontui.actions, name)
        assert getattr(value, "__name__", name) == name
