"""Issue 21 part 3: no internal error, no hang, no false success. A build into a folder it
cannot write, `-o -` onto a closed standard output or to a reader that quits early, and `init`
of a name the file system cannot hold: each is one clear line on standard error and exit 1."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, assert_user_error, run
from handoutgen import batch

F_SETPIPE_SZ = 1031  # Linux's fcntl to set a pipe's capacity (fcntl.F_SETPIPE_SZ from Python 3.10, Linux only)


def _one_clear_line(stderr: str, *fragments: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for noise in ("Traceback", "internal error", "Exception ignored", "wrote "):
        assert noise not in stderr, stderr
    for fragment in fragments:
        assert fragment in stderr, stderr


# ------------------------------------------------------------------ a build that cannot write out/

def test_a_build_into_an_output_folder_it_may_not_write_is_a_clear_error(clinic, monkeypatch):
    """As another user, out/ (made by a colleague) refuses every file made in it: the build says
    so once and writes nothing. Run as root, whom the kernel never refuses, the refusal is a
    PermissionError injected at the lock file, the first file a build makes in out/."""
    out = clinic / "out"
    out.mkdir()
    if os.geteuid() != 0:
        out.chmod(0o555)
    else:
        real_open = os.open

        def refused(path, flags, *args, **kwargs):
            if Path(path).parent == out and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_open(path, flags, *args, **kwargs)
        monkeypatch.setattr(batch.os, "open", refused)
    try:
        result = run("build", "-j1", root=clinic)
    finally:
        out.chmod(0o755)
    assert_user_error(result, "error: out/: cannot write into the output folder (Permission denied); nothing "
                              "was built. Give a folder you can write to with --out DIR, or ask whoever owns it")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert list(out.iterdir()) == []


def test_a_build_into_a_folder_that_cannot_be_made_is_a_clear_error(clinic):
    """/proc takes no new folders (for root either)."""
    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux's /proc")
    result = run("build", "-j1", "--out", "/proc/handoutgen-out", root=clinic)
    assert_user_error(result, "error: /proc/handoutgen-out/: cannot create the output folder (",
                      "nothing was built. Give a folder you can write to with --out DIR")
    assert len(result.output.strip().splitlines()) == 1, result.output


# ------------------------------------------------------------------ -o - to a closed or short pipe

def _command(clinic: Path, *args: str) -> list[str]:
    return [sys.executable, str(REPO / "generate.py"), *args, "--root", str(clinic)]


def _env(unbuffered: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.parametrize("command", [["render", SAMPLE], ["preview", SAMPLE, "--dpi", "40"]], ids=["render", "preview"])
def test_o_dash_with_standard_output_closed_is_a_clear_error(clinic, tmp_path, command):
    done = subprocess.run(_command(clinic, *command, "-o", "-"), stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          preexec_fn=lambda: os.close(1), cwd=tmp_path, timeout=300)
    assert done.returncode == 1
    _one_clear_line(done.stderr.decode(), "error: -o -: writes the ", "standard output, which is closed here",
                    "give -o FILE")
    assert [p.name for p in tmp_path.iterdir()] == ["clinic"] and not (clinic / "out").exists()


@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED=1", "buffered"])
@pytest.mark.parametrize("command", [["render", SAMPLE, "--kind", "both"], ["preview", SAMPLE]],
                         ids=["render", "preview"])
def test_a_reader_that_quits_early_is_an_error_never_a_success(clinic, tmp_path, unbuffered, command):
    """`-o - | head -c 100`: the reader takes 100 bytes and quits. The pipe holds 4 KB, less
    than the file, so the command cannot have written it whole: it must say so, exit 1."""
    if not sys.platform.startswith("linux"):
        pytest.skip("sets a pipe's capacity with a Linux fcntl")
    import fcntl

    read_end, write_end = os.pipe()
    try:
        fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
        process = subprocess.Popen(_command(clinic, *command, "-o", "-"), stdin=subprocess.DEVNULL,
                                   stdout=write_end, stderr=subprocess.PIPE, env=_env(unbuffered), cwd=tmp_path)
    finally:
        os.close(write_end)
    try:
        start = os.read(read_end, 100)
    finally:
        os.close(read_end)
    _, stderr = process.communicate(timeout=300)
    assert start, stderr.decode()  # it did start writing
    assert process.returncode == 1, stderr.decode()
    _one_clear_line(stderr.decode(), "error: -o -: cannot write to standard output (")


@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED=1", "buffered"])
def test_a_reader_gone_before_the_first_byte_is_an_error(clinic, tmp_path, unbuffered):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(_command(clinic, "render", SAMPLE, "-o", "-"), stdin=subprocess.DEVNULL,
                              stdout=write_end, stderr=subprocess.PIPE, env=_env(unbuffered), cwd=tmp_path,
                              timeout=300)
    finally:
        os.close(write_end)
    assert done.returncode == 1
    _one_clear_line(done.stderr.decode(), "error: -o -: cannot write to standard output (")


# ------------------------------------------------------------------ init of a name too long

@pytest.mark.parametrize("name, size", [("a" * 300, 300), ("é" * 130, 260)], ids=["300 letters", "260 bytes"])
@pytest.mark.parametrize("below", [False, True], ids=["the folder", "a folder on the way"])
def test_init_with_a_name_too_long_for_the_file_system_is_a_clear_error(tmp_path, name, size, below):
    target = tmp_path / name / "clinic" if below else tmp_path / name
    result = run("init", str(target))
    assert_user_error(result, f"the folder name is too long ({size} bytes; the file system allows 255); "
                              "choose a shorter name, nothing was changed")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert list(tmp_path.iterdir()) == []


def test_a_carriage_return_in_the_output_name_is_shown_escaped(tmp_path):
    """`wrote PATH` quotes a file name the user typed: a control character in it must not
    reach the terminal raw (it could rewrite the line, e.g. hide a warning)."""
    target = tmp_path / "a\rb.pdf"
    result = subprocess.run([sys.executable, "generate.py", "render", "knee-arthritis-walking", "-o", str(target)],
                            cwd=REPO, capture_output=True, text=True, check=True)
    assert target.exists()
    assert "\r" not in result.stdout + result.stderr
    assert "a\\rb.pdf" in result.stdout + result.stderr
