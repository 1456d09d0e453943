"""What the web page lists: the clinic's handouts (id and title) and its exercise library
(id and name), read from the clinic folder and kept only while the files are unchanged.
None of it is about a patient."""

from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError
from handoutgen.models import Exercise, HandoutFile
from handoutgen.validate import validate

SEARCH_RESULTS = 20  # exercises shown for one search: type more letters for others


@dataclass(frozen=True)
class Entry:
    id: str
    title: str  # a handout's title, an exercise's name; the id when the file has a problem
    problem: bool = False


def stamps(paths: list[Path]) -> tuple:
    """When and how big each file is (None: gone): a change to any of them shows here."""
    found: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            stat = os.stat(path)
            found.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            found.append(None)
    return tuple(found)


def _folded(text: str) -> str:
    """For searching: "jose" finds "José", "CALF" finds "calf"."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


def matches(entry: Entry, query: str) -> bool:
    words = _folded(query).split()
    haystack = _folded(f"{entry.title} {entry.id}")
    return all(word in haystack for word in words)


class Catalog:
    """Titles and names, each read again only when its file changed (size or time)."""

    def __init__(self, clinic: Clinic):
        self.clinic = clinic
        self._seen: dict[Path, tuple[tuple[int, int], Entry]] = {}
        self._lock = threading.Lock()

    def handouts(self, query: str = "") -> list[Entry]:
        entries = [self._entry(path, HandoutFile, "title") for path in self.clinic.handout_files()]
        return [e for e in entries if matches(e, query)]

    def handout(self, handout_id: str) -> Path | None:
        """The file of a handout listed in handouts/ (never a path from the request)."""
        for path in self.clinic.handout_files():
            if path.stem == handout_id:
                return path
        return None

    def exercises(self, query: str = "", limit: int = SEARCH_RESULTS) -> list[Entry]:
        found = []
        for ex_id in self.clinic.exercise_ids():
            entry = self._entry(self.clinic.exercises_dir / f"{ex_id}.yaml", Exercise, "name")
            if matches(entry, query):
                found.append(entry)
                if len(found) >= limit:
                    break
        return found

    def _entry(self, path: Path, model, title_field: str) -> Entry:
        stamp = stamps([path])
        if stamp == (None,):
            return Entry(path.stem, path.stem, problem=True)
        with self._lock:
            seen = self._seen.get(path)
        if seen is not None and seen[0] == stamp:
            return seen[1]
        try:
            parsed, problems = validate(model, self.clinic.load(path))
        except HandoutError:
            parsed, problems = None, []
        title = getattr(parsed, title_field, None) if parsed is not None else None
        entry = Entry(path.stem, title or path.stem, problem=parsed is None or bool(problems))
        with self._lock:
            self._seen[path] = (stamp, entry)
        return entry


MAX_STAMPED = 20_000  # files of a clinic stamped for the web page's caches: far more than any clinic has


def clinic_stamp(clinic: Clinic) -> tuple:
    """Every file of the clinic folder (but out/ and hidden ones), with its time and size:
    a file changed, added or removed shows here. For the caches of pages with no patient
    (the check, the brand preview, a handout as written)."""
    found: list[tuple[str, int, int]] = []
    skip = {os.path.normcase(str(clinic.root / "out"))}
    folders = [str(clinic.root)]
    while folders and len(found) < MAX_STAMPED:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if os.path.normcase(entry.path) not in skip:
                                folders.append(entry.path)
                            continue
                        stat = entry.stat()
                    except OSError:
                        continue
                    found.append((entry.path, stat.st_mtime_ns, stat.st_size))
        except OSError:
            continue
    found.sort()
    return (str(clinic.brand_path), stamps([clinic.brand_path]), tuple(found))
