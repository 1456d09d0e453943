"""Hardening, round three (issue 21), names: one scrubber (privacy.without_names) hides a
patient's and a therapist's name everywhere a message could show it, every word of it however
short ("Jo" of "Jo Ann", "O"), while the rest of the message stays readable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, run
from handoutgen import layout, pipeline, privacy

# Short names: a scrubber that hid only words of 2 or 3 letters or more would show part of them.
NAMES = ["Jo Ann", "Li Ng", "O", "Ed O Li"]
THERAPIST = "Al Bo"
BUILTIN = (REPO / "layouts" / "handout.xml.j2").read_text(encoding="utf-8")
HOOK = "<title>{{ handout.title }}</title>"


def _shown(word: str, output: str) -> bool:
    """Whether `word` stands in `output` on its own (any case), not inside a longer word."""
    return re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", output, re.IGNORECASE) is not None


def _no_part_of(names: list[str], output: str) -> None:
    for name in names:
        for word in re.split(r"[\W_]+", name):
            assert not word or not _shown(word, output), f"{word!r} of {name!r} in:\n{output}"


@pytest.mark.parametrize("name", NAMES)
def test_a_debug_traceback_shows_no_word_of_a_short_name(clinic, tmp_path, monkeypatch, name):
    def broken(resolved, discharge, people):
        patient = people["patient"]
        raise RuntimeError(f"cannot lay out {patient!r} {patient.split()} {patient.upper()} {discharge.therapist}")

    monkeypatch.setattr(pipeline, "template_variables", broken)
    result = run("render", SAMPLE, "--patient", name, "--therapist", THERAPIST, "--debug",
                 "-o", str(tmp_path / "x.pdf"), root=clinic)
    assert result.exit_code == 1
    # Readable: the traceback is there and only the names are replaced.
    assert "Traceback (most recent call last)" in result.output, result.output
    assert "RuntimeError: cannot lay out '<patient>'" in result.output, result.output
    assert "internal error: RuntimeError" in result.output
    _no_part_of([name, THERAPIST], result.output)
    assert not (tmp_path / "x.pdf").exists()


def _layout_including(clinic: Path, expression: str, file: str) -> None:
    """A clinic layout that includes the template named by `expression` (made from the
    patient's name), which holds a syntax error: its message names that file."""
    folder = clinic / "layouts"
    folder.mkdir(exist_ok=True)
    (folder / "handout.xml.j2").write_text(BUILTIN.replace(HOOK, f"{{% include {expression} %}}\n{HOOK}"),
                                           encoding="utf-8")
    (folder / file).write_text("{% if %}", encoding="utf-8")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("part", ["whole", "each word"])
def test_a_layout_error_naming_a_file_after_a_short_name_shows_no_word_of_it(clinic, tmp_path, name, part):
    pieces = [("patient", name)] if part == "whole" else \
        [(f"patient.split()[{i}]", word) for i, word in enumerate(name.split())]
    for expression, file in pieces:
        _layout_including(clinic, expression, file)
        result = run("render", SAMPLE, "--patient", name, "--therapist", THERAPIST, "-o", str(tmp_path / "x.pdf"),
                     root=clinic)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
        assert "error: layouts/<patient>:1: template syntax error: " in result.output, result.output
        _no_part_of([name, THERAPIST], result.output)
        (clinic / "layouts" / file).unlink()


def test_the_layout_uses_the_one_scrubber():
    assert layout.without_names is privacy.without_names
    assert not hasattr(layout, "_scrub")


@pytest.mark.parametrize(("text", "expected"), [
    ("Jo Ann, 'Jo', JO-ANN, jo_ann, ['Jo', 'Ann']", "<patient>, '<patient>', <patient>-<patient>, "
                                                    "<patient>_<patient>, ['<patient>', '<patient>']"),
    ("Joint pain and an annual visit", "Joint pain and an annual visit"),  # only whole words
    ("O&#39;Neil &amp; O'Neil", "<patient> &amp; <patient>"),  # as a layout escapes it
])
def test_every_form_of_a_name_and_no_other_word(text, expected):
    names = {"patient": "O'Neil" if "Neil" in text else "Jo Ann", "therapist": None, "other": "Joint"}
    assert privacy.without_names(text, names) == expected
