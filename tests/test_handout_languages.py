"""A handout's `languages:` (SPEC, "Languages"; issue 22, item 7): the languages it is
written in. build and check skip the clinic's other languages for it and say so once,
instead of failing it; a page asked for in another language is a clear error."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import SAMPLE, assert_user_error, edit, run

ENGLISH_ONLY = "walking-basics"


def _clinic_with_an_english_only_handout(clinic: Path, languages: str | None = "[en]") -> Path:
    """The sample clinic building English and Spanish, plus a copy of the sample with no translation."""
    edit(clinic / "brand.yaml", "translations:", "languages: [en, es]\ntranslations:")
    text = (clinic / "handouts" / f"{SAMPLE}.yaml").read_text(encoding="utf-8")
    text = text[:text.index("\ntranslations:")] + "\n"
    if languages is not None:
        text += f"languages: {languages}\n"
    (clinic / "handouts" / f"{ENGLISH_ONLY}.yaml").write_text(text, encoding="utf-8")
    return clinic


def test_a_handout_written_in_english_only_builds_and_checks_with_exit_0(clinic):
    _clinic_with_an_english_only_handout(clinic)
    for command in ("check", "build"):
        result = run(command, root=clinic)
        assert result.exit_code == 0, result.output
        notes = [line for line in result.output.splitlines() if line.startswith("note:")]
        assert notes == [f"note: {ENGLISH_ONLY}: English only (its languages:); not built in Spanish"], notes
    out = clinic / "out"
    assert (out / f"{ENGLISH_ONLY}.pdf").exists() and (out / f"{ENGLISH_ONLY}-checklist.pdf").exists()
    assert not (out / "es" / f"{ENGLISH_ONLY}.pdf").exists()
    assert (out / "es" / f"{SAMPLE}.pdf").exists()  # the other handout is built in Spanish as before


def test_without_languages_a_missing_translation_is_still_an_error(clinic):
    _clinic_with_an_english_only_handout(clinic, languages=None)
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert f"handouts/{ENGLISH_ONLY}.yaml:1: translations.es.title: is missing" in result.output


def test_only_its_language_with_lang_is_skipped_not_failed(clinic):
    _clinic_with_an_english_only_handout(clinic)
    result = run("build", "--lang", "es", root=clinic)
    assert result.exit_code == 0, result.output
    assert f"note: {ENGLISH_ONLY}: English only" in result.output
    assert not (clinic / "out" / "es" / f"{ENGLISH_ONLY}.pdf").exists()


def test_render_in_a_language_it_is_not_written_in_says_so(clinic, tmp_path):
    _clinic_with_an_english_only_handout(clinic)
    result = run("render", ENGLISH_ONLY, "--lang", "es", "-o", str(tmp_path / "x.pdf"), root=clinic)
    assert_user_error(result, f"handouts/{ENGLISH_ONLY}.yaml:", ": languages: this handout is written in English "
                      "only (languages: [en]), so it cannot print in Spanish (es)")
    assert "translations.es.title" not in result.output  # one problem, not every missing field
    assert not (tmp_path / "x.pdf").exists()


def test_its_own_language_must_be_one_it_lists(clinic, tmp_path):
    _clinic_with_an_english_only_handout(clinic)
    edit(clinic / "handouts" / f"{ENGLISH_ONLY}.yaml", "languages: [en]", "language: es\nlanguages: [en]")
    result = run("render", ENGLISH_ONLY, "-o", str(tmp_path / "x.pdf"), root=clinic)
    assert_user_error(result, "language: is es, which languages: [en] does not list")


def test_an_unknown_code_in_languages_gets_a_hint(clinic, tmp_path):
    _clinic_with_an_english_only_handout(clinic, languages="[en, sp]")
    result = run("render", ENGLISH_ONLY, "-o", str(tmp_path / "x.pdf"), root=clinic)
    assert_user_error(result, 'languages[1]: is not a language handoutgen knows (got "sp"); did you mean es?')


def test_the_web_page_offers_only_the_languages_a_handout_is_written_in(clinic):
    from handoutgen.clinic import Clinic
    from handoutgen.web.app import create_app
    from handoutgen.web.guard import Guard

    _clinic_with_an_english_only_handout(clinic)
    client = create_app(Clinic.open(clinic), Guard()).test_client()
    options = {}
    for handout in (ENGLISH_ONLY, SAMPLE):
        page = client.get(f"/h/{handout}", base_url="http://127.0.0.1:8000").get_data(as_text=True)
        select = page[page.index('name="lang"'):]
        options[handout] = re.findall(r'<option value="([a-z-]+)"', select[:select.index("</select>")])
    assert options == {ENGLISH_ONLY: ["en"], SAMPLE: ["en", "es"]}


def test_the_summary_names_every_handout_that_failed(clinic):
    """Issue 22, item 7: a long build's errors scroll away; the last line says which failed."""
    _clinic_with_an_english_only_handout(clinic, languages=None)  # its Spanish fails
    (clinic / "handouts" / "broken.yaml").write_text("title: [\n", encoding="utf-8")
    result = run("build", root=clinic)
    assert result.exit_code == 1
    assert result.stdout.strip().splitlines()[-1] == f"3 rendered, 3 failed (broken, es/broken, es/{ENGLISH_ONLY})"
