"""Issue 21 part 1: a PDF with a patient's name never goes into a shared build folder, not
even when -o names it: the clinic's out/ (its brand and language folders too) or any folder a
build writes into. One clear line, exit 1, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import SAMPLE, assert_user_error, run

NAME = "Zelda Quartermaine"
WHY = "the shared folder builds write into, and a {what} with a patient's name is never written there"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _refused(result, target: str, folder: str = "out/", what: str = "PDF") -> None:
    assert_user_error(result, f"error: {Path(target)}: -o: is inside {folder}, {WHY.format(what=what)}", "-o -")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Zelda" not in result.output and "Quartermaine" not in result.output


@pytest.mark.parametrize("target", ["out/jane.pdf", "out/es/jane.pdf", "out/riverside/new/jane.pdf",
                                    "./out/jane.pdf", "handouts/../out/jane.pdf"])
def test_o_into_out_with_a_patient_is_refused_and_nothing_is_written(clinic, monkeypatch, target):
    monkeypatch.chdir(clinic)
    result = run("render", SAMPLE, "--patient", NAME, "-o", target, root=clinic)
    _refused(result, target)
    assert not (clinic / "out").exists()  # not even a folder made


def test_o_into_out_by_its_absolute_path_or_a_link_is_refused(clinic, tmp_path):
    assert run("build", root=clinic).exit_code == 0
    before = _files(clinic / "out")
    absolute = str(clinic / "out" / "jane.pdf")
    _refused(run("render", SAMPLE, "--patient", NAME, "-o", absolute, root=clinic), absolute)
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "printouts").symlink_to(clinic / "out")
    linked = str(tmp_path / "desk" / "printouts" / "jane.pdf")
    _refused(run("render", SAMPLE, "--patient", NAME, "--kind", "both", "-o", linked, root=clinic), linked)
    assert _files(clinic / "out") == before
    # --prune has nothing of a patient's to keep: nothing was written.
    assert run("build", "--prune", root=clinic).exit_code == 0
    assert _files(clinic / "out") == before


def test_a_preview_with_a_patient_is_refused_in_out_too(clinic, monkeypatch):
    monkeypatch.chdir(clinic)
    result = run("preview", SAMPLE, "--patient", NAME, "--dpi", "40", "-o", "out/jane.png", root=clinic)
    _refused(result, "out/jane.png", what="picture")
    assert not (clinic / "out").exists()


def test_a_build_folder_given_with_out_is_shared_too(clinic, tmp_path):
    """`build --out shared`: that folder holds the build's record, and is as shared as out/."""
    shared = tmp_path / "shared"
    assert run("build", "--out", str(shared), root=clinic).exit_code == 0
    before = _files(shared)
    target = str(shared / "jane.pdf")
    _refused(run("render", SAMPLE, "--patient", NAME, "-o", target, root=clinic), target, folder=f"{shared}/")
    assert _files(shared) == before


def test_outside_the_build_folders_a_named_pdf_is_written(clinic, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()  # a folder named out/ that no build writes into
    for target in ("jane.pdf", "out/jane.pdf", str(clinic / "outgoing" / "jane.pdf")):
        result = run("render", SAMPLE, "--patient", NAME, "-o", target, root=clinic)
        assert result.exit_code == 0, result.output
        assert os.path.isfile(target)
    # A therapist's name alone is not health information: out/ is fine for it.
    assert run("render", SAMPLE, "--therapist", "Sam Lee", "-o", str(clinic / "out" / "sam.pdf"),
               root=clinic).exit_code == 0
