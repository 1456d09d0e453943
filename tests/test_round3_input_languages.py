"""Hardening, round three (issue 21), languages: one language's mistake fails that
language's page only; a language code under `translations:` that names no language is an
error with the code it was meant to be; an unknown field under `translations:` says which
fields are allowed there."""

from __future__ import annotations

import re

import pytest

from conftest import SAMPLE, assert_user_error, edit, line_of, render_checked, run

HANDOUT = f"handouts/{SAMPLE}.yaml"
SPANISH_TITLE = "Alivie el dolor de la artrosis de rodilla al caminar"
ENGLISH_TITLE = "Relieve Knee Arthritis Pain When Walking"
# A letter written right to left, and a character no font has (neither bundled font has a snowman).
MISTAKES = [("שלום", 'the character "ש" (U+05E9 HEBREW LETTER SHIN) is written right to left'),
            ("☃", 'the character "☃" (U+2603 SNOWMAN) is in no available font')]


def _english_then_spanish(clinic, tmp_path):
    """The sample rendered in English, then in Spanish, each to a file of its own."""
    english = run("render", SAMPLE, "-o", str(tmp_path / "en.pdf"), root=clinic)
    spanish = run("render", SAMPLE, "--lang", "es", "-o", str(tmp_path / "es.pdf"), root=clinic)
    assert (tmp_path / "en.pdf").exists() == (english.exit_code == 0), english.output
    assert (tmp_path / "es.pdf").exists() == (spanish.exit_code == 0), spanish.output
    return english, spanish


def _with_languages(clinic, codes: str = "[en, es]") -> None:
    brand = clinic / "brand.yaml"
    brand.write_text(brand.read_text(encoding="utf-8") + f"languages: {codes}\n", encoding="utf-8")


# ------------------------------------------- one language's mistake, that language's page

@pytest.mark.parametrize(("insert", "message"), MISTAKES, ids=["right to left", "no font"])
def test_a_mistake_in_the_spanish_title_fails_the_spanish_page_only(clinic, tmp_path, insert, message):
    edit(clinic / HANDOUT, SPANISH_TITLE, f"{insert} {SPANISH_TITLE}")
    line = line_of(clinic / HANDOUT, SPANISH_TITLE)
    english, spanish = _english_then_spanish(clinic, tmp_path)
    assert english.exit_code == 0, english.output
    assert_user_error(spanish, f"{HANDOUT}:{line}: translations.es.title: {message}")


@pytest.mark.parametrize(("insert", "message"), MISTAKES, ids=["right to left", "no font"])
def test_a_mistake_in_an_exercises_spanish_step_fails_the_spanish_page_only(clinic, tmp_path, insert, message):
    step = "Inclínese hacia adelante"
    edit(clinic / "exercises/calf-stretch.yaml", step, f"{insert} {step}")
    line = line_of(clinic / "exercises/calf-stretch.yaml", step)
    english, spanish = _english_then_spanish(clinic, tmp_path)
    assert english.exit_code == 0, english.output
    assert_user_error(spanish, f"exercises/calf-stretch.yaml:{line}: translations.es.steps[1]: {message}")


def test_a_mistake_in_the_english_title_does_not_fail_the_spanish_page(clinic, tmp_path):
    """The Spanish page prints the Spanish title, never the English one."""
    edit(clinic / HANDOUT, f"title: {ENGLISH_TITLE}", f"title: ☃ {ENGLISH_TITLE}")
    english, spanish = _english_then_spanish(clinic, tmp_path)
    assert_user_error(english, f"{HANDOUT}:1: title: {MISTAKES[1][1]}")
    assert spanish.exit_code == 0, spanish.output


def test_a_brand_translation_mistake_fails_its_language_only(clinic, tmp_path):
    safety = "Deje cualquier ejercicio"
    edit(clinic / "brand.yaml", safety, f"☃ {safety}")
    english, spanish = _english_then_spanish(clinic, tmp_path)
    assert english.exit_code == 0, english.output
    assert_user_error(spanish, f"brand.yaml:{line_of(clinic / 'brand.yaml', safety)}: translations.es.safety: "
                               f"{MISTAKES[1][1]}")


def test_build_writes_the_english_pdf_and_fails_the_spanish_one(clinic):
    _with_languages(clinic)
    edit(clinic / HANDOUT, SPANISH_TITLE, f"שלום {SPANISH_TITLE}")
    english_only = run("build", "--lang", "en", root=clinic)
    assert english_only.exit_code == 0, english_only.output
    assert (clinic / "out" / f"{SAMPLE}.pdf").exists()
    every = run("build", root=clinic)
    assert_user_error(every, "translations.es.title: the character \"ש\"")
    assert not (clinic / "out" / "es" / f"{SAMPLE}.pdf").exists()
    assert (clinic / "out" / f"{SAMPLE}.pdf").exists()


# ------------------------------------------------------------ unknown language codes

@pytest.mark.parametrize("code", ["sp", "ES", "spa", "esp"])
def test_an_unknown_language_code_in_a_handout_is_an_error_with_a_hint(clinic, tmp_path, code):
    edit(clinic / HANDOUT, "translations:\n  es:", f"translations:\n  {code}:")
    line = line_of(clinic / HANDOUT, f"  {code}:")
    result, _ = render_checked(clinic, tmp_path)  # even on the English page: the file is wrong
    assert_user_error(result, f"{HANDOUT}:{line}: translations.{code}: is not a language handoutgen knows",
                      "did you mean es?")


def test_an_unknown_language_code_in_an_exercise_or_the_brand_is_an_error(clinic, tmp_path):
    edit(clinic / "exercises/calf-stretch.yaml", "translations:\n  es:", "translations:\n  sp:")
    edit(clinic / "brand.yaml", "translations:\n  es:", "translations:\n  spanish:")
    result, _ = render_checked(clinic, tmp_path)
    assert_user_error(result, f"exercises/calf-stretch.yaml:{line_of(clinic / 'exercises/calf-stretch.yaml', 'sp:')}:"
                              " translations.sp: is not a language handoutgen knows",
                      f"brand.yaml:{line_of(clinic / 'brand.yaml', 'spanish:')}: translations.spanish: is not a "
                      "language handoutgen knows")
    assert result.output.count("did you mean es?") == 2, result.output


def test_an_unknown_language_code_of_an_inline_exercise_is_an_error(clinic, tmp_path):
    edit(clinic / HANDOUT, "  - use: calf-stretch\n",
         "  - use: calf-stretch\n"
         "  - name: Heel Raises\n"
         "    steps: [Rise up on your toes, then lower slowly.]\n"
         "    dosage: {reps: 15}\n"
         "    translations:\n"
         "      sp: {name: Elevación de talones}\n")
    result, _ = render_checked(clinic, tmp_path)
    assert_user_error(result, f"{HANDOUT}:{line_of(clinic / HANDOUT, 'sp: {name')}: exercises[2].translations.sp: "
                              "is not a language handoutgen knows", "did you mean es?")


def test_a_code_far_from_every_language_lists_the_known_ones(clinic, tmp_path):
    edit(clinic / HANDOUT, "translations:\n  es:", "translations:\n  xx:")
    result, _ = render_checked(clinic, tmp_path)
    assert_user_error(result, "translations.xx: is not a language handoutgen knows", "(en, es)")
    assert "did you mean" not in result.output


def test_a_language_brand_yaml_lists_is_known(clinic, tmp_path):
    """brand.yaml's `languages:` names the clinic's languages: a translation into one is no mistake."""
    _with_languages(clinic, "[en, es, fr]")
    edit(clinic / HANDOUT, "translations:\n", "translations:\n  fr: {title: Soulager la douleur}\n")
    result, _ = render_checked(clinic, tmp_path)
    assert result.exit_code == 0, result.output


def test_lang_gets_a_hint_too(clinic, tmp_path):
    result, _ = render_checked(clinic, tmp_path, "--lang", "sp")
    assert_user_error(result, 'no catalogue for the language "sp"; did you mean es? available: en, es')


# --------------------------------------------------------- unknown fields in a translation

def test_an_unknown_field_in_a_translation_names_the_fields_allowed_there(clinic, tmp_path):
    edit(clinic / HANDOUT, f"    title: {SPANISH_TITLE}", f"    xyzzy: {SPANISH_TITLE}")
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / HANDOUT, "xyzzy")
    assert_user_error(result, f"{HANDOUT}:{line}: translations.es.xyzzy: unknown field; "
                              "allowed here: title, summary, sections, exercises")
    assert not re.search(r"allowed here: *$", result.output, re.MULTILINE), result.output


@pytest.mark.parametrize(("file", "old", "new", "field", "meant"), [
    (HANDOUT, f"    title: {SPANISH_TITLE}", f"    titel: {SPANISH_TITLE}", "translations.es.titel", "title"),
    (HANDOUT, "calf-stretch: {note:", "calf-stretch: {nota:", "translations.es.exercises.calf-stretch.nota", "note"),
    ("exercises/calf-stretch.yaml", "    name: Estiramiento", "    nmae: Estiramiento", "translations.es.nmae",
     "name"),
    ("brand.yaml", "    tagline: ", "    tagln: ", "translations.es.tagln", "tagline"),
])
def test_a_misspelt_field_in_a_translation_gets_did_you_mean(clinic, tmp_path, file, old, new, field, meant):
    edit(clinic / file, old, new)
    result, _ = render_checked(clinic, tmp_path)
    assert_user_error(result, f"{file}:{line_of(clinic / file, new.strip())}: {field}: unknown field; "
                              f'did you mean "{meant}"?')
