"""Languages (issue 13, parts 1 and 2; docs/languages.md): the tool's own words
from gettext catalogues, the clinic's text from `translations:`, and a page
that never mixes languages."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO, SAMPLE, assert_user_error, edit, line_of, normalize, pdf_pages, render_checked, run
from handoutgen import i18n


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def spanish_strings() -> list[str]:
    """Every translated text of the sample clinic (brand, handout, its exercises)."""
    handout = REPO / "handouts" / f"{SAMPLE}.yaml"
    used = [e["use"] for e in yaml.safe_load(handout.read_text(encoding="utf-8"))["exercises"] if "use" in e]
    files = [REPO / "brand.yaml", handout, *(REPO / "exercises" / f"{name}.yaml" for name in used)]
    out = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += _strings(data["translations"]["es"])
    return [normalize(s) for s in out]


def english_labels() -> set[str]:
    """The fixed words of every English message the Spanish catalogue translates differently:
    none may be left on a Spanish page."""
    spanish = i18n.translations("es")
    pieces = set()
    for message in i18n.catalog("en"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = spanish.ngettext(ids[0], ids[-1], 2) if len(ids) > 1 else spanish.gettext(ids[0])
        for msgid in ids:
            if translated == msgid:
                continue  # the same in both ("%(num)d min")
            for piece in re.split(r"%\(\w+\)[sd]", msgid):
                piece = piece.strip(" .,:·()")
                if len(piece) >= 3 and piece not in translated:  # "rep" is Spanish too ("rep.")
                    pieces.add(piece)
    return pieces


def render_spanish(clinic, tmp_path, *args):
    result, out = render_checked(clinic, tmp_path, "--lang", "es", "--kind", "both", "--patient", "José Muñoz",
                                 "--therapist", "Ana Ruiz", "--date", "2026-09-30", *args)
    assert result.exit_code == 0, result.output
    return pdf_pages(out)


def test_the_spanish_page_has_every_translation_and_no_english_label(clinic, tmp_path):
    pages = render_spanish(clinic, tmp_path)
    text = " ".join(pages)
    for translated in spanish_strings():
        assert translated in text, translated
    labels = english_labels()
    assert {"Questions? Call", "Exercise log", "Careful", "Notes for your therapist", "times"} <= labels
    left = [label for label in labels if re.search(rf"(?<![\w]){re.escape(label)}(?![\w])", text)]
    assert left == [], f"English left on the Spanish page: {left}"
    # The English text of the clinic is gone too.
    for english in ("Calf Stretch", "Push-Off and Balance", "Relieve Knee Arthritis Pain", "For long-term relief",
                    "Stop any exercise", "Questions? Call us"):
        assert english not in text


def test_spanish_words_dose_date_and_weekday_names(clinic, tmp_path):
    handout, checklist = render_spanish(clinic, tmp_path)
    assert "Haga 10 repeticiones con cada pierna. 5 series." in handout
    assert "Mantenga 1 minuto con cada pierna." in handout
    assert "¿Preguntas? Llame al" in handout and "Cuidado:" in handout and "Necesita:" in handout
    assert "Fecha: 30 de septiembre de 2026" in handout and "Terapeuta: Ana Ruiz" in handout
    assert "Registro de ejercicios" in checklist and "Inicio: 30 de septiembre de 2026" in checklist
    # 2026-09-30 is a Wednesday (miércoles): Babel's Spanish day and month names.
    for day in ("Mié 30", "Jue 1", "Vie 2", "Sáb 3", "Dom 4", "Lun 5", "Mar 6", "Mié 7"):
        assert day in checklist, day
    assert "Semana 1 · sept – oct" in checklist and "Dolor (0–10)" in checklist
    assert "Wed" not in checklist and "Week" not in checklist


def test_language_in_the_handout_and_lang_overrides_it(clinic, tmp_path):
    edit(clinic / "handouts" / f"{SAMPLE}.yaml", "title:", "language: es\ntitle:")
    result, out = render_checked(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    assert "Impulso y equilibrio" in pdf_pages(out)[0]
    result, out = render_checked(clinic, tmp_path, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Push-Off and Balance" in pdf_pages(out)[0] and "Impulso" not in pdf_pages(out)[0]


def test_english_is_unchanged_and_never_takes_a_translation(clinic, tmp_path):
    result, out = render_checked(clinic, tmp_path, "--kind", "both", "--date", "2026-09-30")
    assert result.exit_code == 0, result.output
    handout, checklist = pdf_pages(out)
    assert "Do 10 times on each leg. Do 5 sets." in handout and "Questions? Call" in handout
    assert "Date: September 30, 2026" in handout
    assert "Wed 30" in checklist and "Week 1 · Sep – Oct" in checklist
    for translated in spanish_strings():
        assert translated not in handout + checklist


def test_a_missing_translation_names_every_field_with_file_and_line(clinic, tmp_path):
    exercise = clinic / "exercises" / "push-off.yaml"
    edit(exercise, "    purpose: Da firmeza", "    # purpose: Da firmeza")
    brand = clinic / "brand.yaml"
    edit(brand, "    footer: ¿Preguntas? Llámenos al 314-941-3970.\n", "")
    handout = clinic / "handouts" / f"{SAMPLE}.yaml"
    edit(handout, "          - Corrija la causa, no solo el dolor.\n", "")
    result, out = render_checked(clinic, tmp_path, "--lang", "es")
    assert_user_error(result, "3 problems",
                      f"exercises/push-off.yaml:{line_of(exercise, 'purpose: Steadies')}: translations.es.purpose: "
                      "is missing",
                      f"brand.yaml:{line_of(brand, 'footer: Questions')}: translations.es.footer: is missing",
                      "translations.es.sections[0].items: has 2 entries but sections[0].items has 3")
    assert not out.exists()


def test_an_unknown_language_lists_the_available_ones(clinic, tmp_path):
    assert_user_error(run("render", SAMPLE, "--lang", "xx", "-o", str(tmp_path / "a.pdf"), root=clinic),
                      'no catalogue for the language "xx"; available: en, es')
    edit(clinic / "handouts" / f"{SAMPLE}.yaml", "title:", "language: fr\ntitle:")
    assert_user_error(run("render", SAMPLE, "-o", str(tmp_path / "a.pdf"), root=clinic),
                      f"handouts/{SAMPLE}.yaml:1: language: no catalogue", "available: en, es")


@pytest.mark.parametrize("lang", i18n.available())
def test_every_catalogue_has_every_message(lang):
    """A catalogue that lacks a message would print it in English: each is translated
    (English: the message id itself)."""
    ids = i18n.msgids("en")
    assert len(ids) > 60
    assert ids == i18n.msgids(lang)
    if lang != "en":
        untranslated = [m.id for m in i18n.catalog(lang) if m.id and not all(m.string if isinstance(m.string, tuple)
                                                                              else (m.string,))]
        assert untranslated == []


def test_the_wheel_ships_the_catalogues():
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert "handoutgen" in packages
    assert (REPO / "handoutgen" / "locale" / "es" / "LC_MESSAGES" / "handoutgen.po").is_file()
