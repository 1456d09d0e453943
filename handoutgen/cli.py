"""Command line: parses options and calls the pipeline, nothing more."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sys
import traceback
from pathlib import Path

import click

from handoutgen import __version__
from handoutgen.clinic import Clinic
from handoutgen.errors import HandoutError, Problem


def common(func):
    """--root and --debug, accepted by every command."""
    @click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                  show_default=True, help="The clinic folder (holds brand.yaml, handouts/, ...).")
    @click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
    @functools.wraps(func)
    def wrapper(*args, debug: bool, **kwargs):
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # a bug, not a user error
            if debug:
                traceback.print_exc()
            raise click.ClickException(
                f"internal error: {exc.__class__.__name__}: {exc} (run again with --debug for details)")
    return wrapper


def _parse_date(ctx, param, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f'must be a date written as YYYY-MM-DD, e.g. 2026-12-01 (got "{value}")')


def _parse_doses(ctx, param, values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    doses: dict[str, dict[str, str]] = {}
    for value in values:
        target, _, amount = value.partition("=")
        exercise, _, name = target.rpartition(".")
        if not exercise or not name or not amount:
            raise click.BadParameter(f'write it as EXERCISE.FIELD=VALUE, e.g. push-off.reps=8 (got "{value}")')
        doses.setdefault(exercise.strip(), {})[name.strip()] = amount.strip()
    return doses


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handoutgen")
def cli():
    """Branded one-page home-exercise handouts from YAML."""


@cli.command()
@click.argument("handout")
@click.option("--patient", help="Patient's name, printed on the page (never stored or logged).")
@click.option("--therapist", help="Therapist's name, printed on the page.")
@click.option("--date", "day", callback=_parse_date, help="Date printed on the page, YYYY-MM-DD [default: today].")
@click.option("--kind", type=click.Choice(["handout", "checklist", "both"]), default="handout",
              show_default=True,
              help="handout; checklist (the log the patient ticks at home); or both, on 2 pages for duplex printing.")
@click.option("--dose", "doses", multiple=True, callback=_parse_doses, metavar="EXERCISE.FIELD=VALUE",
              help="Change one exercise's dose for this patient, e.g. push-off.reps=8 (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="PDF to write [default: out/HANDOUT.pdf in the clinic folder].")
@common
def render(handout, patient, therapist, day, kind, doses, output, root):
    """Render one HANDOUT (a file in handouts/ or its id) to a one-page PDF."""
    from handoutgen.pipeline import Discharge, render_file

    clinic = Clinic.open(root)
    target, rendered = render_file(clinic, handout, output, Discharge(patient, therapist, day, doses), kind)
    for warning in rendered.warnings:
        click.echo(f"warning: {warning}", err=True)
    pages = "2 pages" if kind == "both" else "1 page"
    click.echo(f"wrote {target} ({pages}, {len(rendered.pdf) // 1024} KB, {rendered.body_pt:g} pt text)")


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: out/ in the clinic folder].")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Worker processes [default: the number of CPUs].")
@click.option("--force", is_flag=True, help="Render every handout, changed or not.")
@click.option("--prune", is_flag=True, help="Delete the PDFs of handouts that no longer exist.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@common
def build(out_dir, jobs, force, prune, strict, root):
    """Render every handout in handouts/ into out/ (ID.pdf and ID-checklist.pdf).

    Only handouts whose files changed since the last build are rendered.
    """
    from handoutgen.batch import build as build_all  # loads ReportLab only if there is work

    clinic = Clinic.open(root)
    out_dir = out_dir if out_dir is not None else clinic.root / "out"
    with _progress_bar() as progress:
        report = build_all(clinic, out_dir, jobs=jobs, force=force, prune=prune, progress=progress)
    _report(report, "rendered", strict=strict)


@cli.command()
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Worker processes [default: the number of CPUs].")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@common
def check(jobs, strict, root):
    """Load, validate, lay out and fit every handout; write nothing."""
    from handoutgen.batch import build as build_all

    clinic = Clinic.open(root)
    with _progress_bar() as progress:
        report = build_all(clinic, clinic.root / "out", jobs=jobs, write=False, progress=progress)
    _report(report, "ok", strict=strict)


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


def _report(report, verb: str, strict: bool = False) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for outcome in report.failed:
        for problem in outcome.problems:
            click.echo(f"error: {problem}", err=True)
    for name in report.orphans:
        click.echo(f"note: out/{name} belongs to a handout that no longer exists; "
                   "build --prune deletes it", err=True)
    parts = [f"{len(report.rendered)} {verb}"]
    if report.unchanged:
        parts.append(f"{len(report.unchanged)} unchanged")
    parts.append(f"{len(report.failed)} failed")
    if report.warnings:
        parts.append(f"{len(report.warnings)} warnings")
    if report.removed:
        parts.append(f"{len(report.removed)} old PDFs removed")
    click.echo(", ".join(parts))
    if report.failed or (strict and report.warnings):
        sys.exit(1)


def main() -> None:
    cli(prog_name="handoutgen")
