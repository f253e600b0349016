"""Files sessiontui writes (trash, audit log, state, cache, config) are the operator's alone.

The trash holds the full text of deleted messages: whatever the umask, directories are made
0700 and files 0600, and an existing one of ours with wider modes is tightened. Every write
that must survive a crash goes to a temporary name, is fsynced, and is renamed into place.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make `path` (and any missing parent) a directory only its owner may enter.

    A directory that already exists and belongs to us is tightened to 0700; one of another
    user's is left alone (we could not change it, and it is not ours to change).
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:
            pass
        _tighten(directory, DIR_MODE)
    _tighten(path, DIR_MODE)
    return path


def _tighten(path: Path, mode: int) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & ~mode:
        os.chmod(path, stat.S_IMODE(info.st_mode) & mode)


def tighten_file(path: Path) -> None:
    """An existing file of ours: group and other lose every permission."""
    _tighten(path, FILE_MODE)


def open_private(path: Path, flags: int) -> int:
    """`os.open` that creates the file 0600 whatever the umask, and tightens an existing one."""
    handle = os.open(path, flags, FILE_MODE)
    try:
        info = os.fstat(handle)
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & ~FILE_MODE:
            os.fchmod(handle, stat.S_IMODE(info.st_mode) & FILE_MODE)
    except BaseException:
        os.close(handle)
        raise
    return handle


def fsync_dir(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data`: an owner-only temporary file beside it (a name of its own, so
    two processes writing at once each rename a whole file), fsync, rename, fsync the directory.
    `durable=False` leaves out both fsyncs (a cache, rebuilt when a crash leaves it torn): still
    atomic and owner-only, only not sure to outlive a power cut."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    temp = Path(name)  # mkstemp makes it 0600 whatever the umask
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)
