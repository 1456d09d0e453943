"""Hostile clinic layouts (issue 12, classes 3, 12 and 14): every template file
read obeys the one file rule; a layout's time, output and values are bounded;
no message made from a template error names the patient or therapist.

Each case runs the real command in a subprocess with a timeout, so a hang
fails the test instead of blocking the suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, run

BUILTIN = (REPO / "layouts" / "handout.xml.j2").read_text(encoding="utf-8")
HOOK = "<title>{{ handout.title }}</title>"
LAYOUT = "layouts/handout.xml.j2"
PATIENT, THERAPIST = "Zebulon Quartermaine", "Ottoline Vandersloot"


def hostile(clinic: Path, line: str, name: str = "handout.xml.j2") -> int:
    """The built-in handout layout with `line` added before the title; its line number."""
    path = clinic / "layouts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BUILTIN.replace(HOOK, line + "\n" + HOOK), encoding="utf-8")
    return NUMBER


NUMBER = BUILTIN.split(HOOK)[0].count("\n") + 1  # the line hostile() adds


DRIVER = """
import json, sys, time
from click.testing import CliRunner
from handoutgen.cli import cli
results = []
for argv in json.loads(sys.argv[1]):
    start = time.monotonic()
    got = CliRunner().invoke(cli, argv)
    results.append([got.exit_code, got.stdout + got.stderr, time.monotonic() - start, repr(got.exception)])
print(json.dumps(results))
"""


def _argv(clinic: Path, *args: str) -> list[str]:
    return ["render", SAMPLE, "--root", str(clinic), "-o", str(clinic / "x.pdf"), "--date", "2026-12-01",
            "--patient", PATIENT, "--therapist", THERAPIST, *args]


class Done:
    def __init__(self, returncode: int, output: str, seconds: float = 0.0):
        self.returncode, self.output, self.seconds = returncode, output, seconds


def render_all(clinics: list[Path], timeout: float) -> list[Done]:
    """The render command on each clinic, in one child process (the start-up is paid
    once) that is killed after `timeout` s: a layout that hangs fails the test."""
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps([_argv(c) for c in clinics])],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return [Done(code, output, seconds) for code, output, seconds, _ in json.loads(done.stdout)]


def render(clinic: Path, *args: str) -> Done:
    """In this process: for layouts that cannot hang."""
    result = run(*_argv(clinic, *args))
    return Done(result.exit_code, result.output)


def refused(done: Done, clinic: Path, *expected: str) -> str:
    output = done.output
    assert done.returncode == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    for fragment in expected:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    assert not (clinic / "x.pdf").exists()
    for word in (*PATIENT.split(), *THERAPIST.split()):
        assert word.lower() not in output.lower(), output
    return output


# ------------------------------------------------ class 12: bounded work ---

HUGE = [
    ("{{ range(10**9) }}", "100,000"),
    ("{{ 'x' * 3000000000 }}", "1,000,000"),
    ("{{ [1, 2] * 3000000000 }}", "1,000,000"),
    ("{{ 'x' * 3e9 }}", "template error"),
    ("{{ 10 ** 100000000 }}", "too large"),
    ("{% set ns = namespace(n=10) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}",
     "too large"),
    ("{{ '%999999999d' % 1 }}", "1,000,000"),
    ("{{ '{:999999999}'.format(1) }}", "1,000,000"),
    ("{{ 'x'|center(999999999) }}", "1,000,000"),
    ("{{ 'x'.ljust(999999999) }}", "1,000,000"),
    ("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
     "1,000,000"),
    ("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
     "1,000,000"),
    ("{{ ('x' * 999999)|replace('x', 'x' * 999999) }}", "1,000,000"),
    ("{{ (['x' * 999999] * 999999)|join }}", "1,000,000"),
]
RECURSIVE = "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"
FOR_EVER = [
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
    "{% for a in range(100000) %}{% for b in range(100000) %}{% set c = b %}{% endfor %}{% endfor %}",
    "{% for x in [1, 2] recursive %}{% if loop.depth < 60 %}{{ loop([1, 2]) }}{% endif %}{% endfor %}",
]
MEGABYTES = "{% for a in range(100000) %}{{ 'abcdefghij' * 100 }}{% endfor %}"
LIPSUM = "{{ lipsum(100000) }}"
BOUNDED = [line for line, _ in HUGE] + [RECURSIVE, *FOR_EVER, MEGABYTES, LIPSUM, ""]


@pytest.fixture(scope="module")
def bounded(tmp_path_factory) -> dict[str, tuple[Done, Path]]:
    """Every layout of this section rendered once, in one child process with a timeout."""
    clinics = []
    for index, line in enumerate(BOUNDED):
        clinic = tmp_path_factory.mktemp(f"bounded{index}") / "clinic"
        clinic.mkdir()
        shutil.copy(REPO / "brand.yaml", clinic / "brand.yaml")
        for folder in ("handouts", "exercises", "images"):
            shutil.copytree(REPO / folder, clinic / folder)
        if line:
            hostile(clinic, line)
        clinics.append(clinic)
    return dict(zip(BOUNDED, zip(render_all(clinics, timeout=120), clinics, strict=True), strict=True))


@pytest.mark.parametrize("line,expected", HUGE)
def test_a_layout_cannot_make_huge_values(bounded, line, expected):
    done, clinic = bounded[line]
    advice = () if expected == "template error" else ("simplify the layout",)
    refused(done, clinic, f"{LAYOUT}:{NUMBER}:", expected, *advice)
    assert done.seconds < 5, done.output


def test_a_recursive_macro_is_a_clear_error(bounded):
    refused(*bounded[RECURSIVE], f"{LAYOUT}:{NUMBER}:", "calls itself", "simplify the layout")


@pytest.mark.parametrize("line", FOR_EVER)
def test_a_layout_that_runs_for_ever_stops_at_the_time_limit(bounded, line):
    done, clinic = bounded[line]
    refused(done, clinic, f"{LAYOUT}:{NUMBER}:", "took longer than 2 s", "simplify the layout")
    assert done.seconds < 8, done.output


def test_a_layout_writing_megabytes_stops_at_the_output_limit(bounded):
    done, clinic = bounded[MEGABYTES]
    refused(done, clinic, LAYOUT, "more than 1,000,000 characters", "simplify the layout")
    assert done.seconds < 8


def test_lipsum_is_not_offered_to_layouts(bounded):
    refused(*bounded[LIPSUM], f"{LAYOUT}:{NUMBER}:", "lipsum")


def test_the_built_in_layout_still_renders(bounded):
    done, clinic = bounded[""]
    assert done.returncode == 0, done.output
    assert (clinic / "x.pdf").exists()


# ------------------------------------------------ class 14: no names ---

@pytest.mark.parametrize("line", [
    "{{ brand[patient] }}",
    "{{ brand[therapist] }}",
    "{% include patient %}",
    "{% include 'parts/' ~ patient ~ '.xml.j2' %}",
    "{{ patient|filesizeformat }}",
    "{{ (patient|upper)|filesizeformat }}",
    "{{ patient.split()[0]|filesizeformat }}",
    "{{ patient|attr('x')|filesizeformat }}",
    "{{ handout[patient|lower] }}",
    "{% import patient as p %}",
    "{{ patient|dictsort }}",
    "{{ brand|attr(patient) }}",
    "{{ patient.nope }}",
])
def test_template_errors_never_print_the_names(clinic, line):
    number = hostile(clinic, line)
    done = render(clinic)
    refused(done, clinic, f"{LAYOUT}:{number}:")


@pytest.mark.parametrize("line", [
    "{{ patient[:4]|filesizeformat }}",
    "{% include patient[-5:] %}",
    "{{ brand[patient[:4]] }}",
    "{{ brand[patient[-5:]] }}",
    "{% import patient[:4] as p %}",
])
def test_template_errors_never_print_part_of_a_name(clinic, line):
    number = hostile(clinic, line)
    output = refused(render(clinic), clinic, f"{LAYOUT}:{number}:")
    assert PATIENT[:4] not in output and PATIENT[-5:] not in output, output


def test_a_layout_file_named_after_the_patient_is_not_named(clinic):
    number = hostile(clinic, "{% include patient %}")
    (clinic / "layouts" / PATIENT).write_text("{% if %}", encoding="utf-8")  # a syntax error
    done = render(clinic)
    refused(done, clinic, "layouts/")
    assert number


# ------------------------------------------------ class 3: files read ---

def _outside(tmp_path: Path, text: str, name: str = "secret.xml.j2") -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_layout_linked_outside_the_clinic_is_refused(clinic, tmp_path):
    target = _outside(tmp_path, BUILTIN.replace(HOOK, "<p>SECRET-MARKER</p>\n" + HOOK), "handout.xml.j2")
    (clinic / "layouts").mkdir()
    (clinic / "layouts" / "handout.xml.j2").symlink_to(target)
    done = render(clinic)
    output = refused(done, clinic, LAYOUT, "leads outside the clinic folder")
    assert "SECRET-MARKER" not in output


def test_a_layouts_folder_linked_outside_the_clinic_is_refused(clinic, tmp_path):
    target = _outside(tmp_path, BUILTIN.replace(HOOK, "<p>SECRET-MARKER</p>\n" + HOOK), "handout.xml.j2")
    (clinic / "layouts").symlink_to(target.parent, target_is_directory=True)
    done = render(clinic)
    refused(done, clinic, LAYOUT, "leads outside the clinic folder")


@pytest.mark.parametrize("include", ["{% include 'secret.xml.j2' %}",
                                     "{% set n = 'secret' %}{% include n ~ '.xml.j2' %}",
                                     "{% from 'secret.xml.j2' import x %}"])
def test_an_include_of_a_linked_file_is_refused_naming_the_line(clinic, tmp_path, include):
    target = _outside(tmp_path, "<p>SECRET-MARKER</p>{% macro x() %}{% endmacro %}")
    number = hostile(clinic, include)
    (clinic / "layouts" / "secret.xml.j2").symlink_to(target)
    done = render(clinic)
    output = refused(done, clinic, f"{LAYOUT}:{number}:", "layouts/secret.xml.j2",
                     "leads outside the clinic folder")
    assert "SECRET-MARKER" not in output


def test_an_include_of_a_named_pipe_is_refused_without_waiting(clinic):
    number = hostile(clinic, "{% include 'pipe.xml.j2' %}")
    os.mkfifo(clinic / "layouts" / "pipe.xml.j2")
    done, = render_all([clinic], timeout=60)  # in a child process: opening a FIFO may block
    refused(done, clinic, f"{LAYOUT}:{number}:", "layouts/pipe.xml.j2", "named pipe")


def test_an_include_of_a_huge_file_is_refused(clinic):
    number = hostile(clinic, "{% include 'big.xml.j2' %}")
    (clinic / "layouts" / "big.xml.j2").write_text("<p>x</p>\n" * 300_000, encoding="utf-8")
    done = render(clinic)
    refused(done, clinic, f"{LAYOUT}:{number}:", "layouts/big.xml.j2", "the limit is")


def test_a_link_that_stays_inside_the_clinic_is_followed(clinic):
    shared = clinic / "shared" / "handout.xml.j2"
    shared.parent.mkdir()
    shared.write_text(BUILTIN, encoding="utf-8")
    (clinic / "layouts").mkdir()
    (clinic / "layouts" / "handout.xml.j2").symlink_to(Path("..") / "shared" / "handout.xml.j2")
    done = render(clinic)
    assert done.returncode == 0, done.stderr
