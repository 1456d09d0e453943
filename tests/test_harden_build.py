"""`build` under operators' and hostile conditions (issue 12, classes 2, 6, 7, 8 and the umask):
signals, killed workers, the lock, outputs that cannot be written, a tampered manifest, brands
sharing an output folder, and the file mode of a patient's PDF."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, assert_user_error, run, write
from handoutgen import atomic, manifest
from handoutgen.manifest import MANIFEST_NAME

CALF = "title: Calf stretch on its own\nexercises:\n  - use: calf-stretch\n"
PUSH = ("title: Push-off on its own\nexercises:\n  - use: push-off\n"
        "    dosage: {reps: 8, sets: 2, side: each, limb: leg}\n")

# A test-only wrapper around the command: a handout named slow-* renders for two minutes (after
# touching $MARK), one named doomed-* kills its own worker process with SIGKILL, as the
# out-of-memory killer would. Workers are forked, so they inherit the patch.
WRAPPER = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    import handoutgen.pipeline as pipeline

    original = pipeline.Renderer.render_each

    def render_each(self, path, *args, **kwargs):
        name = Path(path).stem
        if name.startswith("slow"):
            Path(os.environ["MARK"]).touch()
            time.sleep(120)
        if name.startswith("doomed"):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, path, *args, **kwargs)

    pipeline.Renderer.render_each = render_each
    from handoutgen.cli import main
    sys.argv[0] = "handoutgen"
    main()
""")


def command(tmp_path: Path, *args: str) -> list[str]:
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(WRAPPER)
    return [sys.executable, str(wrapper), *args]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(PYTHONPATH=str(REPO), MARK=str(tmp_path / "slow-started"), CI="1", **extra)
    return env


def kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for(condition, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the build never got there"
        time.sleep(0.02)


def pdf_names(out: Path) -> set[str]:
    return {p.name for p in out.glob("*.pdf") if p.is_file()}


# ------------------------------------------------------------------ 2: signals, lost workers, the lock

@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_to_the_process_group_stops_a_slow_build_saves_what_finished_and_frees_the_lock(
        clinic, tmp_path, jobs):
    write(clinic / "handouts" / "calf.yaml", CALF)
    write(clinic / "handouts" / "push.yaml", PUSH)
    write(clinic / "handouts" / "slow-z.yaml", CALF)
    out = clinic / "out"
    env = environment(tmp_path)
    proc = subprocess.Popen(command(tmp_path, "build", "--jobs", jobs, "--root", str(clinic)), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        fast = {f"{h}{s}.pdf" for h in ("calf", "push", SAMPLE) for s in ("", "-checklist")}
        wait_for(lambda: Path(env["MARK"]).exists() and fast <= pdf_names(out))
        time.sleep(0.5)  # a worker writes its PDFs, then sends its result: let the build receive it
        start = time.monotonic()
        os.killpg(proc.pid, signal.SIGTERM)  # what `timeout`, systemd and `docker stop` send
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("the build did not stop within 5 s of SIGTERM")
        assert time.monotonic() - start < 5
        stderr = proc.stderr.read().decode()
        assert proc.returncode != 0 and "Traceback" not in stderr
    finally:
        kill_group(proc)
    # The lock is free and the record of what finished was saved: only the slow one is left to do.
    env["MARK"] = str(tmp_path / "unused")
    again = subprocess.run([sys.executable, "-m", "handoutgen", "build", "--root", str(clinic)], env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    # Only the slow one is left to do; on a busy machine a fast handout whose PDFs were on disk
    # may not have reached the build's record before the signal, and is simply rendered again.
    counts = re.search(r"(\d+) rendered, (\d+) unchanged, 0 failed", again.stdout)
    assert counts is not None, again.stdout
    rendered, unchanged = int(counts[1]), int(counts[2])
    assert rendered + unchanged == 4 and 1 <= rendered <= 2, again.stdout


def test_a_worker_killed_outright_fails_its_handout_and_the_others_are_built(clinic, tmp_path):
    for name in ("calf", "calf-2", "calf-3"):
        write(clinic / "handouts" / f"{name}.yaml", CALF)
    write(clinic / "handouts" / "doomed.yaml", PUSH)
    proc = subprocess.Popen(command(tmp_path, "build", "--jobs", "2", "--root", str(clinic)),
                            env=environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the build hung after a worker was killed")
    finally:
        kill_group(proc)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert "error: handouts/doomed.yaml: not rendered: the worker process rendering it was killed" in stderr
    assert "4 rendered, 1 failed" in stdout
    names = pdf_names(clinic / "out")
    assert names == {f"{h}{s}.pdf" for h in ("calf", "calf-2", "calf-3", SAMPLE) for s in ("", "-checklist")}


def test_a_held_lock_is_waited_for_a_bounded_time_and_names_its_holder(clinic, tmp_path):
    out = clinic / "out"
    out.mkdir()
    with open(out / ".handoutgen.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        start = time.monotonic()
        try:
            done = subprocess.run([sys.executable, "-m", "handoutgen", "build", "--root", str(clinic)],
                                  env=environment(tmp_path, HANDOUTGEN_LOCK_WAIT="1"), capture_output=True,
                                  text=True, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the second build waited on the lock for ever")
        assert time.monotonic() - start < 30
    assert done.returncode == 1
    assert f"error: another build (pid {os.getpid()}) is using out/; waited 1 s" in done.stderr
    assert "Traceback" not in done.stderr
    assert not pdf_names(out)
    # Released: the next build runs, and leaves its own pid in the lock file.
    assert run("build", root=clinic).exit_code == 0
    assert (out / ".handoutgen.lock").read_text().strip() == str(os.getpid())


# ------------------------------------------------------------------ 6: one bad output

def test_a_name_too_long_for_the_file_system_fails_that_handout_only(clinic):
    long = "a" * 235  # the .yaml fits; its PDFs' temporary names would not
    write(clinic / "handouts" / f"{long}.yaml", CALF)
    write(clinic / "handouts" / "push.yaml", PUSH)
    for _attempt in range(2):  # and the next build is not broken by it
        result = run("build", root=clinic)
        assert_user_error(result, f"handouts/{long}.yaml: the file name is too long")
        assert "1 failed" in result.stdout
        assert pdf_names(clinic / "out") == {f"{h}{s}.pdf" for h in ("push", SAMPLE) for s in ("", "-checklist")}
        assert not [p for p in (clinic / "out").iterdir() if p.name.startswith((long[:50], "." + long[:50]))]


def test_a_folder_in_the_place_of_a_pdf_fails_that_handout_and_writes_neither_of_its_pdfs(clinic):
    write(clinic / "handouts" / "calf.yaml", CALF)
    write(clinic / "handouts" / "push.yaml", PUSH)
    (clinic / "out" / "calf-checklist.pdf").mkdir(parents=True)
    result = run("build", "--jobs", "2", root=clinic)
    assert_user_error(result, "handouts/calf.yaml: cannot write out/calf-checklist.pdf: it is a folder")
    assert "2 rendered, 1 failed" in result.stdout
    assert pdf_names(clinic / "out") == {f"{h}{s}.pdf" for h in ("push", SAMPLE) for s in ("", "-checklist")}
    assert not [p for p in (clinic / "out").iterdir() if p.name.endswith(".tmp")]


def test_a_full_disk_fails_the_handouts_it_hits_and_leaves_no_half_pair(clinic, monkeypatch):
    """The full disk is a fault injected in-process at atomic.py's write call (no tmpfs here)."""
    write(clinic / "handouts" / "calf.yaml", CALF)
    write(clinic / "handouts" / "push.yaml", PUSH)
    assert run("build", root=clinic).exit_code == 0
    before = {p.name: p.read_bytes() for p in (clinic / "out").glob("*.pdf")}
    (clinic / "exercises" / "calf-stretch.yaml").write_text(
        (clinic / "exercises" / "calf-stretch.yaml").read_text().replace("Calf Stretch", "Wall Calf Stretch"))
    real = atomic._write_fd

    def full_disk(fd, data, path):
        if Path(path).name.startswith(".calf-checklist.pdf."):  # the second of calf's pair
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, data, path)

    monkeypatch.setattr(atomic, "_write_fd", full_disk)
    result = run("build", "--jobs", "1", root=clinic)
    assert_user_error(result, "handouts/calf.yaml: cannot write out/calf-checklist.pdf: No space left on device")
    assert "1 rendered, 1 unchanged, 1 failed" in result.stdout  # the sample was written, push unchanged
    after = {p.name: p.read_bytes() for p in (clinic / "out").glob("*.pdf")}
    assert after["calf.pdf"] == before["calf.pdf"] and after["calf-checklist.pdf"] == before["calf-checklist.pdf"]
    assert after[f"{SAMPLE}.pdf"] != before[f"{SAMPLE}.pdf"]
    assert not [p for p in (clinic / "out").iterdir() if p.name.endswith(".tmp")]

    def no_space(fd, data, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic, "_write_fd", no_space)  # now nothing fits, not even the record
    result = run("build", "--force", "--jobs", "1", root=clinic)
    assert_user_error(result, "0 rendered, 3 failed",
                      "note: the record of this build (out/.handoutgen-manifest.json) could not be saved")
    monkeypatch.undo()
    assert "1 rendered, 2 unchanged, 0 failed" in run("build", root=clinic).stdout


# ------------------------------------------------------------------ 7: the manifest is not trusted

def edit_manifest(clinic: Path, change) -> None:
    path = clinic / "out" / MANIFEST_NAME
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_a_tampered_manifest_never_makes_prune_delete_what_the_build_did_not_write(clinic, tmp_path):
    assert run("build", root=clinic).exit_code == 0
    victim = write(tmp_path / "victim.txt", "not the build's")
    (clinic / "out" / "notes.pdf").write_text("a user's file")

    def add_entries(data):
        entry = data["entries"][SAMPLE]
        data["entries"]["gone"] = dict(entry, outputs={"../brand.yaml": [1, 1], str(victim): [1, 1]})
        data["entries"]["old"] = dict(entry, outputs={"notes.pdf": [1, 1]})

    edit_manifest(clinic, add_entries)
    result = run("build", "--prune", root=clinic)
    assert result.exit_code == 0, result.output
    assert "was unreadable; every handout was rendered again" in result.stderr
    assert (clinic / "brand.yaml").exists() and victim.exists() and (clinic / "out" / "notes.pdf").exists()


@pytest.mark.parametrize("change", [
    pytest.param(lambda e: e["deps"].update({"/dev/zero": "0" * 64}), id="dev zero"),
    pytest.param(lambda e: e["deps"].update({"../../../etc/hostname": "0" * 64}), id="dep outside"),
    pytest.param(lambda e: e.update(deps=list(e["deps"])), id="deps a list"),
    pytest.param(lambda e: e.update(outputs={"x.pdf": "big"}), id="outputs not sizes"),
    pytest.param(lambda e: e.update(warnings=[{"a": 1}]), id="warnings not text"),
    pytest.param(lambda e: e.update(source=7), id="source a number"),
])
def test_an_odd_manifest_entry_means_a_full_rebuild_never_a_crash(clinic, tmp_path, change):
    assert run("build", root=clinic).exit_code == 0
    edit_manifest(clinic, lambda data: change(data["entries"][SAMPLE]))

    def limit_memory():  # today's reading of /dev/zero fails fast instead of filling the machine
        resource.setrlimit(resource.RLIMIT_AS, (3 << 29, 3 << 29))

    done = subprocess.run([sys.executable, "-m", "handoutgen", "build", "--root", str(clinic)],
                          env=environment(tmp_path), capture_output=True, text=True, timeout=60,
                          preexec_fn=limit_memory)
    assert done.returncode == 0, done.stderr
    assert "1 rendered" in done.stdout
    assert "was unreadable; every handout was rendered again" in done.stderr
    assert "0 rendered, 1 unchanged" in run("build", root=clinic).stdout


@pytest.mark.parametrize("damage", ["missing", "a file"])
def test_a_build_without_a_readable_handouts_folder_fails_and_prunes_nothing(clinic, damage):
    assert run("build", root=clinic).exit_code == 0
    before = pdf_names(clinic / "out")
    for path in (clinic / "handouts").iterdir():
        path.unlink()
    (clinic / "handouts").rmdir()
    if damage == "a file":
        (clinic / "handouts").write_text("")
    result = run("build", "--prune", root=clinic)
    assert_user_error(result, "handouts: ")
    assert "0 rendered" not in result.stdout
    assert pdf_names(clinic / "out") == before


@pytest.mark.parametrize("package", ["pillow", "fonttools", "reportlab"])
def test_upgrading_a_library_rebuilds_every_handout(clinic, monkeypatch, package):
    assert run("build", root=clinic).exit_code == 0
    real = manifest.version
    monkeypatch.setattr(manifest, "version", lambda name: "99.0" if name.lower() == package else real(name))
    assert "1 rendered" in run("build", root=clinic).stdout


# ------------------------------------------------------------------ 8: brands and output folders

def riverside(clinic: Path) -> Path:
    text = (clinic / "brand.yaml").read_text()
    return write(clinic / "brands" / "riverside.yaml",
                 text.replace("More 4 Life Physical Therapy", "Riverside Physio").replace('"#1B5E8C"', '"#0B6E4F"'))


def test_another_brands_pdfs_in_a_shared_folder_are_rebuilt(clinic):
    riverside(clinic)
    shared = clinic / "shared"
    assert run("build", "--brand", "brands/riverside.yaml", "--out", str(shared), root=clinic).exit_code == 0
    riverside_pdf = (shared / f"{SAMPLE}.pdf").read_bytes()
    result = run("build", "--out", str(shared), root=clinic)
    assert result.exit_code == 0 and "1 rendered" in result.stdout
    assert (shared / f"{SAMPLE}.pdf").read_bytes() != riverside_pdf


@pytest.mark.parametrize("name", ["..yaml", "...yaml", ".hidden.yaml"])
def test_a_brand_file_name_that_is_no_folder_name_is_refused(clinic, name):
    brand = write(clinic / "brands" / name, (clinic / "brand.yaml").read_text())
    before = sorted(p.name for p in clinic.iterdir())
    result = run("build", "--brand", str(brand), root=clinic)
    assert_user_error(result, f"--brand: the file name {name} cannot name its output folder")
    assert sorted(p.name for p in clinic.iterdir()) == before  # no out/, no PDF in the clinic folder
    assert not list(clinic.rglob("*.pdf"))
    # With --out it builds.
    assert run("build", "--brand", str(brand), "--out", str(clinic / "other"), root=clinic).exit_code == 0


# ------------------------------------------------------------------ 14: the umask

def test_pdfs_respect_the_umask(clinic, tmp_path):
    old = os.umask(0o077)
    try:
        assert run("build", root=clinic).exit_code == 0
        assert run("render", SAMPLE, "-o", str(tmp_path / "one.pdf"), root=clinic).exit_code == 0
    finally:
        os.umask(old)
    for path in [clinic / "out" / f"{SAMPLE}.pdf", clinic / "out" / MANIFEST_NAME, tmp_path / "one.pdf"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    old = os.umask(0o022)
    try:
        assert run("build", "--force", root=clinic).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((clinic / "out" / f"{SAMPLE}.pdf").stat().st_mode) == 0o644
