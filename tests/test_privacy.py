"""Patient names are health information: printed on the page the therapist
asked for, and nowhere else (no log line, message, file name, metadata,
manifest, cache or leftover file)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pypdf

from conftest import REPO, SAMPLE, pdf_pages, run

NAME = "Zelda Quartermaine"


def _files_mentioning(folder: Path, needle: str) -> list[Path]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file() and (needle.encode() in path.read_bytes() or needle in path.name):
            hits.append(path)
    return hits


def _run_cli(clinic: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HANDOUTGEN_CACHE_DIR=str(cache))
    return subprocess.run([sys.executable, str(REPO / "generate.py"), *args, "--root", str(clinic)],
                          capture_output=True, text=True, env=env)


def test_the_name_is_on_the_page_and_nowhere_else(clinic, tmp_path):
    cache = tmp_path / "cache"
    given = tmp_path / "given"
    done = _run_cli(clinic, cache, "render", SAMPLE, "--patient", NAME, "--therapist", "Sam Lee",
                    "--kind", "both", "--debug", "-o", str(given / "visit.pdf"))
    assert done.returncode == 0, done.stderr
    assert NAME not in done.stdout + done.stderr
    pdf = given / "visit.pdf"  # where -o says (a patient's PDF never goes to out/ by default)
    assert all(NAME in page for page in pdf_pages(pdf))
    reader = pypdf.PdfReader(str(pdf))
    assert NAME not in str(reader.metadata) and NAME not in str(reader.xmp_metadata or "")
    assert [p.name for p in given.iterdir()] == ["visit.pdf"], "no temp or side files"
    assert not (clinic / "out").exists()
    assert _files_mentioning(cache, NAME) == [] and _files_mentioning(cache, "Zelda") == []
    # The page text is compressed, so the name is in no file as plain bytes, not even the PDF.
    assert _files_mentioning(clinic, NAME) == []


def test_errors_about_other_things_never_repeat_the_name(clinic, tmp_path):
    calf = clinic / "exercises" / "calf-stretch.yaml"
    calf.write_text(calf.read_text().replace("hold: 1 min", "hold: forever"))
    done = _run_cli(clinic, tmp_path / "cache", "render", SAMPLE, "--patient", NAME, "--debug",
                    "-o", str(tmp_path / "x.pdf"))
    assert done.returncode == 1
    assert "dosage.hold" in done.stderr and NAME not in done.stdout + done.stderr
    assert not (clinic / "out").exists() and not (tmp_path / "x.pdf").exists()


def test_errors_about_the_name_itself_do_not_echo_it(clinic, tmp_path):
    for bad in (NAME + " \U0001F600", NAME + "\u200b", NAME + " 王"):
        result = run("render", SAMPLE, "--patient", bad, "-o", str(tmp_path / "x.pdf"), root=clinic)
        assert result.exit_code == 1
        assert "--patient" in result.output and "Zelda" not in result.output
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*tmp"))


def test_a_name_too_long_for_the_page_fails_without_echoing_it(clinic, tmp_path):
    long_name = " ".join([NAME] * 60)
    result = run("render", SAMPLE, "--patient", long_name, "-o", str(tmp_path / "x.pdf"), root=clinic)
    if result.exit_code == 1:
        assert "Zelda" not in result.output
    else:  # it fit: fine, but only on the page
        assert "Zelda" not in result.output


def test_preview_is_named_after_the_handout(clinic, tmp_path):
    result = run("preview", SAMPLE, "--therapist", "Sam Lee", "--dpi", "40", root=clinic)
    assert result.exit_code == 0
    assert [p.name for p in (clinic / "out").iterdir()] == [f"{SAMPLE}.png"]
    # With a patient's name, only where -o says (test_patient_privacy.py).
    result = run("preview", SAMPLE, "--patient", NAME, "--dpi", "40", root=clinic)
    assert result.exit_code == 1 and NAME not in result.output
    result = run("preview", SAMPLE, "--patient", NAME, "--dpi", "40", "-o", str(tmp_path / "a.png"), root=clinic)
    assert result.exit_code == 0 and NAME not in result.output
    assert [p.name for p in (clinic / "out").iterdir()] == [f"{SAMPLE}.png"]


def test_batch_commands_take_no_names(clinic):
    for command in ("build", "check"):
        result = run(command, "--patient", NAME, root=clinic)
        assert result.exit_code == 2 and "No such option" in result.output
    assert run("build", root=clinic).exit_code == 0
    assert _files_mentioning(clinic / "out", "Zelda") == []


def test_even_a_bug_report_leaves_the_name_out(clinic, monkeypatch):
    from handoutgen import pipeline

    def crash(*args, **kwargs):
        raise ValueError(f"something broke while drawing {NAME}")

    monkeypatch.setattr(pipeline.Renderer, "render", crash)
    result = run("render", SAMPLE, "--patient", NAME, "-o", str(clinic / "x.pdf"), root=clinic)
    assert result.exit_code == 1
    assert "internal error: ValueError: something broke while drawing <patient>" in result.output
    assert "Zelda" not in result.output


def test_no_pydantic_plugin_is_ever_loaded(clinic, tmp_path):
    """A plugin installed for other programs would see every validated value."""
    script = ("import sys; from handoutgen.cli import cli\n"
              "try:\n"
              f"    cli(['render', {SAMPLE!r}, '--patient', {NAME!r}, '--root', sys.argv[1], '-o', sys.argv[2]])\n"
              "except SystemExit as exit:\n"
              "    assert exit.code == 0, exit.code\n"
              "from pydantic.plugin import _loader\n"
              "print('searched' if _loader._plugins is not None else 'never searched')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    env["HANDOUTGEN_CACHE_DIR"] = str(tmp_path / "cache")
    result = subprocess.run([sys.executable, "-c", script, str(clinic), str(tmp_path / "out.pdf")],
                            capture_output=True, text=True, env=env, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "never searched"
