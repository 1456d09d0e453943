"""The pipeline, one stage a module:

discover (clinic) → load YAML (yamlload) → validate (models, validate) →
resolve brand, exercises, images, fonts (resolve, images, fonts) →
render the layout (layout) → parse its markup (markup) → flowables
(flowables) → fit to the pages allowed (fit, paginate, compose) → PDF bytes (pdf)
→ write atomically (atomic).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import stat
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from reportlab.lib import colors

from handoutgen import dosage, i18n
from handoutgen.atomic import write_atomic
from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError, Problem
from handoutgen.flowables import Context
from handoutgen.fonts import DEFAULT_FAMILY, BadFont, FontSet, default_font_files, describe, fallback_source, font_set
from handoutgen.images import load_picture
from handoutgen.layout import markup_problem
from handoutgen.layout import render as render_layout
from handoutgen.limits import LARGE_PRINT_MAX_PAGES, MAX_PAGES
from handoutgen.markup import MarkupError
from handoutgen.page import DoesNotFit, TooTall, blank_page, fit_pages, is_large, print_fit
from handoutgen.pdf import frame_size, make_pdf
from handoutgen.resolve import Library, Origin, ResolvedHandout, resolve_handout

LAYOUTS = {"handout": "handout.xml.j2", "checklist": "checklist.xml.j2"}
KINDS = {"handout": ("handout",), "checklist": ("checklist",), "both": ("handout", "checklist")}


@dataclass
class Discharge:
    """The per-patient details a therapist adds at discharge. Never stored."""

    patient: str | None = None
    therapist: str | None = None
    date: dt.date | None = None
    doses: dict[str, dict[str, str]] = field(default_factory=dict)
    pages: int | None = None  # at most this many pages (else the handout's, else the brand's)
    large_print: bool | None = None  # body 18 pt, floor 16 (else the handout's `large_print`, else the brand's)
    skip: tuple[str, ...] = ()  # exercises left out (ids or the handout's card numbers)
    add: tuple[str, ...] = ()  # library exercises appended, with their default dose
    lang: str | None = None  # the page's language (else the handout's `language:`, else English)


NAME_LIMIT = 60  # characters of a patient's or therapist's name; any name this long fits
CHECKLIST_PAGES = 2  # a checklist takes one or two pages, whatever the handout's limit
# The names and date that take the most room, for reserving the band they print in.
# Two 30-letter words wrap worse than one 60-letter word; W is the widest letter.
WORST_NAME = "W" * 29 + " " + "W" * 30
WORST_DATE = dt.date(2026, 9, 30)  # the longest month's name, a two-digit day


def name_problems(discharge: Discharge) -> list[Problem]:
    """A name too long to be sure of fitting, named by its option (never quoted)."""
    problems = []
    for option, name in (("--patient", discharge.patient), ("--therapist", discharge.therapist)):
        if name is not None and len(" ".join(name.split())) > NAME_LIMIT:
            problems.append(Problem(option, None, "", f"is {len(name)} characters long; at most "
                                    f"{NAME_LIMIT} fit the page: shorten it (e.g. initials for middle names)"))
    return problems


def check_names(discharge: Discharge) -> None:
    """A name too long to be sure of fitting is refused before anything is drawn."""
    problems = name_problems(discharge)
    if problems:
        raise HandoutError(problems)


@dataclass
class Rendered:
    pdf: bytes
    warnings: list[Problem]
    body_pt: float
    deps: list[Path]  # every file the PDF was made from
    pages: int = 1
    picture_pt: float = 0.0  # widest picture printed
    smallest_picture_pt: float = 0.0  # narrowest picture printed
    holes_pt: tuple[float, ...] = ()  # each page's tallest hole under a shorter column


def format_date(day: dt.date) -> str:
    """The long date in the page's language (Babel's locale data): "September 30, 2026"."""
    return i18n.format_date(day)


def brand_fonts(clinic: Clinic, library: Library) -> FontSet:
    """The brand's font family, checked: a real TrueType font inside the clinic
    folder (or the bundled default) that has every letter of the brand's texts."""
    brand, doc = library.brand()
    if brand.font.strip().lower() == DEFAULT_FAMILY.lower():
        if brand.font_bold:
            raise HandoutError(Problem(doc.file, doc.line_of(("font_bold",)), "font_bold",
                                       f'only goes with a font file of your own; "{DEFAULT_FAMILY}" '
                                       "brings its bold"))
        fonts = font_set(*default_font_files())
    else:
        regular = _font_file(clinic, brand.font, doc, "font")
        if brand.font_bold:
            bold = _font_file(clinic, brand.font_bold, doc, "font_bold")
        else:
            bold = _bold_beside(clinic, regular)
        try:  # read under the one read rule, every table ReportLab uses checked (fonts.validate_font)
            fonts = font_set(regular, bold, roots=[clinic.root])
        except BadFont as exc:
            which = "font_bold" if brand.font_bold and exc.path == bold else "font"
            shown = "" if exc.path in (None, regular) or brand.font_bold else f"{clinic.shown(exc.path)}, its bold: "
            raise HandoutError(Problem(doc.file, doc.line_of((which,)), which, shown + exc.message)) from None
    problems = []
    for name in BRAND_TEXT_FIELDS:
        value = getattr(brand, name) or ""
        problem = right_to_left_problem(value)
        if problem is not None:  # whatever the font has: see check_characters
            problems.append(Problem(doc.file, doc.line_of((name,)), name, problem))
            continue
        for ch in sorted({c for c in value if not fonts.in_main(c)}):
            problems.append(Problem(doc.file, doc.line_of((name,)), name,
                                    f"the font has no {describe(ch)}; the clinic's own text must be "
                                    "in its own font: choose a font that has it, or write the text without it"))
    if problems:
        raise HandoutError(problems)
    return fonts


BRAND_TEXT_FIELDS = ("clinic", "tagline", "phone", "address", "website", "email", "safety", "footer")


def _font_file(clinic: Clinic, value: str, doc, field_name: str) -> Path:
    where = (doc.file, doc.line_of((field_name,)), field_name)
    candidate = clinic.root / value
    real = clinic.inside(candidate) if candidate.exists() else None
    if not candidate.exists():
        raise HandoutError(Problem(*where, f'no file "{value}" in the clinic folder; write "{DEFAULT_FAMILY}" '
                                           "or the path of a .ttf file inside the clinic folder, "
                                           "e.g. fonts/MyFont-Regular.ttf"))
    if real is None:
        raise HandoutError(Problem(*where, f'"{value}" leads outside the clinic folder; copy the font file into it'))
    if not real.is_file() or real.suffix.lower() not in (".ttf", ".otf"):
        raise HandoutError(Problem(*where, f'"{value}" is not a .ttf or .otf font file'))
    return real


def _bold_beside(clinic: Clinic, regular: Path) -> Path:
    """Bold by naming convention (Name-Regular.ttf → Name-Bold.ttf), else the regular file."""
    for guess in (regular.stem.replace("Regular", "Bold"), regular.stem + "-Bold", regular.stem + "Bold"):
        path = regular.with_name(guess + regular.suffix)
        if path != regular and path.is_file() and clinic.inside(path):
            return path
    return regular


RIGHT_TO_LEFT = {"R", "AL", "AN"}  # Unicode bidirectional classes of Hebrew, Arabic, ...
# Embeddings, overrides and isolates: they ask for a reordering that is never done.
DIRECTION_CONTROLS = {"RLE", "RLO", "RLI", "LRE", "LRO", "LRI", "FSI", "PDF", "PDI"}


def right_to_left_problem(text: str) -> str | None:
    """Why `text` cannot be printed in order, or None. ReportLab lays text out
    left to right, letter by letter: right-to-left scripts would print reversed
    and unjoined even with a font that has them, so they are refused whatever
    the font. The message names the character, never the text."""
    if text.isascii():
        return None
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in RIGHT_TO_LEFT:
            return (f"the character {describe(ch)} is written right to left, which handoutgen cannot "
                    "print correctly (it would come out reversed); write this text in a left-to-right script")
        if kind in DIRECTION_CONTROLS:
            return (f"the character U+{ord(ch):04X} ({unicodedata.name(ch, 'direction control')}) changes "
                    "the direction of the text, which handoutgen cannot print correctly; delete it")
    return None


def check_characters(resolved: ResolvedHandout, fonts: FontSet) -> list[Problem]:
    problems = []
    for text, origin in resolved.texts:
        # Every text, whether or not the brand font has its letters (docs/safety.md).
        rtl = right_to_left_problem(text)
        if rtl is not None:
            problems.append(Problem(origin.file, origin.line, origin.field, rtl))
            continue
        if fonts.covers(text):
            continue
        for ch in fonts.missing(text):
            problems.append(Problem(origin.file, origin.line, origin.field,
                                    f"the character {describe(ch)} is in no available font and would "
                                    "print as a box; remove it or set a font that has it in brand.yaml"))
    return problems


def _duration_view(value: dosage.Duration | None) -> dict | None:
    """A duration for layouts: its seconds and its words in the page's language."""
    if value is None:
        return None
    return {"seconds": value.seconds, "long": value.long(), "short": value.short()}


def template_variables(resolved: ResolvedHandout, discharge: Discharge, people: dict) -> dict:
    brand, model = resolved.brand, resolved.model
    exercises = []
    for ex in resolved.exercises:
        dose = None
        if ex.dose is not None:
            # Every field reaches the layout, so a clinic's layout can word the dose itself.
            dose = {"sentence": dosage.sentence(ex.dose), "compact": dosage.compact(ex.dose),
                    "compact_day": dosage.compact(ex.dose, week=False),
                    "sets": ex.dose.sets, "reps": ex.dose.reps, "side": ex.dose.side, "limb": ex.dose.limb,
                    "times_per_day": ex.dose.times_per_day, "days_per_week": ex.dose.days_per_week,
                    **{name: _duration_view(getattr(ex.dose, name)) for name in ("hold", "duration", "rest")}}
        exercises.append({"name": ex.name, "purpose": ex.purpose, "steps": ex.steps, "image": ex.image,
                          "dose": dose, "equipment": ex.equipment, "note": ex.note,
                          "cautions": ex.cautions, "video": ex.video})
    sections = [{"heading": s.heading, "items": s.items,
                 "paragraphs": s.text.split("\n\n") if s.text else []} for s in model.sections]
    handout = {"id": resolved.id, "title": model.title,
               "summary": model.summary.split("\n\n") if model.summary else [],
               "exercises": exercises, "sections": sections,
               "checklist": {"days": model.checklist.days, "pain_score": model.checklist.pain_score}}
    return {
        "brand": _view(brand_values(brand)),
        "handout": _view(handout),
        "patient": people.get("patient"),
        "therapist": people.get("therapist"),
        "date": format_date(discharge.date) if discharge.date else None,
        "start": discharge.date.isoformat() if discharge.date else None,
    }


def brand_values(brand) -> dict:
    """The brand as layouts see it. Every handout carries a safety line: a
    brand without one gets the plain default, with the clinic's phone."""
    values = brand.model_dump()
    if not values.get("safety"):
        values["safety"] = i18n.gettext("Stop any exercise that causes sharp pain, and call us at %(phone)s.",
                                        phone=brand.phone)
    return values


def _view(value):
    """Dicts become read-only namespaces, so `section.items` is the field,
    never the dict method of the same name."""
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _view(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_view(v) for v in value)
    return value


class Renderer:
    """Renders handouts of one clinic, sharing brand, fonts and pictures."""

    def __init__(self, clinic: Clinic):
        self.clinic = clinic
        self.library = Library(clinic)
        self._fonts: FontSet | None = None

    def fonts(self) -> FontSet:
        """The brand's fonts, found and checked once, however many handouts follow."""
        if self._fonts is None:
            self._fonts = brand_fonts(self.clinic, self.library)
        return self._fonts

    def render(self, path: Path, discharge: Discharge | None = None, kind: str = "handout") -> Rendered:
        """One PDF of `kind`: handout, checklist, or both (2 pages, for duplex printing)."""
        return self.render_each(path, discharge, [KINDS[kind]])[0]

    def render_each(self, path: Path, discharge: Discharge | None, documents: list[tuple[str, ...]],
                    reserve_names: bool = False) -> list[Rendered]:
        """Several PDFs of one handout (e.g. handout and checklist), resolving it once.
        With `reserve_names` (check and build), each must also fit with the longest names."""
        discharge = discharge or Discharge()
        check_names(discharge)
        people = {"patient": discharge.patient, "therapist": discharge.therapist}
        resolved = resolve_handout(self.clinic, path, self.library, discharge.doses, people,
                                   skip=discharge.skip, add=discharge.add, lang=discharge.lang)
        with i18n.using(resolved.lang):  # every word the tool prints, in the page's language
            return self._render_resolved(resolved, discharge, documents, people, reserve_names)

    def _render_resolved(self, resolved: ResolvedHandout, discharge: Discharge, documents: list[tuple[str, ...]],
                         people: dict, reserve_names: bool) -> list[Rendered]:
        fonts = self.fonts()
        problems = check_characters(resolved, fonts)
        pictures = {}
        for key, image_path in resolved.images.items():
            try:
                pictures[key] = load_picture(image_path, self.clinic.shown(image_path), roots=[self.clinic.root])
            except HandoutError as exc:
                problems += _named_by_users(exc.problems, resolved.image_uses.get(key, []))
        if problems:
            raise HandoutError(problems)
        variables = template_variables(resolved, discharge, people)
        brand = resolved.brand
        large = next(choice for choice in (discharge.large_print, resolved.model.large_print, brand.large_print)
                     if choice is not None)
        width, height = frame_size(brand.page_size, brand.margins)
        ctx = Context(fonts=fonts, primary=colors.HexColor(brand.colors.primary),
                      accent=colors.HexColor(brand.colors.accent), pictures=pictures,
                      fit=print_fit(large), width=width)  # the print size; each trial sets its own size
        worst = None
        if reserve_names:
            # check and build: make sure any names would fit at discharge (see page.engine.fit_pages).
            worst = template_variables(resolved, Discharge(WORST_NAME, WORST_NAME, WORST_DATE),
                                       {"patient": WORST_NAME, "therapist": WORST_NAME})
            # Only its head is measured (page.measure.Trial): no need to lay out the exercises again.
            worst["handout"] = SimpleNamespace(**{**vars(worst["handout"]), "exercises": (), "sections": ()})
        limit = page_limit(discharge.pages, resolved.model.pages or brand.pages, large, resolved.file)
        fitted = {kind: self._page(kind, resolved, variables, worst, ctx, height, limit)
                  for kinds in documents for kind in kinds}
        deps = resolved.deps + [fonts.regular_path, fonts.bold_path]
        if not all(fonts.covers(text) for text, _ in resolved.texts):
            deps.append(fallback_source())
        results = []
        for kinds in documents:
            parts = [fitted[k] for k in kinds]
            pages = [page for f in parts for page in f.pages]
            holes = [hole for f in parts for hole in f.holes]
            if kinds == KINDS["both"] and needs_blank(len(fitted["handout"].pages), len(fitted["checklist"].pages)):
                pages.insert(len(fitted["handout"].pages), blank_page(ctx))
                holes.insert(len(fitted["handout"].pages), 0.0)
            pdf = make_pdf(pages, brand.page_size,
                           title=resolved.model.title, author=brand.clinic,
                           subject="Home exercise program" + (" (large print)" if large else ""),
                           font=fonts.regular, margin=brand.margins)
            results.append(Rendered(pdf, resolved.warnings, min(f.body for f in parts), deps,
                                    pages=len(pages),
                                    picture_pt=max(f.picture for f in parts),
                                    smallest_picture_pt=min((f.smallest for f in parts if f.smallest), default=0.0),
                                    holes_pt=tuple(holes)))
        return results

    def _page(self, kind: str, resolved: ResolvedHandout, variables: dict, worst: dict | None, ctx: Context,
              height: float, limit: int):
        output = render_layout(LAYOUTS[kind], self.clinic.layouts_dir, **variables)
        worst_page = None
        if kind == "checklist":
            # One or two pages whatever the handout's limit; in large print, twice that.
            limit = CHECKLIST_PAGES * (2 if is_large(ctx.fit) else 1)
        try:
            if worst is not None:
                worst_page = render_layout(LAYOUTS[kind], self.clinic.layouts_dir, **worst).page
            return fit_pages(output.page, ctx, height, limit, worst_page)
        except MarkupError as exc:  # e.g. an element where it cannot be: at the template line that wrote it
            raise HandoutError(markup_problem(self.clinic.layouts_dir, LAYOUTS[kind], variables, output.markup,
                                              exc)) from None
        except TooTall as exc:
            if exc.item.card is not None:
                text = (f"{exc.item.label}: one of its steps (with the card's heading) is {length(exc.overflow)} "
                        f"taller than a whole page even with {ctx.fit.floor:g} pt text, and an exercise "
                        "continues on the next page only between two steps; shorten that step or split it in two")
            else:
                text = (f"the {exc.item.label} is {length(exc.overflow)} taller than a whole page even with "
                        f"{ctx.fit.floor:g} pt text; shorten it")
            raise HandoutError(Problem(resolved.file, None, "", text)) from None
        except DoesNotFit as exc:
            raise HandoutError(Problem(resolved.file, None, "", _overflow_message(kind, exc))) from None


def _named_by_users(problems: list[Problem], uses: list[Origin]) -> list[Problem]:
    """A broken picture's problems (`images/huge.png: is 20000×20000 pixels …`) told where it
    is named, once per file that names it: `handouts/x.yaml:5: exercises[0].image: images/huge.png is …`."""
    if not uses:
        return problems
    named = []
    for problem in problems:
        picture = problem.file if problem.line is None else f"{problem.file}:{problem.line}:"
        message = problem.message.removeprefix("file ")  # readsafe's "file is N bytes"
        named += [Problem(use.file, use.line, use.field, f"{picture} {message}") for use in uses]
    return named


def length(points: float) -> str:
    """A length on the page for a message: points, and a unit a reader can picture
    ("3 pt (about 1 mm)", "150 pt (2.1 in)"), never "0.0 in"."""
    shown = max(1, math.ceil(points))
    if points < 72:
        return f"{shown} pt (about {max(1, round(points * 25.4 / 72))} mm)"
    return f"{shown} pt ({points / 72:.1f} in)"


def _overflow_message(kind: str, exc: DoesNotFit) -> str:
    pages = "one page" if exc.pages == 1 else f"{exc.pages} pages"
    text = (f"the {kind} does not fit on {pages}: {length(exc.overflow)} "
            f"too long even with {exc.floor:g} pt text and the most compact layout; ")
    if exc.names:
        text = (f"the {kind} fits, but not with the longest names a therapist may print on it "
                f"({NAME_LIMIT} characters each): {length(exc.overflow)} too long "
                f"even with {exc.floor:g} pt text; ")
    if kind == "checklist":
        return text + "use fewer days (checklist.days) or fewer exercises"
    if exc.large and exc.needed is not None and exc.pages < exc.needed <= LARGE_PRINT_MAX_PAGES:
        return text + (f"--pages {exc.needed} would allow it (large print without --pages takes up to "
                       f"{LARGE_PRINT_MAX_PAGES}), or shorten the text")
    if exc.needed is not None and exc.pages < exc.needed <= MAX_PAGES:
        return text + (f"`pages: {exc.needed}` in the handout (or --pages {exc.needed}) would allow it, "
                       "or shorten the text")
    return text + "shorten the text or split it into two handouts"


def page_limit(asked: int | None, usual: int, large: bool, file: str) -> int:
    """The most pages a handout may take: `--pages N` when given (large print
    honours it too); else the handout's or the clinic's `pages:` (`usual`); in
    large print, whose every card is taller, the pages it needs up to twice
    the normal limit (LARGE_PRINT_MAX_PAGES)."""
    if asked is not None:
        if not large and asked > MAX_PAGES:
            raise HandoutError(Problem(file, None, "--pages", f"at most {MAX_PAGES} pages in normal print "
                                                              f"(up to {LARGE_PRINT_MAX_PAGES} in large print)"))
        return asked
    return LARGE_PRINT_MAX_PAGES if large else usual


def needs_blank(handout_pages: int, checklist_pages: int) -> bool:
    """Printed front and back, a one-page handout has its one-page log on its back
    (one sheet); otherwise the log starts on a sheet of its own, so the patient can
    bring it back and keep every page of the handout: after a handout of an odd
    number of pages, one side is left blank."""
    return handout_pages % 2 == 1 and (handout_pages > 1 or checklist_pages > 1)


SUFFIXES = {"handout": "", "checklist": "-checklist", "both": "-both"}


def preview_file(clinic: Clinic, handout: str, out: Path | None, discharge: Discharge,
                 kind: str = "handout", dpi: int = 100) -> tuple[Path, tuple[int, int]]:
    """Render in memory and write only a PNG of the page(s)."""
    from handoutgen.preview import to_png

    path = clinic.handout_path(handout)
    check_private(discharge, out, "picture")
    target = output_path(clinic, out, clinic.out_dir / f"{path.stem}{SUFFIXES[kind]}.png", ".png")
    rendered = Renderer(clinic).render(path, discharge, kind)
    png, size = to_png(rendered.pdf, dpi)
    write_output(target, png, [path, *rendered.deps], out is not None)
    return target, size


def render_file(clinic: Clinic, handout: str, out: Path | None, discharge: Discharge,
                kind: str = "handout") -> tuple[Path, Rendered]:
    path = clinic.handout_path(handout)
    check_private(discharge, out, "PDF")
    target = output_path(clinic, out, clinic.out_dir / f"{path.stem}{SUFFIXES[kind]}.pdf", ".pdf")
    rendered = Renderer(clinic).render(path, discharge, kind)
    write_output(target, rendered.pdf, [path, *rendered.deps], out is not None)
    return target, rendered


STDOUT = Path("-")  # `-o -`: to standard output (e.g. `| lp`), never to disk; compared with `is`


def check_private(discharge: Discharge, out: Path | None, what: str) -> None:
    """A page with a patient's name is health information: it is never written into the
    clinic's shared out/ folder by default (docs/safety.md). A therapist's name alone is not."""
    if discharge.patient is not None and out is None:
        raise HandoutError(Problem("--patient", None, "", f"a {what} with a patient's name is not written into "
                                   "out/: give -o FILE, or -o - to print it directly"))


INPUT_FOLDERS = ("handouts", "exercises", "images", "layouts", "fonts")
NAME_BYTES = 255  # the longest file name most file systems take


def output_path(clinic: Clinic, out: Path | None, default: Path, suffix: str) -> Path:
    """Where `-o` may write (docs: README.md, "-o FILE"): a file name ending in `suffix`,
    not inside the clinic's input folders nor the brand file, and nothing but a regular
    file is ever replaced. Checked before anything is rendered."""
    if out is STDOUT:
        return STDOUT
    target = default if out is None else out
    field = "-o" if out is not None else ""

    def refuse(message: str) -> HandoutError:
        return HandoutError(Problem(str(target) or '""', None, field, message))

    name = target.name
    if out is not None and str(out) in ("", "."):
        raise refuse(f"names no file; give a file name ending in {suffix}, e.g. jane{suffix}")
    if name in ("", ".", "..") or not name.lower().endswith(suffix) or name.lower() == suffix:
        raise refuse(f"must be a file name ending in {suffix}, e.g. jane{suffix}; "
                     "nothing else is written over")
    if len(name.encode("utf-8", "surrogateescape")) > NAME_BYTES:
        raise refuse(f"the file name is too long ({len(name)} characters); use a shorter one")
    try:
        real = target.parent.resolve() / name
        if os.path.lexists(target) and not stat.S_ISREG(os.lstat(target).st_mode):
            raise refuse("is not a regular file (a folder, link, device or pipe) and is never replaced; "
                         f"give a new file name ending in {suffix}")
        resolved = target.resolve()
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, HandoutError):
            raise
        raise refuse(f"cannot write there ({getattr(exc, 'strerror', None) or exc}); choose another path") from None
    inputs = [clinic.root / folder for folder in INPUT_FOLDERS]
    for folder in inputs:
        if real.is_relative_to(folder) or resolved.is_relative_to(folder):
            raise refuse(f"is inside the clinic's input folder {folder.name}/, which the tool only reads; "
                         "write it elsewhere, e.g. out/")
    if resolved == clinic.brand_path.resolve() or real == clinic.brand_path:
        raise refuse("is the brand file, which the tool only reads; write it elsewhere, e.g. out/")
    return target


def write_output(target: Path, data: bytes, reads: list[Path], given: bool) -> None:
    """Write atomically, never over a file the command read."""
    if target is STDOUT:
        try:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except OSError as exc:  # e.g. the printer command quit: a broken pipe
            raise HandoutError(Problem("-o -", None, "", f"cannot write to standard output "
                                                         f"({exc.strerror or exc})")) from None
        return
    field = "-o" if given else ""
    resolved = target.resolve()
    if any(resolved == Path(path).resolve() for path in reads):
        raise HandoutError(Problem(str(target), None, field, "is a file this command reads and is never "
                                                             "written over; write it elsewhere, e.g. out/"))
    try:
        write_atomic(target, data)
    except OSError as exc:
        raise HandoutError(Problem(str(target), None, field, f"cannot write the file ({exc.strerror or exc}); "
                                                             "choose a folder you can write to")) from None


