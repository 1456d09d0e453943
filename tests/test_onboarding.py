"""A new clinic runs without the repository: `init`'s next steps work as printed.

The hints name the command the way the tool was started (the installed script when PATH
finds it, else its full path; `python -m handoutgen` with the same interpreter), with
folders quoted for a POSIX shell, and every printed command is run here exactly as
printed, through bash, from the folder `init` ran in.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import REPO, edit, pdf_pages, run, write
from handoutgen.scaffolding import next_steps, shell_quote, tool_command

BIN = Path(sys.executable).parent  # the venv's bin/, holding its `handoutgen` script
SCRIPT = BIN / "handoutgen"
BASH = shutil.which("bash")
CREATED = ("created my clinic/brand.yaml\n"
           "created my clinic/exercises/calf-stretch.yaml\n"
           "created my clinic/handouts/example.yaml\n"
           "created my clinic/images/calf-stretch.png\n"
           "created my clinic/images/logo.svg\n")


def _env(venv_on_path: bool) -> dict[str, str]:
    """The environment of a user whose PATH has (or lacks) the venv's bin/."""
    others = [p for p in os.environ.get("PATH", "").split(os.pathsep)
              if p and os.path.abspath(p) != str(BIN)]
    path = [str(BIN)] * venv_on_path + others
    return dict(os.environ, PATH=os.pathsep.join(path))


def _init_then_run_the_hints(cwd: Path, command: list[str], env: dict[str, str]) -> str:
    """`init "my clinic"` in `cwd`, then each printed command, exactly as printed; the
    clinic's preview PNG and PDFs must be made. Returns what init printed."""
    done = subprocess.run(command + ["init", "my clinic"], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    hints = [line for line in done.stdout.split("\nNext: ", 1)[1].splitlines()[1:]]
    assert len(hints) == 2 and all(line.startswith("  ") for line in hints), done.stdout
    clinic = cwd / "my clinic"
    for line in hints:
        ran = subprocess.run([BASH, "-c", line], cwd=cwd, env=env, capture_output=True, text=True)
        assert ran.returncode == 0, f"{line}\n{ran.stdout}{ran.stderr}"
    with Image.open(clinic / "out" / "example.png") as png:
        assert png.format == "PNG"
    text = pdf_pages(clinic / "out" / "example.pdf")[0]
    assert "Your Clinic Physical Therapy" in text and "Loosen Tight Calves" in text
    assert (clinic / "out" / "example-checklist.pdf").is_file()
    return done.stdout


@pytest.mark.skipif(BASH is None or not SCRIPT.is_file(), reason="needs bash and the installed script")
def test_init_in_my_clinic_with_the_venv_script_not_on_path_prints_its_full_path(tmp_path):
    # The clinic's parent folder has a space too: the printed commands still run as written.
    work = tmp_path / "front desk"
    work.mkdir()
    out = _init_then_run_the_hints(work, [str(SCRIPT)], _env(venv_on_path=False))
    tool = shell_quote(str(SCRIPT))
    assert out == (
        CREATED
        + '\nNext: edit "my clinic/brand.yaml" (your clinic\'s name, phone, colours), then run from this folder:\n'
        + f'  {tool} preview example --root "my clinic"   # a picture of the page, into the clinic\'s out/example.png\n'
        + f'  {tool} build --root "my clinic"             # every PDF, into the clinic\'s out/\n')


@pytest.mark.skipif(BASH is None or not SCRIPT.is_file(), reason="needs bash and the installed script")
def test_init_with_handoutgen_on_path_prints_plain_handoutgen(tmp_path):
    # As after `pipx install` or `pip install --user`: the user types `handoutgen`.
    env = _env(venv_on_path=True)
    out = _init_then_run_the_hints(tmp_path, ["handoutgen"], env)
    assert out == (
        CREATED
        + '\nNext: edit "my clinic/brand.yaml" (your clinic\'s name, phone, colours), then run from this folder:\n'
        + '  handoutgen preview example --root "my clinic"   '
        + '# a picture of the page, into the clinic\'s out/example.png\n'
        + '  handoutgen build --root "my clinic"             # every PDF, into the clinic\'s out/\n')


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_init_started_as_python_m_handoutgen_hints_the_same_interpreter(tmp_path):
    out = _init_then_run_the_hints(tmp_path, [sys.executable, "-m", "handoutgen"], _env(venv_on_path=False))
    python = shell_quote(sys.executable)
    assert f'\n  {python} -m handoutgen preview example --root "my clinic"   # a picture' in out
    assert f'\n  {python} -m handoutgen build --root "my clinic"             # every PDF' in out


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_init_started_as_python_generate_py_hints_that_script(tmp_path):
    # generate.py lives in the repository only: the hint names it by its full path.
    out = _init_then_run_the_hints(tmp_path, [sys.executable, str(REPO / "generate.py")], _env(venv_on_path=False))
    assert f"\n  {shell_quote(sys.executable)} {shell_quote(str(REPO / 'generate.py'))} build --root" in out


# ------------------------------------------------------------ how the tool is named

def _fake_bin(tmp_path: Path) -> Path:
    """A PATH folder holding `python3` (this interpreter) and a `handoutgen` script, both
    links, as pipx makes them."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "python3").symlink_to(sys.executable)
    real = tmp_path / "venv" / "handoutgen"
    real.parent.mkdir()
    real.write_text("#!/bin/sh\n")
    real.chmod(0o755)
    (bin_ / "handoutgen").symlink_to(real)
    return bin_


def test_a_script_path_finds_is_named_plainly_else_by_its_full_path(tmp_path):
    bin_ = _fake_bin(tmp_path)
    linked = str(bin_ / "handoutgen")
    real = str(tmp_path / "venv" / "handoutgen")
    assert tool_command(linked, sys.executable, str(bin_)) == "handoutgen"
    assert tool_command(real, sys.executable, str(bin_)) == "handoutgen"  # the same file pipx links to
    assert tool_command(real, sys.executable, str(tmp_path)) == shell_quote(real)  # not on PATH
    other = tmp_path / "other" / "handoutgen"  # another handoutgen comes first on PATH
    other.parent.mkdir()
    shutil.copy(real, other)
    assert tool_command(real, sys.executable, os.pathsep.join([str(other.parent), str(bin_)])) == shell_quote(real)


def test_python_m_names_the_interpreter_plainly_only_when_path_finds_that_one(tmp_path):
    bin_ = _fake_bin(tmp_path)
    main = str(REPO / "handoutgen" / "__main__.py")
    assert tool_command(main, str(bin_ / "python3"), str(bin_)) == "python3 -m handoutgen"
    # A venv's python is a link to the base one, yet another interpreter: named by its path.
    assert tool_command(main, sys.executable, str(bin_)) == f"{shell_quote(sys.executable)} -m handoutgen"
    spaced = tmp_path / "my tools" / "python3"
    spaced.parent.mkdir()
    spaced.symlink_to(sys.executable)
    assert tool_command(main, str(spaced), str(bin_)) == f'"{spaced}" -m handoutgen'


def test_next_steps_quote_the_folder_and_never_put_it_in_a_comment(tmp_path):
    bin_ = _fake_bin(tmp_path)
    text = next_steps(Path("a b$c"), argv0=str(bin_ / "handoutgen"), search_path=str(bin_))
    assert text == (
        "Next: edit 'a b$c/brand.yaml' (your clinic's name, phone, colours), then run from this folder:\n"
        "  handoutgen preview example --root 'a b$c'   # a picture of the page, into the clinic's out/example.png\n"
        "  handoutgen build --root 'a b$c'             # every PDF, into the clinic's out/")
    text = next_steps(Path("-x"), argv0=str(bin_ / "handoutgen"), search_path=str(bin_))
    assert "--root ./-x " in text and "edit ./-x/brand.yaml " in text


@pytest.mark.parametrize("word, quoted", [
    ("my-clinic", "my-clinic"),
    ("my clinic", '"my clinic"'),
    ("Clínica Sur", '"Clínica Sur"'),
    ("Joe's clinic", '"Joe\'s clinic"'),
    ("a b$c", "'a b$c'"),
    ("wow!", "'wow!'"),
    ('say "hi"', "'say \"hi\"'"),
    ("it's $5", "'it'\"'\"'s $5'"),
    ("", "''"),
])
def test_shell_quote(word, quoted):
    assert shell_quote(word) == quoted
    assert shlex.split(quoted) == [word]


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_shell_quote_gives_bash_the_word_back():
    words = ["my clinic", "a b$c", "x`y`", "back\\slash", "tab\there", "semi;colon", "~home", "*.yaml",
             "it's", 'dq"', "new\nline", "wow!"]
    script = 'printf "%s\\0" ' + " ".join(shell_quote(w) for w in words)
    done = subprocess.run([BASH, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split("\0")[:-1] == words


# ------------------------------------------------------------ docs/quickstart.md

QUICKSTART = REPO / "docs" / "quickstart.md"
LONG_SUMMARY = ("Tight calf muscles pull on your foot and knee with every step, and over weeks this changes "
                "how you walk, how you stand and how your knee feels at the end of the day. ") * 16


def _fenced(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


def _quickstart_clinic(tmp_path: Path) -> Path:
    """The clinic quickstart.md builds: `init`, then its Easy Walk exercise (the file as the
    page shows it) with a picture, used in the example handout as the page shows."""
    root = tmp_path / "my clinic"
    assert run("init", str(root)).exit_code == 0
    blocks = _fenced(QUICKSTART.read_text(), "yaml")
    write(root / "exercises" / "walk.yaml", next(b for b in blocks if b.startswith("# exercises/walk.yaml")))
    shutil.copy(root / "images" / "calf-stretch.png", root / "images" / "walk.png")
    edit(root / "handouts" / "example.yaml", "\nsections:", "\n  - use: walk\nsections:")
    shown = next(b for b in blocks if b.startswith("exercises:"))
    assert shown in (root / "handouts" / "example.yaml").read_text()
    return root


def _copy_layout(root: Path, old: str, new: str) -> None:
    (root / "layouts").mkdir()
    layout = (REPO / "layouts" / "handout.xml.j2").read_text()
    assert old in layout
    write(root / "layouts" / "handout.xml.j2", layout.replace(old, new, 1))


def _big_photo(root: Path) -> None:
    Image.new("1", (8000, 6000), 1).save(root / "images" / "walk.png")


# The mistakes of quickstart.md section 7, in its order: each changes the guide's clinic.
MISTAKES = {
    "tab": lambda r: edit(r / "handouts/example.yaml", "\n  - use: walk", "\n\t- use: walk"),
    "colon": lambda r: edit(r / "handouts/example.yaml", "title: Loosen Tight Calves",
                            "title: Note: stretch after walking"),
    "comma": lambda r: edit(r / "exercises/walk.yaml", "  - Walk at an easy pace on flat ground.\n"
                            "  - Stand tall and let your arms swing.\n",
                            "  [Walk at an easy pace, on flat ground., Stand tall.]\n"),
    "colour": lambda r: edit(r / "brand.yaml", 'accent: "#E8772E"', "accent: #FFF176"),
    "use and cautions": lambda r: edit(r / "handouts/example.yaml", "\n  - use: walk",
                                       "\n  - use: walk\n    cautions: [Stop if your knee hurts.]"),
    "Walk.PNG": lambda r: edit(r / "exercises/walk.yaml", "image: walk.png", "image: Walk.PNG"),
    "missing picture": lambda r: (r / "images" / "walk.png").unlink(),
    "too big picture": _big_photo,
    "layout typo": lambda r: _copy_layout(r, "<title>{{ handout.title }}</title>",
                                          "<title>{{ handout.title }}</titel>"),
    "too long": lambda r: edit(r / "handouts/example.yaml", "summary: >\n", f"summary: >\n  {LONG_SUMMARY}\n"),
}


def _what_check_says(root: Path) -> str:
    said = run("check", root=root).stderr
    return "\n".join(line for line in said.splitlines() if line.startswith(("error:", "warning:")))


def quickstart_messages(tmp_path: Path) -> list[str]:
    """What `check` says for each mistake, in the order of quickstart.md."""
    messages = []
    for name, mistake in MISTAKES.items():
        root = _quickstart_clinic(tmp_path / name)
        mistake(root)
        messages.append(_what_check_says(root))
    return messages


def test_the_quickstart_clinic_checks_clean(tmp_path):
    root = _quickstart_clinic(tmp_path)
    result = run("check", root=root)
    assert result.exit_code == 0 and result.stderr == "", result.output


def test_quickstart_quotes_each_mistakes_message_as_the_tool_prints_it(tmp_path):
    section = QUICKSTART.read_text().split("## 7.", 1)[1].split("\n## ", 1)[0]
    quoted = [block.strip() for block in _fenced(section, "text")]
    printed = quickstart_messages(tmp_path)
    assert len(quoted) == len(printed) == 10
    # The overflow's size depends on the exact text: the page says "23 pt", not this text's number.
    numbers = re.compile(r"\d+(\.\d+)?")
    quoted[-1], printed[-1] = numbers.sub("N", quoted[-1]), numbers.sub("N", printed[-1])
    for name, said, shown in zip(MISTAKES, printed, quoted, strict=True):
        assert said and said == shown, f"{name}: quickstart.md quotes\n{shown}\nbut the tool prints\n{said}"


@pytest.mark.skipif(BASH is None or not SCRIPT.is_file(), reason="needs bash and the installed script")
def test_quickstart_commands_run_as_written(tmp_path):
    lines = [line for block in _fenced(QUICKSTART.read_text(), "sh") for line in block.splitlines()
             if not line.startswith(("pipx ", "python3 -m pip"))]
    assert any(line.startswith("handoutgen render") for line in lines)
    # No printer here: `lp` takes the PDF and checks that it is one.
    script = "set -e\nlp() { [ \"$(head -c 5)\" = %PDF- ] && cat >/dev/null; }\n" + "\n".join(lines)
    done = subprocess.run([BASH, "-c", script], cwd=tmp_path, env=_env(venv_on_path=True),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "my clinic" / "out" / "example.png").is_file()
    assert (tmp_path / "my clinic" / "out" / "example.pdf").is_file()
