"""Command line: parses options and calls the pipeline, nothing more."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import io
import os
import sys
import traceback
import typing
from collections.abc import Iterator
from pathlib import Path

import click

from handoutgen import __version__
from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError, Problem
from handoutgen.errors import shown as escaped
from handoutgen.limits import LARGE_PRINT_MAX_PAGES, MAX_PAGES
from handoutgen.privacy import without_names as _without_names


def pages_option(func):
    """--pages N and --large-print/--normal-print: how much room, and how large the print."""
    func = click.option("--large-print/--normal-print", "large_print", default=None,
                        help="Body text 18 pt (never under 16), one column, headings and pictures larger, "
                             "on up to twice the usual pages, or --pages N [default: the handout's "
                             "`large_print:`, else brand.yaml's, else normal print].")(func)
    return click.option("--pages", type=click.IntRange(1, LARGE_PRINT_MAX_PAGES), metavar="N",
                        help=f"Use up to N pages (1-{MAX_PAGES}; in large print up to {LARGE_PRINT_MAX_PAGES}) "
                             "[default: the handout's `pages:`, else brand.yaml's, else 1].")(func)


def common(func):
    """--root, --brand and --debug, accepted by every command that reads a clinic;
    the command receives the opened `clinic`."""
    @click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                  show_default=True, help="The clinic folder (holds brand.yaml, handouts/, ...).")
    @click.option("--brand", type=click.Path(dir_okay=False, path_type=Path),
                  help="Another brand file, e.g. brands/riverside.yaml [default: brand.yaml].")
    @debug_option
    @functools.wraps(func)
    def wrapper(*args, root: Path, brand: Path | None, **kwargs):
        return func(*args, clinic=Clinic.open(root, brand), **kwargs)
    return wrapper


def debug_option(func):
    @click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
    @functools.wraps(func)
    def wrapper(*args, debug: bool, **kwargs):
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # a bug, not a user error
            if debug:
                # The traceback's messages may quote a name: scrubbed like the message below.
                click.echo(_without_names(traceback.format_exc(), kwargs), err=True, nl=False)
            raise click.ClickException(_without_names(
                f"internal error: {exc.__class__.__name__}: {exc} (run again with --debug for details)",
                kwargs)) from exc
    return wrapper


def _parse_date(ctx, param, value: str | None) -> dt.date:
    from handoutgen.options import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _check_checklist_date(day: dt.date, kind: str) -> None:
    from handoutgen.options import checklist_date_problem

    problem = checklist_date_problem(day, kind)
    if problem is not None:
        raise HandoutError(problem)


def _parse_doses(ctx, param, values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    doses: dict[str, dict[str, str]] = {}
    given: dict[tuple[str, str], str] = {}
    for value in values:
        target, _, amount = value.partition("=")
        exercise, _, name = target.rpartition(".")
        if not exercise or not name or not amount:
            raise click.BadParameter(f'write it as EXERCISE.FIELD=VALUE, e.g. push-off.reps=8 (got "{value}")')
        key = (exercise.strip(), name.strip())
        if key in given and doses[key[0]][key[1]] != amount.strip():
            raise HandoutError(Problem("command line", None, f"--dose {key[0]}.{key[1]}",
                                       f'"--dose {given[key]}" and "--dose {value}" give it two values; '
                                       "give it once"))
        given[key] = value
        doses.setdefault(key[0], {})[key[1]] = amount.strip()
    return doses


def lang_option(func):
    """--lang CODE: the page's language (docs/languages.md)."""
    return click.option("--lang", "lang", metavar="CODE", callback=_check_lang,
                        help="Print the page in this language, e.g. es (its catalogue and the clinic's "
                             "translations) [default: the handout's `language:`, else en].")(func)


def batch_lang_option(func):
    """--lang CODE on build and check: only that language (docs/languages.md)."""
    return click.option("--lang", "lang", metavar="CODE", callback=_check_lang,
                        help="Only this language, e.g. es [default: every language brand.yaml's "
                             "`languages:` lists, else each handout's own].")(func)


def _check_lang(ctx, param, value: str | None) -> str | None:
    from handoutgen.i18n import check_language

    return None if value is None else check_language(value)


def program_options(func):
    """--skip and --add: one patient's program, without editing files (with --dose)."""
    func = click.option("--add", "add", multiple=True, metavar="EXERCISE",
                        help="Append an exercise of exercises/ (its id), with its default dose (repeatable).")(func)
    return click.option("--skip", "skip", multiple=True, metavar="EXERCISE",
                        help="Leave out an exercise: its id or its card number on the handout (repeatable).")(func)


def _output(value: str | None, what: str, clinic: Clinic, patient: str | None) -> Path | None:
    """-o FILE, or -o - for standard output (e.g. | lp): binary, and nothing else on it.
    Without -o the page goes to the clinic's out/ (or the brand's folder in it), which must
    be the brand's own; a page with a patient's name never goes into a shared build folder."""
    from handoutgen.options import shared_folder_problem
    from handoutgen.pipeline import STDOUT

    if value is None:
        clinic.build_dir()  # e.g. --brand brands/es.yaml: out/es/ is brand.yaml's Spanish folder
        return None
    if value != "-":
        out = Path(value)
        problem = shared_folder_problem(clinic, out, what) if patient is not None else None
        if problem is not None:
            raise HandoutError(problem)
        return out
    if sys.stdout is None:  # started with standard output closed (e.g. >&-)
        raise HandoutError(Problem("-o -", None, "", f"writes the {what} to standard output, which is closed "
                                                     "here; pipe it (e.g. | lp) or give -o FILE"))
    if sys.stdout.isatty():
        raise HandoutError(Problem("-o -", None, "", f"writes the {what} to standard output, which is a terminal "
                                                     "here; pipe it (e.g. | lp) or give -o FILE"))
    return STDOUT


class _WholeWrites(io.RawIOBase):
    """Standard output for `-o -`: every byte is written, or OSError. A raw file
    (what sys.stdout.buffer is under PYTHONUNBUFFERED=1) may take only part of the
    bytes when the reader quits early (e.g. | head -c 100) and say so only by the
    count it returns: a short write taken for success."""

    def __init__(self, fd: int):
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        total, done = len(view), 0
        while done < total:
            try:
                written = os.write(self._fd, view[done:])
            except BrokenPipeError:
                written = 0
            if written <= 0:  # the reader is gone
                raise BrokenPipeError(errno.EPIPE, f"the program reading it stopped after {done:,} of {total:,} "
                                                   "bytes: it did not get the whole file; check the command "
                                                   "after |, or give -o FILE")
            done += written
        return total


@contextlib.contextmanager
def _whole_writes(target: Path | None) -> Iterator[None]:
    """For `-o -`, sys.stdout writes whole or fails, for the duration of the command's write.
    Under a test runner's captured output (no file descriptor), nothing changes."""
    from handoutgen.pipeline import STDOUT

    try:
        fd = sys.stdout.fileno() if target is STDOUT else None
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        fd = None
    if fd is None:
        yield
        return
    previous = sys.stdout
    previous.flush()
    wrapper = io.TextIOWrapper(typing.cast(typing.BinaryIO, _WholeWrites(fd)), encoding="utf-8", errors="replace",
                               write_through=True)
    sys.stdout = wrapper
    try:
        yield
    finally:
        sys.stdout = previous
        wrapper.detach()  # the file descriptor stays open: it is the process's standard output


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handoutgen")
def cli():
    """Branded one-page home-exercise handouts from YAML."""
    # Pydantic plugins installed in the environment (e.g. for observability) would see every
    # validated value, patient names included; the tool uses none. Set by the command, for its
    # own process, before any model is made (the commands import the pipeline when they run).
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"


@cli.command(short_help="Render one handout to a one-page PDF.")
@click.argument("handout")
@click.option("--patient", help="Patient's name, printed on the page (never stored or logged).")
@click.option("--therapist", help="Therapist's name, printed on the page.")
@click.option("--date", "day", callback=_parse_date, help="Date printed on the page, YYYY-MM-DD [default: today].")
@click.option("--kind", type=click.Choice(["handout", "checklist", "both"]), default="handout",
              show_default=True,
              help="handout; checklist (the log the patient ticks at home); or both, on 2 pages for duplex printing.")
@click.option("--dose", "doses", multiple=True, callback=_parse_doses, metavar="EXERCISE.FIELD=VALUE",
              help="Change one exercise's dose for this patient, e.g. push-off.reps=8 (repeatable).")
@program_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="PDF to write, or - for standard output (e.g. | lp) [default: out/HANDOUT.pdf in the clinic "
                   "folder; required with --patient].")
@pages_option
@common
@lang_option
def render(handout, patient, therapist, day, kind, doses, skip, add, output, pages, large_print, clinic, lang):
    """Render one HANDOUT (a file in handouts/ or its id) to a PDF: one page unless it allows more."""
    from handoutgen.pipeline import STDOUT, Discharge, render_file

    _check_checklist_date(day, kind)
    discharge = Discharge(patient, therapist, day, doses, pages, skip=skip, add=add, large_print=large_print,
                          lang=lang)
    out = _output(output, "PDF", clinic, patient)
    with _whole_writes(out):
        target, rendered = render_file(clinic, handout, out, discharge, kind)
    for warning in rendered.warnings:
        click.echo(f"warning: {warning}", err=True)
    count = f"{rendered.pages} page{'s' if rendered.pages > 1 else ''}"
    shown = "the PDF to standard output" if target is STDOUT else escaped(str(target))
    click.echo(f"wrote {shown} ({count}, {len(rendered.pdf) // 1024} KB, {rendered.body_pt:g} pt text)",
               err=target is STDOUT)


@cli.command(short_help="Write a PNG picture of a handout's page.")
@click.argument("handout")
@click.option("--kind", type=click.Choice(["handout", "checklist", "both"]), default="handout",
              show_default=True, help="Which page; both puts the two pages side by side.")
@click.option("--patient", help="A name to show on the page (never stored or logged).")
@click.option("--therapist", help="A therapist's name to show on the page.")
@click.option("--date", "day", callback=_parse_date, help="Date shown, YYYY-MM-DD [default: today].")
@click.option("--dpi", type=click.IntRange(36, 300), default=100, show_default=True,
              help="Pixels per inch of the picture.")
@click.option("--dose", "doses", multiple=True, callback=_parse_doses, metavar="EXERCISE.FIELD=VALUE",
              help="Change one exercise's dose, e.g. push-off.reps=8 (repeatable).")
@program_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="PNG to write, or - for standard output [default: out/HANDOUT.png, or out/HANDOUT-KIND.png; "
                   "required with --patient].")
@pages_option
@common
@lang_option
def preview(handout, kind, patient, therapist, day, dpi, doses, skip, add, output, pages, large_print, clinic,
            lang):
    """Write a PNG picture of HANDOUT's page, to check a change (e.g. to brand.yaml) at a glance."""
    from handoutgen.pipeline import STDOUT, Discharge, preview_file

    _check_checklist_date(day, kind)
    discharge = Discharge(patient, therapist, day, doses, pages=pages, skip=skip, add=add, large_print=large_print,
                          lang=lang)
    out = _output(output, "picture", clinic, patient)
    with _whole_writes(out):
        target, size = preview_file(clinic, handout, out, discharge, kind, dpi)
    shown = "the picture to standard output" if target is STDOUT else escaped(str(target))
    click.echo(f"wrote {shown} ({size[0]}×{size[1]} pixels)", err=target is STDOUT)


@cli.command(short_help="Render every changed handout into out/.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: out/ in the clinic folder; out/NAME/ for --brand NAME.yaml].")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Worker processes [default: the number of CPUs].")
@click.option("--force", is_flag=True, help="Render every handout, changed or not.")
@click.option("--prune", is_flag=True, help="Delete the PDFs of handouts that no longer exist.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@pages_option
@batch_lang_option
@common
def build(out_dir, jobs, force, prune, strict, pages, large_print, clinic, lang):
    """Render every handout in handouts/ into out/ (ID.pdf and ID-checklist.pdf).

    Each other language brand.yaml's `languages:` lists goes to out/LANG/ (e.g. out/es/ID.pdf).
    Only handouts whose files changed since the last build are rendered.
    """
    from handoutgen.batch import build as build_all  # loads ReportLab only if there is work

    out_dir = out_dir if out_dir is not None else clinic.build_dir()
    with _progress_bar() as progress:
        report = build_all(clinic, out_dir, jobs=jobs, force=force, prune=prune, progress=progress, pages=pages,
                           large_print=large_print, lang=lang)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    _report(report, "rendered", strict=strict)


@cli.command(short_help="Validate and fit every handout; write nothing.")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Worker processes [default: the number of CPUs].")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--report", "show_report", is_flag=True,
              help="Print how each handout was laid out: pages, body size, widest and smallest picture, "
                   "tallest empty band (of the pages before the last, holes under a shorter column included).")
@pages_option
@batch_lang_option
@common
def check(jobs, strict, show_report, pages, large_print, clinic, lang):
    """Load, validate, lay out and fit every handout; write nothing."""
    from handoutgen.batch import build as build_all

    with _progress_bar() as progress:
        report = build_all(clinic, clinic.out_dir, jobs=jobs, write=False, progress=progress, pages=pages,
                           measure=show_report, large_print=large_print, lang=lang)
    if show_report:
        _layout_report(report)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    _report(report, "ok", strict=strict)


def _layout_report(report) -> None:
    """One line a handout: how its handout and checklist were laid out, and how plainly
    its patient text reads (reading grade; "ease N" for Spanish: docs/plain-language.md)."""
    rows = [("handout", "kind", "pages", "text", "widest picture", "smallest picture", "tallest empty band",
             "reading grade")]
    for outcome in sorted(report.outcomes, key=lambda o: o.id):
        for kind, stats in outcome.stats.items():
            picture = f"{stats['picture'] / 72:.2f} in" if stats["picture"] else "-"
            smallest = f"{stats['smallest'] / 72:.2f} in" if stats["smallest"] else "-"
            grade = ", ".join(f"{score} ({lang})" if len(outcome.reading) > 1 else score
                              for lang, score in outcome.reading.items()) if kind == "handout" else ""
            rows.append((outcome.id, kind, str(stats["pages"]), f"{stats['body']:g} pt", picture, smallest,
                         f"{stats['band'] / 72:.2f} in", grade or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@cli.command(short_help="Create a new clinic folder.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@debug_option
def init(directory):
    """Create a new clinic folder DIRECTORY: a commented brand.yaml, an example handout,
    an exercise and its picture. It builds as it is."""
    from handoutgen.scaffolding import create_clinic, next_steps

    made = create_clinic(directory)
    for path in made:
        click.echo(f"created {path}")
    click.echo(f"\n{next_steps(directory)}")


@cli.command(short_help="Start the therapists' web page.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADDR",
              help="Address to listen on. Only this computer by default; e.g. 0.0.0.0 serves the clinic's "
                   "network (then give --password-file: docs/serve.md).")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              help="A file whose first line is the password the page asks for.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="A host name the page may be opened by, e.g. frontdesk.local (repeatable); "
                   "addresses and localhost always work.")
@click.option("-j", "--workers", type=click.IntRange(0, 64),
              help="Processes making the pages (0: the server's own, one page at a time) "
                   "[default: the number of CPUs, at most 8].")
@common
def serve(port, host, password_file, allow_hosts, workers, clinic):
    """Serve the web page where therapists pick a handout, personalise it, see the page
    as they type and print it. Nothing about a patient is stored."""
    from handoutgen.web.serve import serve as run

    run(clinic, host, port, password_file, allow_hosts, workers)


@contextlib.contextmanager
def _progress_bar():
    """A bar on a terminal; nothing when output is piped or in CI."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="rendering", file=sys.stderr, show_pos=True)
            bar.__enter__()
        bar.update(1)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


FAILED_NAMED = 20  # handouts the summary names when some fail; the rest are counted


def _report(report, verb: str, strict: bool = False) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems():  # each once, however many handouts it failed
        click.echo(f"error: {problem}", err=True)
    if report.manifest_repaired:
        click.echo("note: the record of the last build (out/.handoutgen-manifest.json) was unreadable; "
                   "every handout was rendered again", err=True)
    for name in report.orphans:
        click.echo(f"note: out/{name} belongs to a handout that no longer exists; "
                   "build --prune deletes it", err=True)
    parts = [f"{len(report.rendered)} {verb}"]
    if report.unchanged:
        parts.append(f"{len(report.unchanged)} unchanged")
    # Which ones, by name: a long build's errors scroll away (es/ID: a handout's Spanish).
    failed = sorted({escaped(outcome.id) for outcome in report.failed})
    named = ", ".join(failed[:FAILED_NAMED]) + (f" and {len(failed) - FAILED_NAMED} more"
                                                if len(failed) > FAILED_NAMED else "")
    parts.append(f"{len(report.failed)} failed" + (f" ({named})" if failed else ""))
    if report.warnings:
        parts.append(f"{len(report.warnings)} warning{'' if len(report.warnings) == 1 else 's'}")
    if report.removed:
        parts.append(f"{len(report.removed)} old PDFs removed")
    click.echo(", ".join(parts))
    if report.failed or (strict and report.warnings):
        sys.exit(1)


def main() -> None:
    cli(prog_name="handoutgen")
