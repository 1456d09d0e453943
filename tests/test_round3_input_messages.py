"""Hardening, round three (issue 21), messages: each names the file, line and field the
mistake is in and says what is really wrong; nothing of the input reaches the terminal as a
control character."""

from __future__ import annotations

import pytest

from conftest import SAMPLE, assert_user_error, edit, line_of, render_checked, run, write

HANDOUT = f"handouts/{SAMPLE}.yaml"
EXERCISE = "exercises/calf-stretch.yaml"
LONG_LINK = "https://example.org/" + "a" * 5000


# ------------------------------------------------------------ a link too long for a QR code

def test_a_video_link_too_long_for_a_qr_code_is_named_in_the_exercise_file(clinic, tmp_path):
    edit(clinic / EXERCISE, "equipment:", f"video: {LONG_LINK}\nequipment:")
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / EXERCISE, "video:")
    assert_user_error(result, f"{EXERCISE}:{line}: video: cannot be printed as a QR code: the link is 5,020 "
                              "characters, more than a QR code can hold (2,213); use a shorter link")
    assert "layouts/" not in result.output  # not the built-in layout's line that prints the code
    assert LONG_LINK not in result.output


def test_a_video_link_too_long_in_a_written_out_exercise_is_named_in_the_handout(clinic, tmp_path):
    edit(clinic / HANDOUT, "  - use: calf-stretch\n",
         "  - use: calf-stretch\n"
         "  - name: Heel Raises\n"
         "    steps: [Rise up on your toes, then lower slowly.]\n"
         "    dosage: {reps: 15}\n"
         f"    video: {LONG_LINK}\n")
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / HANDOUT, "video:")
    assert_user_error(result, f"{HANDOUT}:{line}: exercises[2].video: cannot be printed as a QR code")
    assert "layouts/" not in result.output


# ------------------------------------------------------------------------- a hold of zero

@pytest.mark.parametrize("zero", ["0", "0 s", "0s", "0 min", "0 min 0 s"])
def test_a_hold_of_zero_in_yaml_says_zero_is_not_a_hold(clinic, tmp_path, zero):
    edit(clinic / EXERCISE, "hold: 1 min", f"hold: {zero}")
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / EXERCISE, "dosage:")
    assert_user_error(result, f'{EXERCISE}:{line}: dosage.hold: is zero, and zero is not a hold (got "{zero}"); '
                              "for no hold, leave hold out")
    assert "write it like" not in result.output


@pytest.mark.parametrize(("field", "what"), [("hold", "a hold"), ("rest", "a rest"),
                                             ("duration", "a duration")])
def test_a_zero_from_the_command_line_says_what_is_wrong(clinic, tmp_path, field, what):
    result, _ = render_checked(clinic, tmp_path, "--dose", f"calf-stretch.{field}=0")
    assert_user_error(result, f"command line: --dose calf-stretch.{field}: is zero, and zero is not {what}",
                      f"a --dose override changes the exercise's {field} but cannot take it away: give at least 1 s")
    assert "write it like" not in result.output


def test_a_duration_written_wrong_still_gets_the_example(clinic, tmp_path):
    result, _ = render_checked(clinic, tmp_path, "--dose", "calf-stretch.hold=0:30")
    assert_user_error(result, "write it like 30 s, 1 min or 1 min 30 s")


# ---------------------------------------------------------- a limb without a side, where written

def test_a_limb_without_a_side_in_an_exercise_file_is_named_there(clinic, tmp_path):
    edit(clinic / EXERCISE, "hold: 1 min, side: each, limb: leg", "hold: 1 min, limb: leg")
    result, _ = render_checked(clinic, tmp_path)
    line = line_of(clinic / EXERCISE, "limb: leg")
    assert_user_error(result, f"{EXERCISE}:{line}: dosage.limb: needs side: (each, left, right, both or "
                              "alternating)")
    assert HANDOUT not in result.output


def test_a_limb_without_a_side_in_an_added_exercise_is_named_in_its_file(clinic, tmp_path):
    edit(clinic / "exercises/heel-raise.yaml", "dosage: {", "dosage: {limb: leg, ")
    result, _ = render_checked(clinic, tmp_path, "--add", "heel-raise")
    line = line_of(clinic / "exercises/heel-raise.yaml", "limb: leg")
    assert_user_error(result, f"exercises/heel-raise.yaml:{line}: dosage.limb: needs side:")


def test_a_side_from_the_handout_completes_the_exercise_files_limb(clinic, tmp_path):
    edit(clinic / EXERCISE, "hold: 1 min, side: each, limb: leg", "hold: 1 min, limb: leg")
    edit(clinic / HANDOUT, "  - use: calf-stretch\n", "  - use: calf-stretch\n    dosage: {side: left}\n")
    result, _ = render_checked(clinic, tmp_path)
    assert result.exit_code == 0, result.output


# -------------------------------------------------------- control characters never reach the terminal

def test_a_carriage_return_in_a_file_name_is_escaped(clinic):
    write(clinic / "handouts" / "bad\rname.yaml", "title: Bad\nexercises: [nope]\n")
    result = run("build", root=clinic)
    assert "\r" not in result.output, repr(result.output)
    assert_user_error(result, "handouts/bad\\rname.yaml:2: exercises[0]: no exercise \"nope\"")
    named = run("render", "ba\rd", "-o", str(clinic / "x.pdf"), root=clinic)
    assert "\r" not in named.output, repr(named.output)
    assert_user_error(named, "ba\\rd: no such handout", "bad\\rname")


def test_an_escape_sequence_in_a_value_is_shown_not_sent_to_the_terminal(clinic, tmp_path):
    edit(clinic / HANDOUT, "dosage: {reps: 10,", 'dosage: {reps: "\\e[2J\\e[31mten",')
    result, _ = render_checked(clinic, tmp_path)
    assert "\x1b" not in result.output, repr(result.output)
    assert_user_error(result, "exercises[0].dosage.reps: must be a whole number from 1 to 100 "
                              '(got "\\x1b[2J\\x1b[31mten")')
