"""The suite never touches the state of the machine running it."""

from __future__ import annotations

from pathlib import Path

from sessiontui.actions.audit import audit_path
from sessiontui.actions.trash import trash_dir
from sessiontui.config import default_config_file, state_dir


def test_state_cache_and_config_dirs_are_the_tests_own(private_xdg_dirs: Path) -> None:
    for path in (state_dir(), audit_path(), trash_dir(), default_config_file()):
        assert path.is_relative_to(private_xdg_dirs), path
