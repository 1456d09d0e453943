"""Stage 3: typed models of brand.yaml, exercises/*.yaml and handouts/*.yaml.

Values arrive from the YAML loader as text, so every numeric or boolean field
parses text itself, strictly, with a message that says how to fix it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, NoReturn

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from handoutgen.dosage import Duration, ZeroDuration, parse_duration
from handoutgen.errors import closest
from handoutgen.limits import MARGIN, MAX_PAGES


def _fail(message: str) -> NoReturn:
    raise PydanticCustomError("hg", message)


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return f'"{value}"'


# ----------------------------------------------------------------- text ---

# Characters that would print as nothing or garbage: controls, zero-width
# and bidi controls. Tabs and newlines are whitespace and fold to a space.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}



# Limits no handout of MAX_PAGES pages can reach (docs/formats.md, "Limits"): past
# them a file is refused at once, naming the field, instead of being laid out for
# minutes only to fail. On 4 pages of 12 pt text with the narrowest margins there
# are about 250 lines of about 90 letters, and an exercise's card takes at least
# three lines.
MAX_TEXT = 20_000  # characters in one text field (whitespace folded): about 4 full pages
MAX_EXERCISES = 100  # exercises in one handout (about 56 of the smallest fit on 4 pages)
MAX_STEPS = 200  # steps or cautions of one exercise: at least a line each
MAX_SECTIONS = 100  # sections of a handout: a heading and an item each
MAX_ITEMS = 200  # items of one section: at least a line each


EMPTY_TEXT = "is empty; write the text or remove the field"
EMPTY_REQUIRED = "is required but empty; write the text"  # validate: for a field that cannot be removed


def clean_text(value: Any, *, paragraphs: bool = False) -> str:
    if isinstance(value, bool) or isinstance(value, (int, float)):
        value = str(value)
    if isinstance(value, dict):
        _fail("must be text, not a set of fields (a colon followed by a space starts a field: "
              "put the whole text in quotes)")
    if not isinstance(value, str):
        _fail(f"must be text, not {_shown(value)}")
    if len(value) > MAX_TEXT and len(" ".join(value.split())) > MAX_TEXT:  # before the slower checks
        _fail(f"is {len(' '.join(value.split())):,} characters long; at most {MAX_TEXT:,} fit on "
              f"{MAX_PAGES} pages: shorten it")
    value = unicodedata.normalize("NFC", value)
    # Printable ASCII (with line breaks and tabs) has no invisible characters and no accents.
    if not (value.isascii() and value.translate(_BREAKS).isprintable()):
        _check_characters(value)
    if paragraphs:
        parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", value)]
        value = "\n\n".join(p for p in parts if p)
    else:
        value = " ".join(value.split())
    if not value:
        _fail(EMPTY_TEXT)
    return value


_BREAKS = str.maketrans("", "", "\n\t\r")


def _check_characters(value: str) -> None:
    """No invisible character, and no accent the page could not place over its letter."""
    before = " "
    for ch in value:
        category = unicodedata.category(ch)
        if category in _INVISIBLE_CATEGORIES and ch not in "\n\t\r":
            name = unicodedata.name(ch, "control character")
            _fail(f"contains an invisible character U+{ord(ch):04X} ({name}); delete it")
        if category.startswith("M"):
            name = unicodedata.name(ch, "combining mark")
            # An accent with no letter before it sits on nothing and prints in the margin or over a space.
            if before.isspace():
                _fail(f"has an accent with no letter before it, U+{ord(ch):04X} ({name}); "
                      "type the letter first, or delete it")
            # One that no single letter has (after NFC) is a glyph of its own; ReportLab does not
            # position accents, so it would print beside its letter, even past the margin.
            _fail(f'has an accent on "{before}" that no single letter carries, U+{ord(ch):04X} ({name}); '
                  "handoutgen cannot place it over the letter: use a letter with the accent built in, "
                  "or leave the accent out")
        before = ch


def _text(value: Any) -> str:
    if value is None:
        _fail(EMPTY_TEXT)
    return clean_text(value)


def _paragraphs(value: Any) -> str:
    if isinstance(value, list):  # a list of paragraphs is fine too
        value = "\n\n".join(clean_text(v) for v in value)
    if value is None:
        _fail(EMPTY_TEXT)
    return clean_text(value, paragraphs=True)


Text = Annotated[str, BeforeValidator(_text)]
Paragraphs = Annotated[str, BeforeValidator(_paragraphs)]


def at_most(limit: int, what: str, advice: str):
    """A list of at most `limit` items, checked before any item is."""

    def check(value: Any) -> Any:
        if isinstance(value, list) and len(value) > limit:
            _fail(f"{len(value):,} {what}; at most {limit:,} fit on a handout of {MAX_PAGES} pages: {advice}")
        return value

    return BeforeValidator(check)


def _text_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


TextList = Annotated[list[Text], BeforeValidator(_text_list)]

# -------------------------------------------------------------- numbers ---


def count(low: int, high: int) -> BeforeValidator:
    """The validator of a whole number from `low` to `high`: Annotated[int, count(low, high)]."""
    def check(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"[1-9][0-9]{0,5}|0", value.strip()):
            number = int(value)
        else:
            extra = ""
            if isinstance(value, str) and re.fullmatch(r"0[0-9]+", value.strip()):
                extra = " without leading zeros"
            _fail(f"must be a whole number from {low} to {high}{extra} (got {_shown(value)})")
        if not low <= number <= high:
            _fail(f"must be a whole number from {low} to {high} (got {_shown(value)})")
        return number

    return BeforeValidator(check)


# What a zero in each duration field is not, and what to do instead.
_ZERO_IS_NOT = {"hold": ("a hold", "no hold"), "rest": ("a rest", "no rest"),
                "duration": ("a duration", "no set time")}


def _duration(value: Any, info: ValidationInfo) -> Duration:
    if isinstance(value, Duration):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        _fail(f"must be a duration such as 30 s or 1 min (got {_shown(value)})")
    try:
        return parse_duration(value)
    except ZeroDuration:
        name = info.field_name or "duration"
        what, none = _ZERO_IS_NOT.get(name, ("a duration", "none"))
        _fail(f'is zero, and zero is not {what} (got "{value.strip()}"); for {none}, leave {name} out; '
              "else give at least 1 s, e.g. 30 s")
    except ValueError as exc:
        _fail(str(exc))


DurationValue = Annotated[Duration, BeforeValidator(_duration)]


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    _fail(f"must be true or false (got {_shown(value)})")


Boolean = Annotated[bool, BeforeValidator(_boolean)]


def choice(*options: str) -> BeforeValidator:
    """The validator of one of `options` (any case): Annotated[str, choice(...)]."""
    def check(value: Any) -> str:
        if isinstance(value, str) and value.strip().lower() in options:
            return value.strip().lower()
        hint = ""
        if isinstance(value, str):
            close = closest(value.strip().lower(), options)
            hint = f'; did you mean "{close}"?' if close else ""
        _fail(f"must be one of {', '.join(options)} (got {_shown(value)}){hint}")

    return BeforeValidator(check)


# ------------------------------------------------------- names and paths ---


def _identifier(value: Any) -> str:
    value = _text(value)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        _fail(f'must be an exercise id: the file name in exercises/ without ".yaml", '
              f'in lower case, e.g. calf-stretch (got "{value}")')
    return value


Identifier = Annotated[str, BeforeValidator(_identifier)]


def _relative_file(value: Any) -> str:
    value = _text(value)
    parts = re.split(r"[\\/]", value)
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value) or ".." in parts:
        _fail(f'must be a file name inside the clinic\'s images/ folder, e.g. logo.png (got "{value}")')
    return value


RelativeFile = Annotated[str, BeforeValidator(_relative_file)]
relative_file = _relative_file  # the same check, for a value read before its file validates


def _url(value: Any) -> str:
    value = _text(value)
    if not re.fullmatch(r"https://[^\s<>\"]+\.[^\s<>\"]+", value):
        _fail(f'must be a web address starting with https:// (got "{value}")')
    return value


Url = Annotated[str, BeforeValidator(_url)]


def _color(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value.strip()):
        _fail(f'must be a colour written as # and six hex digits, e.g. "#1B5E8C" (got {_shown(value)}); '
              "put it in quotes")
    value = value.strip().upper()
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value


Color = Annotated[str, BeforeValidator(_color)]

_UNITS = {"in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "pt": 1.0}
MARGIN_RANGE = (18.0, 108.0)  # 0.25 in (what home printers cannot print) to 1.5 in


def _margin(value: Any) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(in|mm|cm|pt)\s*", value) if isinstance(value, str) else None
    if not match:
        _fail(f'must be a length with its unit, e.g. "0.5 in", "12 mm" or "36 pt" (got {_shown(value)})')
    points = float(match.group(1)) * _UNITS[match.group(2)]
    low, high = MARGIN_RANGE
    if not low <= points <= high:
        _fail(f"must be from 0.25 in (6.4 mm) to 1.5 in (38 mm); home printers cannot print the outer "
              f"quarter inch, and wider margins waste room for large text (got {value.strip()})")
    return points


Margin = Annotated[float, BeforeValidator(_margin)]

# --------------------------------------------------------------- models ---



class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class DoseFields(Strict):
    """A dose as written; in a handout it overrides the exercise's fields one by one."""

    sets: Annotated[int, count(1, 20)] | None = None
    reps: Annotated[int, count(1, 100)] | None = None
    hold: DurationValue | None = None
    duration: DurationValue | None = None
    rest: DurationValue | None = None
    side: Annotated[str, choice("each", "left", "right", "both", "alternating")] | None = None
    limb: Annotated[str, choice("leg", "arm", "foot", "hand", "side")] | None = None
    times_per_day: Annotated[int, count(1, 12)] | None = None
    days_per_week: Annotated[int, count(1, 7)] | None = None

    def merged(self, override: DoseFields | None) -> DoseFields:
        if override is None:
            return self
        changes = {k: v for k, v in override if v is not None}
        return self.model_copy(update=changes)

    def is_complete(self) -> bool:
        return any(v is not None for v in (self.reps, self.hold, self.duration))


INCOMPLETE_DOSE = "needs at least one of reps, hold or duration"


class Dosage(DoseFields):
    @model_validator(mode="after")
    def _needs_amount(self):
        if not self.is_complete():
            _fail(INCOMPLETE_DOSE)
        return self


class ExerciseTranslation(Strict):
    """An exercise's text in another language (docs/languages.md); steps and cautions one for one."""

    name: Text | None = None
    purpose: Text | None = None
    steps: Annotated[list[Text], at_most(MAX_STEPS, "steps", "shorten the list")] | None = None
    equipment: Text | None = None
    cautions: Annotated[TextList, at_most(MAX_STEPS, "cautions", "shorten the list")] | None = None
    note: Text | None = None


LanguageCode = Annotated[str, BeforeValidator(lambda v: _language(v))]


LANGUAGE_CODE_MAX = 20  # characters of a language code (en, es, pt-BR, ...)


def _language(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > LANGUAGE_CODE_MAX or not value.isascii():
        _fail(f"must be a language code such as en or es (got {_shown(value)})")
    return value.strip()


class Exercise(Strict):
    name: Text
    image: RelativeFile | None = None
    purpose: Text | None = None
    steps: Annotated[list[Text], at_most(MAX_STEPS, "steps", "shorten the list")] = Field(min_length=1)
    dosage: Dosage | None = None
    equipment: Text | None = None
    cautions: Annotated[TextList, at_most(MAX_STEPS, "cautions", "shorten the list")] = []
    video: Url | None = None
    translations: dict[LanguageCode, ExerciseTranslation] = {}  # by language code: docs/languages.md


class InlineExercise(Exercise):
    note: Text | None = None


class ExerciseRef(Strict):
    use: Identifier
    dosage: DoseFields | None = None
    note: Text | None = None


def _entry_kind(value: Any) -> str:
    return "<ref>" if isinstance(value, dict) and "use" in value else "<inline>"


def _shorthand(value: Any) -> Any:
    return {"use": value} if isinstance(value, str) else value


ExerciseEntry = Annotated[
    Annotated[ExerciseRef, Tag("<ref>")] | Annotated[InlineExercise, Tag("<inline>")],
    Discriminator(_entry_kind),
    BeforeValidator(_shorthand),
]
UNION_MODELS: dict[str, type[Strict]] = {"<ref>": ExerciseRef, "<inline>": InlineExercise}
UNION_TAGS = set(UNION_MODELS)


class Section(Strict):
    heading: Text
    items: Annotated[list[Text], at_most(MAX_ITEMS, "items", "shorten the list")] | None = \
        Field(default=None, min_length=1)
    text: Paragraphs | None = None

    @model_validator(mode="after")
    def _one_body(self):
        if (self.items is None) == (self.text is None):
            _fail("needs either items: (a list) or text: (a paragraph), not both or neither")
        return self


class ChecklistOptions(Strict):
    days: Annotated[int, count(7, 28)] = 14
    pain_score: Boolean = True


class SectionTranslation(Strict):
    heading: Text | None = None
    items: Annotated[list[Text], at_most(MAX_ITEMS, "items", "shorten the list")] | None = None
    text: Paragraphs | None = None


class NoteTranslation(Strict):
    note: Text | None = None


class HandoutTranslation(Strict):
    """A handout's text in another language; sections one for one, notes by exercise id."""

    title: Text | None = None
    summary: Paragraphs | None = None
    sections: Annotated[list[SectionTranslation], at_most(MAX_SECTIONS, "sections", "shorten the list")] \
        | None = None
    exercises: dict[Identifier, NoteTranslation] = {}


class BrandTranslation(Strict):
    clinic: Text | None = None
    tagline: Text | None = None
    address: Text | None = None
    safety: Text | None = None
    footer: Text | None = None


class HandoutFile(Strict):
    title: Text
    summary: Paragraphs | None = None
    exercises: Annotated[list[ExerciseEntry], at_most(MAX_EXERCISES, "exercises", "split it into several handouts")] \
        = Field(min_length=1)
    sections: Annotated[list[Section], at_most(MAX_SECTIONS, "sections", "split it into several handouts")] = []
    checklist: ChecklistOptions = ChecklistOptions()
    pages: Annotated[int, count(1, MAX_PAGES)] | None = None  # up to this many pages; None: the brand's default
    language: LanguageCode | None = None  # the page's language (docs/languages.md); --lang overrides it
    # The languages it is written in: build and check skip the clinic's others for it (docs/languages.md).
    languages: Annotated[list[LanguageCode], Field(min_length=1)] | None = None
    translations: dict[LanguageCode, HandoutTranslation] = {}
    large_print: Boolean | None = None  # body text 18 pt (floor 16); None: the brand's choice


class Colors(Strict):
    primary: Color = "#1B5E8C"
    accent: Color = "#E8772E"


class Brand(Strict):
    clinic: Text
    tagline: Text | None = None
    phone: Text
    address: Text | None = None
    website: Text | None = None
    email: Text | None = None
    logo: RelativeFile | None = None
    colors: Colors = Colors()
    font: Text = "Atkinson Hyperlegible"
    font_bold: Text | None = None
    page_size: Annotated[str, choice("letter", "a4")] = "letter"
    margins: Margin = MARGIN
    safety: Text | None = None
    footer: Text | None = None
    pages: Annotated[int, count(1, MAX_PAGES)] = 1  # the clinic's default for `pages:` in a handout
    translations: dict[LanguageCode, BrandTranslation] = {}  # docs/languages.md
    large_print: Boolean = False  # the clinic's default for `large_print:` in a handout
    languages: list[LanguageCode] | None = None  # build and check: every language listed (docs/languages.md)
