"""Property-based tests: any handout either prints every word on one page, or
is refused with a user-facing message; never another exception.

Default: 200 examples, derandomized (CI is repeatable). A longer, random
search: HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_properties.py
"""

from __future__ import annotations

import os
import shutil

import pypdf
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, check_pdf
from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError
from handoutgen.models import clean_text
from handoutgen.pipeline import Discharge, Renderer

settings.register_profile("default", max_examples=200, derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Most examples use the letters, digits, punctuation and accents of scripts
# the fonts cover (Latin, Greek, Cyrillic: Atkinson Hyperlegible, then Noto
# Sans) with valid doses, so they print and every word is checked; the others
# mix in any character at all (controls, invisible characters, other scripts,
# emoji) and any dose, which must be refused by name.
ANY_CHAR = st.characters(exclude_categories=("Cs",))
COVERED = st.characters(categories=("L", "N", "P", "Zs", "S", "M"), max_codepoint=0x52F)
CLEAN_TEXT = st.text(COVERED, min_size=1, max_size=40)
WILD_TEXT = st.one_of(CLEAN_TEXT, st.text(st.characters(categories=("L", "N", "P", "Zs", "S")), min_size=1,
                                          max_size=30), st.text(ANY_CHAR, min_size=1, max_size=20))
VALID_AMOUNT = st.integers(1, 12).map(str)
WILD_AMOUNT = st.one_of(VALID_AMOUNT, st.integers(-5, 150).map(str),
                        st.sampled_from(["1:30", "010", "1e3", "3.5", "ten", ""]), WILD_TEXT)
VALID_DURATION = st.sampled_from(["30 s", "1 min", "1 min 30 s", "45 s"])
WILD_DURATION = st.one_of(VALID_DURATION, st.sampled_from(["2 h", "0 s", "90", "1:30"]), WILD_TEXT)


def handouts(text, amount, duration):
    dose = st.fixed_dictionaries({"reps": amount}, optional={"sets": amount, "hold": duration,
                                                            "times_per_day": amount,
                                                            "side": st.sampled_from(["each", "left", "x"])})
    exercise = st.fixed_dictionaries(
        {"name": text, "steps": st.lists(text, min_size=1, max_size=4)},
        optional={"purpose": text, "note": text, "dosage": dose, "cautions": st.lists(text, max_size=2)})
    section = st.fixed_dictionaries({"heading": text, "items": st.lists(text, min_size=1, max_size=3)})
    return st.fixed_dictionaries(
        {"title": text, "exercises": st.lists(exercise, min_size=1, max_size=3)},
        optional={"summary": text, "sections": st.lists(section, max_size=2)})


HANDOUT = st.one_of(*[handouts(CLEAN_TEXT, VALID_AMOUNT, VALID_DURATION)] * 3,
                    handouts(WILD_TEXT, WILD_AMOUNT, WILD_DURATION))
TEXT = WILD_TEXT


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Clinic:
    root = tmp_path_factory.mktemp("prop") / "clinic"
    root.mkdir()
    shutil.copy(REPO / "brand.yaml", root / "brand.yaml")
    for folder in ("exercises", "images"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "handouts").mkdir()
    return Clinic.open(root)


def _strings(handout: dict) -> list[str]:
    """Every text the page must show, as the tool normalises it."""
    out = [handout["title"], handout.get("summary")]
    for ex in handout["exercises"]:
        out += [ex["name"], ex.get("purpose"), ex.get("note"), *ex["steps"], *ex.get("cautions", [])]
    for section in handout.get("sections", []):
        out += [section["heading"], *section["items"]]
    return [clean_text(s) for s in out if s is not None]


def _squeezed(text: str) -> str:
    return "".join(text.split())


@given(handout=HANDOUT, patient=st.one_of(st.none(), TEXT))
def test_any_handout_prints_every_word_or_is_refused_clearly(clinic, handout, patient):
    path = clinic.handouts_dir / "prop.yaml"
    path.write_text(yaml.safe_dump(handout, allow_unicode=True, sort_keys=False), encoding="utf-8")
    renderer = Renderer(clinic)
    try:
        rendered = renderer.render(path, Discharge(patient=patient))
    except HandoutError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        assert "Traceback" not in str(exc)
        return
    out = clinic.root / "out" / "prop.pdf"
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(rendered.pdf)
    check_pdf(out)
    pages = pypdf.PdfReader(str(out)).pages
    assert len(pages) == 1
    page = _squeezed(pages[0].extract_text())
    for text in _strings(handout) + ([clean_text(patient)] if patient else []):
        assert _squeezed(text) in page, f"{text!r} is missing from the page"
    # The checklist of the same handout renders too, or is refused clearly.
    try:
        checklist = renderer.render(path, Discharge(patient=patient), kind="checklist")
    except HandoutError:
        return
    assert len(pypdf.PdfReader(__import__("io").BytesIO(checklist.pdf)).pages) <= 2  # a checklist may take 2


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
