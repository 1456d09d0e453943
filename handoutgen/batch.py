"""Stage 10: build every handout of a clinic.

Plan (which handouts changed, since the manifest) → render the changed ones,
in worker processes when there are several → write each PDF atomically →
record the manifest → report. A bad handout is reported and skipped; the
others are still written. Rendering is deterministic, so a parallel build
writes the same bytes as a serial one.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError, Problem
from handoutgen.manifest import Entry, Hasher, Manifest, global_key, is_fresh, output_stat

SUFFIXES = ("", "-checklist")  # out/<id>.pdf, out/<id>-checklist.pdf
_TEMP_FILE = re.compile(r"^\..+\.pdf\..+\.tmp$")  # what atomic.write_atomic leaves if killed


@dataclass
class Outcome:
    """What happened to one handout; small and picklable, sent back by workers."""

    id: str
    source: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    deps: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, list[int]] = field(default_factory=dict)
    stats: dict[str, dict] = field(default_factory=dict)  # kind → pages, body, picture, band (check --report)


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
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted


def output_names(handout_id: str) -> list[str]:
    return [f"{handout_id}{suffix}.pdf" for suffix in SUFFIXES]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def build(clinic: Clinic, out_dir: Path, *, jobs: int | None = None, force: bool = False,
          prune: bool = False, write: bool = True,
          progress: Callable[[int, int], None] | None = None, pages: int | None = None,
          measure: bool = False) -> BatchReport:
    """Render every handout that changed since the last build (all with `force`).

    With write=False (the `check` command) every handout is rendered and
    nothing is written: no PDFs, no manifest. `pages` overrides every
    handout's page limit; `measure` records how each was laid out.
    """
    report = BatchReport()
    out_dir = Path(out_dir).absolute()
    hasher = Hasher()
    with _locked(out_dir) if write else contextlib.nullcontext():
        manifest = Manifest.load(out_dir) if write else Manifest()
        report.manifest_repaired = manifest.repaired
        key = global_key(_layout_dirs(clinic), hasher, f"pages {pages}")
        stale = force or not write or manifest.key != key  # a new tool or layout: everything is stale
        manifest.key = key
        if write:
            _remove_temp_files(out_dir)
        sources = clinic.handout_files()
        todo = _plan(clinic, sources, manifest, out_dir, stale, hasher, report)
        _deleted_handouts({path.stem for path in sources}, manifest, out_dir, prune and write, report)
        try:
            options = {"write": write, "pages": pages, "measure": measure}
            _render_and_record(clinic, out_dir, todo, options, jobs or default_jobs(), manifest, report, progress)
        except KeyboardInterrupt:
            report.interrupted = True
            raise
        finally:
            if write:
                # Also after Ctrl-C: what was finished is recorded, the rest is rebuilt next time.
                manifest.save(out_dir)
    report.failed.sort(key=lambda o: o.source)
    report.rendered.sort()
    return report


def _plan(clinic: Clinic, sources: list[Path], manifest: Manifest, out_dir: Path, stale: bool,
          hasher: Hasher, report: BatchReport) -> list[Path]:
    """The handouts to render; the others are unchanged (or collide, and fail)."""
    collisions = _collisions(clinic, sources)
    todo = []
    for path in sources:
        if path.stem in collisions:
            report.failed.append(Outcome(path.stem, clinic.shown(path), [collisions[path.stem]]))
            manifest.entries.pop(path.stem, None)
            continue
        entry = manifest.entries.get(path.stem)
        if (not stale and entry is not None and entry.source == clinic.shown(path)
                and is_fresh(entry, clinic.root, out_dir, hasher)):
            report.unchanged.append(path.stem)
            report.warnings.extend(entry.warnings)
        else:
            todo.append(path)
    return todo


def _deleted_handouts(current: set[str], manifest: Manifest, out_dir: Path, prune: bool,
                      report: BatchReport) -> None:
    """PDFs the manifest says we made for handouts that are gone: reported, or removed."""
    for handout_id in sorted(set(manifest.entries) - current):
        names = [n for n in manifest.entries[handout_id].outputs if (out_dir / n).exists()]
        if prune:
            for name in names:
                (out_dir / name).unlink()
            report.removed.extend(names)
            del manifest.entries[handout_id]
        else:
            report.orphans.extend(names)


def _render_and_record(clinic: Clinic, out_dir: Path, todo: list[Path], options: dict, jobs: int,
                       manifest: Manifest, report: BatchReport,
                       progress: Callable[[int, int], None] | None) -> None:
    for done, outcome in enumerate(_render_all(clinic, out_dir, todo, options, jobs), 1):
        if progress is not None:
            progress(done, len(todo))
        if outcome.problems:
            report.failed.append(outcome)
            # Rebuilt next time; its old PDFs (if any) stay as they were.
            manifest.entries.pop(outcome.id, None)
            continue
        report.rendered.append(outcome.id)
        report.outcomes.append(outcome)
        report.warnings.extend(outcome.warnings)
        manifest.entries[outcome.id] = Entry(outcome.source, outcome.deps, outcome.outputs, outcome.warnings)


def _layout_dirs(clinic: Clinic) -> list[Path]:
    from handoutgen.layout import builtin_layouts_dir  # jinja2 only; no ReportLab

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


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """One build at a time per output folder: a second one waits."""
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; builds must not overlap
        yield
        return
    with open(out_dir / ".handoutgen.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_temp_files(out_dir: Path) -> None:
    """Temp files of a build that was killed before it could clean up."""
    for path in out_dir.iterdir():
        if _TEMP_FILE.match(path.name) and path.is_file():
            with contextlib.suppress(OSError):
                path.unlink()


# ------------------------------------------------------------------ workers

def _render_all(clinic: Clinic, out_dir: Path, todo: list[Path], options: dict,
                jobs: int) -> Iterator[Outcome]:
    if not todo:
        return
    jobs = min(jobs, len(todo))
    if jobs == 1:
        _start_worker(clinic, out_dir, options)
        for path in todo:
            yield _render_one(path)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                          else None)
    # Several handouts per message: sending one at a time costs more than rendering.
    chunk = max(1, min(16, len(todo) // (jobs * 4)))
    pool = context.Pool(jobs, initializer=_start_worker, initargs=(clinic, out_dir, options))
    previous = signal.signal(signal.SIGTERM, _interrupt) if _main_thread() else None
    try:
        yield from pool.imap_unordered(_render_one, todo, chunksize=chunk)
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C: workers stop; their temp files are removed next build
        raise
    finally:
        pool.join()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    """`kill` stops a build the way Ctrl-C does: workers ended, manifest saved."""
    raise KeyboardInterrupt


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


_worker: dict = {}


def _start_worker(clinic: Clinic, out_dir: Path, options: dict) -> None:
    """Once per worker process: the renderer keeps fonts, brand, exercises
    and pictures loaded for every handout the worker renders."""
    from handoutgen.pipeline import Renderer

    _die_with_parent()
    _worker.update(renderer=Renderer(clinic), clinic=clinic, out_dir=out_dir, hasher=Hasher(), **options)


def _die_with_parent() -> None:
    """If the build is killed outright, its workers stop too instead of
    waiting forever for work (Linux; elsewhere they exit when idle)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _render_one(path: Path) -> Outcome:
    from handoutgen.atomic import write_atomic
    from handoutgen.pipeline import Discharge

    clinic: Clinic = _worker["clinic"]
    outcome = Outcome(path.stem, clinic.shown(path))
    try:
        # Both are made before either is written: a handout is whole or not at all.
        rendered = _worker["renderer"].render_each(path, Discharge(pages=_worker["pages"]),
                                                   [("handout",), ("checklist",)], reserve_names=True)
    except HandoutError as exc:
        outcome.problems = exc.problems
        return outcome
    except Exception as exc:  # a bug: report it with this handout, build the others
        outcome.problems = [Problem(outcome.source, None, "", f"internal error: {exc.__class__.__name__}: "
                                                              f"{exc} (a bug in handoutgen; please report it)")]
        return outcome
    outcome.warnings = [str(w) for w in rendered[0].warnings]
    if _worker["measure"]:
        from handoutgen.preview import tallest_empty_band

        for kind, result in zip(("handout", "checklist"), rendered):
            outcome.stats[kind] = {"pages": result.pages, "body": result.body_pt, "picture": result.picture_pt,
                                   "band": tallest_empty_band(result.pdf, clinic_margin(clinic))}
    hasher = _worker["hasher"]
    outcome.deps = {_dep_name(clinic, dep): hasher(dep) for dep in rendered[0].deps}
    if _worker["write"]:
        out_dir: Path = _worker["out_dir"]
        for name, result in zip(output_names(path.stem), rendered):
            target = out_dir / name
            if target.parent.resolve() != out_dir.resolve():
                raise RuntimeError(f"{name} would be written outside {out_dir}")
            write_atomic(target, result.pdf)
            outcome.outputs[name] = output_stat(target)
    return outcome


def clinic_margin(clinic: Clinic) -> float:
    return _worker["renderer"].library.brand()[0].margins


def _dep_name(clinic: Clinic, path: Path) -> str:
    """Clinic files by their place in the folder (it may move); others absolute."""
    shown = clinic.shown(path)
    return shown if not Path(shown).is_absolute() else str(Path(path).resolve())
