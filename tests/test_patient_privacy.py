"""A PDF with a patient's name never lands in the clinic's shared out/ folder
by default: `render --patient` needs -o FILE, or -o - to stream it to a
printer (docs/safety.md); the file gets the user's umask."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from conftest import REPO, SAMPLE, assert_user_error, check_pdf, normalize, pdf_pages, run

NAME = "Zelda Quartermaine"
HINT = "a PDF with a patient's name is not written into out/: give -o FILE, or -o - to print it directly"


def _cli(clinic: Path, tmp_path: Path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, HANDOUTGEN_CACHE_DIR=str(tmp_path / "cache"))

    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)
    return subprocess.run([sys.executable, str(REPO / "generate.py"), *args, "--root", str(clinic)],
                          capture_output=True, env=env, cwd=tmp_path, preexec_fn=set_umask)


@pytest.mark.parametrize("extra", [[], ["--kind", "both"], ["--therapist", "Sam Lee"]])
def test_a_named_pdf_without_o_is_refused_with_a_hint(clinic, extra):
    result = run("render", SAMPLE, "--patient", NAME, *extra, root=clinic)
    assert_user_error(result, HINT)
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Zelda" not in result.output
    assert not (clinic / "out").exists()


def test_an_earlier_pdf_in_out_is_left_alone(clinic):
    assert run("render", SAMPLE, root=clinic).exit_code == 0
    before = (clinic / "out" / f"{SAMPLE}.pdf").read_bytes()
    assert_user_error(run("render", SAMPLE, "--patient", NAME, root=clinic), HINT)
    assert (clinic / "out" / f"{SAMPLE}.pdf").read_bytes() == before
    assert sorted(p.name for p in (clinic / "out").iterdir()) == [f"{SAMPLE}.pdf"]


def test_preview_with_a_patient_needs_o_too(clinic, tmp_path):
    result = run("preview", SAMPLE, "--patient", NAME, "--dpi", "40", root=clinic)
    assert_user_error(result, "a picture with a patient's name is not written into out/: give -o FILE")
    assert not (clinic / "out").exists()
    out = tmp_path / "look.png"
    result = run("preview", SAMPLE, "--patient", NAME, "--dpi", "40", "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG" and not (clinic / "out").exists()


def test_a_therapist_name_alone_may_go_to_out(clinic):
    """The rule is about the patient: a therapist's name is not health information."""
    result = run("render", SAMPLE, "--therapist", "Sam Lee, PT", root=clinic)
    assert result.exit_code == 0, result.output
    assert "Sam Lee, PT" in pdf_pages(clinic / "out" / f"{SAMPLE}.pdf")[0]


def test_o_file_is_written_where_asked(clinic, tmp_path):
    out = tmp_path / "zelda.pdf"
    result = run("render", SAMPLE, "--patient", NAME, "-o", str(out), root=clinic)
    assert result.exit_code == 0, result.output
    assert NAME in pdf_pages(out)[0]
    assert not (clinic / "out").exists()


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() and "cache" not in p.relative_to(folder).parts}


def test_o_dash_streams_the_pdf_to_standard_output(clinic, tmp_path):
    before = _files(tmp_path)
    done = _cli(clinic, tmp_path, "render", SAMPLE, "--patient", NAME, "--kind", "both", "-o", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"%PDF-") and done.stdout.rstrip().endswith(b"%%EOF")
    reader = pypdf.PdfReader(io.BytesIO(done.stdout), strict=True)
    assert len(reader.pages) == 2
    assert NAME in normalize(reader.pages[0].extract_text())
    message = done.stderr.decode()
    assert "wrote the PDF to standard output" in message and "Zelda" not in message
    assert not (clinic / "out").exists()
    assert _files(tmp_path) == before, "nothing written to disk"
    saved = tmp_path / "streamed.pdf"  # the bytes are a whole, valid PDF (checked by every reader)
    saved.write_bytes(done.stdout)
    check_pdf(saved)


def test_o_dash_without_a_patient_streams_too(clinic, tmp_path):
    done = _cli(clinic, tmp_path, "render", SAMPLE, "-o", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"%PDF-")
    assert len(pypdf.PdfReader(io.BytesIO(done.stdout)).pages) == 1


def test_o_dash_an_error_puts_nothing_on_standard_output(clinic, tmp_path):
    done = _cli(clinic, tmp_path, "render", SAMPLE, "--patient", NAME, "--skip", "9", "-o", "-")
    assert done.returncode == 1
    assert done.stdout == b""
    assert b"--skip 9" in done.stderr


def test_a_file_named_dash_is_still_a_file(clinic, tmp_path):
    """Only `-` itself means standard output; ./- is a (badly named) file, refused for its name."""
    result = run("render", SAMPLE, "--patient", NAME, "-o", "./-", root=clinic)
    assert_user_error(result, "must be a file name ending in .pdf")


@pytest.mark.parametrize(("umask", "mode"), [(0o077, 0o600), (0o022, 0o644)])
def test_the_file_gets_the_users_umask(clinic, tmp_path, umask, mode):
    out = tmp_path / "private" / "zelda.pdf"
    done = _cli(clinic, tmp_path, "render", SAMPLE, "--patient", NAME, "-o", str(out), umask=umask)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode
