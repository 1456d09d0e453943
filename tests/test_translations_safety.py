"""Translated text gets the same checks as any other text (issue 13; docs/languages.md):
characters that would print wrong are refused, naming `translations.LANG.FIELD` with the
file and line; `_()` and `ngettext()` in a clinic's layout stay inside the layout limits."""

from __future__ import annotations

import shutil
import unicodedata

import pytest

from conftest import REPO, assert_user_error, edit, line_of, pdf_pages, render_checked
from handoutgen import i18n

# (file, text in its Spanish translation, field named in the error)
PLACES = [
    ("exercises/calf-stretch.yaml", "una pared donde apoyarse", "translations.es.equipment"),
    ("exercises/calf-stretch.yaml", "Inclínese hacia adelante", "translations.es.steps[1]"),
    ("brand.yaml", "Deje cualquier ejercicio", "translations.es.safety"),
    ("handouts/knee-arthritis-walking.yaml", "Alivie el dolor", "translations.es.title"),
]


def _spoil(clinic, file, text, insert):
    """Put `insert` into the Spanish text `text` (after its first word); return its line."""
    first, rest = text.split(" ", 1)
    edit(clinic / file, text, f"{first}{insert} {rest}")
    return line_of(clinic / file, rest)


@pytest.mark.parametrize(("file", "text", "field"), PLACES)
def test_a_right_to_left_letter_in_a_translation_is_refused(clinic, tmp_path, file, text, field):
    line = _spoil(clinic, file, text, " שלום")
    result, _ = render_checked(clinic, tmp_path, "--lang", "es")
    assert_user_error(result, f"{file}:{line}: {field}: the character \"ש\" (U+05E9 HEBREW LETTER SHIN) "
                              "is written right to left")


@pytest.mark.parametrize(("file", "text", "field"), PLACES)
def test_an_accent_with_no_letter_in_a_translation_is_refused(clinic, tmp_path, file, text, field):
    line = _spoil(clinic, file, text, " \u0301")  # a combining acute accent after a space
    result, _ = render_checked(clinic, tmp_path, "--lang", "es")
    assert_user_error(result, f"{file}:{line}: {field}: has an accent with no letter before it, U+0301")


@pytest.mark.parametrize(("file", "text", "field"), PLACES)
def test_an_accent_no_letter_carries_in_a_translation_is_refused(clinic, tmp_path, file, text, field):
    """"q" with an acute accent has no letter of its own: it would print beside the q."""
    line = _spoil(clinic, file, text, " q\u0301")
    result, _ = render_checked(clinic, tmp_path, "--lang", "es")
    assert_user_error(result, f'{file}:{line}: {field}: has an accent on "q" that no single letter carries, '
                              "U+0301")


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\u00ad"])
@pytest.mark.parametrize(("file", "text", "field"), PLACES[:1] + PLACES[2:3])
def test_an_invisible_character_in_a_translation_is_refused(clinic, tmp_path, file, text, field, char):
    line = _spoil(clinic, file, text, char)
    result, _ = render_checked(clinic, tmp_path, "--lang", "es")
    assert_user_error(result, f"{file}:{line}: {field}: contains an invisible character U+{ord(char):04X} "
                              f"({unicodedata.name(char)})")


def test_a_bad_translation_is_refused_even_on_an_english_page(clinic, tmp_path):
    """A file with a hidden character is wrong whatever language the page is in."""
    line = _spoil(clinic, *PLACES[0][:2], "\u200b")
    result, _ = render_checked(clinic, tmp_path)
    assert_user_error(result, f"exercises/calf-stretch.yaml:{line}: translations.es.equipment: contains an "
                              "invisible character U+200B")


def test_the_same_translation_without_the_character_renders(clinic, tmp_path):
    """The places above are real translated texts: as shipped they print."""
    result, out = render_checked(clinic, tmp_path, "--lang", "es")
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_pages(out))
    for _file, translated, _field in PLACES:
        assert translated in text


# --- _() and ngettext() in a clinic's layout ---------------------------------------------------

def _clinic_layout(clinic, new):
    """The clinic's own _parts.xml.j2, with the patient's label `_('For')` replaced by `new`."""
    (clinic / "layouts").mkdir()
    shutil.copy(REPO / "layouts" / "_parts.xml.j2", clinic / "layouts" / "_parts.xml.j2")
    edit(clinic / "layouts" / "_parts.xml.j2", "{{ _('For') }}", "{{ " + new + " }}")
    return line_of(clinic / "layouts" / "_parts.xml.j2", new)


def _render_patient(clinic, tmp_path, *args):
    return render_checked(clinic, tmp_path, "--lang", "es", "--patient", "José Muñoz", *args)


def test_a_normal_translated_label_in_a_clinic_layout_is_in_spanish(clinic, tmp_path):
    _clinic_layout(clinic, "_('For') ~ ' (' ~ _('Start') ~ ', ' ~ ngettext('Any %(num)d day each week', "
                           "'Any %(num)d days each week', 3) ~ ')'")
    result, out = _render_patient(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_pages(out))
    assert "Para (Inicio, 3 días cualesquiera cada semana): José Muñoz" in text.replace("\n", " ")
    result, out = render_checked(clinic, tmp_path, "--patient", "José Muñoz")
    assert result.exit_code == 0, result.output
    assert "For (Start, Any 3 days each week): José Muñoz" in " ".join(pdf_pages(out)).replace("\n", " ")


@pytest.mark.parametrize("call", ["_('%(x)999999999s', x=1)", "_('%(x).999999999f', x=1.5)",
                                  "ngettext('%(num)999999999d', '%(num)999999999d', 2)"])
def test_a_huge_width_in_a_layout_message_is_refused(clinic, tmp_path, call):
    line = _clinic_layout(clinic, call)
    result, _ = _render_patient(clinic, tmp_path)
    assert_user_error(result, f"layouts/_parts.xml.j2:{line}: a width or precision (999999999) in a format, "
                              "over 1,000,000")


@pytest.mark.parametrize("call", ["_('%(x)s%(x)s', x='a' * 600000)",
                                  "ngettext('%(x)s%(x)s', '%(x)s%(x)s', 2, x='a' * 600000)"])
def test_a_huge_layout_message_is_refused(clinic, tmp_path, call):
    """Each value is under the limit; the message they fill is not."""
    line = _clinic_layout(clinic, call)
    result, _ = _render_patient(clinic, tmp_path)
    assert_user_error(result, f"layouts/_parts.xml.j2:{line}: a text or list of 1,200,0", "over 1,000,000")


def test_ngettext_in_a_layout_needs_a_whole_number(clinic, tmp_path):
    line = _clinic_layout(clinic, "ngettext('%(num)s day', '%(num)s days', 'many')")
    result, _ = _render_patient(clinic, tmp_path)
    assert_user_error(result, f"layouts/_parts.xml.j2:{line}:", "ngettext() needs a whole number, got str")


@pytest.mark.parametrize("lang", i18n.available())
def test_no_catalogue_message_is_fuzzy(lang):
    """`pybabel update` marks a changed message fuzzy; a fuzzy message prints in English
    (docs/languages.md): each must be checked and its flag removed."""
    fuzzy = [message.id for message in i18n.catalog(lang) if message.id and message.fuzzy]
    assert fuzzy == []


def test_an_inline_exercise_with_too_few_translated_steps_names_its_own_line(clinic, tmp_path):
    """The count mismatch points at the inline exercise's translations, not the handout's."""
    edit(clinic / "handouts" / "knee-arthritis-walking.yaml", "  - use: calf-stretch\n",
         "  - name: Wall Sit\n"
         "    steps: [Lean on a wall., Slide down a little.]\n"
         "    translations:\n"
         "      es:\n"
         "        name: Sentadilla en la pared\n"
         "        steps: [Apóyese en una pared.]\n"
         "  - use: calf-stretch\n")
    result, _ = render_checked(clinic, tmp_path, "--lang", "es")
    line = line_of(clinic / "handouts" / "knee-arthritis-walking.yaml", "steps: [Apóyese")
    assert_user_error(result, f"handouts/knee-arthritis-walking.yaml:{line}: translations.es.steps: has 1 entry "
                              "but exercises[1].steps has 2")
