"""Stage 4: resolve a handout: brand, library exercises, dose overrides,
images (confined to the clinic folder), and the origin of every text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from handoutgen import contrast, translate
from handoutgen.clinic import Clinic, language_name
from handoutgen.errors import HandoutError, Problem, closest
from handoutgen.i18n import DEFAULT as DEFAULT_LANGUAGE
from handoutgen.i18n import available, check_language, meant
from handoutgen.models import (
    INCOMPLETE_DOSE,
    MAX_EXERCISES,
    Brand,
    DoseFields,
    Exercise,
    ExerciseRef,
    HandoutFile,
    clean_text,
    relative_file,
)
from handoutgen.readsafe import Refused, inside
from handoutgen.validate import language_problems, validate
from handoutgen.yamlload import Document, dotted


@dataclass(frozen=True)
class Origin:
    file: str
    line: int | None
    field: str


@dataclass
class ExerciseView:
    name: str
    steps: list[str]
    origin: Origin  # where the handout names it
    purpose: str | None = None
    image: str | None = None  # key into ResolvedHandout.images
    dose: DoseFields | None = None
    equipment: str | None = None
    cautions: list[str] = field(default_factory=list)
    video: str | None = None
    note: str | None = None
    use: str | None = None  # the exercise id, for a library exercise


@dataclass
class ResolvedHandout:
    id: str
    file: str
    brand: Brand
    model: HandoutFile
    exercises: list[ExerciseView]
    images: dict[str, Path]
    texts: list[tuple[str, Origin]]
    warnings: list[Problem]
    deps: list[Path]  # the files read: brand, handout, exercises, pictures
    lang: str = "en"  # the page's language (docs/languages.md)
    # Who uses each picture (a key of `images`): the brand's logo:, an exercise file's image:, a
    # handout's exercises[i].image; one per file, so a broken picture is reported where it is named.
    image_uses: dict[str, list[Origin]] = field(default_factory=dict)


def _texts(obj, doc: Document, lang: str, path: tuple = ()):
    """Every text value of a model that a page in `lang` prints, with the line it came from:
    of `translations:`, only `lang`'s; in another language than the default, not the texts
    its translation replaces (translate.replaced). A character no font has, or a letter
    written right to left, then fails only the page of the language it is in."""
    if isinstance(obj, str):
        yield obj, Origin(doc.file, doc.line_of(path), dotted(path))
    elif isinstance(obj, BaseModel):
        skip = translate.replaced(obj, lang)
        for name, value in obj:
            if name in skip:
                continue
            if name == "translations" and isinstance(value, dict):
                if lang in value:
                    yield from _texts(value[lang], doc, lang, path + (name, lang))
                continue
            yield from _texts(value, doc, lang, path + (name,))
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from _texts(value, doc, lang, path + (i,))
    elif isinstance(obj, dict):  # a translation's notes, by exercise id
        for key, value in obj.items():
            yield from _texts(value, doc, lang, path + (key,))


class Library:
    """Loads brand and exercises once, however many handouts use them."""

    def __init__(self, clinic: Clinic):
        self.clinic = clinic
        self._exercises: dict[str, tuple[Exercise | None, Document | None, list[Problem]]] = {}
        self._brand: tuple[Brand, Document] | None = None
        self._exercise_ids: list[str] | None = None
        self._texts: dict[tuple[str, str], list[tuple[str, Origin]]] = {}  # of the brand and each exercise
        self._image_paths: dict[str, Path | None] = {}
        self._image_names: list[str] | None = None
        self._languages: list[str] | None = None

    def brand(self) -> tuple[Brand, Document]:
        if self._brand is None:
            doc = self.clinic.load(self.clinic.brand_path)
            brand, problems = validate(Brand, doc)
            problems += language_problems(doc, self.languages(doc))
            logo = brand.logo if brand is not None else _raw_file(doc, ("logo",), problems)
            if logo:
                problems += self.image_problems(logo, doc, ("logo",))
            if brand is not None:
                for name, message in contrast.problems(brand.colors.primary, brand.colors.accent):
                    path = tuple(name.split("."))
                    problems.append(Problem(doc.file, doc.line_of(path), name, message))
            if problems or brand is None:  # validate gives no model only with problems
                raise HandoutError(problems)
            self._brand = (brand, doc)
        return self._brand

    def languages(self, brand_doc: Document | None = None) -> list[str]:
        """The languages a `translations:` may be in: each catalogue's (i18n.available) and
        those brand.yaml's `languages:` lists (as written, valid or not: its own errors are
        reported with the brand)."""
        if self._languages is None:
            if brand_doc is None:
                try:
                    brand_doc = self.brand()[1]
                except HandoutError:  # reported on its own; the brand's own list, if it can be read
                    try:
                        brand_doc = self.clinic.load(self.clinic.brand_path)
                    except HandoutError:
                        brand_doc = None
            listed = brand_doc.data.get("languages") if brand_doc is not None and isinstance(brand_doc.data, dict) \
                else None
            extra = [code.strip() for code in listed if isinstance(code, str)] if isinstance(listed, list) else []
            self._languages = list(dict.fromkeys([*available(), *extra]))
        return self._languages

    def texts(self, key: str, model: BaseModel, doc: Document, lang: str) -> list[tuple[str, Origin]]:
        """Every text of the brand ("brand") or of an exercise (its id) a page in `lang`
        prints, collected once per language."""
        if (key, lang) not in self._texts:
            self._texts[(key, lang)] = list(_texts(model, doc, lang))
        return self._texts[(key, lang)]

    def exercise_ids(self) -> list[str]:
        if self._exercise_ids is None:
            self._exercise_ids = self.clinic.exercise_ids()
        return self._exercise_ids

    def exercise(self, ex_id: str):
        if ex_id not in self._exercises:
            path = self.clinic.exercises_dir / f"{ex_id}.yaml"
            try:
                doc = self.clinic.load(path)
            except HandoutError as exc:
                self._exercises[ex_id] = (None, None, exc.problems)
            else:
                exercise, problems = validate(Exercise, doc)
                problems += language_problems(doc, self.languages())
                # Checked even when other fields are wrong: every problem of the file at once.
                image = exercise.image if exercise is not None else _raw_file(doc, ("image",), problems)
                if image:
                    problems += self.image_problems(image, doc, ("image",))
                self._exercises[ex_id] = (exercise if not problems else None, doc, problems)
        return self._exercises[ex_id]

    def image_path(self, name: str) -> Path | None:
        if name not in self._image_paths:
            real = self.clinic.inside(self.clinic.images_dir / name)
            self._image_paths[name] = real if real is not None and real.is_file() else None
        return self._image_paths[name]

    def image_problems(self, name: str, doc: Document, path: tuple) -> list[Problem]:
        line = doc.line_of(path)
        candidate = self.clinic.images_dir / name
        if not candidate.exists():
            if candidate.is_symlink():  # a link to nothing, or a loop of links: readsafe says which
                try:
                    inside(candidate, [self.clinic.root])
                except Refused as exc:
                    if exc.reason == "loop":
                        return [Problem(doc.file, line, dotted(path), f'"images/{name}" {exc.message}; '
                                        "put the picture itself there instead of the link")]
            return [Problem(doc.file, line, dotted(path), f'no file "images/{name}"; {self._image_hint(name)}')]
        if self.clinic.inside(candidate) is None:
            return [Problem(doc.file, line, dotted(path),
                            "leads outside the clinic folder (through a link); copy the file into images/")]
        if not candidate.is_file():
            return [Problem(doc.file, line, dotted(path), f'"images/{name}" is not a file')]
        return []

    def _image_hint(self, name: str) -> str:
        """Did you mean the picture of images/ whose name is closest (capitals aside)?"""
        if self._image_names is None:
            self._image_names = _files_in(self.clinic.images_dir)
        same = [n for n in self._image_names if n.casefold() == name.casefold()]
        if same:
            return f'did you mean "{same[0]}"? The name must match exactly, capitals too'
        # Compared without the extension (".png" alike in every name would make any two names close).
        # Of logo.png and logo.svg, the one with the extension the name was given with.
        extension = name[len(_stem(name)):].casefold()
        stems = {_stem(n): n for n in sorted(self._image_names,
                                             key=lambda n: n[len(_stem(n)):].casefold() == extension)}
        close = closest(_stem(name), stems, cutoff=IMAGE_NAME_CUTOFF)
        if close is None:
            return "put the picture there or fix the name"
        return f'did you mean "{stems[close]}"? If not, put the picture there'


IMAGE_NAME_CUTOFF = 0.75  # how alike (0-1) two pictures' names must be to suggest one for the other


def _stem(name: str) -> str:
    """A picture's name without its extension, for comparing names."""
    return name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name


MAX_LISTED_IMAGES = 5_000  # files of images/ compared for "did you mean"; a clinic has dozens


def _files_in(folder: Path) -> list[str]:
    """The files of `folder` and its subfolders (not hidden, links not followed), as
    names relative to it; at most MAX_LISTED_IMAGES."""
    import os

    names: list[str] = []
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(parent).relative_to(folder)
        names.extend((base / f).as_posix() for f in sorted(files) if not f.startswith("."))
        if len(names) >= MAX_LISTED_IMAGES:
            return names[:MAX_LISTED_IMAGES]
    return names


def _raw_file(doc: Document, path: tuple, problems: list[Problem]) -> str | None:
    """A picture's name as written at `path` in a file that did not validate, if it is a
    valid name and has no problem of its own: checked too, so all problems come at once."""
    value = doc.data
    for part in path:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    if not isinstance(value, str) or any(p.field == dotted(path) for p in problems):
        return None
    try:
        return relative_file(value)
    except Exception:  # PydanticCustomError: validation reports it
        return None


def _raw_images(doc: Document, problems: list[Problem]) -> list[tuple[tuple, str]]:
    """The pictures of a handout's written-out exercises, when the handout did not validate."""
    entries = doc.data.get("exercises") if isinstance(doc.data, dict) else None
    found = []
    for i, entry in enumerate(entries[:MAX_EXERCISES] if isinstance(entries, list) else []):
        name = _raw_file(doc, ("exercises", i, "image"), problems) if isinstance(entry, dict) and "use" not in entry \
            else None
        if name:
            found.append((("exercises", i, "image"), name))
    return found


LIMB_WITHOUT_SIDE = ("needs side: (each, left, right, both or alternating); a limb alone does not say "
                     "which one to use (or remove limb)")


def _written_in(doc: Document, model: HandoutFile, known: list[str], page: str, asked: bool) -> list[Problem]:
    """A handout's `languages:` (the languages it is written in): each one known, and the
    page's language among them (`asked`: --lang or the web page chose it, else `language:`)."""
    problems = []
    for i, code in enumerate(model.languages or []):
        if code not in known:
            close = meant(code, known)
            problems.append(Problem(doc.file, doc.line_of(("languages", i)), f"languages[{i}]",
                                    f'is not a language handoutgen knows (got "{code}"); '
                                    + (f"did you mean {close}? " if close else "") + f"(known: {', '.join(known)})"))
    listed = ", ".join(model.languages or [])
    if problems or page in (model.languages or []):
        return problems
    if asked:
        return [Problem(doc.file, doc.line_of(("languages",)), "languages",
                        f"this handout is written in {_names(model.languages or [])} only (languages: [{listed}]), "
                        f"so it cannot print in {language_name(page)}; choose one of those, or translate it and "
                        f"add {page} to languages: (docs/languages.md)")]
    return [Problem(doc.file, doc.line_of(("language",)) or doc.line_of(("languages",)), "language",
                    f"is {page}, which languages: [{listed}] does not list; add {page} there, or write the "
                    "handout's own language (docs/languages.md)")]


def _names(codes: list[str]) -> str:
    return " and ".join(language_name(code).split(" (")[0] for code in codes)


def resolve_handout(clinic: Clinic, path: Path, library: Library,
                    dose_overrides: dict[str, dict[str, str]] | None = None,
                    people: dict[str, str | None] | None = None,
                    skip: tuple[str, ...] = (), add: tuple[str, ...] = (),
                    lang: str | None = None) -> ResolvedHandout:
    """Load, validate and resolve one handout; raise HandoutError with every problem.
    `skip` (ids or card numbers) and `add` (library ids) edit the program for one patient."""
    brand_problems: list[Problem] = []
    try:
        brand, brand_doc = library.brand()
    except HandoutError as exc:  # reported with the handout's own problems: every problem at once
        brand_problems = exc.problems
    try:
        doc = clinic.load(path)
    except HandoutError as exc:
        raise HandoutError(brand_problems + exc.problems) from None
    model, problems = validate(HandoutFile, doc)
    problems += language_problems(doc, library.languages())
    known = library.exercise_ids()
    unknown = _unknown_uses(doc, known)
    # One message for one `use:`: "no exercise" (with did-you-mean) replaces the id's own format error.
    problems = [p for p in problems if not any(p.field == u.field or p.field.startswith(u.field + ".")
                                               for u in unknown)]
    if model is None or brand_problems:
        # Report unknown exercise ids, missing pictures and the exercises' own problems too,
        # so one pass fixes everything.
        for image_at, name in _raw_images(doc, problems):
            problems += library.image_problems(name, doc, image_at)
        for ex_id in _raw_uses(doc, known):
            problems += library.exercise(ex_id)[2]
        raise HandoutError(brand_problems + problems + unknown)
    # The page's language: --lang, else the handout's `language:` (checked below); its texts from `translations:`.
    page = (lang or model.language or DEFAULT_LANGUAGE).strip()
    if model.languages is not None:
        written = _written_in(doc, model, library.languages(), page, bool(lang))
        if written:
            raise HandoutError(written)
    texts = library.texts("brand", brand, brand_doc, page) + list(_texts(model, doc, page))
    views: list[ExerciseView] = []
    sources: dict[int, tuple] = {}  # id(view): (exercise, its document, its path, its note's path in the handout)
    limb_at: dict[int, Origin] = {}  # id(view): where its limb is written, when that is its exercise's file
    found: dict[str, Path | None] = {}  # None: missing, reported by image_problems
    if brand.logo:
        found[brand.logo] = library.image_path(brand.logo)
    problems += unknown
    for i, entry in enumerate(model.exercises):
        where = ("exercises", i)
        if isinstance(entry, ExerciseRef):
            if entry.use not in known:
                continue
            base, base_doc, base_problems = library.exercise(entry.use)
            if base is None:
                problems.extend(base_problems)
                continue
            texts.extend(library.texts(f"exercise {entry.use}", base, base_doc, page))
            dose = (base.dosage or DoseFields()).merged(entry.dosage) if (base.dosage or entry.dosage) else None
            origin = Origin(doc.file, doc.line_of(where), dotted(where))
            source = base
        else:
            dose, origin, source = entry.dosage, Origin(doc.file, doc.line_of(where), dotted(where)), entry
            if entry.image:
                problems.extend(library.image_problems(entry.image, doc, where + ("image",)))
        view = ExerciseView(name=source.name, steps=list(source.steps), purpose=source.purpose,
                            image=source.image, dose=dose, equipment=source.equipment,
                            cautions=list(source.cautions), video=source.video,
                            note=entry.note, origin=origin,
                            use=entry.use if isinstance(entry, ExerciseRef) else None)
        views.append(view)
        sources[id(view)] = (source, base_doc if isinstance(entry, ExerciseRef) else doc,
                             () if isinstance(entry, ExerciseRef) else where, where + ("note",))
        if isinstance(entry, ExerciseRef) and not (entry.dosage and entry.dosage.limb):
            _limb_from_file(limb_at, view, base, base_doc)
    # Per-patient program edits (--skip, --add); numbers are the handout's own card numbers.
    added, skipped = _edit_program(views, skip, add, dose_overrides or {}, library, known, texts, problems, page)
    for view in added:
        base, base_doc, _ = library.exercise(view.use or "")
        _limb_from_file(limb_at, view, base, base_doc)
    # Per-exercise dose overrides from the command line (--dose ID.FIELD=VALUE).
    given: dict[tuple[int, str], str] = {}
    for key, changes in (dose_overrides or {}).items():
        matches = [v for number, v in enumerate(views, 1) if key in (v.use, str(number))]
        matches += [v for v in added if v.use == key]
        if not matches:
            problems.append(Problem("command line", None, f"--dose {key}",
                                    f'no exercise "{key}" in this handout; use its id or its number'))
            continue
        try:
            extra = DoseFields.model_validate(changes)
        except ValidationError as exc:
            for err in exc.errors():
                name = ".".join(str(p) for p in err["loc"])
                msg = err["msg"] if err["type"] == "hg" else \
                    ("unknown dose field; use sets, reps, hold, duration, rest, side, limb, "
                     "times_per_day or days_per_week" if err["type"] == "extra_forbidden" else err["msg"])
                # The model's advice for a zero is a file's ("leave hold out"); an override only changes one.
                msg = re.sub(rf"; for [^;]*, leave {re.escape(name)} out; else give",
                             f"; a --dose override changes the exercise's {name} but cannot take it away: give", msg)
                problems.append(Problem("command line", None, f"--dose {key}.{name}", msg))
            continue
        for view in matches:
            for name in changes:  # one field given two ways (by id and by number): never silently chosen
                earlier = given.setdefault((id(view), name), f"{key}.{name}={changes[name]}")
                if earlier != f"{key}.{name}={changes[name]}" and getattr(extra, name, None) != getattr(
                        view.dose, name, None):
                    problems.append(Problem("command line", None, f"--dose {key}.{name}",
                                            f'"--dose {earlier}" and "--dose {key}.{name}={changes[name]}" '
                                            "change the same exercise's dose two ways; give it once"))
            view.dose = (view.dose or DoseFields()).merged(extra)
            if extra.limb is not None:  # the limb is now the command line's
                limb_at.pop(id(view), None)
    views = [v for v in views if id(v) not in skipped] + added
    for view in views:
        if view.dose is not None and not view.dose.is_complete():
            o = view.origin
            problems.append(Problem(o.file, o.line, o.field + ".dosage", INCOMPLETE_DOSE))
        if view.dose is not None and view.dose.limb is not None and view.dose.side is None:
            o = limb_at.get(id(view)) or Origin(view.origin.file, view.origin.line, view.origin.field + ".dosage.limb")
            problems.append(Problem(o.file, o.line, o.field, LIMB_WITHOUT_SIDE))
        if view.image:
            found[view.image] = library.image_path(view.image)
    # Where each picture is named (a broken one is reported there), and the files' own warnings.
    uses: dict[str, list[Origin]] = {}
    if brand.logo:
        _use(uses, brand.logo, brand_doc, ("logo",))
    warned = [doc, brand_doc]
    for view in views:
        if id(view) in sources:
            source_doc, at = sources[id(view)][1], sources[id(view)][2]
        else:  # added with --add
            source_doc, at = library.exercise(view.use or "")[1], ()
        if source_doc is None:
            continue
        if view.image:
            _use(uses, view.image, source_doc, at + ("image",))
        if view.video:  # named where the link is written, not at the layout line that prints it
            from handoutgen.flowables import qr_problem

            too_long = qr_problem(view.video)
            if too_long is not None:
                problems.append(Problem(source_doc.file, source_doc.line_of(at + ("video",)), dotted(at + ("video",)),
                                        f"cannot be printed as a QR code: {too_long}"))
        if all(source_doc is not seen for seen in warned):
            warned.append(source_doc)
    people = {} if people is None else people  # cleaned in place: the caller's names are the cleaned ones
    for label, value in people.items():
        if value is None:
            continue
        try:
            people[label] = clean_text(value)
        except Exception as exc:  # PydanticCustomError: a message for the user
            problems.append(Problem("command line", None, f"--{label}", str(exc)))
            continue
        texts.append((people[label], Origin("command line", None, f"--{label}")))
    # The page's language: --lang, else the handout's `language:`; its texts from `translations:`.
    if lang is None and model.language is not None:
        lang = check_language(model.language, doc.file, doc.line_of(("language",)), "language")
    lang = lang or DEFAULT_LANGUAGE
    if lang != DEFAULT_LANGUAGE:
        brand = translate.brand(brand, brand_doc, lang, problems)
        model = translate.handout(model, doc, lang, problems)
        for view in views:
            if id(view) in sources:
                source, source_doc, at, note_at = sources[id(view)]
            else:  # added with --add
                source, source_doc, _ = library.exercise(view.use or "")
                at, note_at = (), ()
            translate.exercise(view, source, source_doc, at, lang, problems,
                               translate.note_of(model, lang, view.use) if view.use else None,
                               doc if view.use else None, note_at)
    if problems:
        raise HandoutError(problems)
    images = {k: v for k, v in found.items() if v is not None}
    deps = [clinic.brand_path, path] + sorted({clinic.exercises_dir / f"{v.use}.yaml" for v in views if v.use})
    deps += sorted(set(images.values()))
    return ResolvedHandout(id=path.stem, file=doc.file, brand=brand, model=model, exercises=views,
                           images=images, texts=texts, deps=deps, lang=lang, image_uses=uses,
                           warnings=[w for d in warned for w in d.warnings] + _warnings(doc, views))


def _limb_from_file(limb_at: dict[int, Origin], view: ExerciseView, base: Exercise | None,
                    doc: Document | None) -> None:
    """`view` takes its limb from its exercise's file: a limb without a side is reported there."""
    if base is not None and doc is not None and base.dosage is not None and base.dosage.limb is not None:
        limb_at[id(view)] = Origin(doc.file, doc.line_of(("dosage", "limb")), "dosage.limb")


def _use(uses: dict[str, list[Origin]], name: str, doc: Document, at: tuple) -> None:
    """`doc` names picture `name` at `at`: kept once per file (its first place)."""
    origins = uses.setdefault(name, [])
    if all(origin.file != doc.file for origin in origins):
        origins.append(Origin(doc.file, doc.line_of(at), dotted(at)))


def _edit_program(views: list[ExerciseView], skip: tuple[str, ...], add: tuple[str, ...],
                  doses: dict[str, dict[str, str]], library: Library, known: list[str],
                  texts: list[tuple[str, Origin]], problems: list[Problem],
                  lang: str = DEFAULT_LANGUAGE) -> tuple[list[ExerciseView], set[int]]:
    """One patient's program: the exercises `add`ed (library ids, with their default dose) and
    the `id()`s of those to `skip` (ids or the handout's card numbers). Options that contradict
    each other for one exercise are problems naming both."""
    def wrong(option: str, message: str) -> None:
        problems.append(Problem("command line", None, option, message))

    def numbered(key: str) -> list[tuple[int, ExerciseView]]:
        return [(n, v) for n, v in enumerate(views, 1) if key in (v.use, str(n))]

    ids = [v.use for v in views if v.use]
    skipped: set[int] = set()
    for key in dict.fromkeys(skip):  # the same exercise named twice is skipped once
        matches = numbered(key)
        if not matches:
            if key in add:
                wrong(f"--skip {key}", f'"--skip {key}" and "--add {key}" contradict each other; give one of them')
                continue
            close = closest(key, ids)
            hint = f'did you mean "{close}"?' if close else \
                f"use its id ({', '.join(ids) or 'none'}) or its card number (1-{len(views)})"
            wrong(f"--skip {key}", f'no exercise "{key}" in this handout; {hint}')
            continue
        for number, view in matches:
            for dosed, changes in doses.items():
                if dosed in (view.use, str(number)):
                    name = next(iter(changes), "FIELD")
                    wrong(f"--skip {key}", f'"--skip {key}" and "--dose {dosed}.{name}={changes.get(name, "")}" '
                                           "both name one exercise: a skipped exercise has no dose to change; "
                                           "give one of them")
            skipped.add(id(view))
    if views and len(skipped) == len(views) and not add:
        wrong("--skip", "skips every exercise of the handout; keep at least one, or --add another")
    added: list[ExerciseView] = []
    for ex_id in dict.fromkeys(add):
        option = f"--add {ex_id}"
        if add.count(ex_id) > 1:
            wrong(option, f'"--add {ex_id}" is given {add.count(ex_id)} times; give it once')
        if ex_id in ids:
            number = next(n for n, v in enumerate(views, 1) if v.use == ex_id)
            if ex_id in skip or str(number) in skip:
                wrong(option, f'"--add {ex_id}" and "--skip {ex_id if ex_id in skip else number}" contradict '
                              "each other; give one of them")
            else:
                wrong(option, f'"{ex_id}" is already in this handout (card {number}); change its dose with '
                              f"--dose {ex_id}.FIELD=VALUE")
            continue
        if ex_id not in known:
            close = closest(ex_id, known)
            hint = f'did you mean "{close}"?' if close else f"known exercises: {', '.join(known) or 'none'}"
            wrong(option, f'no exercise "{ex_id}" in exercises/; {hint}')
            continue
        base, base_doc, base_problems = library.exercise(ex_id)
        if base is None:
            problems.extend(base_problems)
            continue
        texts.extend(library.texts(f"exercise {ex_id}", base, base_doc, lang))
        added.append(ExerciseView(name=base.name, steps=list(base.steps), purpose=base.purpose, image=base.image,
                                  dose=base.dosage, equipment=base.equipment, cautions=list(base.cautions),
                                  video=base.video, origin=Origin("command line", None, option), use=ex_id))
    if len(views) - len(skipped) + len(added) > MAX_EXERCISES:
        wrong("--add", f"would make more than {MAX_EXERCISES} exercises; split the program into two handouts")
    return added, skipped


def _raw_uses(doc: Document, known: list[str]) -> list[str]:
    """The exercise ids a handout that did not validate takes with `use:` (or bare), known ones only."""
    entries = doc.data.get("exercises") if isinstance(doc.data, dict) else None
    ids = [entry.get("use") if isinstance(entry, dict) else entry
           for entry in (entries[:MAX_EXERCISES] if isinstance(entries, list) else [])]
    return list(dict.fromkeys(ex_id for ex_id in ids if isinstance(ex_id, str) and ex_id in known))


def _unknown_uses(doc: Document, known: list[str]) -> list[Problem]:
    """`use:` ids (or bare ids) of the raw handout that name no exercise file."""
    entries = doc.data.get("exercises") if isinstance(doc.data, dict) else None
    problems = []
    # Only as many as a handout may hold (models.MAX_EXERCISES): past that the count is the problem.
    for i, entry in enumerate(entries[:MAX_EXERCISES] if isinstance(entries, list) else []):
        path = ("exercises", i, "use") if isinstance(entry, dict) else ("exercises", i)
        ex_id = entry.get("use") if isinstance(entry, dict) else entry
        if not isinstance(ex_id, str) or ex_id in known:
            continue
        close = closest(ex_id, known)
        hint = f'did you mean "{close}"?' if close else f"known exercises: {', '.join(known) or 'none'}"
        problems.append(Problem(doc.file, doc.line_of(path), dotted(path),
                                f'no exercise "{ex_id}" in exercises/; {hint}'))
    return problems


def _warnings(doc: Document, views: list[ExerciseView]) -> list[Problem]:
    return [Problem(v.origin.file, v.origin.line, v.origin.field,
                    f'"{v.name}" has no dosage; the patient will not know how much to do')
            for v in views if v.dose is None]
