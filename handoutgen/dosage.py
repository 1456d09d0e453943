"""Dosage wording: durations, the patient's plain sentence and the compact line.

Both forms are generated from the same typed dose, so they cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handoutgen.i18n import gettext as _
from handoutgen.i18n import ngettext

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
        """'1 minute 30 seconds' — for the patient's sentence, in the page's language."""
        return self._words((("%(num)d hour", "%(num)d hours"), ("%(num)d minute", "%(num)d minutes"),
                            ("%(num)d second", "%(num)d seconds")))

    def short(self) -> str:
        """'1 min 30 s' — for the compact line."""
        return self._words((("%(num)d h", "%(num)d h"), ("%(num)d min", "%(num)d min"), ("%(num)d s", "%(num)d s")))

    def _words(self, units) -> str:
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        parts = []
        for amount, (one, many) in zip((hours, minutes, seconds), units, strict=True):
            if amount:
                parts.append(ngettext(one, many, amount).replace(" ", NBSP))
        return " ".join(parts)


class ZeroDuration(ValueError):
    """A duration of nothing (`0`, `0 s`, `0 min 0 s`): no hold (rest, duration) at all, not a
    badly written one; the field says what to do instead (models._duration)."""


_ZERO = re.compile(r"(?:0+\s*(?:[a-z]+)?\s*)+", re.IGNORECASE)


def parse_duration(text: str) -> Duration:
    """Parse `30s`, `30 seconds`, `1 min`, `1 min 30 s` or `90` (seconds).

    Raises ValueError with a message meant for the user (ZeroDuration for a zero).
    """
    value = text.strip()
    hint = "write it like 30 s, 1 min or 1 min 30 s"
    if _ZERO.fullmatch(value) and all(unit.lower() in _UNIT_SECONDS for unit in re.findall(r"[a-z]+", value, re.I)):
        raise ZeroDuration(f'is zero (got "{value}")')
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


NBSP = "\xa0"  # a number and its unit never part at the end of a line


def _nb(text: str) -> str:
    """A number keeps its unit: the catalogue writes plain spaces, the page gets no-break ones after digits."""
    return re.sub(r"(?<=\d) ", NBSP, text)


def sentence(dose) -> str:
    """The dose as plain sentences, in the page's language: 'Do 10 times on each leg. Do 5 sets. Twice a day.'

    One set is the default and is not said; nor is a rest between sets without sets. With
    reps, a number of times a day is said as the whole exercise, so "times" never means two things.
    """
    side = _side_phrase(dose)
    parts: list[str] = []
    if dose.reps is not None:
        if dose.reps == 1:
            parts.append(_("Do it once%(side)s.", side=side))
        else:
            parts.append(_nb(ngettext("Do %(num)d time%(side)s.", "Do %(num)d times%(side)s.", dose.reps, side=side)))
        if dose.hold is not None:
            if dose.reps == 1:
                parts.append(_("Hold it for %(time)s.", time=dose.hold.long()))
            else:
                parts.append(_("Hold each one for %(time)s.", time=dose.hold.long()))
    elif dose.hold is not None:
        parts.append(_("Hold for %(time)s%(side)s.", time=dose.hold.long(), side=side))
    if dose.duration is not None:
        if dose.reps or dose.hold:
            parts.append(_("Keep going for %(time)s.", time=dose.duration.long()))
        else:
            parts.append(_("Do this for %(time)s%(side)s.", time=dose.duration.long(), side=side))
    many_sets = dose.sets is not None and dose.sets > 1
    if many_sets:
        parts.append(_nb(ngettext("Do %(num)d set.", "Do %(num)d sets.", dose.sets)))
    if dose.rest is not None and many_sets:
        parts.append(_("Rest %(time)s between sets.", time=dose.rest.long()))
    if dose.times_per_day is not None:
        n = dose.times_per_day
        if n == 1:
            parts.append(_("Once a day."))
        elif n == 2:
            parts.append(_("Twice a day."))
        elif dose.reps is not None:
            parts.append(_nb(ngettext("Do the whole exercise %(num)d time a day.",
                                      "Do the whole exercise %(num)d times a day.", n)))
        else:
            parts.append(_nb(ngettext("%(num)d time a day.", "%(num)d times a day.", n)))
    if dose.days_per_week is not None:
        n = dose.days_per_week
        parts.append(_("Every day of the week.") if n == 7 else
                     _nb(ngettext("%(num)d day a week.", "%(num)d days a week.", n)))
    return " ".join(parts)


def compact(dose, week: bool = True) -> str:
    """The dose as one short line: '5 sets × 10 reps · each leg · 2× a day'. Without
    `week`, not how many days a week (the checklist says that in words of its own)."""
    head = []
    if dose.sets is not None:
        head.append(ngettext("%(num)d set", "%(num)d sets", dose.sets))
    if dose.reps is not None:
        head.append(ngettext("%(num)d rep", "%(num)d reps", dose.reps))
    items = [" × ".join(head)] if head else []
    if dose.hold is not None:
        items.append(_("hold %(time)s", time=dose.hold.short()))
    if dose.duration is not None:
        items.append(dose.duration.short())
    if dose.side is not None:
        items.append(_side_short(dose))
    if dose.rest is not None:
        items.append(_("rest %(time)s", time=dose.rest.short()))
    if dose.times_per_day is not None:
        items.append(_("%(num)d× a day", num=dose.times_per_day))
    if dose.days_per_week is not None and week:
        n = dose.days_per_week
        items.append(_("daily") if n == 7 else ngettext("%(num)d day a week", "%(num)d days a week", n))
    # A line of it breaks only between items, never inside one ("hold 3 s", "2× a day"), and after
    # the separator, never before it: no line starts with "·".
    return f"{NBSP}· ".join(item.replace(" ", NBSP) for item in items)


def _limb(dose) -> str:
    return dose.limb or "side"


def _plural(limb: str) -> str:
    return {"foot": "feet"}.get(limb, limb + "s")


def _side_phrase(dose) -> str:
    """The English phrase (the message id), in the page's language."""
    if dose.side is None:
        return ""
    limb = _limb(dose)
    english = {
        "each": f" on each {limb}",
        "left": f" with your left {limb}" if limb != "side" else " on your left side",
        "right": f" with your right {limb}" if limb != "side" else " on your right side",
        "both": f" with both {_plural(limb)}" if limb != "side" else " on both sides",
        "alternating": f", switching {_plural(limb)} each time",
    }[dose.side]
    return _(english)


def _side_short(dose) -> str:
    limb = _limb(dose)
    return _({
        "each": f"each {limb}",
        "left": f"left {limb}",
        "right": f"right {limb}",
        "both": f"both {_plural(limb)}",
        "alternating": f"alternating {_plural(limb)}",
    }[dose.side])
