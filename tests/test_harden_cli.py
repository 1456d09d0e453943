"""The command line's edges (issue 12): where -o may write, words and values
that must not be dropped or silently chosen, dates, --debug tracebacks and
`init` into a folder it cannot create. Every case: a clear message, exit 1,
nothing written over."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import SAMPLE, assert_user_error, edit, line_of, run
from handoutgen import pipeline

HANDOUT = f"handouts/{SAMPLE}.yaml"
DAY = ("--date", "2026-12-01")


def _render(clinic: Path, *args: str):
    return run("render", SAMPLE, *DAY, *args, root=clinic)


def _snapshot(clinic: Path) -> dict[str, bytes]:
    return {p.relative_to(clinic).as_posix(): p.read_bytes() for p in clinic.rglob("*") if p.is_file()}


# ---------------------------------------------------------- output paths

@pytest.mark.parametrize("target", [HANDOUT, "brand.yaml", "exercises/push-off.yaml", "images/push-off.png"])
def test_output_over_an_input_file_is_refused(clinic, monkeypatch, target):
    monkeypatch.chdir(clinic)
    before = _snapshot(clinic)
    result = _render(clinic, "-o", target)
    assert_user_error(result, "-o", target)
    assert _snapshot(clinic) == before


@pytest.mark.parametrize("target", ["handouts/new.pdf", "exercises/x.pdf", "images/page.pdf",
                                    "layouts/x.pdf", "fonts/x.pdf"])
def test_output_into_an_input_folder_is_refused(clinic, monkeypatch, target):
    monkeypatch.chdir(clinic)
    result = _render(clinic, "-o", target)
    assert_user_error(result, "-o", "input")
    assert not (clinic / target).exists()


def test_output_over_a_file_read_from_outside_the_input_folders_is_refused(clinic, tmp_path):
    """A handout given by its path, elsewhere, is read: it is never written over."""
    elsewhere = tmp_path / "mine.pdf.yaml"
    elsewhere.write_bytes((clinic / HANDOUT).read_bytes())
    before = elsewhere.read_bytes()
    result = run("render", str(elsewhere), *DAY, "-o", str(elsewhere), root=clinic)
    assert_user_error(result, "-o")
    assert elsewhere.read_bytes() == before


def test_output_must_be_named_pdf(clinic, tmp_path):
    result = _render(clinic, "-o", str(tmp_path / "handout.txt"))
    assert_user_error(result, "-o", ".pdf")
    assert not (tmp_path / "handout.txt").exists()


def _null_device(path: Path) -> Path:
    """A device node like /dev/null, of the test's own: run against a version
    without the rule, the test must not replace the machine's /dev/null
    (as root it would)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root; without root the tool cannot replace one anyway")
    return path


@pytest.mark.parametrize("name", ["null", "null.pdf"])
def test_output_to_a_device_is_refused_and_the_device_kept(clinic, tmp_path, name):
    device = _null_device(tmp_path / name)
    result = _render(clinic, "-o", str(device))
    assert_user_error(result, "-o")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_output_over_something_that_is_not_a_regular_file_is_refused(clinic, tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "real.pdf")
    for target in (fifo, link):
        result = _render(clinic, "-o", str(target))
        assert_user_error(result, "-o", "not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    result = _render(clinic, "-o", str(folder))  # click's own check: a usage error
    assert result.exit_code == 2 and "is a directory" in result.output and "Traceback" not in result.output
    assert folder.is_dir()
    assert not (tmp_path / "real.pdf").exists()


@pytest.mark.parametrize("target", ["", "out/..", "out/.pdf"])
def test_output_that_names_no_file_is_refused(clinic, monkeypatch, target):
    monkeypatch.chdir(clinic)
    result = _render(clinic, "-o", target)
    assert_user_error(result, "-o")


def test_output_name_too_long_is_refused(clinic, tmp_path):
    result = _render(clinic, "-o", str(tmp_path / ("x" * 300 + ".pdf")))
    assert_user_error(result, "-o", "too long")


def test_output_under_a_regular_file_is_a_clear_error(clinic, tmp_path):
    """Root ignores read-only folders, so a folder that cannot be made stands in for one."""
    (tmp_path / "somefile.txt").write_text("keep me")
    result = _render(clinic, "-o", str(tmp_path / "somefile.txt" / "x.pdf"))
    assert_user_error(result, "-o", "cannot write")
    assert (tmp_path / "somefile.txt").read_text() == "keep me"


def test_output_on_a_read_only_file_system_is_a_clear_error(clinic):
    result = _render(clinic, "-o", "/proc/handout.pdf")
    assert_user_error(result, "-o", "cannot write")


def test_a_good_output_path_is_written(clinic, tmp_path):
    target = tmp_path / "deep" / "jane.PDF"
    result = _render(clinic, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("target", [HANDOUT, "brand.yaml", "images/x.png", "page.pdf", "null.png"])
def test_preview_output_is_checked_the_same_way(clinic, monkeypatch, target):
    monkeypatch.chdir(clinic)
    if target == "null.png":
        _null_device(clinic / target)
    before = _snapshot(clinic)
    result = run("preview", SAMPLE, "-o", target, root=clinic)
    assert_user_error(result, "-o")
    assert _snapshot(clinic) == before
    assert target != "null.png" or stat.S_ISCHR(os.lstat(target).st_mode)


def test_preview_to_a_png_is_written(clinic, tmp_path):
    result = run("preview", SAMPLE, "--dpi", "36", "-o", str(tmp_path / "page.png"), root=clinic)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "page.png").read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------ dropped words and data

def _no_side(clinic: Path, limb: str | None) -> None:
    """push-off has no side anywhere; `limb` (if any) in the handout."""
    edit(clinic / "exercises/push-off.yaml", ", side: each, limb: leg", "")
    edit(clinic / HANDOUT, ", side: each, limb: leg", f", limb: {limb}" if limb else "")


def test_a_limb_without_a_side_is_refused(clinic, tmp_path):
    _no_side(clinic, "arm")
    result = _render(clinic, "-o", str(tmp_path / "x.pdf"))
    line = line_of(clinic / HANDOUT, "limb: arm")
    assert_user_error(result, f"{HANDOUT}:{line - 1}: exercises[0].dosage.limb: needs side:",
                      "each, left, right, both or alternating")


def test_a_limb_without_a_side_from_the_command_line_is_refused(clinic, tmp_path):
    _no_side(clinic, None)
    result = _render(clinic, "--dose", "push-off.limb=arm", "-o", str(tmp_path / "x.pdf"))
    assert_user_error(result, "dosage.limb: needs side:")


def test_a_side_from_the_command_line_completes_a_limb(clinic, tmp_path):
    _no_side(clinic, "arm")
    result = _render(clinic, "--dose", "push-off.side=left", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 0, result.output


def test_the_same_dose_field_by_id_and_by_number_is_a_clear_error(clinic, tmp_path):
    result = _render(clinic, "--dose", "push-off.reps=8", "--dose", "1.reps=12", "-o", str(tmp_path / "x.pdf"))
    assert_user_error(result, "--dose push-off.reps=8", "--dose 1.reps=12")
    assert not (tmp_path / "x.pdf").exists()


def test_the_same_dose_field_twice_is_a_clear_error(clinic, tmp_path):
    result = _render(clinic, "--dose", "push-off.reps=8", "--dose", "push-off.reps=12",
                     "-o", str(tmp_path / "x.pdf"))
    assert_user_error(result, "--dose push-off.reps=8", "--dose push-off.reps=12")


def test_different_fields_of_one_exercise_by_id_and_number_both_apply(clinic, tmp_path):
    result = _render(clinic, "--dose", "push-off.reps=8", "--dose", "1.sets=2", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value", ["20260203", "2026-W05-1", "2026-02-03T10:00", "2026-2-3", " 2026-02-03",
                                   "２０２６-02-03"])
def test_dates_not_written_yyyy_mm_dd_are_refused(clinic, tmp_path, value):
    result = run("render", SAMPLE, "--date", value, "-o", str(tmp_path / "x.pdf"), root=clinic)
    assert result.exit_code == 2, result.output
    assert "YYYY-MM-DD" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("kind", ["checklist", "both"])
def test_a_checklist_running_past_the_last_date_is_a_clear_error(clinic, tmp_path, kind):
    result = run("render", SAMPLE, "--date", "9999-12-31", "--kind", kind, "-o", str(tmp_path / "x.pdf"),
                 root=clinic)
    assert_user_error(result, "--date")
    result = run("preview", SAMPLE, "--date", "9999-12-31", "--kind", kind, "-o", str(tmp_path / "x.png"),
                 root=clinic)
    assert_user_error(result, "--date")


# -------------------------------------------------------------- --debug

NAME = "Zebulon Quennell-Farthingstone"
THERAPIST = "Ottoline Vasquez-Brimble"


def test_debug_traceback_never_shows_the_names(clinic, tmp_path, monkeypatch):
    def broken(resolved, discharge, people):
        patient = people["patient"]
        raise RuntimeError(f"cannot lay out {patient!r} for {discharge.therapist}, {patient.upper()}")

    monkeypatch.setattr(pipeline, "template_variables", broken)
    result = _render(clinic, "--patient", NAME, "--therapist", THERAPIST, "--debug", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 1
    assert "Traceback" in result.output and "RuntimeError" in result.output
    assert "internal error" in result.output
    for name in (NAME, THERAPIST):
        for word in name.replace("-", " ").split():
            assert word.lower() not in result.output.lower(), result.output
    result = _render(clinic, "--patient", NAME, "--therapist", THERAPIST, "-o", str(tmp_path / "x.pdf"))
    assert "internal error" in result.output and "Traceback" not in result.output
    assert "Zebulon" not in result.output and "ZEBULON" not in result.output


# ----------------------------------------------------------------- init

def test_init_under_a_regular_file_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    result = run("init", str(tmp_path / "notes.txt" / "clinic"))
    assert_user_error(result, "cannot create")
    assert (tmp_path / "notes.txt").read_text() == "keep me"
