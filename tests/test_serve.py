"""`handoutgen serve` as a command: it says where it listens, warns when a clinic's
network could open it without a password, refuses a bad password file, asks for the
password, and stays correct under a short load (the timed load is bench/serve_load.py)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE

sys.path.insert(0, str(REPO / "bench"))
from serve_load import load, start_server  # noqa: E402


def _serve(clinic: Path, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    """A serve that must stop by itself (an error before it listens)."""
    return subprocess.run([sys.executable, "-m", "handoutgen", "serve", "--port", "0", "--root", str(clinic), *args],
                          capture_output=True, text=True, timeout=timeout)


def _start(clinic: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """(process, the line it printed) once it listens."""
    process = subprocess.Popen([sys.executable, "-m", "handoutgen", "serve", "--port", "0", "--root", str(clinic),
                                *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    line = process.stdout.readline()
    return process, line


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    _, err = process.communicate(timeout=10)
    return err


def test_serve_prints_its_address_and_serves_the_list(clinic):
    process, line = _start(clinic)
    try:
        assert line.startswith(f"serving {clinic.resolve()} at http://127.0.0.1:")
        assert line.rstrip().endswith("/ (Ctrl-C to stop)")
        address = line.split(" at ")[1].split(" ")[0]
        with urllib.request.urlopen(address) as answer:
            page = answer.read().decode()
            assert answer.headers["Cache-Control"] == "no-store"
        assert "Relieve Knee Arthritis Pain When Walking" in page
    finally:
        err = _stop(process)
    assert "Traceback" not in err


def test_the_network_without_a_password_is_warned_about(clinic):
    process, line = _start(clinic, "--host", "0.0.0.0")
    try:
        assert " at http://127.0.0.1:" in line  # where this machine's browser finds it
    finally:
        err = _stop(process)
    assert ("warning: --host 0.0.0.0 serves the page to the clinic's network with no password: anyone on the "
            "network can open it; give --password-file FILE (docs/serve.md)") in err


def test_only_this_computer_by_default_and_no_warning(clinic):
    process, line = _start(clinic)
    err = _stop(process)
    assert "http://127.0.0.1:" in line and "warning" not in err


def test_a_password_file_that_cannot_be_read_is_a_clear_error(clinic, tmp_path):
    done = _serve(clinic, "--password-file", str(tmp_path / "missing.txt"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"error: {tmp_path / 'missing.txt'}: --password-file: cannot be read (No such file "
                                   "or directory); give a file that holds the password on its first line")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    done = _serve(clinic, "--password-file", str(empty))
    assert done.stderr.strip() == (f"error: {empty}:1: --password-file: must hold the password on its first line "
                                   "(at most 1 KB)")


def test_the_password_is_asked_for(clinic, tmp_path):
    secret = tmp_path / "password.txt"
    secret.write_text("correct horse\n")
    process, line = _start(clinic, "--host", "0.0.0.0", "--password-file", str(secret))
    address = line.split(" at ")[1].split(" ")[0]
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(address)
        assert refused.value.code == 401
        token = base64.b64encode(b"frontdesk:correct horse").decode()
        request = urllib.request.Request(address, headers={"Authorization": f"Basic {token}"})
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 200
    finally:
        err = _stop(process)
    assert "warning" not in err  # a password is set: nothing to warn about


def test_a_short_load_gives_every_therapist_their_page(clinic):
    """4 therapists previewing for 3 s: every answer a page (the timing is the benchmark's)."""
    process, host, port = start_server(clinic)
    try:
        result = load(host, port, [SAMPLE], therapists=4, seconds=3)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert result["errors"] == [] and result["requests"] >= 4
    assert "Traceback" not in err and "Patient" not in err


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_no_worker_outlives_a_server_killed_outright(clinic):
    import signal
    import time

    process, line = _start(clinic, "-j", "2")
    address = line.split(" at ")[1].split(" ")[0]
    with urllib.request.urlopen(address + f"h/{SAMPLE}") as answer:  # the workers made its page
        assert answer.status == 200
    workers = _children(process.pid)
    assert len(workers) >= 2
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
    assert alive == []


def test_a_port_in_use_is_a_clear_error(clinic):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "handoutgen", "serve", "--port", str(port), "--root", str(clinic)],
                              capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"error: 127.0.0.1:{port}: cannot listen there (Address already in use); "
                                   "give another --port N (0: any free port), or another --host")
