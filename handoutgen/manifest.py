"""What `build` made last time, so an unchanged handout is not rendered again.

The manifest (out/.handoutgen-manifest.json) records, for each handout in each
language built (key ID for its own language, LANG/ID for out/LANG/), the
content hash of every file its PDFs depend on (the handout, its exercises,
their pictures, brand.yaml, the logo and font files) and the size and
modification time of each PDF written. A global key covers what every
handout depends on: the tool's code and version, the versions of ReportLab,
Pillow and fontTools, the layout templates and the brand file used. A
handout is skipped only if all of these still match.

The file is not trusted: anything odd in it (a field of the wrong type, a
PDF name that is not the handout's own, a file outside the clinic folder
or the installed packages) makes it count as unreadable, which only costs
a full rebuild. Files are hashed under readsafe's rule.

Deliberately light: no ReportLab, pydantic or Pillow, so a build with
nothing to do starts and finishes fast.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from handoutgen import __version__
from handoutgen.atomic import write_atomic
from handoutgen.readsafe import Refused, read_inside

MANIFEST_NAME = ".handoutgen-manifest.json"
FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent
SUFFIXES = ("", "-checklist")  # out/<id>.pdf, out/<id>-checklist.pdf
MANIFEST_LIMIT = 64_000_000  # bytes of manifest read
DEP_LIMIT = 256_000_000  # bytes of one dependency hashed
LIBRARIES = ("reportlab", "pillow", "fonttools")  # their versions are part of the key


_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")


def output_names(key: str) -> list[str]:
    """The PDFs of a build unit: `ID` (the handout's own language, out/ID.pdf)
    or `LANG/ID` (another language, out/LANG/ID.pdf)."""
    return [f"{key}{suffix}.pdf" for suffix in SUFFIXES]


def unit_key(handout_id: str, lang: str | None = None) -> str:
    """The manifest's key of one handout in one language (None: its own language)."""
    return handout_id if lang is None else f"{lang}/{handout_id}"


def split_key(key: str) -> tuple[str | None, str]:
    """(language or None, handout id) of a unit key."""
    lang, sep, handout_id = key.rpartition("/")
    return (lang if sep else None), handout_id


@functools.lru_cache(maxsize=1)
def installed_roots() -> tuple[Path, ...]:
    """Where files a PDF depends on may be besides the clinic folder: the
    package itself and the installed packages (the default fonts)."""
    roots = [_PACKAGE]
    for name in ("purelib", "platlib"):
        with_root = sysconfig.get_paths().get(name)
        if with_root and Path(with_root).is_dir():
            roots.append(Path(with_root).resolve())
    return tuple(dict.fromkeys(roots))


@dataclass
class Entry:
    source: str  # the handout file, relative to the clinic folder
    deps: dict[str, str]  # file → sha256 of its content
    outputs: dict[str, list[int] | None]  # PDF name in the output folder → [size, mtime_ns]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    key: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)  # by unit key: ID, or LANG/ID (unit_key)
    repaired: bool = False  # the file was missing parts or unreadable

    @classmethod
    def load(cls, out_dir: Path, roots: Iterable[Path] = ()) -> Manifest:
        """The record in `out_dir`; a file a PDF depends on may be given by
        its place in the clinic folder, or absolute inside `roots` or the
        installed packages."""
        path = out_dir / MANIFEST_NAME
        if not os.path.lexists(path):
            return cls()
        try:
            raw = json.loads(read_inside(path, [out_dir], MANIFEST_LIMIT).decode("utf-8"))
            if not isinstance(raw, dict) or raw.get("format") != FORMAT:
                return cls(repaired=True)
            key, entries = raw["key"], raw["entries"]
            if not isinstance(key, str) or not isinstance(entries, dict):
                return cls(repaired=True)
            allowed = tuple(Path(root).resolve() for root in roots) + installed_roots()
            checked = {handout_id: _entry(handout_id, value, allowed) for handout_id, value in entries.items()}
            return cls(key=key, entries=checked)
        except (Refused, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            # A damaged or edited manifest only costs a full rebuild.
            return cls(repaired=True)

    def save(self, out_dir: Path) -> None:
        data = {"format": FORMAT, "tool": f"handoutgen {__version__}", "key": self.key,
                "entries": {k: _as_dict(self.entries[k]) for k in sorted(self.entries)}}
        write_atomic(out_dir / MANIFEST_NAME, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())


def _as_dict(entry: Entry) -> dict:
    """dataclasses.asdict without its deep copy (json.dumps copies nothing): a
    thousand entries are saved in a few milliseconds."""
    return {"source": entry.source, "deps": entry.deps, "outputs": entry.outputs, "warnings": entry.warnings}


def _entry(handout_id: str, value, roots: tuple[Path, ...]) -> Entry:
    """One entry, checked field by field; ValueError if anything is odd."""
    lang, bare_id = split_key(handout_id) if isinstance(handout_id, str) else (None, handout_id)
    if (not _single_name(bare_id) or (lang is not None and not _LANGUAGE_CODE.match(lang))
            or not isinstance(value, dict)):
        raise ValueError("bad entry")
    entry = Entry(**value)  # TypeError: a missing or unknown field
    names = output_names(handout_id)
    ok = (isinstance(entry.source, str) and _clinic_path(entry.source)
          and isinstance(entry.deps, dict)
          and all(isinstance(d, str) and isinstance(h, str) and (_clinic_path(d) or _absolute_inside(d, roots))
                  for d, h in entry.deps.items())
          and isinstance(entry.outputs, dict)
          and all(name in names and (stat is None or _sizes(stat)) for name, stat in entry.outputs.items())
          and isinstance(entry.warnings, list) and all(isinstance(w, str) for w in entry.warnings))
    if not ok:
        raise ValueError("bad entry")
    return entry


def _single_name(name) -> bool:
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name
            and "\0" not in name)


@functools.lru_cache(maxsize=4096)  # the same exercises, pictures and fonts recur in every entry
def _clinic_path(name: str) -> bool:
    """A path relative to the clinic folder that stays inside it."""
    path = PurePosixPath(name)
    return bool(name) and "\0" not in name and not path.is_absolute() and ".." not in path.parts


@functools.lru_cache(maxsize=4096)
def _absolute_inside(name: str, roots: tuple[Path, ...]) -> bool:
    path = Path(name)
    return ("\0" not in name and path.is_absolute() and ".." not in path.parts
            and any(path.is_relative_to(root) for root in roots))


def _sizes(stat) -> bool:
    return (isinstance(stat, list) and len(stat) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in stat))


assert [f.name for f in fields(Entry)] == ["source", "deps", "outputs", "warnings"], "update _as_dict"


class Hasher:
    """Content hashes, each file read once per run, only inside `roots`
    (readsafe's rule: a regular file, of bounded size); None for a file
    that is missing or may not be read."""

    def __init__(self, roots: Iterable[Path] = ()):
        self._roots = [Path(root).resolve() for root in roots] + list(installed_roots())
        self._known: dict[str, str | None] = {}

    def __call__(self, path: str | Path) -> str | None:
        key = str(path)
        if key not in self._known:
            try:
                self._known[key] = hashlib.sha256(read_inside(path, self._roots, DEP_LIMIT)).hexdigest()
            except (Refused, OSError):
                self._known[key] = None
        return self._known[key]


def global_key(layout_dirs: list[Path], hasher: Hasher, options: str = "") -> str:
    """What every PDF depends on besides its own files (and the build's options)."""
    parts = [f"handoutgen {__version__}", *(f"{name} {_version(name)}" for name in LIBRARIES), options]
    for path in sorted(_PACKAGE.glob("*.py")):
        parts.append(f"{path.name} {hasher(path)}")
    for folder in layout_dirs:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    parts.append(f"{path.relative_to(folder).as_posix()} {hasher(path)}")
        parts.append("--")  # a template moved from one folder to the other changes the key
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def output_stat(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def is_fresh(entry: Entry, root: Path, out_dir: Path, hasher: Hasher) -> bool:
    """True if every dependency and every PDF is as the entry recorded."""
    for name, stat in entry.outputs.items():
        if stat is None or output_stat(out_dir / name) != stat:
            return False  # missing, or rewritten by an interrupted build or by hand
    folder = str(root)  # os.path.join, not Path: this runs for every file of every handout
    return all((digest := hasher(os.path.join(folder, dep))) is not None and digest == recorded
               for dep, recorded in entry.deps.items())
