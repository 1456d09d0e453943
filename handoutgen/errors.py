"""Problems found in user input, reported all at once with their location."""

from __future__ import annotations

import re
from dataclasses import dataclass

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input file: `file:line: field: message`."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        file = shown(self.file)
        where = file if self.line is None else f"{file}:{self.line}"
        if self.field:
            return f"{where}: {shown(self.field)}: {shown(self.message)}"
        return f"{where}: {shown(self.message)}"


_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
# Characters a terminal acts on instead of showing: controls (a carriage return rewrites the
# line, ESC starts a colour or cursor command) and the marks that reverse the order of text.
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def shown(text: str) -> str:
    """`text` (a file name, a field, a message quoting the input) safe to print on a terminal:
    each control character written as an escape, as Python writes it (`\\r`, `\\x1b`, `\\u202e`)."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSHOWN.sub(lambda m: _ESCAPES.get(m.group(0)) or m.group(0).encode("unicode_escape").decode(), text)


def closest(word: str, options, cutoff: float = 0.6) -> str | None:
    """The option `word` was probably meant to be, for "did you mean" hints;
    capitals aside (`Walk.PNG` finds walk.png, `Pendulum` pendulum)."""
    import difflib  # only when something is wrong: keeps start-up fast

    folded: dict[str, str] = {}
    for option in options:
        folded.setdefault(str(option).casefold(), option)
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=cutoff)
    return folded[close[0]] if close else None


class HandoutError(click.ClickException):
    """A user error: bad input, or content that cannot be printed correctly.

    Carries every problem found so the user can fix them in one pass.
    Being a click exception, the CLI prints it without a traceback, exit 1.
    """

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("", None, "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = sorted(set(problems), key=_sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:  # noqa: D102 - click API
        click.echo(f"error: {self.message}" if len(self.problems) == 1 else
                   "error: " + f"{len(self.problems)} problems:\n" + self.message,
                   file=file, err=file is None)


def _sort_key(p: Problem):
    return (p.file, p.line if p.line is not None else -1, p.field, p.message)


def collect(problems: list[Problem]) -> None:
    """Raise a HandoutError if any problems were found."""
    if problems:
        raise HandoutError(problems)
