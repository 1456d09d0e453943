"""Write files so a reader sees either the old file or the whole new one.

A file gets the mode a plain open() would give it under the current umask
(a temporary file is created private, 0600, and is changed before it is
renamed into place).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """`durable` also survives a power cut (fsync); caches can skip it."""
    write_together([(Path(path), data)], durable)


def write_together(files: list[tuple[Path, bytes]], durable: bool = True) -> None:
    """Write several files (in one folder) as one: every file is written to a
    temporary file first, and only when all are whole are they renamed into
    place; if any cannot be written, none is replaced. An OSError says why
    (its `filename` is the file that could not be written)."""
    temps: list[tuple[Path, str]] = []
    backups: dict[Path, str] = {}  # old files, kept until every rename is done
    renamed: list[Path] = []
    try:
        for path, _ in files:
            _refuse_non_regular(path)
        mode = 0o666 & ~_umask()
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            temps.append((path, _write_temp(path, data, durable, mode)))
        for path, _ in temps[:-1]:  # after the last rename there is nothing left to undo
            backup = _keep(path)
            if backup is not None:
                backups[path] = backup
        for path, tmp in temps:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                exc.filename = str(path)
                raise
            renamed.append(path)
    except BaseException:
        for _, tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for path in renamed:  # undone: the old file back, or no file as before
            with contextlib.suppress(OSError):
                if path in backups:
                    os.replace(backups.pop(path), path)
                else:
                    os.unlink(path)
        for backup in backups.values():
            with contextlib.suppress(OSError):
                os.unlink(backup)
        raise
    for backup in backups.values():
        with contextlib.suppress(OSError):
            os.unlink(backup)


def _write_temp(path: Path, data: bytes, durable: bool, mode: int) -> str:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        exc.filename = str(path)
        raise
    try:
        try:
            os.fchmod(fd, mode)
            _write_fd(fd, data, tmp)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            exc.filename = str(path)
        raise
    return tmp


def _write_fd(fd: int, data: bytes, tmp: str) -> None:
    """All of `data` to the open file `tmp` (a full disk raises OSError here)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _refuse_non_regular(path: Path) -> None:
    """A folder, device or pipe in a file's place is never replaced."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise OSError(errno.EEXIST, "it is not an ordinary file", str(path))


def _keep(path: Path) -> str | None:
    """A second name for the current file (None: there is none), to put it back if a
    later rename fails: a hard link, or where the file system has none (FAT, some
    network shares) a copy. If neither can be made, OSError: nothing is replaced."""
    backup = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.link(path, backup, follow_symlinks=False)
        return backup
    except FileNotFoundError:
        return None  # no old file: undone by removing the new one
    except OSError:
        pass
    try:
        shutil.copy2(path, backup, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(backup)
        exc.filename = str(path)
        raise
    return backup


def _umask() -> int:
    """The process's umask, read without changing it where possible (threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
