"""Problems found in user input, reported all at once with their location."""

from __future__ import annotations

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
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


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
