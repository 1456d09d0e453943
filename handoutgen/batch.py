"""Stage 10: build every handout of a clinic.

Plan (which handouts changed, since the manifest) → render the changed ones,
in worker processes when there are several → write each PDF atomically →
record the manifest → report. A bad handout is reported and skipped; the
others are still written; a handout whose PDFs cannot be written (a name
too long, a folder in the way, a full disk) fails alone, and its two PDFs
are written together or not at all. Rendering is deterministic, so a
parallel build writes the same bytes as a serial one.

Nothing waits for ever: SIGTERM stops a build as Ctrl-C does (what finished
is recorded, the lock is released); a worker process that is killed fails
the handout it was rendering and the others go on; a second build waits
for the lock a bounded time (HANDOUTGEN_LOCK_WAIT seconds, 30 by default).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from handoutgen.clinic import Clinic, builtin_layouts_dir, language_name
from handoutgen.errors import HandoutError, Problem
from handoutgen.manifest import (
    MANIFEST_NAME,
    SUFFIXES,
    Entry,
    Hasher,
    Manifest,
    global_key,
    installed_roots,
    is_fresh,
    output_names,
    output_stat,
    split_key,
    unit_key,
)

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = ["SUFFIXES", "BatchReport", "Outcome", "build", "default_jobs", "output_names"]

_TEMP_FILE = re.compile(r"^\..+\.pdf\..+\.tmp$")  # what atomic.write_atomic leaves if killed
_TEMP_OVERHEAD = len(".") + len(".12345678.tmp")  # atomic's temporary name around the PDF's name
LOCK_NAME = ".handoutgen.lock"
LOCK_WAIT = 30.0  # seconds; HANDOUTGEN_LOCK_WAIT overrides


@dataclass
class Outcome:
    """What happened to one handout; small and picklable, sent back by workers."""

    id: str
    source: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    deps: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, list[int] | None] = field(default_factory=dict)
    stats: dict[str, dict] = field(default_factory=dict)  # kind → pages, body, picture, band (check --report)
    reading: dict[str, str] = field(default_factory=dict)  # language → reading grade or ease (check)


@dataclass
class BatchReport:
    rendered: list[str] = field(default_factory=list)  # handout ids
    outcomes: list[Outcome] = field(default_factory=list)  # of the handouts rendered
    unchanged: list[str] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)  # PDFs of deleted handouts, kept
    removed: list[str] = field(default_factory=list)  # PDFs of deleted handouts, pruned
    manifest_repaired: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. the record could not be saved
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted

    def problems(self) -> list[Problem]:
        """The problems of the failed handouts, each once: one told by several handouts
        (brand.yaml's, an exercise file's, a picture's) is printed once per build."""
        return list(dict.fromkeys(problem for outcome in self.failed for problem in outcome.problems))


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def build(clinic: Clinic, out_dir: Path, *, jobs: int | None = None, force: bool = False,
          prune: bool = False, write: bool = True,
          progress: Callable[[int, int], None] | None = None, pages: int | None = None,
          measure: bool = False, lock_wait: float | None = None, large_print: bool | None = None,
          lang: str | None = None) -> BatchReport:
    """Render every handout that changed since the last build (all with `force`).

    With write=False (the `check` command) every handout is rendered and
    nothing is written: no PDFs, no manifest. `pages` overrides every
    handout's page limit, `large_print` (if not None) every handout's print size;
    `measure` records how each was laid out.
    `lang` builds only that language (else every language brand.yaml's
    `languages:` lists, else the default): docs/languages.md.
    `lock_wait` bounds the wait for another build of the same folder
    (default: HANDOUTGEN_LOCK_WAIT, else 30 s).
    """
    report = BatchReport()
    out_dir = Path(out_dir).absolute()
    roots = _roots(clinic)
    hasher = Hasher(roots)
    _check_handouts_folder(clinic)  # before anything: a missing folder must not prune every PDF
    if write:
        _check_not_a_language_folder(clinic, out_dir)
    listed = brand_languages(clinic)
    with _sigterm_stops(), (_locked(clinic, out_dir, lock_wait) if write else contextlib.nullcontext()):
        manifest = Manifest.load(out_dir, roots) if write else Manifest()
        report.manifest_repaired = manifest.repaired
        options_key = f"pages {pages}\nbrand {clinic.shown(clinic.brand_path)}"  # another brand: other PDFs
        if large_print is not None:  # another print size: other PDFs
            options_key += f"\nlarge print {large_print}"
        key = global_key(_layout_dirs(clinic), hasher, options_key)
        stale = force or not write or manifest.key != key  # a new tool or layout: everything is stale
        manifest.key = key
        sources = clinic.handout_files()
        units = _units(clinic, sources, listed, lang, report.notes)
        others = _other_builds(clinic, out_dir, {unit.lang for unit in units if not unit.own}) if write else {}
        if write:
            _remove_temp_files(out_dir)
            for code in listed if lang is None else (lang,):
                if (_real_folder(out_dir, out_dir / code) and (out_dir / code).exists()
                        and not _another_builds_folder(out_dir, out_dir / code)):
                    _remove_temp_files(out_dir / code)
        todo = _plan(clinic, sources, units, manifest, out_dir, stale, hasher, report, write, others)
        wanted = {unit.key for unit in units}
        # Languages no longer listed count as gone on a build of every language (not with --lang).
        _deleted_handouts({path.stem for path in sources}, wanted if lang is None else None, manifest, out_dir,
                          prune and write, report)
        try:
            options = {"write": write, "pages": pages, "measure": measure, "large_print": large_print}
            _render_and_record(clinic, out_dir, todo, options, jobs or default_jobs(), manifest, report, progress)
        except KeyboardInterrupt:
            report.interrupted = True
            raise
        finally:
            if write:
                # Also after Ctrl-C or SIGTERM: what was finished is recorded, the rest is rebuilt next time.
                try:
                    manifest.save(out_dir)
                except OSError as exc:
                    report.notes.append(
                        f"the record of this build ({_shown_dir(clinic, out_dir)}{MANIFEST_NAME}) could not be "
                        f"saved ({exc.strerror or exc}); the next build renders every handout again")
    if not write:  # check: the layouts with every documented variable, not only those the handouts fill
        from handoutgen.layout import check_layouts

        said = {problem for outcome in report.failed for problem in outcome.problems}
        unsaid = [problem for problem in check_layouts(clinic) if problem not in said]
        if unsaid:
            report.failed.append(Outcome("layouts", unsaid[0].file, unsaid))
    report.failed.sort(key=lambda o: o.source)
    report.rendered.sort()
    report.warnings = list(dict.fromkeys(report.warnings))  # an exercise file's, once however many use it
    return report


def _roots(clinic: Clinic) -> list[Path]:
    """Where the files a PDF depends on may be: the clinic folder, the brand
    file given (it may lie elsewhere), the built-in layouts and the
    installed packages (fonts)."""
    return [clinic.root, clinic.brand_path, _layout_dirs(clinic)[0], *installed_roots()]


def _shown_dir(clinic: Clinic, out_dir: Path) -> str:
    """out/ as messages name it: from the clinic folder if inside it."""
    return clinic.shown(out_dir).rstrip("/") + "/"


def _check_handouts_folder(clinic: Clinic) -> None:
    folder = clinic.handouts_dir
    try:
        with os.scandir(folder):
            pass
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            why = "no such folder"
        elif isinstance(exc, NotADirectoryError):
            why = "is not a folder"
        else:
            why = f"cannot be read ({exc.strerror or exc})"
        raise HandoutError(Problem(clinic.shown(folder), None, "",
                                   f"{why}; it holds the clinic's handouts (is --root the clinic folder?). "
                                   "Nothing was built or removed")) from None


def brand_languages(clinic: Clinic) -> tuple[str, ...]:
    """brand.yaml's `languages:` (each with a catalogue), or () if it lists none.
    A brand that cannot be read gives (): each handout then reports why."""
    from handoutgen.i18n import check_language

    try:
        doc = clinic.load(clinic.brand_path)
    except HandoutError:
        return ()
    data = doc.data if isinstance(doc.data, dict) else {}
    value = data.get("languages")
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise HandoutError(Problem(doc.file, doc.line_of(("languages",)), "languages",
                                   "must be a list of language codes, e.g. [en, es] (docs/languages.md)"))
    problems = []
    codes: list[str] = []
    for i, code in enumerate(value):
        try:
            if not isinstance(code, str):
                raise HandoutError(Problem(doc.file, doc.line_of(("languages", i)), f"languages[{i}]",
                                           "must be a language code such as en or es"))
            codes.append(check_language(code, doc.file, doc.line_of(("languages", i)), f"languages[{i}]"))
        except HandoutError as exc:
            problems += exc.problems
    if problems:
        raise HandoutError(problems)
    return tuple(dict.fromkeys(codes))


def _own_language(clinic: Clinic, path: Path) -> str:
    """A handout's own language: its `language:`, else the default. A handout that
    cannot be read says why when it is rendered."""
    from handoutgen.i18n import DEFAULT

    try:
        data = clinic.load(path).data
    except HandoutError:
        return DEFAULT
    value = data.get("language") if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else DEFAULT


def _written_in(clinic: Clinic, path: Path) -> tuple[str, ...] | None:
    """A handout's `languages:` (the languages it is written in), as written; None if it
    lists none (or cannot be read: rendering it says why)."""
    try:
        data = clinic.load(path).data
    except HandoutError:
        return None
    value = data.get("languages") if isinstance(data, dict) else None
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        return None  # a list of something else: its problem is reported when it is rendered
    return tuple(code.strip() for code in value)


def _units(clinic: Clinic, sources: list[Path], listed: tuple[str, ...], only: str | None,
           notes: list[str]) -> list[Unit]:
    """Every handout in every language built: its own language (out/ID.pdf) and each
    other listed one (out/LANG/ID.pdf); with --lang, only that language. A handout's
    `languages:` leaves out the languages it is not written in, said once in `notes`."""
    from handoutgen.i18n import DEFAULT

    units: list[Unit] = []
    for path in sources:
        own = _own_language(clinic, path) if (listed or only) else DEFAULT
        langs = (only,) if only else (own, *(code for code in listed if code != own))
        written = _written_in(clinic, path) if (listed or only) else None
        if written is not None and own in written:  # else rendering it reports its `language:`
            skipped = [code for code in langs if code not in written]
            if skipped:
                notes.append(f"{path.stem}: {_language_names(written)} only (its languages:); not built in "
                             f"{_language_names(skipped)}")
            langs = tuple(code for code in langs if code in written)
        units.extend(Unit(path, code, code == own) for code in langs)
    return units


def _language_names(codes) -> str:
    return ", ".join(language_name(code).split(" (")[0] for code in codes)


def _plan(clinic: Clinic, sources: list[Path], units: list[Unit], manifest: Manifest, out_dir: Path,
          stale: bool, hasher: Hasher, report: BatchReport, write: bool,
          others: dict[str, Problem] | None = None) -> list[Unit]:
    """The units to render; the others are unchanged (or cannot be written, and fail).
    `others`: languages whose folder is another build's (_other_builds), which fail."""
    problems = _collisions(clinic, sources)
    if write:
        problems.update(_names_too_long(clinic, sources, out_dir))
    others = others or {}
    todo = []
    for unit in units:
        path, key = unit.path, unit.key
        problem = problems.get(path.stem) or (others.get(unit.lang) if not unit.own else None)
        if problem is not None:
            report.failed.append(Outcome(key, clinic.shown(path), [problem]))
            manifest.entries.pop(key, None)  # what is there now is not this build's to keep or prune
            continue
        entry = manifest.entries.get(key)
        if (not stale and entry is not None and entry.source == clinic.shown(path)
                and is_fresh(entry, clinic.root, out_dir, hasher)):
            report.unchanged.append(key)
            report.warnings.extend(entry.warnings)
        else:
            todo.append(unit)
    return todo


def _check_not_a_language_folder(clinic: Clinic, out_dir: Path) -> None:
    """`--out out/es` beside another build's record in out/: out/es/ is that build's Spanish
    folder, and the two builds would overwrite each other's PDFs (Clinic.build_dir says the
    same of a brand file named es.yaml)."""
    from handoutgen.i18n import available

    codes = {code.casefold(): code for code in available()}
    parent = out_dir.parent
    if out_dir.name.casefold() not in codes or not _another_builds_folder(parent.parent, parent):
        return
    raise HandoutError(Problem(
        _shown_dir(clinic, out_dir), None, "",
        f"is where the build in {_shown_dir(clinic, parent)} puts its PDFs in "
        f"{language_name(codes[out_dir.name.casefold()])}, and the two builds would overwrite each other's "
        "PDFs; give --out a folder of its own. Nothing was built"))


def _other_builds(clinic: Clinic, out_dir: Path, codes: set[str]) -> dict[str, Problem]:
    """Languages whose folder (out/LANG/) holds another build's record or lock (e.g. a build
    given --out out/es, or one made before es was a language): their PDFs there are that
    build's, never written over by this one. Clinic.build_dir keeps brands out of these names."""
    problems = {}
    for code in sorted(codes):
        folder = out_dir / code
        if _another_builds_folder(out_dir, folder):
            shown = _shown_dir(clinic, folder)
            problems[code] = Problem(
                shown, None, "",
                f"holds the record of another build ({MANIFEST_NAME}: another brand's, or one given --out), and "
                f"this build writes its PDFs in {language_name(code)} there: the two would overwrite each "
                f"other's PDFs. Build the other one into a folder of its own (--out DIR) and move {shown} away; "
                "nothing was written into it")
    return problems


def _another_builds_folder(out_dir: Path, folder: Path) -> bool:
    """A folder in the output folder that another build writes into (its record or lock is there)."""
    return folder != out_dir and any(os.path.lexists(folder / name) for name in (MANIFEST_NAME, LOCK_NAME))


def _names_too_long(clinic: Clinic, sources: list[Path], out_dir: Path) -> dict[str, Problem]:
    """Handouts whose PDFs (with their temporary names) the output folder cannot hold."""
    try:
        limit = os.pathconf(out_dir, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    problems = {}
    longest_suffix = max(len(os.fsencode(f"{suffix}.pdf")) for suffix in SUFFIXES)
    for path in sources:
        needed = max(len(os.fsencode(name)) for name in output_names(path.stem)) + _TEMP_OVERHEAD
        if needed > limit:
            problems[path.stem] = Problem(
                clinic.shown(path), None, "",
                f"the file name is too long: its PDFs in {_shown_dir(clinic, out_dir)} would need names of "
                f"{needed} bytes and the file system allows {limit}; shorten the name (without .yaml) to "
                f"at most {limit - _TEMP_OVERHEAD - longest_suffix} bytes")
    return problems


def _deleted_handouts(current: set[str], wanted: set[str] | None, manifest: Manifest, out_dir: Path,
                      prune: bool, report: BatchReport) -> None:
    """PDFs the manifest says we made for handouts that are gone (or, when `wanted` is
    given, in languages no longer built): reported, or removed. Only the unit's own
    two names in the output folder (out/ID*.pdf or out/LANG/ID*.pdf) are ever considered."""
    gone = [key for key in manifest.entries
            if split_key(key)[1] not in current or (wanted is not None and key not in wanted)]
    for key in sorted(gone):
        owned = output_names(key)
        names = [n for n in manifest.entries[key].outputs
                 if n in owned and _a_file(out_dir / n) and _real_folder(out_dir, (out_dir / n).parent)
                 and not _another_builds_folder(out_dir, (out_dir / n).parent)]
        if prune:
            for name in names:
                try:
                    (out_dir / name).unlink()
                except OSError:
                    continue
                report.removed.append(name)
            del manifest.entries[key]
            lang = split_key(key)[0]
            if lang is not None:
                with contextlib.suppress(OSError):
                    (out_dir / lang).rmdir()  # only if it is now empty
        else:
            report.orphans.extend(names)


def _real_folder(out_dir: Path, folder: Path) -> bool:
    """`folder` is out_dir or a real folder directly in it (not a link to elsewhere)."""
    if folder == out_dir:
        return True
    try:
        return folder.parent == out_dir and stat.S_ISDIR(os.lstat(folder).st_mode)
    except OSError:
        return False


def _a_file(path: Path) -> bool:
    """A file (or a link) stands there, not a folder or a device."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)


def _render_and_record(clinic: Clinic, out_dir: Path, todo: list[Unit], options: dict, jobs: int,
                       manifest: Manifest, report: BatchReport,
                       progress: Callable[[int, int], None] | None) -> None:
    for done, outcome in enumerate(_render_all(clinic, out_dir, todo, options, jobs), 1):
        if progress is not None:
            progress(done, len(todo))
        if outcome.problems:
            report.failed.append(outcome)
            # Rebuilt next time; its old PDFs (if any) stay as they were.
            manifest.entries.pop(outcome.id, None)  # the unit's key: ID or LANG/ID
            continue
        report.rendered.append(outcome.id)
        report.outcomes.append(outcome)
        report.warnings.extend(outcome.warnings)
        manifest.entries[outcome.id] = Entry(outcome.source, outcome.deps, outcome.outputs, outcome.warnings)


def _layout_dirs(clinic: Clinic) -> list[Path]:
    return [builtin_layouts_dir(), clinic.layouts_dir]


def _collisions(clinic: Clinic, sources: list[Path]) -> dict[str, Problem]:
    """Handouts whose PDFs would overwrite each other's (e.g. `a.yaml` and
    `A.yaml` on a case-insensitive disk, or `a-checklist.yaml` and `a.yaml`)."""
    claimed: dict[str, Path] = {}
    problems: dict[str, Problem] = {}
    for path in sources:
        for name in output_names(path.stem):
            other = claimed.setdefault(name.casefold(), path)
            if other != path:
                for mine, theirs in ((path, other), (other, path)):
                    problems[mine.stem] = Problem(
                        clinic.shown(mine), None, "",
                        f"its PDF {name} would overwrite one of {clinic.shown(theirs)}'s; "
                        "rename one of the two files")
    return problems


def _lock_wait(given: float | None) -> float:
    if given is not None:
        return given
    try:
        return max(0.0, float(os.environ.get("HANDOUTGEN_LOCK_WAIT", LOCK_WAIT)))
    except ValueError:
        return LOCK_WAIT


@contextlib.contextmanager
def _locked(clinic: Clinic, out_dir: Path, wait_s: float | None) -> Iterator[None]:
    """One build at a time per output folder: a second one waits a bounded
    time, then fails naming the process that holds the lock."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "it is not a folder" if isinstance(exc, FileExistsError | NotADirectoryError) else exc.strerror
        raise _unwritable(clinic, out_dir, f"cannot create the output folder ({why or exc})", exc) from None
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; builds must not overlap
        yield
        return
    seconds = _lock_wait(wait_s)
    try:
        fd = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:  # e.g. another user's out/, or a read-only disk
        raise _unwritable(clinic, out_dir, f"cannot write into the output folder ({exc.strerror or exc})",
                          exc) from None
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    error = HandoutError(Problem(_shown_dir(clinic, out_dir), None, "", "in use"))
                    error.message = (f"another build (pid {_holder(fd)}) is using {_shown_dir(clinic, out_dir)}; "
                                     f"waited {seconds:g} s. Try again when it has finished")
                    raise error from None
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # who holds it, for the message above
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _unwritable(clinic: Clinic, out_dir: Path, what: str, exc: OSError) -> HandoutError:
    """The output folder cannot be made or written: one clear error before anything is built."""
    owner = ", or ask whoever owns it to let you write into it" if isinstance(exc, PermissionError) else ""
    return HandoutError(Problem(_shown_dir(clinic, out_dir), None, "",
                                f"{what}; nothing was built. Give a folder you can write to with --out DIR{owner}"))


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return "unknown"
    return text if text.isdigit() else "unknown"


def _remove_temp_files(out_dir: Path) -> None:
    """Temp files of a build that was killed before it could clean up."""
    try:
        paths = list(out_dir.iterdir())
    except OSError:  # a folder that cannot be listed: its PDFs fail to be written, each with why
        return
    for path in paths:
        if _TEMP_FILE.match(path.name) and _a_file(path):
            with contextlib.suppress(OSError):
                path.unlink()


@contextlib.contextmanager
def _sigterm_stops() -> Iterator[None]:
    """`kill` (and `timeout`, systemd, `docker stop`) stops a build the way
    Ctrl-C does: workers ended, what finished recorded, the lock released."""
    if not _main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


# ------------------------------------------------------------------ workers

def _render_all(clinic: Clinic, out_dir: Path, todo: list[Unit], options: dict,
                jobs: int) -> Iterator[Outcome]:
    if not todo:
        return
    jobs = min(jobs, len(todo))
    if jobs == 1:
        _start_worker(clinic, out_dir, options, in_process=True)
        for path in todo:
            yield _render_one(path)
        return
    # Several handouts per message: sending one at a time costs more than rendering.
    chunk = max(1, min(16, len(todo) // (jobs * 4)))
    normal: list[Unit] = list(todo)
    suspects: list[Unit] = []
    while normal or suspects:
        # After a worker was lost, the handouts it may have held are rendered one at a
        # time, each alone in a worker, so a worker lost again names its handout.
        alone = bool(suspects)
        lost, unsent = yield from _pool_run(clinic, out_dir, options, suspects if alone else normal,
                                            1 if alone else jobs, 1 if alone else chunk, 1 if alone else 2 * jobs)
        if alone:
            for path in lost:
                yield _lost(clinic, path)
            suspects = unsent
        else:
            suspects, normal = lost, unsent


def _pool_run(clinic: Clinic, out_dir: Path, options: dict, paths: list[Unit], workers: int,
              chunk: int, window: int) -> Generator[Outcome, None, tuple[list[Unit], list[Unit]]]:
    """Render `paths` in `workers` processes, `window` chunks in flight (2 per
    worker keep every worker busy), yielding each outcome. Returns
    ([], []) or, if a worker process died, (the handouts in the chunks then
    in flight, the handouts never sent)."""
    # Imported here: a build with nothing to render starts faster without them.
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    chunks = [paths[i:i + chunk] for i in range(0, len(paths), chunk)]
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    flying: dict[Future, list[Unit]] = {}
    sent = 0
    broken = False
    executor = None
    try:
        executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                       initargs=(clinic, out_dir, options))
        while (sent < len(chunks) or flying) and not broken:
            while sent < len(chunks) and len(flying) < window:
                try:
                    flying[executor.submit(_render_chunk, chunks[sent])] = chunks[sent]
                except BrokenProcessPool:
                    broken = True
                    break
                sent += 1
            if not flying:
                break
            done, _ = wait(flying, return_when=FIRST_COMPLETED)
            for future in done:
                if future.exception() is not None:
                    broken = True  # BrokenProcessPool: _render_chunk itself never raises
                    continue
                del flying[future]
                yield from future.result()
        if not broken:
            return [], []
        # The pool is broken: every chunk still in flight ends now, with its outcomes or the error.
        wait(flying, timeout=30)
        lost: list[Unit] = []
        for future, items in flying.items():
            if future.done() and future.exception() is None:
                yield from future.result()
            else:
                lost.extend(items)
        return lost, [path for items in chunks[sent:] for path in items]
    finally:
        if executor is not None:
            _stop(executor, kill=broken or bool(flying))


def _stop(executor: ProcessPoolExecutor, kill: bool) -> None:
    """Shut the pool down; after Ctrl-C, SIGTERM or a lost worker, kill its workers
    first, so nothing waits on a process that will never answer."""
    if not kill:
        executor.shutdown(wait=True)
        return
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    manager = getattr(executor, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=5)


def _lost(clinic: Clinic, unit: Unit) -> Outcome:
    path = unit.path
    return Outcome(unit.key, clinic.shown(path), [Problem(
        clinic.shown(path), None, "",
        "not rendered: the worker process rendering it was killed (by the system's out-of-memory killer, "
        "or a signal); the other handouts were built. Build again; if it happens again with this "
        "handout, report it")])


_worker: dict = {}


@dataclass(frozen=True)
class Unit:
    """One handout in one language: what a worker renders and the manifest records.
    `own`: the handout's own language (its `language:`, else the default), written
    to out/ID.pdf; any other language goes to out/LANG/ID.pdf."""

    path: Path
    lang: str
    own: bool

    @property
    def key(self) -> str:
        return unit_key(self.path.stem, None if self.own else self.lang)


def _start_worker(clinic: Clinic, out_dir: Path, options: dict, in_process: bool = False) -> None:
    """Once per worker process: the renderer keeps fonts, brand, exercises
    and pictures loaded for every handout the worker renders."""
    from handoutgen.pipeline import Renderer

    if not in_process:
        _die_with_parent()
        # SIGTERM ends a worker at once; Ctrl-C is the build's to handle (it ends the workers).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.update(renderer=Renderer(clinic), clinic=clinic, out_dir=out_dir, hasher=Hasher(_roots(clinic)),
                   **options)


def _die_with_parent() -> None:
    """If the build is killed outright, its workers stop too instead of
    waiting forever for work (Linux; elsewhere they exit when idle)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _render_chunk(units: list[Unit]) -> list[Outcome]:
    return [_render_one(unit) for unit in units]


def _render_one(unit: Unit) -> Outcome:
    from handoutgen.atomic import write_together
    from handoutgen.pipeline import Discharge

    clinic: Clinic = _worker["clinic"]
    path = unit.path
    outcome = Outcome(unit.key, clinic.shown(path))
    try:
        # Both are made before either is written: a handout is whole or not at all.
        # Its own language as render would choose it (a bad `language:` is reported with its line).
        discharge = Discharge(pages=_worker["pages"], large_print=_worker["large_print"],
                              lang=None if unit.own else unit.lang)
        rendered = _worker["renderer"].render_each(path, discharge, [("handout",), ("checklist",)],
                                                   reserve_names=True)
    except HandoutError as exc:
        outcome.problems = exc.problems
        return outcome
    except Exception as exc:  # a bug: report it with this handout, build the others
        outcome.problems = [Problem(outcome.source, None, "", f"internal error: {exc.__class__.__name__}: "
                                                              f"{exc} (a bug in handoutgen; please report it)")]
        return outcome
    outcome.warnings = [str(w) for w in rendered[0].warnings]
    if not _worker["write"]:  # check: how plainly the patient text reads (docs/plain-language.md)
        _reading(clinic, path, outcome, (unit.lang,))
    if _worker["measure"]:
        from handoutgen.preview import tallest_empty_band

        for kind, result in zip(("handout", "checklist"), rendered, strict=True):
            outcome.stats[kind] = {"pages": result.pages, "body": result.body_pt, "picture": result.picture_pt,
                                   "smallest": result.smallest_picture_pt,
                                   "band": tallest_empty_band(result.pdf, clinic_margin(clinic), result.holes_pt)}
    hasher = _worker["hasher"]
    # A file that cannot be hashed is recorded as "": never equal, so the handout is rebuilt next time.
    outcome.deps = {_dep_name(clinic, dep): hasher(dep) or "" for dep in rendered[0].deps}
    if _worker["write"]:
        out_dir: Path = _worker["out_dir"]
        folder = out_dir if unit.own else out_dir / unit.lang
        files = [(out_dir / name, result.pdf) for name, result in zip(output_names(unit.key), rendered, strict=True)]
        if any(target.parent != folder for target, _ in files):
            raise RuntimeError(f"{unit.key} would be written outside {folder}")
        try:
            folder.mkdir(exist_ok=True)
            if not _real_folder(out_dir, folder):  # e.g. out/es is a link to elsewhere
                raise FileExistsError(errno.EEXIST, "it is not a folder", str(folder))
        except OSError as exc:
            outcome.problems = [Problem(outcome.source, None, "", _cannot_write(clinic, out_dir, exc))]
            return outcome
        try:
            write_together(files)  # the two PDFs together, or neither
        except OSError as exc:
            outcome.problems = [Problem(outcome.source, None, "", _cannot_write(clinic, out_dir, exc))]
            return outcome
        for target, _ in files:
            outcome.outputs[target.relative_to(out_dir).as_posix()] = output_stat(target)
    return outcome


def _reading(clinic: Clinic, path: Path, outcome: Outcome, languages: tuple[str, ...] = ("en",)) -> None:
    """The reading grade of the handout's patient text, per language; a warning above grade 8."""
    from handoutgen.readability import assess, patient_texts
    from handoutgen.resolve import resolve_handout

    for lang in languages:
        resolved = resolve_handout(clinic, path, _worker["renderer"].library, lang=lang)
        reading = assess(patient_texts(resolved), lang)
        outcome.reading[lang] = reading.score()
        if reading.too_hard:
            where = outcome.source if lang == "en" else f"{outcome.source} [{lang}]"
            outcome.warnings.append(f"{where}: {reading.summary()}")


def _cannot_write(clinic: Clinic, out_dir: Path, exc: OSError) -> str:
    where = _shown_dir(clinic, out_dir) + (Path(exc.filename).name if exc.filename else "")
    if exc.errno == errno.EISDIR:
        why = "it is a folder; move it out of the way"
    elif exc.errno == errno.EEXIST:
        why = f"{exc.strerror}; move it out of the way"
    else:
        why = exc.strerror or str(exc)
    return f"cannot write {where}: {why}; its PDFs were left as they were"


def clinic_margin(clinic: Clinic) -> float:
    return _worker["renderer"].library.brand()[0].margins


def _dep_name(clinic: Clinic, path: Path) -> str:
    """Clinic files by their place in the folder (it may move); others absolute."""
    shown = clinic.shown(path)
    return shown if not Path(shown).is_absolute() else str(Path(path).resolve())
