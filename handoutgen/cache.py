"""Where derived files (instanced fonts, prepared images) are kept between runs.

The cache is only a shortcut: a folder that cannot be made or written (no
home folder, a read-only disk, a path that is a file) costs time, never a
render. `cache_dir` never raises: it falls back to a folder of this process
(removed at exit). Only if not even that can be made is the folder it gives
unwritable: writing there must be best effort (catch OSError), as it always
must, since a disk can fill up.
`load` and `store` keep a length and SHA-256 digest with every entry;
an entry cut short or altered is ignored (and removed), so it is rebuilt.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import struct
import tempfile
from functools import lru_cache
from pathlib import Path

from handoutgen.atomic import write_atomic

__all__ = ["cache_dir", "load", "store", "forget", "library_versions"]

_MAGIC = b"HGC1"  # format of an entry: magic, data length (8 bytes), SHA-256 of the data, the data
_HEAD = len(_MAGIC) + 8 + 32
_fallback: list[Path] = []  # this process's own folder, made at most once


def _configured() -> Path | None:
    """The cache folder the environment asks for, or None if there is no way to name one."""
    base = os.environ.get("HANDOUTGEN_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "handoutgen"
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # HOME unset and no password-file entry
        return None
    if not home.is_absolute():  # "~" left unexpanded: never a cache in the working folder
        return None
    return home / ".cache" / "handoutgen"


def cache_dir(kind: str) -> Path:
    """A folder for cache entries of `kind` that can be written: the configured one
    if usable, else a temporary one of this process. Never raises; if no folder
    at all can be made, the configured path (or a temporary path) is given
    anyway, and reading or writing there fails with OSError."""
    root = _configured()
    if root is not None:
        usable = _usable(root / kind)
        if usable is not None:
            return usable
    fallback = _process_dir(kind)
    if fallback is not None:
        return fallback
    return (root if root is not None else Path(os.devnull) / "handoutgen-cache") / kind  # writes fail: OSError


@lru_cache(maxsize=32)
def _usable(path: Path) -> Path | None:
    """`path`, made if missing, if a file can be created in it (checked once a process)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe.", dir=path)
        os.close(fd)
        os.unlink(probe)
    except (OSError, ValueError):
        return None
    return path


def _process_dir(kind: str) -> Path | None:
    try:
        if not _fallback:
            folder = Path(tempfile.mkdtemp(prefix="handoutgen-cache-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _fallback.append(folder)
        path = _fallback[0] / kind
        path.mkdir(exist_ok=True)
        return path
    except (OSError, ValueError):
        return None


def forget() -> None:
    """Check the folders again on the next call (for tests that change the environment)."""
    _usable.cache_clear()


def load(kind: str, name: str) -> bytes | None:
    """The data stored under `name`, if the entry is there and whole; else None."""
    path = cache_dir(kind) / name
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except (OSError, ValueError):
        return None
    if len(blob) >= _HEAD and blob.startswith(_MAGIC):
        (length,) = struct.unpack(">Q", blob[len(_MAGIC):len(_MAGIC) + 8])
        data = blob[_HEAD:]
        if len(data) == length and hashlib.sha256(data).digest() == blob[len(_MAGIC) + 8:_HEAD]:
            return data
    try:  # cut short, altered, or of an older format: rebuilt by the caller
        path.unlink()
    except OSError:
        pass
    return None


def store(kind: str, name: str, data: bytes) -> None:
    """Keep `data` under `name`, if the cache can be written. Never raises for
    a folder or disk that refuses: the cache is only a shortcut."""
    blob = _MAGIC + struct.pack(">Q", len(data)) + hashlib.sha256(data).digest() + data
    try:
        write_atomic(cache_dir(kind) / name, blob, durable=False)
    except (OSError, ValueError):
        pass


def library_versions() -> str:
    """The versions of the libraries that make what is cached (Pillow,
    fontTools, ReportLab): part of every cache key, so an upgrade is never
    served entries the old versions made."""
    import importlib

    import PIL
    import reportlab

    fontTools = importlib.import_module("fontTools")  # under 1 ms once logging is loaded, as in a render
    tag = f"pil{PIL.__version__}-ft{fontTools.version}-rl{reportlab.Version}"
    return re.sub(r"[^A-Za-z0-9.+-]", "_", tag)
