"""`handoutgen serve`: the therapists' web page over a clinic folder (docs/serve.md).

The same renderer and rules as the command line. A patient's name travels only in POST
bodies, is rendered in memory and never stored: the form carries the whole state.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
import secrets
import sys
import threading
from io import BytesIO
from pathlib import Path

from flask import Flask, Response, abort, render_template, request, send_file
from werkzeug.exceptions import HTTPException

from handoutgen import i18n
from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError
from handoutgen.models import MAX_EXERCISES, MAX_PAGES
from handoutgen.pipeline import SUFFIXES, Discharge
from handoutgen.privacy import without_names
from handoutgen.resolve import Library, resolve_handout
from handoutgen.web import form, limits
from handoutgen.web.catalog import Catalog, clinic_stamp, stamps
from handoutgen.web.check import Checker, CheckFailed
from handoutgen.web.form import CHOICES, DOSE_FIELDS, PAGE_CHOICES, Choices, Row
from handoutgen.web.guard import TOKEN_FIELD, TOKEN_HEADER, Guard
from handoutgen.web.make import Busy, Made, Maker, Superseded, TooLong

MAX_BODY = limits.MAX_BODY
MAX_FORM_PARTS = limits.MAX_FIELDS  # a multipart body: werkzeug counts its parts as it reads them
PAGE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # the editor's `page` field: which open page a request is from
KEPT = 64  # pages with no patient kept made (a handout as written, the brand preview)
TOO_MANY_EXERCISES = (f"{{count:,}} exercises; at most {MAX_EXERCISES} fit on a handout of {MAX_PAGES} pages: "
                      "remove some")
FULL = f"at most {MAX_EXERCISES} exercises fit on a handout of {MAX_PAGES} pages: remove one before adding another"
BUSY = ("the server is busy making pages for other therapists and could not make this one in "
        f"{limits.TURN_WAIT:.0f} seconds; try again in a moment")
TOO_LONG = (f"this program is too large to {{what}}: laying it out took longer than {limits.RENDER_BUDGET:.0f} "
            "seconds; remove some exercises or allow fewer pages, or make it with `handoutgen render`")
KIND_LABELS = {"handout": "Handout", "checklist": "Checklist (the log the patient ticks at home)",
               "both": "Both, front and back (for duplex printing)"}


class Studio:
    """One clinic's handouts, made on request (web.make: in this process, or in workers)."""

    def __init__(self, clinic: Clinic, workers: int = 0):
        self.clinic = clinic
        self.catalog = Catalog(clinic)
        # One thing at a time in this process: ReportLab's and PDFium's state is the process's.
        self._lock = threading.Lock()
        self.make = Maker(workers, self._lock)
        self.checker = Checker(clinic)
        self._bases: dict[Path, tuple] = {}
        self._name: tuple[tuple, str] | None = None
        self._kept: dict[tuple, tuple[tuple, object]] = {}  # pages with no patient, by what they show
        self._kept_lock = threading.Lock()

    def kept(self, key: tuple, made):
        """What `made()` gives for `key` (no patient in either), made again only when a file of
        the clinic changed: a page reloaded, or opened again and again, costs no render."""
        stamp = clinic_stamp(self.clinic)
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        value = made()
        with self._kept_lock:
            while len(self._kept) >= KEPT:
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = (stamp, value)
        return value

    def locked(self):
        """This process's turn (resolving a handout), waited for at most TURN_WAIT."""
        return _Turn(self._lock, self.make.wait)

    def handout_path(self, handout_id: str) -> Path:
        path = self.catalog.handout(handout_id)
        if path is None:
            abort(404, f'no handout "{handout_id}" in handouts/')
        return path

    def posted(self, handout_id: str) -> tuple[Path, list[Row], dict, Choices]:
        """A POST's handout, its own rows and defaults, and what the form says. A handout
        that does not load at all raises HandoutError: the page shows its problems."""
        path = self.handout_path(handout_id)
        count = len(request.form.getlist("item"))
        if count > MAX_EXERCISES:  # before any work: each exercise costs a lookup and a card
            raise Refused(TOO_MANY_EXERCISES.format(count=count), "exercises",
                          422 if request.endpoint == "pdf" else 200)
        base, defaults = self.base(path)
        return path, base, defaults, form.read(request.form, defaults["large_print"])

    def clinic_name(self) -> str:
        """brand.yaml's clinic name, for every page's header: read again only when it changed."""
        stamp = stamps([self.clinic.brand_path])
        if self._name is None or self._name[0] != stamp:
            try:
                name = Library(self.clinic).brand()[0].clinic
            except HandoutError:
                name = "handoutgen"
            self._name = (stamp, name)
        return self._name[1]

    def base(self, path: Path):
        """The handout as written (no patient, no edits): its rows and its defaults; made
        again only when one of the files it was made from changed."""
        kept = self._bases.get(path)  # read without the lock: a page being made holds it
        if kept is not None and kept[0] == stamps(kept[1]):
            return kept[2]
        with self.locked():
            resolved = resolve_handout(self.clinic, path, Library(self.clinic))
        rows = [Row(str(n), view.name, dose_text(view.dose), use=view.use)
                for n, view in enumerate(resolved.exercises, 1)]
        brand = resolved.brand
        defaults = {"lang": resolved.lang,
                    "large_print": bool(resolved.model.large_print if resolved.model.large_print is not None
                                        else brand.large_print),
                    "pages": resolved.model.pages or brand.pages,
                    "title": resolved.model.title,
                    "languages": tuple(resolved.model.languages or ())}  # written in these only (none: any)
        self._bases[path] = (stamps(resolved.deps), resolved.deps, (rows, defaults))
        return rows, defaults

    def rows(self, choices: Choices, base: list[Row]) -> list[Row]:
        """The exercises the page shows, in the order they print: the handout's own that are
        kept, then those added; each dose as typed."""
        by_key = {row.key: row for row in base}
        keys = [row.key for row in base] if choices.items is None else list(dict.fromkeys(choices.items))
        keys = [key for key in by_key if key in keys] + [key for key in keys if key not in by_key]
        rows = []
        library = Library(self.clinic)
        known = set(library.exercise_ids()) if any(key not in by_key for key in keys) else set()
        for index, key in enumerate(keys):
            row = by_key.get(key)
            if row is None:
                exercise = None
                if key in known:
                    with self.locked():
                        exercise = library.exercise(key)[0]
                row = Row(key, exercise.name if exercise else key,
                          dose_text(exercise.dosage) if exercise else {}, added=True, use=key)
            rows.append(Row(row.key, row.name, {**row.dose, **choices.doses.get(key, {})}, row.added, index,
                            row.use))
        return rows

    def render(self, path: Path, discharge: Discharge, kind: str, picture: bool = False,
               latest: bool = False) -> Made:
        """Made in this request's turn (web.make.Turns): `latest`, a preview that a newer one
        from the same page replaces while it waits."""
        # Only a page's own previews replace each other: requests without a page's id (another
        # tool, two therapists behind one proxy) only take turns. waitress says when the browser
        # gave up on a request (hx-sync replace, a closed tab).
        turn = session()
        return self.make(self.clinic, path, discharge, kind, picture, session=turn,
                         latest=latest and turn[0] == "page", gone=request.environ.get("waitress.client_disconnected"))


class _Turn:
    def __init__(self, lock: threading.Lock, wait: float):
        self._lock, self._wait = lock, wait

    def __enter__(self):
        if not self._lock.acquire(timeout=self._wait):
            raise Busy
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()


class Refused(Exception):
    """A request refused before any work: its message goes beside `field` (None: the page's)."""

    def __init__(self, message: str, field: str | None = None, status: int = 200):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def session() -> tuple:
    """Which page open in a browser a request comes from (its `page` field), else which computer."""
    page = request.form.get("page", "") if request.method == "POST" else ""
    if PAGE_ID.fullmatch(page):
        return ("page", page)
    return ("address", request.remote_addr or "")


def dose_text(dose) -> dict[str, str]:
    """A dose as its inputs show it: 8, 30 s, each (durations in the units the CLI reads)."""
    if dose is None:
        return {}
    shown = {}
    with i18n.using(i18n.DEFAULT):
        for name in DOSE_FIELDS:
            value = getattr(dose, name)
            if value is not None:
                shown[name] = value.short().replace("\xa0", " ") if hasattr(value, "short") else str(value)
    return shown


@functools.cache
def language_names() -> dict[str, str]:
    from babel import Locale

    return {code: (Locale.parse(code).get_display_name(code) or code).capitalize() for code in i18n.available()}


def create_app(clinic: Clinic, guard: Guard | None = None, workers: int = 0) -> Flask:
    """The page's app; `workers` processes make the pages (0: this process, one at a time)."""
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, MAX_FORM_PARTS=MAX_FORM_PARTS)
    app.jinja_env.autoescape = True  # every template: text is data
    guard = guard or Guard()
    guard.install(app)
    studio = Studio(clinic, workers)
    app.extensions["handoutgen"] = studio

    @app.context_processor
    def shared():
        return {"csrf_field": TOKEN_FIELD, "csrf_header": TOKEN_HEADER, "csrf_token": guard.token,
                "clinic_name": studio.clinic_name()}

    @app.get("/")
    def index():
        query = request.args.get("q", "")[:100]
        template = "_handouts.html" if request.headers.get("HX-Request") else "index.html"
        return render_template(template, handouts=studio.catalog.handouts(query), query=query)

    @app.get("/h/<handout_id>")
    def editor(handout_id: str):
        path = studio.handout_path(handout_id)
        return _editor(studio, path, None)

    @app.post("/h/<handout_id>/preview")
    def preview(handout_id: str):
        path, base, defaults, choices = studio.posted(handout_id)
        rows = studio.rows(choices, base)
        return render_template("_preview_answer.html",
                               **_outcome(studio, path, choices, base, rows, defaults, latest=True))

    @app.post("/h/<handout_id>/exercises")
    def exercises(handout_id: str):
        """Remove one exercise or add one from the library; the list and the page come back."""
        path, base, defaults, choices = studio.posted(handout_id)
        shown = studio.rows(choices, base)
        items = [row.key for row in shown]
        focus = None
        full = False
        if "remove" in request.form:
            gone = request.form["remove"]
            if gone in items:
                at = items.index(gone)
                items.remove(gone)
                focus = f"remove-{min(at, len(items) - 1)}" if items else "add-exercise"
        elif "add" in request.form:
            wanted = request.form["add"][:form.TEXT_LIMIT]
            listed = next((row for row in shown if wanted in (row.use, row.key)), None)
            own = next((row.key for row in base if row.use == wanted), None)
            if listed is not None:  # already on the page: once is enough; the keyboard goes to it
                focus = f"remove-{listed.index}"
            elif len(items) >= MAX_EXERCISES:
                full, focus = True, "add-exercise"
            else:  # one of the handout's own, removed before, comes back as its own card
                items.append(own or wanted)
                focus = "add-exercise"
        choices.items = items
        rows = studio.rows(choices, base)
        outcome = _outcome(studio, path, choices, base, rows, defaults)
        if full:
            outcome["beside"].setdefault("exercises", []).append(FULL)
        # The list comes back with its own messages; the other fields' are replaced beside them.
        outcome["slots"] = [slot for slot in outcome["slots"] if slot in PAGE_SLOTS]
        return render_template("_exercises.html", rows=rows, choices=choices, focus=focus, dose_fields=DOSE_FIELDS,
                               choices_of=CHOICES, handout_id=handout_id, oob=True, **outcome)

    @app.get("/h/<handout_id>/library")
    def library(handout_id: str):
        studio.handout_path(handout_id)
        query = request.args.get("exercise-search", "")[:100]
        found = studio.catalog.exercises(query) if query.strip() else []
        return render_template("_library.html", found=found, query=query, handout_id=handout_id)

    @app.post("/h/<handout_id>/pdf")
    def pdf(handout_id: str):
        path, base, defaults, choices = studio.posted(handout_id)
        discharge, kind, problems = form.discharge(choices, base)
        made = studio.render(path, discharge, kind)
        if problems or made.problems:
            if partial():  # the page's script: the problems beside their fields, the page kept
                rows = studio.rows(choices, base)
                view = _page_view(Made(), problems + made.problems, made.fits, rows, defaults, choices)
                return render_template("_preview_answer.html", **view), 422
            return _editor(studio, path, choices, HandoutError(problems + made.problems), made.fits), 422
        download = request.form.get("action") == "download"
        name = re.sub(r"[\x00-\x1f\x7f]", " ", path.stem)  # a header cannot hold a line break
        return send_file(BytesIO(made.pdf), mimetype="application/pdf", as_attachment=download,
                         download_name=f"{name}{SUFFIXES[kind]}.pdf", max_age=0)

    @app.get("/staff/brand")
    def brand():
        handouts = studio.catalog.handouts()
        chosen = request.args.get("handout") or (handouts[0].id if handouts else "")
        picture, problems = None, []
        try:
            brand_model, _ = Library(clinic).brand()
        except HandoutError as exc:
            brand_model, problems = None, [str(p) for p in exc.problems]
        if brand_model is not None and chosen:
            path = studio.handout_path(chosen)
            today = dt.date.today()
            made = studio.kept(("brand", path, today),
                               lambda: studio.render(path, Discharge(date=today), "handout", picture=True))
            picture = _data_url(made.png) if made.png else None
            problems = [str(p) for p in made.problems]
        return render_template("brand.html", brand=brand_model, handouts=handouts, chosen=chosen,
                               picture=picture, problems=problems)

    @app.get("/staff/check")
    def check():
        """The last check, if no file changed since; else a button to run it (a POST: no other
        site, and no <img> anywhere, can start one)."""
        return render_template("check.html", report=studio.checker.kept(), running=studio.checker.running(),
                               handouts=studio.catalog.handouts(), problem=None)

    @app.post("/staff/check")
    def run_check():
        try:
            report, problem = studio.checker.checked(), None
        except CheckFailed as exc:
            report, problem = None, str(exc)
        template = "_check_report.html" if partial() else "check.html"
        return render_template(template, report=report, running=False, handouts=studio.catalog.handouts(),
                               problem=problem)

    @app.errorhandler(HandoutError)
    def broken_clinic(exc: HandoutError):
        return render_template("problem.html", problems=[str(p) for p in exc.problems]), 422

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        return _refusal(exc.message, exc.field, exc.status)

    @app.errorhandler(Superseded)
    def superseded(exc: Superseded):
        # A newer preview of the same page came while this one waited: the page ignores this answer.
        return Response(status=204)

    @app.errorhandler(Busy)
    def busy(exc: Busy):
        return _refusal(BUSY, None, 503, {"Retry-After": "5"})

    @app.errorhandler(TooLong)
    def too_long(exc: TooLong):
        what = "print from this page" if request.endpoint == "pdf" else "preview"
        return _refusal(TOO_LONG.format(what=what), None, 503)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # The page's own requests (htmx, its script) show why beside the form, not a blank answer.
        if partial() and exc.code in (403, 413) and exc.description:
            return _refusal(exc.description, None, exc.code)
        if exc.code == 413 and not (exc.description or "").startswith("this form"):
            exc.description = (f"this form is larger than {MAX_BODY // 1024} KB; reload the page "
                               f"(a program of {MAX_EXERCISES} exercises is far less)")
            if partial():
                return _refusal(exc.description, None, 413)
        return exc

    @app.errorhandler(Exception)
    def internal(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        names = {"patient": request.form.get("patient"), "therapist": request.form.get("therapist")}
        print(without_names(f"handoutgen serve: internal error: {exc.__class__.__name__}: {exc}", names),
              file=sys.stderr)
        return render_template("problem.html", problems=["internal error: the page could not be made; "
                                                         "the server's console says why"]), 500

    return app


def partial() -> bool:
    """A request of the page itself (htmx, or its script's fetch): it answers a part of a page."""
    return bool(request.headers.get("HX-Request"))


def _refusal(message: str, field: str | None, status: int, headers: dict | None = None):
    """A request refused: for the page's own requests its message beside the form (in the
    page's place for problems, or beside `field`), else a page of its own."""
    if not partial():
        return render_template("problem.html", problems=[message]), status, headers or {}
    beside = {field: [message]} if field else {}
    answer = render_template("_preview_answer.html", picture=None, general=[] if field else [message],
                             beside=beside, slots=[field] if field else [], warnings=[], texts=[], size=None,
                             pages=0, title="", kind="")
    # Wherever the request aimed (the list of exercises, the page), the answer goes to the page's place.
    return answer, status, {**(headers or {}), "HX-Retarget": "#preview", "HX-Reswap": "innerHTML"}


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _outcome(studio: Studio, path: Path, choices: Choices, base: list[Row], rows: list[Row], defaults: dict,
             latest: bool = False) -> dict:
    """Render what the form says: the picture, or each problem beside its field."""
    discharge, kind, problems = form.discharge(choices, base)
    # The pipeline still looks for its own problems when the form has some, but draws no picture.
    made = studio.render(path, discharge, kind, picture=not problems, latest=latest)
    return _page_view(made, problems + made.problems, made.fits, rows, defaults, choices)


def _page_view(made: Made, problems: list, fits: bool, rows: list[Row], defaults: dict, choices: Choices) -> dict:
    """What the page shows of one render: its picture and words, or each problem beside its field."""
    beside, general = form.placed(problems, rows, fits)
    if problems:
        made = Made()  # no picture of a page that cannot print
    return {"picture": _data_url(made.png) if made.png else None, "size": made.size, "pages": made.pages,
            "texts": made.texts, "beside": beside, "general": general, "warnings": made.warnings,
            "slots": _slots(rows), "title": defaults["title"], "kind": choices.kind}


PAGE_SLOTS = ("patient", "therapist", "date", "lang", "pages", "kind")  # the fields outside the list of exercises


def _slots(rows: list[Row]) -> list[str]:
    """Every field's message place, so an answer clears the messages that no longer hold."""
    slots = [*PAGE_SLOTS, "exercises"]
    for row in rows:
        slots.append(f"row-{row.index}")
        slots += [f"dose-{row.index}-{name}" for name in DOSE_FIELDS]
    return slots


def _editor(studio: Studio, path: Path, choices: Choices | None, error: HandoutError | None = None,
            fits: bool = True):
    base, defaults = studio.base(path)
    if choices is None:
        today = dt.date.today()
        choices = Choices(date=today.isoformat(), lang=defaults["lang"], large_print=defaults["large_print"])
        rows = studio.rows(choices, base)
        # The handout as written (no patient yet): made once while its files are unchanged.
        shown = choices
        outcome = studio.kept(("editor", path, today), lambda: _outcome(studio, path, shown, base, rows, defaults))
    else:
        rows = studio.rows(choices, base)
        if error is None:
            outcome = _outcome(studio, path, choices, base, rows, defaults)
        else:
            outcome = _page_view(Made(), error.problems, fits, rows, defaults, choices)
    return render_template("editor.html", handout_id=path.stem, choices=choices, rows=rows, defaults=defaults,
                           languages={code: name for code, name in language_names().items()
                                      if not defaults["languages"] or code in defaults["languages"]},
                           page_choices=PAGE_CHOICES, kinds=KIND_LABELS,
                           dose_fields=DOSE_FIELDS, choices_of=CHOICES, focus=None, oob=False,
                           page_id=secrets.token_urlsafe(18), **outcome)
