"""The editor's form: what a therapist chose for one patient, read from a POST body into
the pipeline's Discharge, and each problem the pipeline finds placed beside its field.

The form itself carries the whole state (nothing is kept on the server): the exercises
kept, in order (`item`: the handout's card number, or a library id added for this
patient), and every dose field as typed (`dose.KEY.FIELD`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from handoutgen import i18n
from handoutgen.errors import HandoutError, Problem
from handoutgen.models import DoseFields
from handoutgen.options import checklist_date_problem, parse_date
from handoutgen.pipeline import KINDS, Discharge, name_problems

DOSE_FIELDS = tuple(DoseFields.model_fields)  # the one list: sets, reps, hold, ... days_per_week
CHOICES = {"side": ("each", "left", "right", "both", "alternating"),
           "limb": ("leg", "arm", "foot", "hand", "side")}
PAGE_CHOICES = (1, 2, 3, 4)  # as the CLI's --pages
TEXT_LIMIT = 200  # characters of any other field: far more than a dose takes (names: the request's limit)


@dataclass
class Row:
    """One exercise as the page shows it."""

    key: str  # the handout's card number ("1") or the library id added for this patient
    name: str
    dose: dict[str, str]  # field -> what its input shows
    added: bool = False
    index: int = 0  # its place on the page: names the row's HTML ids
    use: str | None = None  # its library id, if it is a library exercise


@dataclass
class Choices:
    """Everything the form says, as typed (so a page with a problem shows it again as it was)."""

    patient: str = ""
    therapist: str = ""
    date: str = ""
    lang: str = ""
    large_print: bool = False
    pages: str = ""  # "" = as the handout says
    kind: str = "handout"
    items: list[str] | None = None  # None: the handout's own exercises
    doses: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> field -> text


def read(form, default_large: bool = False) -> Choices:
    """Choices from a POST body (a werkzeug MultiDict). Unknown or oversized values are
    kept as typed and refused by `discharge` with a message beside their field."""
    def text(name: str) -> str:
        return str(form.get(name, ""))[:TEXT_LIMIT]

    doses: dict[str, dict[str, str]] = {}
    for name, value in form.items(multi=True):
        if name.startswith("dose."):
            key, _, field_name = name[len("dose."):].rpartition(".")
            if key and field_name in DOSE_FIELDS and value.strip():
                doses.setdefault(key, {})[field_name] = str(value)[:TEXT_LIMIT].strip()
    items = [str(v)[:TEXT_LIMIT] for v in form.getlist("item")] if "items-shown" in form else None
    # Names whole: a name too long is said with its own length (the request's size bounds it).
    return Choices(patient=str(form.get("patient", "")), therapist=str(form.get("therapist", "")),
                   date=text("date"), lang=text("lang"),
                   large_print="large_print" in form if "print-shown" in form else default_large,
                   pages=text("pages"), kind=text("kind") or "handout", items=items, doses=doses)


def discharge(choices: Choices, base: list[Row]) -> tuple[Discharge, str, list[Problem]]:
    """The pipeline's Discharge and kind, and the problems of the form's own fields (in
    the CLI's words). With problems, the Discharge holds stand-ins (today for a bad date),
    so the pipeline can still find the rest: every problem is shown at once."""
    problems: list[Problem] = []
    day = dt.date.today()
    try:
        day = parse_date(choices.date.strip() or None)
    except ValueError as exc:
        problems.append(Problem("--date", None, "", str(exc)))
    kind = choices.kind
    if kind not in KINDS:
        problems.append(Problem("--kind", None, "", f"must be handout, checklist or both (got {_shown(kind)})"))
        kind = "handout"
    late = checklist_date_problem(day, kind)
    if late is not None:
        problems.append(late)
        day = dt.date.today()
    lang = None
    if choices.lang:
        try:
            lang = i18n.check_language(choices.lang)
        except HandoutError as exc:
            problems += exc.problems
    pages = int(choices.pages) if choices.pages in {str(n) for n in PAGE_CHOICES} else None
    if choices.pages and pages is None:
        problems.append(Problem("--pages", None, "", f"must be a number of pages from {PAGE_CHOICES[0]} to "
                                                      f"{PAGE_CHOICES[-1]} (got {_shown(choices.pages)})"))
    people = Discharge(patient=choices.patient.strip() or None, therapist=choices.therapist.strip() or None)
    too_long = name_problems(people)
    problems += too_long  # and the rest is still checked, without the name that cannot print
    for problem in too_long:
        setattr(people, problem.file.removeprefix("--"), None)
    numbers = [row.key for row in base]
    items = numbers if choices.items is None else choices.items
    skip = tuple(n for n in numbers if n not in items)
    add = tuple(key for key in items if key not in numbers)
    doses = {key: fields for key, fields in choices.doses.items() if key in items}
    return Discharge(patient=people.patient, therapist=people.therapist,
                     date=day, doses=doses, pages=pages, large_print=choices.large_print, skip=skip, add=add,
                     lang=lang), kind, problems


def _shown(value: str) -> str:
    """A value the page never offers, quoted in a message (short)."""
    return f'"{value[:40]}"' + ("…" if len(value) > 40 else "")


# -------------------------------------------------------------- problems beside their fields

_DOSE = re.compile(r"--dose (?P<key>.+?)(?:\.(?P<field>[a-z_]+))?$")


def field_of(problem: Problem, rows: list[Row]) -> str | None:
    """The HTML id of the field a problem concerns (its message goes beside it), or None
    for a problem of the handout as a whole. Options are named as the CLI names them."""
    option = problem.file if problem.file.startswith("--") else problem.field
    if problem.file != "command line" and not problem.file.startswith("--"):
        return None
    if option in ("--patient", "--therapist", "--date", "--lang", "--pages", "--kind"):
        return option[2:]
    match = _DOSE.match(option)
    if match:
        for row in rows:
            if row.key == match["key"]:
                name = match["field"]
                return f"dose-{row.index}-{name}" if name in DOSE_FIELDS else f"row-{row.index}"
    return "exercises" if option.startswith(("--skip", "--add", "--dose")) else None


FIT_FIELD = "pages"  # where a page that no longer fits is said: beside the choice of pages


def placed(problems: list[Problem], rows: list[Row], fits: bool = True) -> tuple[dict[str, list[str]], list[str]]:
    """({field id: [messages]}, [messages of the whole handout]). `fits` False: the
    handout-wide problems are the page not fitting, said beside `pages`."""
    beside: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        where = field_of(problem, rows)
        if where is None and not fits:
            where = FIT_FIELD
        if where is None:
            general.append(str(problem))
        else:
            beside.setdefault(where, []).append(problem.message)
    return beside, general
