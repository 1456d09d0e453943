"""Per-patient program edits at discharge: --skip, --add and --dose drop one
exercise, add one and change one, without editing any file (README.md,
"Adapting the program for one patient")."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLE, assert_user_error, pdf_pages, render_checked, write
from handoutgen import dosage
from handoutgen.models import DoseFields

PUSH = "Push-Off and Balance"
CALF = "Calf Stretch"
RAISE = "Heel Raise"


@pytest.fixture
def library(clinic: Path) -> Path:
    """The sample clinic with one more exercise in its library, in no handout."""
    write(clinic / "exercises" / "heel-raise.yaml",
          "name: Heel Raise\n"
          "purpose: Strengthens your calves so your foot stays steady.\n"
          "steps:\n"
          "  - Stand holding a counter.\n"
          "  - Rise onto your toes, then lower slowly.\n"
          "dosage: {reps: 12, sets: 2, times_per_day: 2}\n")
    return clinic


def _text(out: Path) -> str:
    return " ".join(pdf_pages(out))


def _sentence(**fields) -> str:
    return " ".join(dosage.sentence(DoseFields.model_validate(fields)).split())


def _card_numbers(text: str, names: list[str]) -> list[int]:
    """The number printed before each exercise's name, in page order."""
    numbers = []
    for name in names:
        before = text[:text.index(name)].split()
        numbers.append(int(before[-1].rstrip(".")))  # "1." or "1"
    return numbers


def test_the_sample_program_as_written(library, tmp_path):
    result, out = render_checked(library, tmp_path)
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert PUSH in text and CALF in text and RAISE not in text
    assert _card_numbers(text, [PUSH, CALF]) == [1, 2]


@pytest.mark.parametrize("which", ["calf-stretch", "2"])
def test_skip_by_id_or_card_number(library, tmp_path, which):
    result, out = render_checked(library, tmp_path, "--skip", which)
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert CALF not in text and "Keep your arch domed during the whole stretch" not in text
    assert PUSH in text


def test_skipping_the_first_renumbers_the_cards(library, tmp_path):
    result, out = render_checked(library, tmp_path, "--skip", "1")
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert PUSH not in text
    assert _card_numbers(text, [CALF]) == [1]


def test_add_appends_with_the_library_dose(library, tmp_path):
    result, out = render_checked(library, tmp_path, "--add", "heel-raise", "--pages", "2")
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert _card_numbers(text, [PUSH, CALF, RAISE]) == [1, 2, 3]
    assert _sentence(reps=12, sets=2, times_per_day=2) in text
    assert "Rise onto your toes, then lower slowly." in text


def test_drop_one_add_one_change_one(library, tmp_path):
    result, out = render_checked(library, tmp_path, "--skip", "calf-stretch", "--add", "heel-raise",
                                 "--dose", "push-off.reps=8", "--dose", "heel-raise.sets=3")
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert CALF not in text
    assert _card_numbers(text, [PUSH, RAISE]) == [1, 2]
    assert _sentence(reps=8, sets=5, side="each", limb="leg") in text  # the changed dose
    assert _sentence(reps=10, sets=5, side="each", limb="leg") not in text
    assert _sentence(reps=12, sets=3, times_per_day=2) in text  # added, its dose changed by its id


def test_the_checklist_follows_the_edited_program(library, tmp_path):
    result, out = render_checked(library, tmp_path, "--kind", "checklist", "--skip", "1", "--add", "heel-raise")
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert PUSH not in text and CALF in text and RAISE in text


def test_preview_takes_the_edits_too(library, tmp_path):
    from conftest import run

    out = tmp_path / "p.png"
    result = run("preview", SAMPLE, "--skip", "2", "--add", "heel-raise", "--dose", "heel-raise.reps=5",
                 "--dpi", "40", "-o", str(out), root=library)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run("preview", SAMPLE, "--skip", "2", "--dose", "2.reps=5", "-o", str(tmp_path / "q.png"), root=library)
    assert_user_error(bad, '"--skip 2" and "--dose 2.reps=5"')


@pytest.mark.parametrize(("args", "expected"), [
    (["--skip", "calf-stretch", "--dose", "calf-stretch.reps=5"],
     ['"--skip calf-stretch" and "--dose calf-stretch.reps=5"']),
    (["--skip", "2", "--dose", "calf-stretch.reps=5"], ['"--skip 2" and "--dose calf-stretch.reps=5"']),
    (["--skip", "1", "--skip", "calf-stretch"], ["--skip: skips every exercise", "keep at least one"]),
    (["--add", "push-off"], ['"push-off" is already in this handout (card 1)', "--dose push-off."]),
    (["--skip", "push-off", "--add", "push-off"], ['"--add push-off" and "--skip push-off" contradict']),
    (["--skip", "heel-raise", "--add", "heel-raise"], ['"--skip heel-raise" and "--add heel-raise" contradict']),
    (["--add", "heel-raise", "--add", "heel-raise"], ['"--add heel-raise" is given 2 times']),
    (["--add", "heel-raize"], ['--add heel-raize: no exercise "heel-raize" in exercises/; '
                               'did you mean "heel-raise"?']),
    (["--skip", "calf-strech"], ['--skip calf-strech: no exercise "calf-strech" in this handout; '
                                 'did you mean "calf-stretch"?']),
    (["--skip", "3"], ['no exercise "3" in this handout', "card number (1-2)"]),
    (["--dose", "heel-raise.reps=5"], ['--dose heel-raise: no exercise "heel-raise" in this handout']),
])
def test_conflicting_or_unknown_edits_are_refused(library, tmp_path, args, expected):
    result, out = render_checked(library, tmp_path, *args)
    assert_user_error(result, *expected)
    assert not out.exists()


def test_every_problem_at_once(library, tmp_path):
    result, _ = render_checked(library, tmp_path, "--skip", "calf-strech", "--add", "lunge", "--add", "push-off")
    assert_user_error(result, "3 problems", "--skip calf-strech", "--add lunge", "--add push-off")


def test_every_exercise_replaced_by_an_added_one(library, tmp_path):
    """Skipping every exercise is fine when another is added: the program is the added one."""
    result, out = render_checked(library, tmp_path, "--skip", "1", "--skip", "2", "--add", "heel-raise")
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert PUSH not in text and CALF not in text
    assert _card_numbers(text, [RAISE]) == [1]


def test_nothing_is_edited_on_disk(library, tmp_path):
    before = {p: p.read_bytes() for p in library.rglob("*.yaml")}
    result, _ = render_checked(library, tmp_path, "--skip", "2", "--add", "heel-raise", "--dose", "push-off.reps=8")
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in library.rglob("*.yaml")} == before
