"""The per-patient choices a therapist makes at discharge, read the same way from the
command line and from the web page (`serve`): one rule each, one wording."""

from __future__ import annotations

import datetime as dt
import re

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
