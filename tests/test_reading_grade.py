"""Plain-language check (issue 13 part 7): `check` reports a reading grade of each
handout's patient text, names sentences over 20 words, warns above grade 8, and
`check --strict` fails on it (docs/plain-language.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import SAMPLE, run
from handoutgen.readability import (
    assess,
    fernandez_huerta,
    flesch_kincaid_grade,
    sentences,
    syllables,
    words,
)

# ------------------------------------------------------------------ formulas


def test_flesch_kincaid_known_value():
    # The classic example: 13 words, 1 sentence, 26 syllables → grade 13.1 (reading ease 24.4).
    assert flesch_kincaid_grade(13, 1, 26) == pytest.approx(13.08, abs=0.005)
    # 100 words, 10 sentences, 130 syllables: 0.39*10 + 11.8*1.3 - 15.59 = 3.65
    assert flesch_kincaid_grade(100, 10, 130) == pytest.approx(3.65)


def test_fernandez_huerta_known_value():
    # 206.84 - 60*(7/4) - 1.02*(4/1) = 97.76
    assert fernandez_huerta(4, 1, 7) == pytest.approx(97.76)
    # 100 words, 5 sentences, 200 syllables: 206.84 - 120 - 20.4 = 66.44 (grades 7-8 in its table)
    assert fernandez_huerta(100, 5, 200) == pytest.approx(66.44)


def test_whole_text_known_values():
    english = assess(["The Australian platypus is seemingly a hybrid of a mammal and reptilian creature."])
    assert (english.words, english.sentences, english.syllables) == (13, 1, 26)
    assert round(english.grade, 1) == 13.1
    spanish = assess(["El perro come carne."], "es")
    assert (spanish.words, spanish.sentences, spanish.syllables) == (4, 1, 7)
    assert spanish.ease == pytest.approx(97.76)
    assert spanish.grade is None and english.ease is None


@pytest.mark.parametrize(("word", "count"), [
    ("the", 1), ("knee", 1), ("stretch", 1), ("walked", 1), ("makes", 1), ("straight", 1),
    ("ankle", 2), ("people", 2), ("action", 2), ("rested", 2), ("stretches", 2), ("shoulder", 2),
    ("exercise", 3), ("arthritis", 3), ("serious", 3), ("platypus", 3),
    ("exercises", 4), ("australian", 4), ("reptilian", 4),
])
def test_english_syllables(word, count):
    assert syllables(word, "en") == count


@pytest.mark.parametrize(("word", "count"), [
    ("y", 1), ("hoy", 1), ("que", 1), ("día", 2), ("aire", 2), ("leer", 2), ("ciudad", 2),
    ("rodilla", 3), ("guitarra", 3), ("pingüino", 3), ("pantorrilla", 4),
    ("estiramiento", 5), ("repeticiones", 5),
])
def test_spanish_syllables(word, count):
    assert syllables(word, "es") == count


def test_words_and_sentences():
    assert words("Don't stop: long-term relief, 10 times.") == ["Don't", "stop", "long-term", "relief", "10", "times"]
    assert sentences("Stand tall. Hold it! Breathe? Then rest") == ["Stand tall.", "Hold it!", "Breathe?", "Then rest"]


# ------------------------------------------------------------------ through check

LONG = ("Maintain continuous isometric contraction of the quadriceps musculature throughout the "
        "entire duration of the prescribed therapeutic intervention, notwithstanding any transient "
        "discomfort experienced.")


def _complex(clinic: Path) -> Path:
    """The sample handout with a deliberately complex summary and section."""
    path = clinic / "handouts" / f"{SAMPLE}.yaml"
    data = yaml.safe_load(path.read_text())
    data["summary"] = (LONG + " Osteoarthritic degeneration necessitates comprehensive biomechanical "
                       "rehabilitation emphasizing proprioceptive neuromuscular facilitation.")
    data["sections"] = [{"heading": "Additional considerations",
                         "text": "Intermittent exacerbations are anticipated; consequently, therapeutic "
                                 "modifications should be implemented collaboratively with your physiotherapist, "
                                 "considering functional limitations and individualized rehabilitation objectives."}]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_sample_reading_grade_reported_and_plain(clinic):
    result = run("check", "--report", root=clinic)
    assert result.exit_code == 0, result.output
    header, *rows = [line for line in result.stdout.splitlines() if line.startswith(("handout ", SAMPLE))]
    assert header.rstrip().endswith("reading grade")
    handout_row = next(row for row in rows if row.split()[1] == "handout")
    grade = float(handout_row.split()[-1])
    assert 0 < grade <= 8, handout_row
    assert "reading grade" not in result.stderr  # no warning for the sample


def test_complex_handout_warns_and_strict_fails(clinic):
    _complex(clinic)
    result = run("check", root=clinic)
    assert result.exit_code == 0, result.output
    warning = [line for line in result.stderr.splitlines() if "reading grade" in line]
    assert len(warning) == 1, result.stderr
    match = re.fullmatch(rf'warning: handouts/{SAMPLE}\.yaml: reading grade (\d+\.\d) \(aim for 6-8\): '
                         r'(\d+) sentences? over 20 words, e\.g\. "(.*)"', warning[0])
    assert match, warning[0]
    assert float(match.group(1)) > 8
    assert int(match.group(2)) == 2  # the summary's first sentence and the section's
    assert match.group(3) == "Maintain continuous isometric contraction of the quadriceps musculature…"

    strict = run("check", "--strict", root=clinic)
    assert strict.exit_code == 1, strict.output
    assert "reading grade" in strict.stderr


def test_complex_grade_in_report(clinic):
    _complex(clinic)
    result = run("check", "--report", root=clinic)
    row = next(line for line in result.stdout.splitlines() if line.startswith(SAMPLE) and " handout " in line)
    assert float(row.split()[-1]) > 8
