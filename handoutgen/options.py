"""The per-patient choices a therapist makes at discharge, read the same way from the
command line and from the web page (`serve`): one rule each, one wording."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from handoutgen.errors import Problem


def parse_date(value: str | None) -> dt.date:
    """A date written YYYY-MM-DD; today if none. ValueError with the user's message."""
    if value is None:
        return dt.date.today()
    # fromisoformat alone would also take 20260203 and 2026-W05-1, which the message does not promise.
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value, flags=re.ASCII):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f'must be a date written as YYYY-MM-DD, e.g. 2026-12-01 (got "{value}")') from None


def checklist_date_problem(day: dt.date, kind: str) -> Problem | None:
    """A checklist's days follow its date; each must be a real date."""
    if kind == "handout":
        return None
    from handoutgen.checklist import MAX_DAYS

    try:
        day + dt.timedelta(days=MAX_DAYS)
    except OverflowError:
        last = dt.date.max - dt.timedelta(days=MAX_DAYS)
        return Problem("--date", None, "", f"{day.isoformat()} leaves no room for the checklist's "
                                           f"days after it; give a date up to {last.isoformat()}")
    return None


def shared_folder_problem(clinic, out: Path, what: str) -> Problem | None:
    """A page with a patient's name is never written into a shared build folder, however
    `-o` names it (relative, absolute, through a link): the clinic's out/ (every brand's
    and language's folder in it) or any folder a build writes into (it holds a build's
    record or lock). `what` is "PDF" or "picture". None if `out` is elsewhere."""
    from handoutgen.batch import LOCK_NAME
    from handoutgen.manifest import MANIFEST_NAME

    try:
        given = Path(os.path.abspath(out)).parent
        real = out.parent.resolve()
        shared = [clinic.root / "out", (clinic.root / "out").resolve()]
    except (OSError, RuntimeError):  # a loop of links: -o's own checks say so
        return None
    folder = next((base for base in shared for parent in (given, real) if parent.is_relative_to(base)), None)
    if folder is None:
        folder = next((parent for parent in (real, *real.parents)
                       if any(os.path.lexists(parent / name) for name in (MANIFEST_NAME, LOCK_NAME))), None)
    if folder is None:
        return None
    shown = clinic.shown(folder).rstrip("/") + "/"
    return Problem(str(out), None, "-o",
                   f"is inside {shown}, the shared folder builds write into, and a {what} with a patient's "
                   f"name is never written there; write it elsewhere (e.g. -o ~/{out.name}), "
                   "or give -o - to print it directly")
