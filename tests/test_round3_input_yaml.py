"""Hardening, round three (issue 21), YAML that would silently change meaning: a step
indented one level too deep (YAML joins it to the step before), a dash with no space after
it, a step further left than its list. Each is named at its own line, in plain words."""

from __future__ import annotations

from conftest import SAMPLE, assert_user_error, edit, line_of, pdf_pages, render_checked

EXERCISE = "exercises/calf-stretch.yaml"
FIRST = "  - Stand facing a wall with one foot back and keep your arch domed.\n"
SECOND = "  - Lean forward while keeping your back heel flat on the floor.\n"


def test_a_step_indented_too_deep_is_warned_at_its_line(clinic, tmp_path):
    edit(clinic / EXERCISE, SECOND, "  " + SECOND)
    result, out = render_checked(clinic, tmp_path)
    assert result.exit_code == 0, result.output  # valid YAML: a warning, the page is made
    line = line_of(clinic / EXERCISE, "- Lean forward")
    assert (f'warning: {EXERCISE}:{line}: steps[0]: this line starts with "- " but is indented further than the '
            'step above it, so YAML joined the two into one step ("…domed. - Lean forward while…")') in result.output
    assert 'start its "- " in the same column as the others' in result.output
    assert "domed. - Lean forward" in " ".join(pdf_pages(out))  # what the warning is about


def test_a_handout_section_item_indented_too_deep_is_warned(clinic, tmp_path):
    handout = clinic / f"handouts/{SAMPLE}.yaml"
    edit(handout, "      - Fix the root cause", "        - Fix the root cause")
    result, _ = render_checked(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    line = line_of(handout, "- Fix the root cause")
    assert f"warning: handouts/{SAMPLE}.yaml:{line}: sections[0].items[0]: this line starts with \"- \"" \
        in result.output


def test_steps_as_they_should_be_are_not_warned(clinic, tmp_path):
    result, _ = render_checked(clinic, tmp_path)
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_a_dash_without_a_space_is_named_at_its_line(clinic, tmp_path):
    edit(clinic / EXERCISE, SECOND, SECOND.replace("- Lean", "-Lean"))
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / EXERCISE, "-Lean forward")
    assert_user_error(result, f'{EXERCISE}:{line}: YAML syntax error: ',
                      '"-Lean forward while keeping your back..." has no space after its dash, so it is not a list '
                      'item: write "- Lean forward while keeping your back..."')


def test_a_first_step_without_a_space_is_named(clinic, tmp_path):
    """`-Stand ...` as the only line of steps: valid YAML, but one text, not a list."""
    text = (clinic / EXERCISE).read_text(encoding="utf-8")
    steps = text[text.index(FIRST):text.index("dosage:")]
    edit(clinic / EXERCISE, steps, "  -Stand facing a wall.\n")
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / EXERCISE, "-Stand facing")
    assert_user_error(result, f'{EXERCISE}:{line}: steps: must be a list (one `- item` per line), not the text '
                              '"-Stand facing a wall."; an item needs a space after its dash ("- ")')


def test_a_caution_without_a_space_is_warned(clinic, tmp_path):
    """cautions may be one text: `-Stop ...` is valid, and printed with its dash."""
    edit(clinic / EXERCISE, "cautions: [Stop if you feel sharp pain in your calf.]",
         "cautions:\n  -Stop if you feel sharp pain in your calf.")
    result, _ = render_checked(clinic, tmp_path)
    assert result.exit_code == 0, result.output
    line = line_of(clinic / EXERCISE, "-Stop if")
    assert (f'warning: {EXERCISE}:{line}: cautions: "-Stop if you feel sharp pain in your..." has no space after '
            'its dash, so it is read as text, not as a list item; if it is meant as one, write "- Stop if you feel '
            'sharp pain in your..."') in result.output


def test_a_step_at_the_start_of_the_line_is_named_at_its_line(clinic, tmp_path):
    edit(clinic / EXERCISE, SECOND, SECOND.lstrip())
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / EXERCISE, "- Lean forward")
    first = line_of(clinic / EXERCISE, "- Stand facing")
    assert_user_error(result, f"{EXERCISE}:{line}: YAML syntax error: ",
                      f'this "- " is further left than the items of the list above it (line {first}), so it is not '
                      "part of that list: indent it by 2 spaces, as they are")
