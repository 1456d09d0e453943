"""Translated content: a page in language L takes every clinic text from the
`translations: {L: ...}` of its brand, handout and exercises (docs/languages.md).

A page never mixes languages: every text the page would print needs its
translation, and each one missing is reported with its file and line.
"""

from __future__ import annotations

from handoutgen.errors import Problem
from handoutgen.i18n import DEFAULT
from handoutgen.models import Brand, Exercise, ExerciseRef, HandoutFile
from handoutgen.yamlload import Document, dotted

LANGUAGE_NAMES = {"es": "Spanish", "en": "English", "fr": "French", "pt": "Portuguese", "de": "German"}

# The texts a page in another language takes from `translations:` (a missing one is an error).
EXERCISE_FIELDS = ("name", "purpose", "steps", "equipment", "cautions")
HANDOUT_FIELDS = ("title", "summary")  # and its sections, one for one
BRAND_FIELDS = ("tagline", "safety", "footer")
BRAND_KEPT = ("clinic", "address")  # names and addresses may stay as they are


def replaced(model, lang: str) -> tuple[str, ...]:
    """The fields of `model` (a brand, handout, exercise or an exercise taken with use:)
    whose own text a page in `lang` does not print: its translation replaces it. Their
    characters are checked on that language's page only (pipeline.check_characters)."""
    if lang == DEFAULT:
        return ()
    if isinstance(model, Exercise):
        return (*EXERCISE_FIELDS, "note")
    if isinstance(model, ExerciseRef):
        return ("note",)  # by the handout's translations: LANG: exercises: ID: note:
    if isinstance(model, HandoutFile):
        return (*HANDOUT_FIELDS, "sections")
    if isinstance(model, Brand):
        tr = model.translations.get(lang)
        return BRAND_FIELDS + tuple(name for name in BRAND_KEPT if tr is not None and getattr(tr, name) is not None)
    return ()


def _missing(doc: Document, path: tuple, lang: str, field: str) -> Problem:
    """`field` (dotted, under translations.LANG) is missing; the line is the text to translate."""
    name = LANGUAGE_NAMES.get(lang, f'"{lang}"')
    return Problem(doc.file, doc.line_of(path), f"translations.{lang}.{field}",
                   f"is missing: the page is in {name}, and a page never mixes languages; translate "
                   f"{dotted(path) or field} under translations: {lang}: (docs/languages.md)")


def _one(value, translated, doc: Document, path: tuple, lang: str, field: str, problems: list[Problem],
         at: tuple = ()):
    """The translation of one text (or list of texts), or the original after noting the problem;
    `at`: where the text's owner is in `doc` (an inline exercise's place in its handout)."""
    if value is None or value == [] or value == "":
        return value
    if translated is None:
        problems.append(_missing(doc, path, lang, field))
        return value
    if isinstance(value, list) and len(translated) != len(value):
        problems.append(Problem(doc.file, doc.line_of(at + ("translations", lang, field)) or doc.line_of(path),
                                f"translations.{lang}.{field}",
                                f"has {len(translated)} {'entry' if len(translated) == 1 else 'entries'} but "
                                f"{dotted(path)} has {len(value)}; "
                                "translate each one, in the same order"))
        return value
    return list(translated) if isinstance(value, list) else translated


def exercise(view, source, doc: Document, where: tuple, lang: str, problems: list[Problem],
             note_translation=None, note_doc: Document | None = None, note_path: tuple = ()) -> None:
    """Put `lang`'s text into `view` (an ExerciseView made from `source`, found at `where` in `doc`)."""
    if lang == DEFAULT:
        return
    tr = source.translations.get(lang)

    def get(name):
        return getattr(tr, name, None) if tr is not None else None

    for name in EXERCISE_FIELDS:
        value = getattr(view, name)
        setattr(view, name, _one(value, get(name), doc, where + (name,), lang, name, problems, where))
    if view.note:
        if note_doc is not None:  # a library exercise: the handout's note is translated in the handout
            view.note = _one(view.note, note_translation, note_doc, note_path, lang,
                             f"exercises.{view.use}.note", problems)
        else:
            view.note = _one(view.note, get("note"), doc, where + ("note",), lang, "note", problems, where)


def handout(model, doc: Document, lang: str, problems: list[Problem]):
    """The handout with `lang`'s title, summary and sections."""
    if lang == DEFAULT:
        return model
    tr = model.translations.get(lang)
    changes = {}
    for name in HANDOUT_FIELDS:
        changes[name] = _one(getattr(model, name), getattr(tr, name, None) if tr else None,
                             doc, (name,), lang, name, problems)
    sections = []
    given = (tr.sections if tr is not None else None) or []
    if model.sections and tr is not None and tr.sections is not None and len(given) != len(model.sections):
        problems.append(Problem(doc.file, doc.line_of(("translations", lang, "sections")),
                                f"translations.{lang}.sections",
                                f"has {len(given)} sections but the handout has {len(model.sections)}; "
                                "translate each one, in the same order"))
        return model
    for i, section in enumerate(model.sections):
        st = given[i] if i < len(given) else None
        fields = {}
        for name in ("heading", "items", "text"):
            fields[name] = _one(getattr(section, name), getattr(st, name, None) if st else None,
                                doc, ("sections", i, name), lang, f"sections[{i}].{name}", problems)
        sections.append(section.model_copy(update=fields))
    changes["sections"] = sections
    return model.model_copy(update=changes)


def note_of(model, lang: str, use: str | None):
    tr = model.translations.get(lang)
    if tr is None or use is None or use not in tr.exercises:
        return None
    return tr.exercises[use].note


def brand(brand_model, doc: Document, lang: str, problems: list[Problem]):
    """The brand with `lang`'s tagline, safety line and footer (and clinic name or address, if given)."""
    if lang == DEFAULT:
        return brand_model
    tr = brand_model.translations.get(lang)
    changes = {}
    for name in BRAND_FIELDS:
        changes[name] = _one(getattr(brand_model, name), getattr(tr, name, None) if tr else None,
                             doc, (name,), lang, name, problems)
    for name in BRAND_KEPT:
        if tr is not None and getattr(tr, name) is not None:
            changes[name] = getattr(tr, name)
    return brand_model.model_copy(update=changes)
