"""Issue 15: every message staff meet says where the mistake is and how to fix it (exact wording)."""

from __future__ import annotations

import struct
import zlib

import pytest

from conftest import SAMPLE, edit, run, write

TAB = "title: Walk\nexercises:\n\t- name: Walk\n"
COLON = "title: Note: read this\nexercises:\n  - name: Walk\n    steps: [Walk.]\n"


def test_a_tab_used_for_indenting_is_named_with_the_fix(clinic):
    write(clinic / "handouts" / "tab.yaml", TAB)
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ("handouts/tab.yaml:3: YAML syntax error: found character that cannot start any token; "
            "a tab is used to indent: tabs are not allowed for indenting, use spaces") in result.output


def test_a_colon_inside_text_says_to_quote_the_text(clinic):
    write(clinic / "handouts" / "colon.yaml", COLON)
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ('handouts/colon.yaml:1: YAML syntax error: mapping values are not allowed in this context; '
            'a colon followed by a space inside a text starts a new field: put the whole text in quotes, '
            'e.g. title: "Note: read this"') in result.output


def test_a_tab_after_spaces_is_named_with_the_fix_too(clinic):
    """A tab after the indenting spaces is PyYAML's other tab error."""
    write(clinic / "handouts" / "tab.yaml", "title: Walk\nexercises:\n  - name: Walk\n  \t  steps: [Walk.]\n")
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ("handouts/tab.yaml:4: YAML syntax error: found a tab character that violates indentation; "
            "a tab is used to indent: tabs are not allowed for indenting, use spaces") in result.output, result.output


def test_the_colon_hint_quotes_the_users_own_line(clinic):
    write(clinic / "handouts" / "colon.yaml",
          "title: Walk\nexercises:\n  - name: Walk\n    purpose: Why: it helps\n    steps: [Walk.]\n")
    result = run("check", root=clinic)
    assert ('handouts/colon.yaml:4: YAML syntax error: mapping values are not allowed in this context; '
            'a colon followed by a space inside a text starts a new field: put the whole text in quotes, '
            'e.g. purpose: "Why: it helps"') in result.output


def test_one_warning_is_one_warning(clinic):
    write(clinic / "handouts" / "undosed.yaml", "title: Walk\nexercises:\n  - name: Walk\n    steps: [Walk.]\n")
    result = run("check", root=clinic)
    assert result.exit_code == 0, result.output
    assert "1 warning" in result.output and "1 warnings" not in result.output


# ------------------------------------------------ issue 15, items 2-4: YAML slips, misleading messages, pictures

def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error: ")]


def test_a_step_split_at_its_commas_in_a_flow_list_is_a_warning_with_the_fix(clinic):
    write(clinic / "handouts" / "split.yaml",
          "title: Heel raise\nexercises:\n  - name: Heel raise\n"
          "    steps: [Stand tall, then lift your heel, slowly]\n    dosage: {reps: 10}\n")
    result = run("check", root=clinic)
    assert result.exit_code == 0, result.output
    assert ('warning: handouts/split.yaml:4: exercises[0].steps: "Stand tall, then lift your heel, slowly" looks '
            'like one step split into 3 at its commas (inside [ ], a comma starts a new step); put each step on '
            'its own line starting with "- ", or put the whole step in quotes') in result.output


def test_a_flow_list_of_whole_sentences_or_of_words_is_not_a_split_sentence(clinic):
    write(clinic / "handouts" / "lists.yaml",
          "title: Heel raise\nexercises:\n  - name: Heel raise\n"
          "    steps: [Stand tall., Lift your heel., \"Hold it, then lower\"]\n"
          "    cautions: [ankle, knee]\n    dosage: {reps: 10}\n")
    result = run("check", root=clinic)
    assert result.exit_code == 0, result.output
    assert "handouts/lists.yaml" not in result.output


def test_a_colour_read_as_a_comment_says_to_put_it_in_quotes(clinic):
    edit(clinic / "brand.yaml", 'accent: "#E8772E"', "accent: #FFF176")
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ('error: brand.yaml:10: colors.accent: is empty: a # starts a comment in YAML, so #FFF176 was read as a '
            'comment; put the colour in quotes, e.g. accent: "#FFF176"') in result.output


def test_an_empty_colour_says_got_nothing_not_none(clinic):
    edit(clinic / "brand.yaml", 'accent: "#E8772E"', "accent:")
    result = run("check", root=clinic)
    assert ('error: brand.yaml:10: colors.accent: must be a colour written as # and six hex digits, e.g. "#1B5E8C" '
            "(got nothing); put it in quotes") in result.output


def test_a_field_next_to_use_says_which_fields_use_may_change(clinic):
    write(clinic / "handouts" / "use.yaml",
          "title: Calves\nexercises:\n  - use: calf-stretch\n    cautions: [Stop if it hurts.]\n")
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ("error: handouts/use.yaml:4: exercises[0].cautions: cannot be changed here: an exercise taken with "
            "use: may change only its dosage and note; change cautions in exercises/calf-stretch.yaml, or write "
            "the exercise out here (name:, steps:, ...) instead of use:") in result.output


def test_a_typo_next_to_use_suggests_a_field_use_may_change(clinic):
    write(clinic / "handouts" / "use.yaml", "title: Calves\nexercises:\n  - use: calf-stretch\n    nots: Slowly.\n")
    result = run("check", root=clinic)
    assert 'error: handouts/use.yaml:4: exercises[0].nots: unknown field; did you mean "note"?' in result.output


def test_an_unknown_use_gives_one_message_with_did_you_mean_capitals_aside(clinic):
    write(clinic / "exercises" / "pendulum.yaml", "name: Pendulum\nsteps: [Swing your arm.]\ndosage: {reps: 10}\n")
    write(clinic / "handouts" / "use.yaml", "title: Arm\nexercises:\n  - use: Pendulum\n  - Pendulum\n")
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert _errors(result.output) == [
        'error: handouts/use.yaml:3: exercises[0].use: no exercise "Pendulum" in exercises/; did you mean "pendulum"?',
        'error: handouts/use.yaml:4: exercises[1]: no exercise "Pendulum" in exercises/; did you mean "pendulum"?']


def test_a_missing_picture_is_reported_with_the_files_other_errors(clinic):
    write(clinic / "handouts" / "walk.yaml",
          "title: Walk\nexercises:\n  - name: Walk\n    image: walking.png\n    steps: [Walk.]\n"
          "    dosage: {reps: ten}\n")
    edit(clinic / "exercises" / "calf-stretch.yaml", "image: calf-stretch.png", "image: nothere.png")
    edit(clinic / "exercises" / "calf-stretch.yaml", "hold: 1 min", "hold: forever")
    result = run("check", root=clinic)
    assert result.exit_code == 1
    errors = _errors(result.output)
    assert ('error: handouts/walk.yaml:4: exercises[0].image: no file "images/walking.png"; put the picture there '
            "or fix the name") in errors
    assert 'error: handouts/walk.yaml:6: exercises[0].dosage.reps: must be a whole number from 1 to 100 (got "ten")' \
        in errors
    assert ('error: exercises/calf-stretch.yaml:2: image: no file "images/nothere.png"; put the picture there '
            "or fix the name") in errors
    assert any(e.startswith("error: exercises/calf-stretch.yaml:") and "dosage.hold" in e for e in errors), errors


def test_a_picture_named_with_other_capitals_gets_did_you_mean(clinic):
    (clinic / "images" / "walk.png").write_bytes((clinic / "images" / "calf-stretch.png").read_bytes())
    write(clinic / "handouts" / "walk.yaml",
          "title: Walk\nexercises:\n  - name: Walk\n    image: Walk.PNG\n    steps: [Walk.]\n    dosage: {reps: 10}\n")
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ('error: handouts/walk.yaml:4: exercises[0].image: no file "images/Walk.PNG"; did you mean "walk.png"? '
            "The name must match exactly, capitals too") in result.output


def test_an_overflow_is_told_in_a_unit_a_reader_can_picture():
    from handoutgen.page import DoesNotFit
    from handoutgen.pipeline import _overflow_message

    assert _overflow_message("handout", DoesNotFit(3.0, 1, 2, floor=12)) == (
        "the handout does not fit on one page: 3 pt (about 1 mm) too long even with 12 pt text and the most "
        "compact layout; `pages: 2` in the handout (or --pages 2) would allow it, or shorten the text")
    assert _overflow_message("checklist", DoesNotFit(150.0, 2, None, floor=12)) == (
        "the checklist does not fit on 2 pages: 150 pt (2.1 in) too long even with 12 pt text and the most "
        "compact layout; use fewer days (checklist.days) or fewer exercises")


def test_a_brand_error_is_printed_once_per_build(clinic, tmp_path):
    for name in ("two", "three"):
        (clinic / "handouts" / f"{name}.yaml").write_bytes((clinic / "handouts" / f"{SAMPLE}.yaml").read_bytes())
    edit(clinic / "brand.yaml", "phone: 314-941-3970", "phone:")
    result = run("build", "--out", str(tmp_path / "out"), root=clinic)
    assert result.exit_code == 1
    assert _errors(result.output) == ["error: brand.yaml:5: phone: is required but empty; write the text"]
    assert "0 rendered, 3 failed" in result.output


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG header claiming a size, with no pixels: refused before anything is decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


HUGE = "images/huge.png is 20000×20000 pixels, too large to print; scale it down"


def _huge_picture_clinic(clinic):
    (clinic / "images" / "huge.png").write_bytes(_png_claiming(20000, 20000))
    for name in ("one", "two"):
        write(clinic / "handouts" / f"{name}.yaml",
              "title: Walk\nexercises:\n  - use: calf-stretch\n  - name: Walk\n    image: huge.png\n"
              "    steps: [Walk.]\n    dosage: {reps: 10}\n")


def test_a_broken_picture_is_named_where_it_is_used_in_render(clinic, tmp_path):
    _huge_picture_clinic(clinic)
    result = run("render", "one", "-o", str(tmp_path / "one.pdf"), root=clinic)
    assert result.exit_code == 1
    assert result.output == f"error: handouts/one.yaml:5: exercises[1].image: {HUGE}\n"


def test_a_broken_picture_is_named_once_per_file_that_uses_it_in_check_and_build(clinic, tmp_path):
    _huge_picture_clinic(clinic)
    edit(clinic / "exercises" / "calf-stretch.yaml", "image: calf-stretch.png", "image: huge.png")
    expected = [f"error: exercises/calf-stretch.yaml:2: image: {HUGE}",
                f"error: handouts/one.yaml:5: exercises[1].image: {HUGE}",
                f"error: handouts/two.yaml:5: exercises[1].image: {HUGE}"]
    for command in (["check"], ["build", "--out", str(tmp_path / "out")]):
        result = run(*command, root=clinic)
        assert result.exit_code == 1
        assert sorted(_errors(result.output)) == expected, result.output


def test_a_misspelt_picture_gets_the_closest_name_in_images(clinic):
    edit(clinic / "exercises" / "calf-stretch.yaml", "image: calf-stretch.png", "image: calf-strech.jpg")
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ('error: exercises/calf-stretch.yaml:2: image: no file "images/calf-strech.jpg"; did you mean '
            '"calf-stretch.png"? If not, put the picture there') in result.output


def test_brand_exercise_and_handout_problems_are_reported_at_once(clinic, tmp_path):
    edit(clinic / "brand.yaml", "phone: 314-941-3970", "phone:")
    edit(clinic / "exercises" / "calf-stretch.yaml", "image: calf-stretch.png", "image: nothere.png")
    write(clinic / "handouts" / "calves.yaml", "title: Calves\nexercises:\n  - use: calf-stretch\n"
                                               "    dosage: {reps: ten}\n")
    result = run("render", "calves", "-o", str(tmp_path / "calves.pdf"), root=clinic)
    assert result.exit_code == 1
    assert result.output == (
        "error: 3 problems:\n"
        "brand.yaml:5: phone: is required but empty; write the text\n"
        'exercises/calf-stretch.yaml:2: image: no file "images/nothere.png"; put the picture there or fix the name\n'
        'handouts/calves.yaml:4: exercises[0].dosage.reps: must be a whole number from 1 to 100 (got "ten")\n')


def test_a_colour_that_cuts_a_flow_set_of_fields_short_is_named_on_its_line(clinic):
    edit(clinic / "brand.yaml", 'colors:\n  primary: "#1B5E8C"\n  accent: "#E8772E"',
         'colors: {primary: #1B5E8C, accent: "#E8772E"}')
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ("error: brand.yaml:8: YAML syntax error: did not find expected ',' or '}'; a # starts a comment in "
            "YAML, so the rest of the line after #1B5E8C was read as a comment; put the colour in quotes, "
            'e.g. primary: "#1B5E8C"') in result.output


def test_a_hash_inside_a_flow_list_says_to_quote_the_text(clinic):
    write(clinic / "handouts" / "hash.yaml",
          "title: Walk\nexercises:\n  - name: Walk\n    steps: [Do #1 first, then rest]\n    dosage: {reps: 1}\n")
    result = run("check", root=clinic)
    assert result.exit_code == 1
    assert ("error: handouts/hash.yaml:4: YAML syntax error: did not find expected ',' or ']'; a # after a space "
            "starts a comment in YAML, so the rest of the line was read as a comment; put the text with the # in "
            'quotes, e.g. "Do #1 first"') in result.output


def test_an_exercise_files_warning_is_printed_once_however_many_handouts_use_it(clinic, tmp_path):
    edit(clinic / "exercises" / "calf-stretch.yaml", "cautions: [Stop if you feel sharp pain in your calf.]",
         "cautions: [Stop if it hurts, and call us.]")
    (clinic / "handouts" / "two.yaml").write_bytes((clinic / "handouts" / f"{SAMPLE}.yaml").read_bytes())
    result = run("build", "--out", str(tmp_path / "out"), root=clinic)
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if "cautions" in line)
    assert warning.startswith("warning: exercises/calf-stretch.yaml:")
    assert warning.endswith('cautions: "Stop if it hurts, and call us." looks like one caution split into 2 at its '
                            'commas (inside [ ], a comma starts a new caution); put each caution on its own line '
                            'starting with "- ", or put the whole caution in quotes')
    assert result.output.count(warning) == 1


def test_an_empty_field_is_told_to_be_filled_in_or_removed_only_if_it_may_be(clinic):
    edit(clinic / "brand.yaml", "phone: 314-941-3970", "phone:")
    edit(clinic / "brand.yaml", "tagline: St. Louis Holistic Pain Relief Specialist", "tagline: \" \"")
    errors = _errors(run("check", root=clinic).output)
    assert "error: brand.yaml:4: tagline: is empty; write the text or remove the field" in errors
    assert "error: brand.yaml:5: phone: is required but empty; write the text" in errors


@pytest.mark.parametrize("typed,meant", [("lgo.png", "logo.png"), ("lgo.svg", "logo.svg")])
def test_a_misspelt_picture_is_matched_with_its_own_extension_first(clinic, typed, meant):
    write(clinic / "images" / "logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    assert (clinic / "images" / "logo.png").exists()
    edit(clinic / "brand.yaml", "logo: logo.png", f"logo: {typed}")
    errors = _errors(run("check", root=clinic).output)
    assert errors == [f'error: brand.yaml:7: logo: no file "images/{typed}"; did you mean "{meant}"? '
                      "If not, put the picture there"]


def test_an_optional_text_read_as_a_comment_is_warned_about(clinic):
    edit(clinic / "brand.yaml", "tagline: St. Louis Holistic Pain Relief Specialist", "tagline: #1 in town")
    result = run("check", root=clinic)
    assert result.exit_code == 0
    assert _errors(result.output) == []
    assert ('warning: brand.yaml:4: tagline: is left out: a # starts a comment in YAML, so #1 in town was read as a '
            'comment; if it is the text, put it in quotes, e.g. tagline: "#1 in town"') in result.output
    assert "1 ok, 0 failed, 1 warning" in result.output


def test_a_real_comment_after_an_empty_optional_field_is_not_warned_about(clinic):
    edit(clinic / "brand.yaml", "tagline: St. Louis Holistic Pain Relief Specialist", "tagline:   # none yet")
    result = run("check", root=clinic)
    assert result.exit_code == 0 and "warning" not in result.output
