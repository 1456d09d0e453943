"""The one rule for every file handoutgen reads (docs/safety.md, "Files").

A file is read only if, with every symlink resolved, it lies inside one of
the allowed folders (the clinic folder, or the installed package), it is a
regular file (never a FIFO, a device such as /dev/zero, or a folder), and
what is actually read stays within the size limit. The check is made on the
opened file itself (fstat), so a file swapped after the path was checked is
still a regular file of bounded size when it is read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

__all__ = ["Refused", "inside", "read_inside"]


class Refused(Exception):
    """A file that may not be read. `message` says why, in words for the user
    (it never quotes the file's content); `reason` says it for the code: one of
    missing, loop, unopenable, outside, not-regular, too-large."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message, self.reason = message, reason


def inside(path: Path | str, roots: Iterable[Path | str]) -> Path:
    """`path` with every symlink resolved, if it exists and lies inside one of
    `roots`; else Refused."""
    try:
        real = Path(path).resolve(strict=True)
    except FileNotFoundError:
        raise Refused("no such file", "missing") from None
    except RuntimeError:  # a symlink loop (Python < 3.13)
        raise Refused("is a loop of symbolic links", "loop") from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise Refused("is a loop of symbolic links", "loop") from None
        raise Refused(f"cannot be opened ({exc.strerror or exc})", "unopenable") from None
    for root in roots:
        if real.is_relative_to(_resolved(str(root))):
            return real
    raise Refused("leads outside the clinic folder (through a symbolic link or an absolute path); "
                  "copy the file into the clinic folder instead", "outside")


@lru_cache(maxsize=64)
def _resolved(root: str) -> Path:
    """An allowed folder with its links resolved: the same few folders for every file of a
    batch, so resolved once (a no-change build checks thousands of files)."""
    return Path(root).resolve()


def read_inside(path: Path | str, roots: Iterable[Path | str], limit: int) -> bytes:
    """The bytes of `path`, under the rule above; at most `limit` bytes."""
    real = inside(path, roots)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise Refused(f"cannot be opened ({exc.strerror or exc})", "unopenable") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"is not a regular file ({_kind(info.st_mode)}); only ordinary files are read",
                          "not-regular")
        raise Refused(f"file is {info.st_size:,} bytes; the limit is {limit:,}", "too-large")
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)  # the limit holds for what is read, whatever stat said
    if len(data) > limit:
        raise Refused(f"file is over {limit:,} bytes; the limit is {limit:,}", "too-large")
    return data


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not an ordinary file"
