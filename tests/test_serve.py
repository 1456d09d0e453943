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
    secret.chmod(0o600)
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
    """4 therapists previewing at once, 3 previews each: every answer their page, however busy
    the machine (how fast is the benchmark's: bench/serve_load.py)."""
    process, host, port = start_server(clinic)
    try:
        result = load(host, port, [SAMPLE], therapists=4, previews=3)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert result["errors"] == [] and result["requests"] == 12
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


# ------------------------------------------------------------------ the password file

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_password_file_that_is_a_pipe_or_a_device_is_refused_not_waited_on(clinic, tmp_path):
    pipe = tmp_path / "password.fifo"
    os.mkfifo(pipe)
    for path, kind in ((pipe, "a named pipe (FIFO)"), (Path("/dev/zero"), "a device")):
        done = _serve(clinic, "--password-file", str(path), timeout=15)  # before: waited for a writer forever
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.strip() == (f"error: {path}: --password-file: is {kind}, not a file; give a file that "
                                       "holds the password on its first line")


@pytest.mark.parametrize("data,message", [
    (b"\xef\xbb\xbfcorrect horse\n", "starts with a byte order mark (BOM), which would become part of the password; "
                                     "save it as UTF-8 without a BOM"),
    ("correct horse\n".encode("utf-16"), "is UTF-16 text; save it as UTF-8 (without a byte order mark)"),
    (b"caf\xe9 horse\n", "is not UTF-8 text (byte 0xE9 at offset 3); save it as UTF-8"),
])
def test_a_password_file_not_plain_utf8_is_a_clear_error(clinic, tmp_path, data, message):
    secret = tmp_path / "password.txt"
    secret.write_bytes(data)
    secret.chmod(0o600)
    done = _serve(clinic, "--password-file", str(secret), timeout=15)  # before: served with a password nobody types
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"error: {secret}:1: --password-file: {message}"


def test_a_password_file_others_can_read_is_warned_about(clinic, tmp_path):
    secret = tmp_path / "password.txt"
    secret.write_text("correct horse\n")
    secret.chmod(0o644)
    process, line = _start(clinic, "--password-file", str(secret))
    err = _stop(process)
    assert "serving" in line
    assert (f"warning: {secret}: --password-file: can be read by other accounts of this computer (mode 644); "
            f"make it readable by this account only: chmod 600 {secret}") in err


# ------------------------------------------------------------------ slow and idle connections

SHORT = ("import sys; import handoutgen.web.serve as s; s.REQUEST_DEADLINE = 1.0; s.IDLE_TIMEOUT = 2.0; "
         "from handoutgen.cli import main; main()")  # the same server, with deadlines short enough to wait for


@pytest.fixture
def short_server(clinic):
    """serve -j 0 with a request deadline of 1 s and an idle timeout of 2 s; yields its port."""
    import re

    process = subprocess.Popen([sys.executable, "-c", SHORT, "serve", "--port", "0", "-j", "0", "--root", str(clinic)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line + process.stderr.read()
    yield int(match.group(1))
    err = _stop(process)
    assert "Traceback" not in err


def _closed_by_server(sock, trickle: bytes, every: float, patience: float = 30) -> bool:
    """Send `trickle` a byte every `every` seconds (nothing, if empty) until the server closes
    the connection (True) or `patience` runs out (False)."""
    import time

    deadline = time.monotonic() + patience
    at = 0
    sock.settimeout(every)
    while time.monotonic() < deadline:
        try:
            if trickle:
                sock.sendall(trickle[at % len(trickle):at % len(trickle) + 1])
                at += 1
            if sock.recv(1024) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:  # reset, broken pipe: closed
            return True
    return False


def test_a_request_trickled_a_byte_at_a_time_is_cut_off(short_server):
    import socket

    with socket.create_connection(("127.0.0.1", short_server)) as slow:
        assert _closed_by_server(slow, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"x" * 1000, 0.3)


def test_a_connection_that_sends_nothing_is_closed(short_server):
    import socket

    with socket.create_connection(("127.0.0.1", short_server)) as idle:
        assert _closed_by_server(idle, b"", 0.3)


def test_120_connections_trickling_bytes_do_not_stop_the_answers(clinic):
    """The slow-loris attack of issue 21: 120 connections each sending a byte now and then.
    Another client is still answered (before: waitress stopped accepting at 100 connections)."""
    import socket

    process, line = _start(clinic, "-j", "0")
    port = int(line.split(":")[2].split("/")[0])
    slow = []
    try:
        for _ in range(120):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET / HTTP/1.1\r\nHo")
            slow.append(sock)
        with socket.create_connection(("127.0.0.1", port), timeout=20) as honest:
            honest.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := honest.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200") and b"Relieve Knee Arthritis" in answer
    finally:
        for sock in slow:
            sock.close()
        err = _stop(process)
    assert "Traceback" not in err
