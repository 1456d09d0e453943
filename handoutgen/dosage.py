"""Dosage wording: durations, the patient's plain sentence and the compact line.

Both forms are generated from the same typed dose, so they cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNIT_SECONDS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
}
_PART = re.compile(r"\s*([1-9][0-9]{0,4})\s*([a-z]+)\s*", re.IGNORECASE)
MAX_SECONDS = 4 * 3600


@dataclass(frozen=True)
class Duration:
    seconds: int

    def long(self) -> str:
        """'1 minute 30 seconds' — for the patient's sentence."""
        return self._words(("hour", "hours"), ("minute", "minutes"), ("second", "seconds"))

    def short(self) -> str:
        """'1 min 30 s' — for the compact line."""
        return self._words(("h", "h"), ("min", "min"), ("s", "s"))

    def _words(self, h, m, s) -> str:
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        parts = []
        for amount, (one, many) in ((hours, h), (minutes, m), (seconds, s)):
            if amount:
                parts.append(f"{amount}{NBSP}{one if amount == 1 else many}")
        return " ".join(parts)


def parse_duration(text: str) -> Duration:
    """Parse `30s`, `30 seconds`, `1 min`, `1 min 30 s` or `90` (seconds).

    Raises ValueError with a message meant for the user.
    """
    value = text.strip()
    hint = "write it like 30 s, 1 min or 1 min 30 s"
    if re.fullmatch(r"[1-9][0-9]{0,4}", value):
        seconds = int(value)
    else:
        if re.fullmatch(r"\d+:\d+(:\d+)?", value):
            raise ValueError(f"must be a duration; {hint} (got \"{value}\")")
        pos, seconds = 0, 0
        units_seen: list[int] = []
        while pos < len(value):
            m = _PART.match(value, pos)
            if not m or m.end() == pos or m.group(2).lower() not in _UNIT_SECONDS:
                raise ValueError(f"must be a duration; {hint} (got \"{value}\")")
            unit = _UNIT_SECONDS[m.group(2).lower()]
            if units_seen and unit >= units_seen[-1]:
                raise ValueError(f"must be a duration with the largest unit first; {hint} (got \"{value}\")")
            units_seen.append(unit)
            seconds += int(m.group(1)) * unit
            pos = m.end()
        if not units_seen:
            raise ValueError(f"must be a duration; {hint} (got \"{value}\")")
    if not 1 <= seconds <= MAX_SECONDS:
        raise ValueError(f"must be between 1 second and 4 hours (got \"{value}\")")
    return Duration(seconds)


_TIMES = {1: "Once", 2: "Twice"}
NBSP = "\xa0"  # a number and its unit never part at the end of a line


def _count(n: int, one: str, many: str) -> str:
    return f"{n}{NBSP}{one if n == 1 else many}"


def sentence(dose) -> str:
    """The dose as plain sentences: 'Do 10 times on each leg. Do 5 sets. Twice a day.'"""
    side = _side_phrase(dose)
    parts: list[str] = []
    if dose.reps is not None:
        parts.append(f"Do {_count(dose.reps, 'time', 'times')}{side}.")
        if dose.hold is not None:
            parts.append(f"Hold each one for {dose.hold.long()}.")
    elif dose.hold is not None:
        parts.append(f"Hold for {dose.hold.long()}{side}.")
    if dose.duration is not None:
        lead = "Keep going for" if (dose.reps or dose.hold) else "Do this for"
        parts.append(f"{lead} {dose.duration.long()}{'' if (dose.reps or dose.hold) else side}.")
    if dose.sets is not None:
        parts.append(f"Do {_count(dose.sets, 'set', 'sets')}.")
    if dose.rest is not None:
        parts.append(f"Rest {dose.rest.long()} between sets.")
    if dose.times_per_day is not None:
        n = dose.times_per_day
        parts.append(f"{_TIMES.get(n, f'{n}{NBSP}times')} a day.")
    if dose.days_per_week is not None:
        n = dose.days_per_week
        parts.append("Every day of the week." if n == 7 else f"{_count(n, 'day', 'days')} a week.")
    return " ".join(parts)


def compact(dose) -> str:
    """The dose as one short line: '5 sets × 10 reps · each leg · 2× a day'."""
    head = []
    if dose.sets is not None:
        head.append(_count(dose.sets, "set", "sets"))
    if dose.reps is not None:
        head.append(_count(dose.reps, "rep", "reps"))
    items = [" × ".join(head)] if head else []
    if dose.hold is not None:
        items.append(f"hold {dose.hold.short()}")
    if dose.duration is not None:
        items.append(dose.duration.short())
    if dose.side is not None:
        items.append(_side_short(dose))
    if dose.rest is not None:
        items.append(f"rest {dose.rest.short()}")
    if dose.times_per_day is not None:
        items.append(f"{dose.times_per_day}× a day")
    if dose.days_per_week is not None:
        n = dose.days_per_week
        items.append("daily" if n == 7 else f"{_count(n, 'day', 'days')} a week")
    # A line of it breaks only between items, never inside one ("hold 3 s", "2× a day").
    return " · ".join(item.replace(" ", NBSP) for item in items)


def _limb(dose) -> str:
    return dose.limb or "side"


def _plural(limb: str) -> str:
    return {"foot": "feet"}.get(limb, limb + "s")


def _side_phrase(dose) -> str:
    limb = _limb(dose)
    return {
        None: "",
        "each": f" on each {limb}",
        "left": f" with your left {limb}" if limb != "side" else " on your left side",
        "right": f" with your right {limb}" if limb != "side" else " on your right side",
        "both": f" with both {_plural(limb)}" if limb != "side" else " on both sides",
        "alternating": f", switching {_plural(limb)} each time",
    }[dose.side]


def _side_short(dose) -> str:
    limb = _limb(dose)
    return {
        "each": f"each {limb}",
        "left": f"left {limb}",
        "right": f"right {limb}",
        "both": f"both {_plural(limb)}",
        "alternating": f"alternating {_plural(limb)}",
    }[dose.side]
