"""`build` and `check` over a whole clinic: incremental, parallel, safe."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from conftest import REPO, SAMPLE, assert_user_error, pdf_pages, run, write
from handoutgen.atomic import write_atomic
from handoutgen.manifest import MANIFEST_NAME

PUSH_ONLY = """title: Push-off on its own
exercises:
  - use: push-off
    dosage: {{reps: {reps}, sets: 2, side: each, limb: leg}}
"""
CALF_ONLY = "title: Calf stretch on its own\nexercises:\n  - use: calf-stretch\n"


def pdfs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.pdf"))}


def stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(out.glob("*.pdf"))}


def three_handouts(clinic: Path) -> None:
    write(clinic / "handouts" / "push-a.yaml", PUSH_ONLY.format(reps=8))
    write(clinic / "handouts" / "push-b.yaml", PUSH_ONLY.format(reps=12))
    write(clinic / "handouts" / "calf.yaml", CALF_ONLY)


def test_broken_handout_among_good_ones(clinic):
    three_handouts(clinic)
    bad = write(clinic / "handouts" / "broken.yaml",
                "title: Broken\nexercises:\n  - use: calf-stretch\n    dosage: {sets: 0}\n")
    result = run("build", root=clinic)
    assert_user_error(result, "handouts/broken.yaml:4: exercises[0].dosage.sets:")
    assert "4 rendered, 1 failed" in result.stdout
    names = set(pdfs(clinic / "out"))
    assert names == {f"{h}{s}.pdf" for h in ("push-a", "push-b", "calf", SAMPLE) for s in ("", "-checklist")}
    # Still failing on the next run (a failure is never recorded as done); the rest is unchanged.
    again = run("build", root=clinic)
    assert again.exit_code == 1 and "0 rendered, 4 unchanged, 1 failed" in again.stdout
    bad.write_text(bad.read_text().replace("sets: 0", "sets: 2"))
    fixed = run("build", root=clinic)
    assert fixed.exit_code == 0, fixed.output
    assert "1 rendered, 4 unchanged, 0 failed" in fixed.stdout


def test_editing_one_exercise_rebuilds_exactly_its_handouts(clinic):
    three_handouts(clinic)
    assert run("build", root=clinic).exit_code == 0
    out = clinic / "out"
    before = stamps(out)
    # Touching without changing the content rebuilds nothing: hashes, not dates.
    os.utime(clinic / "exercises" / "calf-stretch.yaml")
    assert "0 rendered, 4 unchanged" in run("build", root=clinic).stdout
    assert stamps(out) == before
    calf = clinic / "exercises" / "calf-stretch.yaml"
    calf.write_text(calf.read_text().replace("Calf Stretch", "Wall Calf Stretch"))
    result = run("build", root=clinic)
    assert result.exit_code == 0, result.output
    assert "2 rendered, 2 unchanged" in result.stdout
    after = stamps(out)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {f"{h}{s}.pdf" for h in ("calf", SAMPLE) for s in ("", "-checklist")}
    assert "Wall Calf Stretch" in pdf_pages(out / "calf.pdf")[0]


def test_brand_picture_and_layout_changes_rebuild_everything(clinic):
    three_handouts(clinic)
    assert run("build", root=clinic).exit_code == 0
    logo = clinic / "images" / "logo.png"
    from PIL import Image
    Image.open(logo).rotate(90).save(logo)
    assert "4 rendered, 0 failed" in run("build", root=clinic).stdout
    layouts = clinic / "layouts"
    layouts.mkdir()
    (layouts / "handout.xml.j2").write_text((REPO / "layouts" / "handout.xml.j2").read_text() + "\n")
    assert "4 rendered, 0 failed" in run("build", root=clinic).stdout
    assert "0 rendered, 4 unchanged" in run("build", root=clinic).stdout
    assert "4 rendered, 0 failed" in run("build", "--force", root=clinic).stdout


def test_a_deleted_or_damaged_pdf_is_rebuilt(clinic):
    assert run("build", root=clinic).exit_code == 0
    (clinic / "out" / f"{SAMPLE}-checklist.pdf").unlink()
    assert "1 rendered" in run("build", root=clinic).stdout
    with open(clinic / "out" / f"{SAMPLE}.pdf", "ab") as pdf:
        pdf.write(b"junk")
    assert "1 rendered" in run("build", root=clinic).stdout
    pdf_pages(clinic / "out" / f"{SAMPLE}.pdf")


def test_parallel_build_is_byte_identical_to_serial(clinic, tmp_path):
    for n in range(6):
        write(clinic / "handouts" / f"push-{n}.yaml", PUSH_ONLY.format(reps=5 + n))
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert run("build", "--jobs", "1", "--out", str(serial), root=clinic).exit_code == 0
    result = run("build", "--jobs", "2", "--out", str(parallel), root=clinic)
    assert result.exit_code == 0, result.output
    assert "7 rendered, 0 failed" in result.stdout
    assert len(pdfs(serial)) == 14
    assert pdfs(serial) == pdfs(parallel)


def test_output_name_collision_fails_both_and_overwrites_nothing(clinic):
    write(clinic / "handouts" / "calf.yaml", CALF_ONLY)
    write(clinic / "handouts" / "calf-checklist.yaml", CALF_ONLY.replace("on its own", "again"))
    result = run("build", root=clinic)
    assert_user_error(result, "handouts/calf-checklist.yaml: its PDF calf-checklist.pdf would overwrite "
                              "one of handouts/calf.yaml's; rename one of the two files",
                      "handouts/calf.yaml: its PDF calf-checklist.pdf would overwrite")
    assert "1 rendered, 2 failed" in result.stdout
    assert not list((clinic / "out").glob("calf*"))


def test_deleted_handouts_pdfs_are_reported_and_pruned(clinic):
    three_handouts(clinic)
    assert run("build", root=clinic).exit_code == 0
    (clinic / "handouts" / "calf.yaml").unlink()
    (clinic / "out" / "notes.txt").write_text("not ours")
    result = run("build", root=clinic)
    assert result.exit_code == 0
    assert "out/calf.pdf belongs to a handout that no longer exists; build --prune deletes it" in result.stderr
    assert (clinic / "out" / "calf.pdf").exists()
    pruned = run("build", "--prune", root=clinic)
    assert "2 old PDFs removed" in pruned.stdout
    assert not (clinic / "out" / "calf.pdf").exists() and not (clinic / "out" / "calf-checklist.pdf").exists()
    assert (clinic / "out" / "notes.txt").exists()  # only PDFs the build made are ever removed
    assert "no longer exists" not in run("build", root=clinic).stderr


def test_strict_fails_on_warnings_even_when_nothing_changed(clinic):
    write(clinic / "handouts" / "calf.yaml", CALF_ONLY)  # calf stretch has a dose; strip it
    calf = clinic / "exercises" / "calf-stretch.yaml"
    lines = calf.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("dosage"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    calf.write_text("\n".join(lines[:start] + lines[end:]) + "\n")
    assert run("build", root=clinic).exit_code == 0
    strict = run("build", "--strict", root=clinic)
    assert strict.exit_code == 1
    assert "has no dosage" in strict.stderr
    assert "unchanged" in strict.stdout
    assert run("check", "--strict", root=clinic).exit_code == 1


def test_damaged_manifest_means_a_full_rebuild(clinic):
    assert run("build", root=clinic).exit_code == 0
    (clinic / "out" / MANIFEST_NAME).write_text('{"format": 1, "key": ')
    result = run("build", root=clinic)
    assert result.exit_code == 0 and "1 rendered" in result.stdout
    assert "was unreadable; every handout was rendered again" in result.stderr
    manifest = json.loads((clinic / "out" / MANIFEST_NAME).read_text())
    assert set(manifest["entries"]) == {SAMPLE}


def test_killed_build_leaves_whole_pdfs_and_the_next_build_completes(clinic):
    for n in range(40):
        write(clinic / "handouts" / f"push-{n:02}.yaml", PUSH_ONLY.format(reps=5 + n % 20))
    out = clinic / "out"
    out.mkdir()
    (out / ".push-00.pdf.x1y2.tmp").write_bytes(b"%PDF-1.4 half")  # left by an earlier kill
    cmd = [sys.executable, str(REPO / "generate.py"), "build", "--jobs", "2", "--root", str(clinic)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list(out.glob("push-*.pdf"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)  # the build and its workers, with no chance to clean up
    proc.wait()
    written = list(out.glob("*.pdf"))
    assert 4 <= len(written) < 82, "the kill should land in the middle of the build"
    for pdf in written:  # never a partial PDF under its real name
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF")
        assert len(pypdf.PdfReader(pdf).pages) == 1
    result = run("build", root=clinic)
    assert result.exit_code == 0, result.output
    assert "failed" in result.stdout and "0 failed" in result.stdout
    assert len(list(out.glob("*.pdf"))) == 82
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert "0 rendered, 41 unchanged" in run("build", root=clinic).stdout


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old and whole")

    def fail(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old and whole"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def test_check_reports_every_problem_and_writes_nothing(clinic):
    three_handouts(clinic)
    write(clinic / "handouts" / "broken.yaml", "title: Broken\nexercises:\n  - use: calf-strech\n")
    result = run("check", root=clinic)
    assert_user_error(result, 'handouts/broken.yaml:3: exercises[0].use: no exercise "calf-strech"')
    assert "4 ok, 1 failed" in result.stdout
    assert not (clinic / "out").exists()


def test_progress_bar_only_on_a_terminal(clinic):
    for n in range(3):
        write(clinic / "handouts" / f"push-{n}.yaml", PUSH_ONLY.format(reps=5 + n))
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    cmd = [sys.executable, str(REPO / "generate.py"), "build", "--jobs", "1", "--root", str(clinic)]
    piped = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert piped.returncode == 0 and "rendering" not in piped.stderr
    leader, follower = pty.openpty()
    done = subprocess.run(cmd + ["--force"], stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    shown = os.read(leader, 65536).decode()
    os.close(leader)
    assert done.returncode == 0
    assert "rendering" in shown and "4/4" in shown
