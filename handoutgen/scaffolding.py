"""`init DIR`: a new clinic folder that builds out of the box.

The files come from the package (handoutgen/scaffold/), so this works from
an installed wheel, far from this repository.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

from handoutgen.errors import HandoutError, Problem

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"

# Words a POSIX shell reads as they are (shlex.quote's own set).
_PLAIN = re.compile(r"[\w@%+=:,./-]+", re.ASCII)
# Inside double quotes these still mean something to bash ("!" in an interactive shell).
_SPECIAL_IN_DOUBLE_QUOTES = set('"$`\\!')


def create_clinic(target: Path) -> list[Path]:
    """Copy the starter clinic into `target` (new or empty); return the files made."""
    target = Path(target)
    too_long = _name_too_long(target)
    if too_long is not None:
        raise HandoutError(Problem(str(target), None, "", too_long))
    try:
        existed = target.exists()
        if existed and (not target.is_dir() or any(target.iterdir())):
            raise HandoutError(Problem(str(target), None, "", "already exists and is not an empty folder; "
                                                              "choose a new folder name, nothing was changed"))
    except OSError as exc:  # e.g. a folder on the way that may not be looked into
        raise HandoutError(Problem(str(target), None, "", f"cannot create the clinic folder here "
                                                          f"({exc.strerror or exc}); choose a folder you "
                                                          "can write to, nothing was changed")) from None
    made = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted(SCAFFOLD.rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                destination = target / source.relative_to(SCAFFOLD)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
                made.append(destination)
    except OSError as exc:
        # Nothing half made is left behind: the folder is removed if this call created it.
        if not existed and target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        raise HandoutError(Problem(str(target), None, "", f"cannot create the clinic folder here "
                                                          f"({exc.strerror or exc}); choose a folder you "
                                                          "can write to")) from None
    return made


def _name_too_long(target: Path) -> str | None:
    """Why a folder of `target`'s path has a name longer than the file system takes, or None.
    The folder it is made in says how long a name may be (most allow 255 bytes)."""
    limit = 255
    path = Path(os.path.abspath(target))
    for folder in (path, *path.parents):
        try:
            if folder.is_dir():
                limit = os.pathconf(folder, "PC_NAME_MAX")
                break
        except (OSError, ValueError):  # e.g. a name too long to even look up
            continue
    for part in target.parts:
        size = len(os.fsencode(part))
        if size > limit:
            return (f"the folder name is too long ({size:,} bytes; the file system allows {limit}); "
                    "choose a shorter name, nothing was changed")
    return None


def shell_quote(text: str) -> str:
    """`text` as one word of a POSIX shell command: as it is when plain, in double quotes
    when only spaces and such need them ("my clinic", as people write it), else in
    single quotes exactly as shlex.quote does."""
    if _PLAIN.fullmatch(text):
        return text
    if text and not set(text) & _SPECIAL_IN_DOUBLE_QUOTES and "\n" not in text:
        return f'"{text}"'
    return shlex.quote(text)


def _on_path(name: str, search_path: str | None) -> str | None:
    found = shutil.which(name, path=search_path)
    return os.path.abspath(found) if found else None


def _python(executable: str, search_path: str | None) -> str:
    """How to start this very interpreter: its bare name when PATH finds this same one
    (a symlinked venv python is another interpreter, so paths are compared, not targets)."""
    executable = os.path.abspath(executable)
    for name in dict.fromkeys([Path(executable).name, "python3", "python"]):
        if _on_path(name, search_path) == executable:
            return name
    return shell_quote(executable)


def tool_command(argv0: str | None = None, executable: str | None = None,
                 search_path: str | None = None) -> str:
    """The command that starts handoutgen again the way it was started now, so that it
    works as written from the current folder (`search_path`: PATH, by default the
    environment's):

    - `python -m handoutgen` → the same interpreter with `-m handoutgen`;
    - a script (the installed `handoutgen`, a venv's bin/handoutgen): its bare name when
      PATH finds that same script, else its full path;
    - `python generate.py` → the same interpreter and the script's full path.
    """
    argv0 = (sys.argv or [""])[0] if argv0 is None else argv0
    executable = (sys.executable or "") if executable is None else executable
    script = Path(argv0)
    python = _python(executable, search_path) if executable else "python3"
    if script.name == "__main__.py" or not script.is_file():
        # `-m handoutgen`, or started some way that left no script to name (e.g. embedded).
        return f"{python} -m handoutgen"
    if script.suffix == ".py":
        return f"{python} {shell_quote(os.path.abspath(script))}"
    found = _on_path(script.name, search_path)
    if found and os.path.samefile(found, script):
        return script.name
    return shell_quote(os.path.abspath(script))


def _not_an_option(path: Path) -> str:
    """A relative folder named like an option (`-x`) as `./-x`, so it stays a folder."""
    text = str(path)
    return f"./{text}" if text.startswith("-") else text


def next_commands(directory: Path, *, argv0: str | None = None, executable: str | None = None,
                  search_path: str | None = None) -> list[tuple[str, str]]:
    """`init`'s next steps for the new clinic `directory`: (command, what it does) pairs,
    each command runnable as written from the current folder (see tool_command)."""
    tool = tool_command(argv0, executable, search_path)
    root = shell_quote(_not_an_option(directory))
    return [
        (f"{tool} preview example --root {root}", "a picture of the page, into the clinic's out/example.png"),
        (f"{tool} build --root {root}", "every PDF, into the clinic's out/"),
    ]


def next_steps(directory: Path, *, argv0: str | None = None, executable: str | None = None,
               search_path: str | None = None) -> str:
    """The text `init` prints after the files: what to edit, then the commands, each on
    its own line with what it does as a shell comment (no user text in it), so the whole
    line can be pasted into a shell."""
    commands = next_commands(directory, argv0=argv0, executable=executable, search_path=search_path)
    width = max(len(command) for command, _ in commands)
    lines = [f"Next: edit {shell_quote(_not_an_option(Path(directory, 'brand.yaml')))} (your clinic's name, phone, "
             "colours), then run from this folder:"]
    lines += [f"  {command.ljust(width)}   # {what}" for command, what in commands]
    return "\n".join(lines)
