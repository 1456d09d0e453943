""""Check every handout" for the web page: what `handoutgen check` says, made in a process
of its own (at a lower priority), so however long it takes no preview waits for it. One
check at a time; its result is kept while no file of the clinic changed (clinic_stamp)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from handoutgen.clinic import Clinic
from handoutgen.web.catalog import clinic_stamp


@dataclass
class Report:
    """What `check` said, as plain text: each handout's problems and warnings."""

    ok: int = 0
    failed: dict[str, list[str]] = field(default_factory=dict)  # handout id -> problems
    warnings: dict[str, list[str]] = field(default_factory=dict)  # handout id ("" for others) -> warnings
    warning_count: int = 0


class CheckFailed(Exception):
    """The check could not be made (its process died or took too long)."""


def report(clinic: Clinic) -> Report:
    """`check` in this process, nothing written."""
    from handoutgen.batch import build

    done = build(clinic, clinic.out_dir, jobs=1, write=False)
    warnings: dict[str, list[str]] = {}
    for warning in done.warnings:
        file = getattr(warning, "file", "")
        handout = Path(file).stem if file.startswith("handouts/") else ""
        warnings.setdefault(handout, []).append(str(warning))
    failed = {Path(o.source).stem: [str(p) for p in o.problems] for o in done.failed}
    return Report(ok=len(done.rendered), failed=failed, warnings=warnings, warning_count=len(done.warnings))


def _child(connection, clinic: Clinic) -> None:
    try:
        os.nice(10)  # previews first
    except OSError:
        pass
    try:
        connection.send(("report", report(clinic)))
    except Exception as exc:
        connection.send(("error", f"{exc.__class__.__name__}: {exc}"))


def in_a_process(clinic: Clinic, budget: float) -> Report:
    """`check` in a process of its own, stopped after `budget` seconds."""
    context = multiprocessing.get_context("spawn")
    mine, child = context.Pipe()
    process = context.Process(target=_child, args=(child, clinic), daemon=True, name="handoutgen-check")
    process.start()
    child.close()
    try:
        if not mine.poll(budget):
            raise CheckFailed(f"the check took longer than {budget:.0f} s and was stopped; run "
                              "`handoutgen check` in the clinic folder instead")
        kind, value = mine.recv()
    except (EOFError, OSError):
        raise CheckFailed("the check stopped before its end (out of memory?); run `handoutgen check` "
                          "in the clinic folder instead") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        mine.close()
    if kind == "error":
        raise CheckFailed(f"the check failed: {value}")
    return value


class Checker:
    """One check at a time, in its own process; the last result kept while the files are unchanged."""

    def __init__(self, clinic: Clinic, budget: float | None = None):
        from handoutgen.web import limits

        self.clinic = clinic
        self.budget = limits.CHECK_BUDGET if budget is None else budget
        self.run = in_a_process  # (clinic, budget) -> Report; tests put another
        self._lock = threading.Lock()  # the check's own: previews never take it
        self._kept: tuple[tuple, Report] | None = None

    def kept(self) -> Report | None:
        """The last result, if no file changed since (never waits, never checks)."""
        kept = self._kept
        if kept is not None and kept[0] == clinic_stamp(self.clinic):
            return kept[1]
        return None

    def running(self) -> bool:
        return self._lock.locked()

    def checked(self) -> Report:
        """The result for the files as they are now: kept, or made (after the check under way)."""
        with self._lock:
            stamp = clinic_stamp(self.clinic)
            if self._kept is not None and self._kept[0] == stamp:
                return self._kept[1]
            result = self.run(self.clinic, self.budget)
            self._kept = (stamp, result)
            return result
