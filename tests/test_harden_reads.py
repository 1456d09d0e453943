"""Issue 12, classes 1, 3, 10 and the `http://` part of 13: every file handoutgen
reads is inside the clinic folder and a regular file; YAML nested too deep or
too big is a clean `file:line` error for its handout only; counts no page of a
handout could hold fail fast, naming the field; video links are https."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, assert_user_error, edit, line_of, render_checked, run, write

HANDOUT = f"handouts/{SAMPLE}.yaml"
DATE = ("--date", "2026-12-01")
OUTSIDE = "leads outside the clinic folder"


def _cli(clinic: Path, tmp_path: Path, *args: str, timeout: float = 60,
         memory: int | None = None) -> subprocess.CompletedProcess:
    """The command in its own process: a crash or a hang cannot take pytest with it."""
    env = dict(os.environ, HANDOUTGEN_CACHE_DIR=str(tmp_path / "cache"), CI="1")

    def limit():
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, str(REPO / "generate.py"), *args, "--root", str(clinic)],
                          capture_output=True, text=True, env=env, timeout=timeout, preexec_fn=limit)


def _clean_failure(done: subprocess.CompletedProcess, *expected: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    for fragment in expected:
        assert fragment in output, f"{fragment!r} not in:\n{output}"


def _deep(levels: int) -> str:
    return "title: Deep\nexercises:\n  - name: Deep\n    steps: " + "[" * levels + "x" + "]" * levels + "\n"


# ------------------------------------------------------- 1. deep nesting

@pytest.mark.parametrize("levels", [40, 1_000, 30_000])
def test_deep_nesting_is_a_clean_error_with_its_line(clinic, tmp_path, levels):
    write(clinic / "handouts/deep.yaml", _deep(levels))
    done = _cli(clinic, tmp_path, "render", "deep", "-o", str(tmp_path / "deep.pdf"), *DATE)
    _clean_failure(done, "handouts/deep.yaml:4: exercises[0].steps", "nested more than 32 levels deep")
    assert not (tmp_path / "deep.pdf").exists()


@pytest.mark.parametrize("jobs", ["-j1", "-j2"])
def test_deep_nesting_fails_only_its_handout_in_a_build(clinic, tmp_path, jobs):
    write(clinic / "handouts/deep.yaml", _deep(30_000))
    done = _cli(clinic, tmp_path, "build", jobs, timeout=90)
    _clean_failure(done, "handouts/deep.yaml:4:", "nested more than 32 levels deep")
    assert (clinic / "out" / f"{SAMPLE}.pdf").is_file(), "the good handout is built"
    assert (clinic / "out" / f"{SAMPLE}-checklist.pdf").is_file()


def test_nesting_a_real_handout_uses_is_fine(clinic, tmp_path):
    result, out = render_checked(clinic, tmp_path, *DATE)
    assert result.exit_code == 0, result.output


# ------------------------------------------ 3. files read from outside

@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the clinic holding a valid handout and exercise."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    write(folder / "secret.yaml", (REPO / HANDOUT).read_text())
    write(folder / "calf-stretch.yaml", (REPO / "exercises/calf-stretch.yaml").read_text())
    write(folder / "push-off.yaml", (REPO / "exercises/push-off.yaml").read_text())
    return folder


def test_a_handout_linked_to_proc_self_status_is_refused_and_never_echoed(clinic, tmp_path):
    (clinic / "handouts/status.yaml").symlink_to("/proc/self/status")
    result = run("render", "status", "-o", str(tmp_path / "x.pdf"), *DATE, root=clinic)
    assert_user_error(result, f"handouts/status.yaml: {OUTSIDE}")
    for key in ("VmRSS", "Pid", "Uid", "Name"):
        assert key not in result.output


def test_a_fifo_in_handouts_is_refused_without_blocking_and_the_others_build(clinic, tmp_path):
    pipe = clinic / "handouts/pipe.yaml"
    os.mkfifo(pipe)
    try:
        done = _cli(clinic, tmp_path, "build", "-j1", timeout=60)
        _clean_failure(done, "handouts/pipe.yaml: is not a regular file (a named pipe)")
        assert (clinic / "out" / f"{SAMPLE}.pdf").is_file()
        done = _cli(clinic, tmp_path, "render", "handouts/pipe.yaml", "-o", str(tmp_path / "x.pdf"), *DATE,
                    timeout=30)
        _clean_failure(done, "handouts/pipe.yaml: is not a regular file (a named pipe)")
    finally:
        pipe.unlink()  # conftest reads every .yaml of the test's folder when it checks the PDFs


def test_render_of_a_path_outside_the_clinic_is_refused(clinic, tmp_path, outside):
    result = run("render", str(outside / "secret.yaml"), "-o", str(tmp_path / "x.pdf"), *DATE, root=clinic)
    assert_user_error(result, f"{outside / 'secret.yaml'}: {OUTSIDE}")
    assert not (tmp_path / "x.pdf").exists()
    result = run("render", "/etc/hostname", "-o", str(tmp_path / "x.pdf"), *DATE, root=clinic)
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_handout_linked_from_outside_is_refused_in_a_build(clinic, tmp_path, outside):
    (clinic / "handouts/secret.yaml").symlink_to(outside / "secret.yaml")
    result = run("build", "-j1", root=clinic)
    assert_user_error(result, f"handouts/secret.yaml: {OUTSIDE}")
    assert (clinic / "out" / f"{SAMPLE}.pdf").is_file()
    assert not (clinic / "out" / "secret.pdf").exists()


def test_handouts_folder_linked_outside_is_refused(clinic, tmp_path, outside):
    os.rename(clinic / "handouts", tmp_path / "moved")
    (clinic / "handouts").symlink_to(outside)
    assert_user_error(run("build", "-j1", root=clinic), f"handouts: {OUTSIDE}")
    assert_user_error(run("render", "secret", "-o", str(tmp_path / "x.pdf"), *DATE, root=clinic), OUTSIDE)
    assert not (clinic / "out" / "secret.pdf").exists() and not (tmp_path / "x.pdf").exists()


def test_exercises_folder_linked_outside_is_refused(clinic, tmp_path, outside):
    os.rename(clinic / "exercises", tmp_path / "moved")
    (clinic / "exercises").symlink_to(outside)
    result, _ = render_checked(clinic, tmp_path, *DATE)
    assert_user_error(result, f"exercises: {OUTSIDE}")


def test_one_exercise_file_linked_from_outside_is_refused(clinic, tmp_path, outside):
    (clinic / "exercises/calf-stretch.yaml").unlink()
    (clinic / "exercises/calf-stretch.yaml").symlink_to(outside / "calf-stretch.yaml")
    result, _ = render_checked(clinic, tmp_path, *DATE)
    assert_user_error(result, f"exercises/calf-stretch.yaml: {OUTSIDE}")


def test_a_brand_file_outside_the_clinic_is_refused(clinic, tmp_path):
    write(tmp_path / "other-brand.yaml", (clinic / "brand.yaml").read_text())
    result = run("render", SAMPLE, "--brand", str(tmp_path / "other-brand.yaml"), "-o", str(tmp_path / "x.pdf"),
                 *DATE, root=clinic)
    assert_user_error(result, f"--brand: {OUTSIDE}")
    (clinic / "brand.yaml").unlink()
    (clinic / "brand.yaml").symlink_to("/dev/zero")
    try:
        done = _cli(clinic, tmp_path, "render", SAMPLE, "-o", str(tmp_path / "x.pdf"), *DATE, timeout=30)
        _clean_failure(done, f"brand.yaml: {OUTSIDE}")
        assert not (tmp_path / "x.pdf").exists()
    finally:
        (clinic / "brand.yaml").unlink()


def test_links_that_stay_inside_the_clinic_are_fine(clinic, tmp_path):
    library = clinic / "library"
    library.mkdir()
    os.rename(clinic / "exercises/calf-stretch.yaml", library / "calf-stretch.yaml")
    (clinic / "exercises/calf-stretch.yaml").symlink_to("../library/calf-stretch.yaml")
    os.rename(clinic / "handouts", clinic / "sheets")
    (clinic / "handouts").symlink_to("sheets")
    result, out = render_checked(clinic, tmp_path, *DATE)
    assert result.exit_code == 0, result.output
    assert run("build", "-j1", root=clinic).exit_code == 0
    assert (clinic / "out" / f"{SAMPLE}.pdf").is_file()


# ------------------------------------------------------ 10. unbounded work

def _many_exercises(count: int) -> str:
    return "title: Many\nexercises:\n" + "".join(
        f"  - name: E{i}\n    steps: [s]\n    dosage: {{reps: 1}}\n" for i in range(count))


def test_eighteen_thousand_exercises_fail_fast_in_bounded_memory(clinic, tmp_path):
    text = _many_exercises(18_000)
    assert 900_000 < len(text) < 1_000_000
    write(clinic / "handouts/many.yaml", text)
    start = time.monotonic()
    done = _cli(clinic, tmp_path, "render", "many", "-o", str(tmp_path / "x.pdf"), *DATE, timeout=30,
                memory=1_500_000_000)
    elapsed = time.monotonic() - start
    _clean_failure(done, "handouts/many.yaml:3: exercises: 18,000 exercises; at most 100")
    assert elapsed < 8, f"took {elapsed:.1f} s"  # interpreter start-up included, on a loaded machine


def test_a_megabyte_of_tiny_values_fails_fast(clinic, tmp_path):
    write(clinic / "handouts/flat.yaml", "title: Flat\nexercises: [" + "a," * 490_000 + "a]\n")
    start = time.monotonic()
    result = run("render", "flat", "-o", str(tmp_path / "x.pdf"), *DATE, root=clinic)
    assert time.monotonic() - start < 5
    assert_user_error(result, "handouts/flat.yaml:2: ", "values")


@pytest.mark.parametrize("where, old, new, expected", [
    ("exercises/calf-stretch.yaml", "steps:\n", "steps:\n" + "  - Step.\n" * 200,
     "exercises/calf-stretch.yaml:{line}: steps: 203 steps; at most 200"),
    ("exercises/calf-stretch.yaml", "cautions: [", "cautions: [" + "Careful, " * 200,
     "exercises/calf-stretch.yaml:{line}: cautions: 201 cautions; at most 200"),
    (HANDOUT, "sections:\n", "sections:\n" + "  - {heading: H, text: T}\n" * 100,
     HANDOUT + ":{line}: sections: 101 sections; at most 100"),
    (HANDOUT, "      - Understand", "      - I.\n" * 200 + "      - Understand",
     HANDOUT + ":{line}: sections[0].items: 203 items; at most 200"),
    (HANDOUT, "title: Relieve", "title: " + "word " * 4_000 + "Relieve",
     HANDOUT + ":{line}: title: is 20,040 characters long; at most 20,000"),
], ids=["steps", "cautions", "sections", "items", "text"])
def test_counts_no_page_could_hold_name_the_field(clinic, tmp_path, where, old, new, expected):
    edit(clinic / where, old, new)
    first = new.splitlines()[0]
    line = line_of(clinic / where, first) + (1 if first.endswith(":") else 0)
    result, _ = render_checked(clinic, tmp_path, *DATE)
    assert_user_error(result, expected.format(line=line), "4 pages")


def test_a_hundred_and_one_exercises_name_the_field(clinic, tmp_path):
    write(clinic / HANDOUT, "title: Many\nexercises:\n" + "  - use: calf-stretch\n" * 101)
    result, _ = render_checked(clinic, tmp_path, *DATE)
    assert_user_error(result, f"{HANDOUT}:3: exercises: 101 exercises; at most 100")


# ------------------------------------------------------- 13. https only

def test_an_http_video_link_is_refused(clinic, tmp_path):
    edit(clinic / "exercises/calf-stretch.yaml", "name: Calf Stretch",
         "name: Calf Stretch\nvideo: http://example.com/calf")
    result, _ = render_checked(clinic, tmp_path, *DATE)
    assert_user_error(result, "exercises/calf-stretch.yaml:2: video: must be a web address starting with https://")
