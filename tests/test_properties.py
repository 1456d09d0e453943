"""Property-based tests: any handout, with any brand, either prints every
word, or is refused with a user-facing message; never another exception.

Most examples are valid (texts of the scripts the fonts cover, valid doses,
links, colours that pass the contrast check), so they render and every word
is looked for on the page; a few mix in anything at all (controls, invisible
characters, other scripts, emoji, bad doses, bad links and colours), which
must be refused by name. The test counts how many examples rendered and
fails if too few did: a refusal passes the property, but proves nothing
about printing.

Default: 120 examples, derandomized (CI is repeatable). A longer, random
search: HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_properties.py -s
"""

from __future__ import annotations

import io
import os
import shutil
import unicodedata
from collections import Counter

import pypdf
import pytest
import yaml
from fontTools.ttLib import TTFont
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import REPO, check_pdf
from handoutgen import contrast, models
from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError
from handoutgen.fonts import default_font_files, fallback_source
from handoutgen.models import clean_text
from handoutgen.pipeline import Discharge, Renderer

settings.register_profile("default", max_examples=120, derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

RENDERED_AT_LEAST = 0.7  # of the examples of the handout property

# ---------------------------------------------------------------- texts ----

ANY_CHAR = st.characters(exclude_categories=("Cs",))


def _cmap(path) -> set[int]:
    return set(TTFont(str(path), lazy=True).getBestCmap())


_REGULAR, _BOLD = default_font_files()
_MAIN = _cmap(_REGULAR) & _cmap(_BOLD)
_WRITTEN = [c for c in range(0x20, 0x530) if unicodedata.category(chr(c)).startswith(("L", "N", "P", "Zs", "S", "M"))]
# Letters, digits, punctuation, symbols and accents of Latin, Greek and
# Cyrillic that a font draws: the clinic's own text (brand.yaml) must be in
# the brand font (Atkinson Hyperlegible); a handout's may use the fallback (Noto Sans) too.
BRAND_CHARS = st.sampled_from([chr(c) for c in _WRITTEN if c in _MAIN])
_FALLBACK = _cmap(fallback_source())
COVERED = st.sampled_from([chr(c) for c in _WRITTEN if c in _MAIN or c in _FALLBACK])


def _written(text: str) -> str:
    """As a person types it: an accent follows a letter that has it built in (é as e + U+0301;
    any other accent is refused, see test_an_accent_no_single_letter_carries_is_refused), and
    there is some text."""
    out: list[str] = []
    for ch in text:
        if unicodedata.category(ch).startswith("M"):
            if not out or len(unicodedata.normalize("NFC", out[-1] + ch)) != 1:
                continue
            out[-1] = unicodedata.normalize("NFC", out[-1] + ch)
            continue
        out.append(ch)
    text = "".join(out)
    return text if text.strip() else "Rest"


def clean(alphabet=COVERED, max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=max_size).map(_written)


CLEAN_TEXT = clean()
SHORT_TEXT = clean(max_size=24)
BRAND_TEXT = clean(BRAND_CHARS, 24)
WILD_TEXT = st.one_of(CLEAN_TEXT, st.text(st.characters(categories=("L", "N", "P", "Zs", "S")), min_size=1,
                                          max_size=30), st.text(ANY_CHAR, min_size=1, max_size=20))

# ---------------------------------------------------------------- values ---

VALID_AMOUNT = st.integers(1, 12).map(str)
WILD_AMOUNT = st.one_of(VALID_AMOUNT, st.integers(-5, 150).map(str),
                        st.sampled_from(["1:30", "010", "1e3", "3.5", "ten", ""]), WILD_TEXT)
VALID_DURATION = st.sampled_from(["30 s", "1 min", "1 min 30 s", "45 s", "10 s"])
WILD_DURATION = st.one_of(VALID_DURATION, st.sampled_from(["2 h", "0 s", "90", "1:30"]), WILD_TEXT)
PATH = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_/"), max_size=20)
VALID_URL = st.builds("https://{}/{}".format, st.sampled_from(["example.org", "video.example.com", "pt.example"]),
                      PATH)
WILD_URL = st.one_of(VALID_URL, st.sampled_from(["http://example.org/x", "example.org", "https://nodot",
                                                 "https://a b.org", "ftp://example.org/x"]), WILD_TEXT)
HEX = st.integers(0, 0xFFFFFF).map("#{:06X}".format)


def _readable(primary: str) -> str:
    """The primary colour, darkened until it passes the contrast check."""
    if not contrast.problems(primary, "#E8772E"):
        return primary
    return contrast.darker(primary, [contrast.WHITE, lambda c: contrast.tint(c, 0.10)], contrast.TEXT_MIN)


def _light_enough(accent: str) -> str:
    return accent if not contrast.problems("#1B5E8C", accent) else contrast.tint(accent, 0.5)


VALID_COLORS = st.fixed_dictionaries({"primary": HEX.map(_readable), "accent": HEX.map(_light_enough)})
WILD_COLORS = st.one_of(VALID_COLORS, st.fixed_dictionaries({"primary": st.one_of(HEX, WILD_TEXT)},
                                                            optional={"accent": st.one_of(HEX, WILD_TEXT)}))
VALID_MARGIN = st.sampled_from(["0.5 in", "36 pt", "18 mm", "0.75 in", "0.3 in"])
WILD_MARGIN = st.one_of(VALID_MARGIN, st.sampled_from(["0.1 in", "2 in", "36", "-1 in", "wide"]), WILD_TEXT)

# ------------------------------------------------------------- handouts ----


def handouts(text, amount, duration, url, days):
    side = st.sampled_from(["each", "left", "right", "both", "alternating"])
    dose = st.one_of(
        st.fixed_dictionaries({"reps": amount}, optional={"sets": amount, "hold": duration, "rest": duration,
                                                         "times_per_day": amount, "days_per_week": days,
                                                         "side": side}),
        st.fixed_dictionaries({"duration": duration, "side": side,
                               "limb": st.sampled_from(["leg", "arm", "foot", "hand"])},
                              optional={"times_per_day": amount}))
    exercise = st.fixed_dictionaries(
        {"name": text, "steps": st.lists(text, min_size=1, max_size=3)},
        optional={"purpose": text, "note": text, "dosage": dose, "cautions": st.lists(text, max_size=2),
                  "equipment": text, "video": url})
    library = st.fixed_dictionaries({"use": st.sampled_from(["calf-stretch", "push-off"])},
                                    optional={"note": text, "dosage": dose})
    section = st.one_of(st.fixed_dictionaries({"heading": text, "items": st.lists(text, min_size=1, max_size=3)}),
                        st.fixed_dictionaries({"heading": text, "text": st.one_of(text, st.lists(text, min_size=1,
                                                                                                 max_size=2))}))
    return st.fixed_dictionaries(
        {"title": text, "exercises": st.lists(st.one_of(*[exercise] * 4, library), min_size=1, max_size=3)},
        optional={"summary": text, "sections": st.lists(section, max_size=2), "pages": st.sampled_from(["1", "2"])})


def brands(text, colors, margin):
    return st.fixed_dictionaries(
        {"clinic": text, "phone": text},
        optional={"tagline": text, "address": text, "footer": text, "safety": text, "colors": colors,
                  "margins": margin, "page_size": st.sampled_from(["letter", "a4"])})


VALID = (handouts(CLEAN_TEXT, VALID_AMOUNT, VALID_DURATION, VALID_URL, st.integers(1, 7).map(str)),
         brands(BRAND_TEXT, VALID_COLORS, VALID_MARGIN), st.one_of(st.none(), SHORT_TEXT))
WILD = (handouts(WILD_TEXT, WILD_AMOUNT, WILD_DURATION, WILD_URL, WILD_AMOUNT),
        brands(WILD_TEXT, WILD_COLORS, WILD_MARGIN), st.one_of(st.none(), WILD_TEXT))
# Valid in every part, or wild in one part (so that part's refusal is what is tested).
# (st.one_of would merge the copies of one strategy that weight it: a mode is drawn instead.)
EXAMPLE = st.sampled_from([None] * 10 + [0, 1, 2]).flatmap(
    lambda wild: st.tuples(*(WILD[i] if i == wild else VALID[i] for i in range(3))))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Clinic:
    root = tmp_path_factory.mktemp("prop") / "clinic"
    root.mkdir()
    shutil.copy(REPO / "brand.yaml", root / "brand.yaml")
    for folder in ("exercises", "images"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "handouts").mkdir()
    return Clinic.open(root)


def _strings(handout: dict, brand: dict) -> list[str]:
    """Every text the page must show, as the tool normalises it."""
    out = [handout["title"], handout.get("summary")]
    for ex in handout["exercises"]:
        out += [ex.get("name"), ex.get("purpose"), ex.get("note"), ex.get("equipment"), ex.get("video"),
                *ex.get("steps", []), *ex.get("cautions", [])]
    for section in handout.get("sections", []):
        body = section.get("text", [])
        out += [section["heading"], *section.get("items", []), *(body if isinstance(body, list) else [body])]
    out += [brand.get(field) for field in ("clinic", "tagline", "phone", "address", "footer", "safety")]
    return [clean_text(s) for s in out if s is not None]


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _field(exc: HandoutError) -> str:
    first = exc.problems[0]
    return f"{first.file.rsplit('/', 1)[-1].split('.')[0]}: {first.field.split('.')[0] or '(file)'}"


def test_any_handout_prints_every_word_or_is_refused_clearly(clinic, capsys):
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    brand_path = clinic.root / "prop-brand.yaml"
    path = clinic.handouts_dir / "prop.yaml"

    @given(example=EXAMPLE)
    def one(example):
        handout, brand, patient = example
        path.write_text(yaml.safe_dump(handout, allow_unicode=True, sort_keys=False), encoding="utf-8")
        brand_path.write_text(yaml.safe_dump(brand, allow_unicode=True, sort_keys=False), encoding="utf-8")
        renderer = Renderer(Clinic.open(clinic.root, brand_path))
        try:
            rendered = renderer.render(path, Discharge(patient=patient))
        except HandoutError as exc:
            assert exc.problems and all(p.message for p in exc.problems)
            assert "Traceback" not in str(exc)
            counts["refused"] += 1
            reasons[str(exc.problems[0])[:150]] += 1
            event(f"refused ({_field(exc)})")
            return
        counts["rendered"] += 1
        event("rendered")
        out = clinic.root / "out" / "prop.pdf"
        out.parent.mkdir(exist_ok=True)
        out.write_bytes(rendered.pdf)
        check_pdf(out, margin=models._margin(brand["margins"]) if "margins" in brand
                  else models.Brand.model_fields["margins"].default)
        pages = pypdf.PdfReader(str(out)).pages
        assert len(pages) <= int(handout.get("pages", 1))
        text = _squeezed(" ".join(page.extract_text() for page in pages))
        for expected in _strings(handout, brand) + ([clean_text(patient)] if patient else []):
            assert _squeezed(expected) in text, f"{expected!r} is missing from the page"
        # The checklist of the same handout renders too (on at most 2 pages), or is refused clearly.
        try:
            checklist = renderer.render(path, Discharge(patient=patient), kind="checklist")
        except HandoutError as exc:
            event(f"checklist refused ({_field(exc)})")
            return
        assert len(pypdf.PdfReader(io.BytesIO(checklist.pdf)).pages) <= 2

    one()
    total = counts["rendered"] + counts["refused"]
    with capsys.disabled():
        print(f"\nproperty: {counts['rendered']} of {total} examples rendered, {counts['refused']} refused")
    assert counts["rendered"] >= RENDERED_AT_LEAST * total, (
        f"only {counts['rendered']} of {total} examples rendered: the strategies make too many invalid handouts; "
        "refused for: " + "; ".join(f"{n}× {r}" for r, n in reasons.most_common(8)))


@given(value=st.one_of(st.text(ANY_CHAR, max_size=30), st.integers(), st.floats(allow_nan=True),
                       st.booleans(), st.none(), st.lists(st.integers(), max_size=3),
                       st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)))
def test_any_yaml_value_in_any_field_is_a_clear_error_or_accepted(clinic, value):
    handout = {"title": value, "exercises": [{"name": "Walk", "steps": ["Walk."], "dosage": {"reps": value}}],
               "checklist": {"days": value, "pain_score": value}}
    path = clinic.handouts_dir / "value.yaml"
    path.write_text(yaml.safe_dump(handout, allow_unicode=True), encoding="utf-8")
    try:
        Renderer(clinic).render(path, Discharge())
    except HandoutError as exc:
        assert all(str(p).startswith("handouts/value.yaml") for p in exc.problems), exc.problems


def test_an_accent_no_single_letter_carries_is_refused(clinic, tmp_path):
    """Found by the property above: brand phone "0" + U+0300 (a grave accent on a digit, which
    no precomposed letter carries) printed its accent 4 pt past the right margin: ReportLab does
    not place accents over letters, so such an accent is refused, naming the field."""
    brand = clinic.root / "accent-brand.yaml"
    brand.write_text('clinic: Clinic\nphone: "0\u0300"\n', encoding="utf-8")
    path = clinic.handouts_dir / "accent.yaml"
    path.write_text("title: Walk\nexercises:\n  - name: Walk\n    steps: [\"Walk q\u0301uietly.\"]\n",
                    encoding="utf-8")
    with pytest.raises(HandoutError) as brand_error:
        Renderer(Clinic.open(clinic.root, brand)).render(path, Discharge())
    assert "phone" in str(brand_error.value) and "U+0300" in str(brand_error.value)
    with pytest.raises(HandoutError) as step_error:
        Renderer(Clinic.open(clinic.root)).render(path, Discharge())
    message = str(step_error.value)
    assert "accent.yaml:4: exercises[0].steps[0]" in message and "U+0301" in message, message
    # A letter that has the accent built in still prints (e + U+0301 is é).
    path.write_text("title: Walk\nexercises:\n  - name: Walk\n    steps: [\"Walk to the cafe\u0301.\"]\n",
                    encoding="utf-8")
    pdf = Renderer(Clinic.open(clinic.root)).render(path, Discharge()).pdf
    assert "café" in "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
