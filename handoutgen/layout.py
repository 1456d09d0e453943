"""Stage 5: render a Jinja2 layout template into layout markup.

Templates run in Jinja2's sandbox with StrictUndefined and autoescaping, so
text from YAML can never become markup or template code. A clinic's own
layouts/ folder overrides the built-in layouts of the same name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from handoutgen.errors import HandoutError, Problem
from handoutgen.markup import MarkupError, check_element


def builtin_layouts_dir() -> Path:
    """Layouts shipped in the wheel, or the repository's layouts/ when run from source."""
    packaged = Path(__file__).resolve().parent / "layouts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "layouts"


@lru_cache(maxsize=None)
def environment(clinic_layouts: Path | None) -> jinja2.Environment:
    search = [str(builtin_layouts_dir())]
    if clinic_layouts is not None and clinic_layouts.is_dir():
        search.insert(0, str(clinic_layouts))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["nowrap"] = nowrap
    return env


def nowrap(value) -> str:
    """The text with no-break spaces, so a line never breaks inside it (a phone number, an address)."""
    return "\xa0".join(str(value).split(" "))


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TAG = re.compile(r"<([A-Za-z_][\w.-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(r"([A-Za-z_][\w.-]*)\s*=")


def check_source(name: str, source: str) -> list[Problem]:
    """Check every element a template writes literally against the vocabulary.

    Text from YAML is escaped, so all markup comes from the template's own
    text; checking it here names the template line, not the output line.
    """
    masked = _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    problems = []
    for match in _TAG.finditer(masked):
        line = masked.count("\n", 0, match.start()) + 1
        attrs = _ATTR.findall(match.group(2))
        try:
            check_element(match.group(1), attrs, line)
        except MarkupError as exc:
            problems.append(Problem(f"layouts/{name}", line, "", exc.message))
    return problems


def render(name: str, clinic_layouts: Path | None, **variables) -> tuple[str, str]:
    """Render layout `name`; return (markup, template file shown to users)."""
    env = environment(clinic_layouts)
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        raise HandoutError(f"layouts/{name}: no such layout")
    except jinja2.TemplateSyntaxError as exc:
        raise HandoutError(Problem(f"layouts/{exc.name or name}", exc.lineno, "",
                                   f"template syntax error: {exc.message}"))
    shown = f"layouts/{name}"
    problems = _checked_sources(env, name)
    if problems:
        raise HandoutError(problems)
    try:
        return template.render(**variables), shown
    except jinja2.UndefinedError as exc:
        raise HandoutError(Problem(shown, _template_line(exc, name), "",
                                   f"{exc.message}; see docs/layouts.md for the variables"))
    except jinja2.exceptions.SecurityError as exc:
        raise HandoutError(Problem(shown, _template_line(exc, name), "",
                                   f"not allowed in a layout: {exc}"))
    except jinja2.TemplateError as exc:
        raise HandoutError(Problem(shown, _template_line(exc, name), "", f"template error: {exc}"))


@lru_cache(maxsize=None)
def _checked_sources_cached(env: jinja2.Environment, name: str, mtime: float) -> tuple[Problem, ...]:
    source, filename, _ = env.loader.get_source(env, name)
    problems = check_source(name, source)
    # Check the templates it pulls in too.
    for ref in re.findall(r"\{%-?\s*(?:import|from|include|extends)\s+['\"]([^'\"]+)['\"]", source):
        if ref != name:
            problems += _checked_sources(env, ref)
    return tuple(problems)


def _checked_sources(env, name: str) -> list[Problem]:
    try:
        _, filename, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return [Problem(f"layouts/{name}", None, "", "no such layout")]
    return list(_checked_sources_cached(env, name, Path(filename).stat().st_mtime))


def _template_line(exc: Exception, name: str) -> int | None:
    """Line in the template where rendering failed.

    Jinja rewrites the traceback so that template frames carry the
    template's file name and line.
    """
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
