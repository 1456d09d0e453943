"""What `build` made last time, so an unchanged handout is not rendered again.

The manifest (out/.handoutgen-manifest.json) records, for each handout, the
content hash of every file its PDFs depend on (the handout, its exercises,
their pictures, brand.yaml, the logo and font files) and the size and
modification time of each PDF written. A global key covers what every
handout depends on: the tool's code and version, ReportLab's version and the
layout templates. A handout is skipped only if all of these still match.

Deliberately light: no ReportLab, pydantic or Pillow, so a build with
nothing to do starts and finishes fast.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from handoutgen import __version__
from handoutgen.atomic import write_atomic

MANIFEST_NAME = ".handoutgen-manifest.json"
FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent


@dataclass
class Entry:
    source: str  # the handout file, relative to the clinic folder
    deps: dict[str, str]  # file → sha256 of its content
    outputs: dict[str, list[int]]  # PDF name in the output folder → [size, mtime_ns]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    key: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)  # by handout id
    repaired: bool = False  # the file was missing parts or unreadable

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        path = out_dir / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return cls(repaired=True)
            entries = {k: Entry(**v) for k, v in raw["entries"].items()}
            return cls(key=raw["key"], entries=entries)
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # A damaged manifest only costs a full rebuild.
            return cls(repaired=True)

    def save(self, out_dir: Path) -> None:
        data = {"format": FORMAT, "tool": f"handoutgen {__version__}", "key": self.key,
                "entries": {k: asdict(self.entries[k]) for k in sorted(self.entries)}}
        write_atomic(out_dir / MANIFEST_NAME, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())


class Hasher:
    """Content hashes, each file read once per run."""

    def __init__(self):
        self._known: dict[str, str | None] = {}

    def __call__(self, path: str | Path) -> str | None:
        key = str(path)
        if key not in self._known:
            try:
                self._known[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                self._known[key] = None
        return self._known[key]


def global_key(layout_dirs: list[Path], hasher: Hasher, options: str = "") -> str:
    """What every PDF depends on besides its own files (and the build's options)."""
    parts = [f"handoutgen {__version__}", f"reportlab {_version('reportlab')}", options]
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
        if output_stat(out_dir / name) != stat:
            return False  # missing, or rewritten by an interrupted build or by hand
    return all(hasher(root / dep) == digest for dep, digest in entry.deps.items())
