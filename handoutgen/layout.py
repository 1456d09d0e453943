"""Stage 5: render a Jinja2 layout template into layout markup.

Templates run in Jinja2's sandbox with StrictUndefined and autoescaping, so
text from YAML can never become markup or template code. A clinic's own
layouts/ folder overrides the built-in layouts of the same name.

A clinic's layout is code from outside the program, so everything it can do
is bounded (docs/safety.md, "Layouts"):
- every template file read (a layout, or one it includes, imports or extends)
  obeys the one file rule of readsafe: inside the clinic folder or the
  installed package's layouts, a regular file, at most MAX_LAYOUT_BYTES;
- a render stops after RENDER_SECONDS (checked at every loop iteration and
  every call, so it works in any thread, no signals), past MAX_OUTPUT_CHARS of
  output, and at any value (text, list, width, repeat count) over MAX_VALUE;
- a macro that calls itself for ever is a clear error, not a crash;
- no message made from a template error names the patient or therapist.
"""

from __future__ import annotations

import bisect
import math
import os
import re
import threading
import time
import types
from functools import cache, lru_cache, update_wrapper, wraps
from pathlib import Path
from typing import NamedTuple

import jinja2
from jinja2 import nodes
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from markupsafe import Markup

from handoutgen import i18n
from handoutgen.clinic import builtin_layouts_dir
from handoutgen.errors import HandoutError, Problem, closest
from handoutgen.markup import (
    BARE_AMPERSAND,
    NO_ENTITY,
    VOCABULARY,
    XML_ENTITIES,
    MarkupError,
    Node,
    check_element,
    no_element,
    parse,
)
from handoutgen.privacy import without_names
from handoutgen.readsafe import Refused, read_inside

MAX_LAYOUT_BYTES = 256 * 1024  # one template file; a real layout is a few KB
RENDER_SECONDS = 2.0  # a real layout renders in milliseconds
MAX_OUTPUT_CHARS = 1_000_000  # a real layout writes a few tens of KB
MAX_VALUE = 1_000_000  # characters of a text, items of a list, or a width/count given to a filter or method
MAX_RANGE = 100_000  # numbers in one range()
MAX_INT_BITS = 10_000  # a number of about 3,000 digits
SIMPLIFY = "simplify the layout"


class LayoutLimit(Exception):
    """A layout went past one of the limits above; `message` says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LayoutRefused(jinja2.TemplateError):
    """A template file the file rule refuses to read."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"layouts/{name}: {reason}")
        self.name = name
        self.reason = reason


# ------------------------------------------------------------ loading ---

class SafeLoader(jinja2.BaseLoader):
    """FileSystemLoader's search, but every file is read through readsafe."""

    def __init__(self, folders: list[Path], roots: list[Path]):
        self.folders = folders
        self.roots = roots
        self.names: dict[str, str] = {}  # file name → template name, for error locations
        self.sources: dict[str, str] = {}  # file name → text: what a message may quote

    def get_source(self, environment, template: str):
        pieces = split_template_path(template)  # TemplateNotFound for "..", like FileSystemLoader
        for folder in self.folders:
            path = os.path.join(folder, *pieces)
            if not os.path.lexists(path):
                continue
            try:
                info = os.stat(path)
                data = read_inside(path, self.roots, MAX_LAYOUT_BYTES)
            except Refused as exc:
                raise LayoutRefused(template, exc.message) from None
            except OSError as exc:
                raise LayoutRefused(template, f"cannot be read ({exc.strerror or exc})") from None
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise LayoutRefused(template, f"is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8") \
                    from None
            filename = os.path.normpath(path)
            self.names[filename] = template
            self.sources[filename] = source
            seen = (info.st_dev, info.st_ino, info.st_mtime_ns)

            def uptodate(filename: str = filename, seen: tuple[int, int, int] = seen) -> bool:
                # The same file, unchanged (a link now leading elsewhere is another file: read again).
                try:
                    now = os.stat(filename)
                except OSError:
                    return False
                return (now.st_dev, now.st_ino, now.st_mtime_ns) == seen

            return source, filename, uptodate
        raise jinja2.TemplateNotFound(template)


# ------------------------------------------------------------ limits ---

_budget = threading.local()  # this thread's render: its deadline


def _check_time() -> None:
    if time.monotonic() > getattr(_budget, "deadline", math.inf):
        raise LayoutLimit(f"the layout took longer than {RENDER_SECONDS:g} s to render (the limit); "
                          f"{SIMPLIFY} (fewer or shorter loops, no macro calling itself)")


def _too_big(what: str) -> LayoutLimit:
    return LayoutLimit(f"{what} over {MAX_VALUE:,} (the limit for any text, list, width or count in a "
                       f"layout); {SIMPLIFY}")


def _sized(value):
    if isinstance(value, (str, list, tuple, dict, set, frozenset)) and len(value) > MAX_VALUE:
        raise _too_big("a text or list of " + f"{len(value):,} characters or items,")
    return value


def _count(value) -> None:
    """A number used as a width, count or size."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE:
        raise _too_big(f"a number ({_short_int(value)}) used as a width or count,")


def _short_int(value: int) -> str:
    return f"{value:,}" if value.bit_length() < 64 else f"about 2^{value.bit_length()}"


_SPEC_NUMBER = re.compile(r"\d+")


def _check_spec(spec: str) -> None:
    """Widths and precisions in a format specification."""
    for run in _SPEC_NUMBER.findall(spec):
        if len(run) > 7 or int(run) > MAX_VALUE:
            raise _too_big(f"a width or precision ({run[:12]}{'…' if len(run) > 12 else ''}) in a format,")


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?([-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?)")


def _check_percent(fmt, values) -> None:
    """`fmt % values`, checked before it is made."""
    specs = _PERCENT_SPEC.findall(str(fmt))
    for spec in specs:
        _check_spec(spec)
    if any("*" in spec for spec in specs):
        for value in values if isinstance(values, tuple) else (values,):
            _count(value)


def _check_args(args, kwargs) -> None:
    for value in args:
        _count(value)
    for value in kwargs.values():
        _count(value)


def _check_replace(s, old="", new="", count=None, *_args, **_kwargs) -> None:
    s, old, new = str(s), str(old), str(new)
    n = s.count(old) if old else len(s) + 1
    if count is not None and isinstance(count, int) and count >= 0:
        n = min(n, count)
    if len(s) + n * (len(new) - len(old)) > MAX_VALUE:
        raise _too_big("the text this replace() would make is")


def _check_join(items=(), separator="", *_args, **_kwargs) -> None:
    if isinstance(items, (list, tuple)):
        total = sum(len(x) if isinstance(x, str) else 1 for x in items)
        total += max(len(items) - 1, 0) * len(str(separator))
        if total > MAX_VALUE:
            raise _too_big("the text this join would make is")


def _check_indent(s, width=4, *_args, **_kwargs) -> None:
    if isinstance(width, str):
        lines = str(s).count("\n") + 1
        if lines * (len(width) + 1) + len(str(s)) > MAX_VALUE:
            raise _too_big("the text this indent would make is")


_FILTER_CHECKS = {"replace": _check_replace, "join": _check_join, "indent": _check_indent,
                  "format": lambda value, *args, **kwargs: _check_percent(value, kwargs or args)}
_METHOD_CHECKS = {"replace": _check_replace, "join": lambda sep, items=(), *_a, **_k: _check_join(items, sep)}


def _guarded_filter(name: str, func):
    check = _FILTER_CHECKS.get(name)
    pass_arg = getattr(func, "jinja_pass_arg", None)

    @wraps(func)
    def guarded(*args, **kwargs):
        _check_time()
        value_at = 1 if pass_arg is not None else 0  # context / eval context comes first
        _check_args(args[value_at + 1:], kwargs)
        if check is not None:
            check(*args[value_at:], **kwargs)
        return _sized(func(*args, **kwargs))

    return guarded


def _safe_range(*args):
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise LayoutLimit(f"range() of {len(numbers):,} numbers: the limit is {MAX_RANGE:,}; {SIMPLIFY}")
    return numbers


def _tick(iterable):
    """Every loop of a layout iterates through this: the time limit is checked each step."""
    deadline = getattr(_budget, "deadline", math.inf)
    for item in iterable:
        if time.monotonic() > deadline:
            _check_time()
        yield item


class _SpecCheck:
    def format_field(self, value, format_spec):
        _check_spec(format_spec)
        return super().format_field(value, format_spec)


class _Formatter(_SpecCheck, SandboxedFormatter):
    pass


class _EscapeFormatter(_SpecCheck, SandboxedEscapeFormatter):
    pass


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    def visit_Concat(self, node, frame) -> None:
        # `a ~ b`: the joined text is checked against MAX_VALUE.
        self.write("environment.checked_concat(")
        super().visit_Concat(node, frame)
        self.write(")")


class LayoutEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with every way to run long or grow large bounded."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})
    code_generator_class = _CodeGenerator
    marked = False  # write a place marker before each piece of output (see _locate)

    def __init__(self, **options):
        super().__init__(**options)
        self.globals.pop("lipsum", None)  # writes up to any number of paragraphs; no layout needs it
        self.globals["range"] = _safe_range
        self.filters["_tick"] = _tick
        self.places: list[tuple[str, int]] = []  # marker number → (template, line)
        self._place_numbers: dict[tuple[str, int], int] = {}

    def guard_filters(self) -> None:
        for name, func in list(self.filters.items()):
            if name != "_tick":
                self.filters[name] = _guarded_filter(name, func)

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "_tick", [], [], None, None, lineno=loop.iter.lineno)
        if self.marked:
            for output in tree.find_all(nodes.Output):
                output.nodes = [marked for child in output.nodes for marked in self._marked(name or "", child)]
        return tree

    def _marked(self, name: str, child: nodes.Node) -> list[nodes.Node]:
        """`child` with a marker of its template line before it; text, with one before each line."""
        if not isinstance(child, nodes.TemplateData):
            return [nodes.TemplateData(self._marker(name, child.lineno), lineno=child.lineno), child]
        return [nodes.TemplateData(self._marker(name, child.lineno + i) + piece, lineno=child.lineno + i)
                for i, piece in enumerate(_LINES.findall(child.data))]

    def _marker(self, name: str, line: int) -> str:
        place = (name, line)
        number = self._place_numbers.get(place)
        if number is None:
            number = self._place_numbers[place] = len(self.places)
            self.places.append(place)
        return f"{_MARK}{number}{_MARK_END}"

    @staticmethod
    def checked_concat(value):
        return _sized(value)

    def call_binop(self, context, operator, left, right):
        _check_time()
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                    if len(seq) * n > MAX_VALUE:
                        raise _too_big(f"a text or list repeated {_short_int(n)} times,")
            if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise LayoutLimit(f"a number too large (over {MAX_INT_BITS:,} bits); {SIMPLIFY}")
        elif operator == "**":
            if _is_int(left) and _is_int(right) and abs(left) > 1 and right > 0 and \
                    right * math.log2(abs(left)) > MAX_INT_BITS:
                raise LayoutLimit(f"a number too large (over {MAX_INT_BITS:,} bits); {SIMPLIFY}")
        elif operator == "%" and isinstance(left, str):
            _check_percent(left, right)
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                if len(left) + len(right) > MAX_VALUE:
                    raise _too_big("a text or list of " + f"{len(left) + len(right):,} characters or items,")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
        _check_time()
        if __obj is not _safe_range:  # it says how long a range may be
            _check_args(args, kwargs)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            check = _METHOD_CHECKS.get(getattr(__obj, "__name__", ""))
            if check is not None:
                check(owner, *args, **kwargs)
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value):
        # As Jinja's, with formatters that check each field's width and precision.
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) or \
                getattr(value, "__name__", "") not in ("format", "format_map"):
            return None
        f_self = getattr(value, "__self__", None)
        if not isinstance(f_self, str):
            return None
        str_type = type(f_self)
        is_format_map = value.__name__ == "format_map"
        if isinstance(f_self, Markup):
            formatter = _EscapeFormatter(self, escape=f_self.escape)
        else:
            formatter = _Formatter(self)

        def wrapper(*args, **kwargs):
            if is_format_map:
                if kwargs:
                    raise TypeError("format_map() takes no keyword arguments")
                if len(args) != 1:
                    raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
                kwargs = args[0]
                args = ()
            return _sized(str_type(formatter.vformat(f_self, args, kwargs)))

        return update_wrapper(wrapper, value)


_MARK, _MARK_END = "\ue000", "\ue001"  # private-use characters around a place number
_MARKER = re.compile(f"{_MARK}(\\d+){_MARK_END}")
_LINES = re.compile(r"[^\n]*\n|[^\n]+")


class _Undefined(jinja2.StrictUndefined):
    """StrictUndefined whose error says what was missing where: the object
    (or none, for a variable) and the name, for a "did you mean" in the message."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args, **kwargs):
        try:
            return jinja2.Undefined._fail_with_undefined_error(self, *args, **kwargs)
        except jinja2.UndefinedError as exc:
            exc.missing = (self._undefined_obj, self._undefined_name)
            raise


for _cls in (jinja2.Undefined, jinja2.StrictUndefined):
    for _key, _value in list(vars(_cls).items()):
        if _value is jinja2.Undefined._fail_with_undefined_error and _key != "_fail_with_undefined_error":
            setattr(_Undefined, _key, _Undefined._fail_with_undefined_error)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@cache
def environment(clinic_layouts: Path | None, marked: bool = False) -> LayoutEnvironment:
    builtin = builtin_layouts_dir()
    folders, roots = [builtin], [builtin]
    if clinic_layouts is not None and clinic_layouts.is_dir():
        folders.insert(0, clinic_layouts)
        roots.insert(0, clinic_layouts.parent)  # the clinic folder: a link may stay inside it
    env = LayoutEnvironment(
        loader=SafeLoader(folders, roots),
        autoescape=True,
        undefined=_Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.marked = marked
    env.filters["nowrap"] = nowrap
    # The tool's own words in the page's language (handoutgen/i18n.py): plain functions of
    # short texts; every call still passes the sandbox's `call` (time, argument and result size).
    env.globals["_"] = env.globals["gettext"] = _layout_gettext
    env.globals["ngettext"] = _layout_ngettext
    env.guard_filters()
    return env


def _layout_gettext(message: str, **values) -> str:
    """`_()` in a layout: the message in the page's language, its %(name)s fields checked
    like any `%` in a layout (a width or precision cannot grow the text without bound)."""
    text = i18n.translations(i18n.current()).gettext(str(message))
    if values:
        _check_percent(text, values)
        return _sized(text % values)
    return text


def _layout_ngettext(singular: str, plural: str, n: int, **values) -> str:
    if not _is_int(n):
        raise LayoutLimit(f"ngettext() needs a whole number, got {type(n).__name__}")
    text = i18n.translations(i18n.current()).ngettext(str(singular), str(plural), n)
    values = {"num": n, **values}
    _check_percent(text, values)
    return _sized(text % values)


def nowrap(value) -> str:
    """The text with no-break spaces, so a line never breaks inside it (a phone number, an address)."""
    return "\xa0".join(str(value).split(" "))


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TAG = re.compile(r"<([A-Za-z_][\w.-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_END = re.compile(r"</\s*([A-Za-z_][\w.-]*)\s*>")
_AMPERSAND = re.compile(r"&(?:#\d+;|#x[0-9A-Fa-f]+;|([\w.-]+);)?")
_ATTR = re.compile(r"([A-Za-z_][\w.-]*)\s*=")
# A template pulled in by a name written literally ({% include "x" ~ y %} is not one).
_REF = re.compile(r"\{%-?\s*(?:import|from|include|extends)\s+['\"]([^'\"]+)['\"]"
                  r"(?=\s*(?:-?%\}|as\b|import\b|ignore\b|with\b|without\b))")


def check_source(name: str, source: str) -> list[Problem]:
    """Check every element a template writes literally against the vocabulary,
    and every "&" it writes in its own text.

    Text from YAML is escaped, so all markup comes from the template's own
    text; checking it here names the template line, not the output line, and
    covers the branches a given handout does not take.
    """
    masked = _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    problems = []

    def line_at(offset: int) -> int:
        return masked.count("\n", 0, offset) + 1

    for match in _TAG.finditer(masked):
        attrs = _ATTR.findall(match.group(2))
        try:
            check_element(match.group(1), attrs, line_at(match.start()))
        except MarkupError as exc:
            problems.append(Problem(f"layouts/{name}", exc.line, exc.field, exc.message))
    for match in _END.finditer(masked):
        if match.group(1) not in VOCABULARY:
            problems.append(Problem(f"layouts/{name}", line_at(match.start()), f"</{match.group(1)}>",
                                    no_element(match.group(1), "</")))
    for match in _AMPERSAND.finditer(masked):
        if match.group(0) == "&":
            problems.append(Problem(f"layouts/{name}", line_at(match.start()), "&", BARE_AMPERSAND))
        elif match.group(1) is not None and match.group(1) not in XML_ENTITIES:
            problems.append(Problem(f"layouts/{name}", line_at(match.start()), match.group(0), NO_ENTITY))
    return problems


PRIVATE = ("patient", "therapist")  # template variables never echoed in a message


class Output(NamedTuple):
    """A layout's output: its markup, the template file as users see it, and the markup parsed."""

    markup: str
    shown: str
    page: Node


def render(name: str, clinic_layouts: Path | None, **variables) -> Output:
    """Render layout `name` and parse its markup (a mistake named at the template line)."""
    env = environment(clinic_layouts)
    private = {key: variables[key] for key in PRIVATE if isinstance(variables.get(key), str)}
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        raise HandoutError(f"layouts/{name}: no such layout") from None
    except LayoutRefused as exc:
        raise HandoutError(Problem(f"layouts/{exc.name}", None, "", exc.reason)) from None
    except jinja2.TemplateSyntaxError as exc:
        raise HandoutError(Problem(f"layouts/{exc.name or name}", exc.lineno, "",
                                   f"template syntax error: {exc.message}")) from None
    shown = f"layouts/{name}"
    problems = list(_checked_sources_cached(env, name, template))
    if problems:
        raise HandoutError(problems)
    try:
        output = _generate(template, variables)
    except Exception as exc:  # the layout is the clinic's code: whatever it raises is its error
        problem = _problem(env, exc, name, variables)
    else:
        try:
            return Output(output, shown, parse(output))
        except MarkupError as exc:
            problem = markup_problem(clinic_layouts, name, variables, output, exc)
    raise HandoutError(Problem(without_names(problem.file, private), problem.line,
                               without_names(problem.field, private), without_names(problem.message, private)))


def markup_problem(clinic_layouts: Path | None, name: str, variables: dict, output: str,
                    exc: MarkupError) -> Problem:
    """A mistake in the markup a layout wrote, at the template line that wrote it."""
    place = _locate(clinic_layouts, name, variables, output, exc)
    if place is None:
        return Problem(f"layouts/{name}", None, exc.field, f"{exc.message} (line {exc.line} of its output)")
    return Problem(f"layouts/{place[0]}", place[1], exc.field, exc.message)


def _locate(clinic_layouts: Path | None, name: str, variables: dict, output: str,
            exc: MarkupError) -> tuple[str, int] | None:
    """The template and line that wrote the output at the error: the layout is rendered
    again with a marker of its template line before each piece it writes (macros and
    included templates too); the markers, taken out, must leave the same output."""
    env = environment(clinic_layouts, marked=True)
    try:
        marked = _generate(env.get_template(name), variables)
    except Exception:  # it rendered a moment ago; at worst the output line is shown
        return None
    pieces, offsets, numbers, at, size = [], [], [], 0, 0
    for match in _MARKER.finditer(marked):
        pieces.append(marked[at:match.start()])
        size += match.start() - at
        offsets.append(size)
        numbers.append(int(match.group(1)))
        at = match.end()
    pieces.append(marked[at:])
    if "".join(pieces) != output:
        return None
    lines = output.split("\n")
    if not 0 < exc.line <= len(lines):
        return None
    offset = sum(len(line) + 1 for line in lines[:exc.line - 1]) + (exc.column or 0)
    i = bisect.bisect_right(offsets, offset) - 1
    return env.places[numbers[i]] if i >= 0 else None


def _generate(template: jinja2.Template, variables: dict) -> str:
    """The template's output, within RENDER_SECONDS and MAX_OUTPUT_CHARS."""
    previous = getattr(_budget, "deadline", math.inf)
    _budget.deadline = time.monotonic() + RENDER_SECONDS
    stream = template.generate(**variables)
    try:
        parts, size = [], 0
        for chunk in stream:
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise LayoutLimit(f"the layout writes more than {MAX_OUTPUT_CHARS:,} characters (the limit; "
                                  f"a handout needs a few thousand); {SIMPLIFY}")
            parts.append(chunk)
        return "".join(parts)
    finally:
        if isinstance(stream, types.GeneratorType):  # typed an Iterator; in fact a generator, closed here
            stream.close()
        _budget.deadline = previous


def _loader(env: jinja2.Environment) -> SafeLoader:
    """The loader environment() gives every layout environment."""
    loader = env.loader
    if not isinstance(loader, SafeLoader):
        raise TypeError(f"a layout environment reads through SafeLoader, not {loader!r}")
    return loader


def _problem(env: jinja2.Environment, exc: Exception, name: str, variables: dict) -> Problem:
    sources = tuple(_loader(env).sources.values())
    if isinstance(exc, jinja2.TemplateSyntaxError):  # in a template it includes or imports
        return Problem(f"layouts/{exc.name or name}", exc.lineno, "",
                       f"template syntax error: {_quoting_only_the_layout(exc.message or '', sources)}")
    file, line = _where(env, exc, name, isinstance(exc, RecursionError))
    missing = _missing(env, exc, file, line, variables)
    if missing is not None:
        return Problem(f"layouts/{file}", line, *missing)
    if isinstance(exc, LayoutLimit):
        message = exc.message
    elif isinstance(exc, LayoutRefused):
        message = f"layouts/{exc.name}: {exc.reason}"  # a file in the layouts folder, not data
    elif isinstance(exc, RecursionError):
        message = f"a macro or include calls itself without end (or nests too deeply); {SIMPLIFY}"
    elif isinstance(exc, MemoryError):
        message = f"the layout needs too much memory; {SIMPLIFY}"
    elif isinstance(exc, jinja2.TemplateNotFound):
        message = f'no layout named "{_written(str(exc.name), sources)}" to include or import'
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"{exc.message}; see docs/layouts.md for the variables"
    elif isinstance(exc, jinja2.exceptions.SecurityError):
        message = f"not allowed in a layout: {exc}"
    elif isinstance(exc, jinja2.TemplateError):
        message = f"template error: {exc}"
    else:
        message = f"template error: {exc.__class__.__name__}: {exc}"
    if not isinstance(exc, (LayoutLimit, LayoutRefused, jinja2.TemplateNotFound)):
        message = _quoting_only_the_layout(message, sources)
    return Problem(f"layouts/{file}", line, "", message)


def _missing(env: jinja2.Environment, exc: Exception, file: str, line: int | None,
             variables: dict) -> tuple[str, str] | None:
    """(field, message) for a variable or field the layout names that does not exist, with
    the closest name there is; None if the name is not written on that template line."""
    obj, attribute = getattr(exc, "missing", (None, None))
    if not isinstance(exc, jinja2.UndefinedError) or not isinstance(attribute, str) or line is None:
        return None
    written = next((source for filename, source in _loader(env).sources.items()
                    if _loader(env).names.get(filename) == file), "").split("\n")[line - 1:line]
    text = written[0] if written else ""
    if not re.search(rf"(?<![\w.]){re.escape(attribute)}(?!\w)" if obj is jinja2.utils.missing
                     else rf"\.{re.escape(attribute)}(?!\w)|\[\s*['\"]{re.escape(attribute)}['\"]\s*\]", text):
        return None  # a name made from data (`ex[patient]`), never quoted
    if obj is jinja2.utils.missing:
        near = closest(attribute, [*variables, *env.globals])
        return attribute, "no such variable — " + (f"did you mean {near}?" if near else _SEE_VARIABLES)
    found = re.search(rf"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.{re.escape(attribute)}(?!\w)", text)
    owner = found.group(1) if found else ""
    field = f"{owner}.{attribute}" if owner else attribute
    if obj is None:
        return field, (f"{owner or 'it'} may be none (when it is not given) — use it inside "
                       f"{{% if {owner or '…'} %}} … {{% endif %}}")
    if isinstance(obj, types.SimpleNamespace):
        options = list(vars(obj))
    elif isinstance(obj, dict):
        options = [key for key in obj if isinstance(key, str)]
    else:
        options = [key for key in dir(obj) if not key.startswith("_")]
    near = closest(attribute, options)
    if near:
        return field, f"no such field — did you mean {owner + '.' if owner else ''}{near}?"
    return field, f"no such field — {_SEE_VARIABLES}"


_SEE_VARIABLES = "docs/layouts.md lists the variables"

# Quoted in Python's and Jinja's messages, and never data: type names.
_TYPE_NAMES = {name for name, obj in vars(__import__("builtins")).items() if isinstance(obj, type)} | {
    "NoneType", "SimpleNamespace", "types.SimpleNamespace", "Markup", "markupsafe.Markup", "Undefined",
    "StrictUndefined", "Macro", "jinja2.runtime.Macro", "LoopContext", "Namespace", "Cycler", "Joiner",
    "builtin_function_or_method", "method", "function", "generator", "range_iterator"}
_QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")


def _written(text: str, sources: tuple[str, ...]) -> str:
    """`text` if the layout itself writes it (so it is no data), else an ellipsis."""
    if not text or any(text in source for source in sources):
        return text
    return "…"


def _quoting_only_the_layout(message: str, sources: tuple[str, ...]) -> str:
    """A message that quotes only what the layout writes, or a type's name:
    a value made from the handout (a name, or part of one) is left out."""
    def keep(match: re.Match) -> str:
        text = match.group(1) if match.group(1) is not None else match.group(2)
        bare = text[:-len(" object")] if text.endswith(" object") else text
        if bare in _TYPE_NAMES:
            return match.group(0)
        quote = match.group(0)[0]
        return quote + _written(text, sources) + quote
    return _QUOTED.sub(keep, message)


def _where(env: jinja2.Environment, exc: Exception, name: str, recursion: bool = False) -> tuple[str, int | None]:
    """The innermost template line the error went through (Jinja rewrites the
    traceback so that template frames carry the template's file and line);
    for a recursion, the line the loop of calls goes through most often."""
    names = _loader(env).names
    where = (name, getattr(exc, "lineno", None))
    seen: dict[tuple[str, int], int] = {}
    tb = exc.__traceback__
    while tb is not None:
        template = names.get(tb.tb_frame.f_code.co_filename)
        if template is not None:
            where = (template, tb.tb_lineno)
            seen[where] = seen.get(where, 0) + 1
        tb = tb.tb_next
    if recursion and seen:
        return max(seen, key=lambda place: seen[place])
    return where


@lru_cache(maxsize=256)
def _checked_sources_cached(env: jinja2.Environment, name: str, version) -> tuple[Problem, ...]:
    """Problems of template `name` and those it pulls in by a literal name;
    `version` changes when the file does (its Template object, or its mtime)."""
    source, filename, _ = _loader(env).get_source(env, name)
    problems = check_source(name, source)
    # Check the templates it pulls in too.
    for match in _REF.finditer(source):
        ref = match.group(1)
        if ref != name:
            problems += _checked_sources(env, ref, (name, source.count("\n", 0, match.start()) + 1))
    return tuple(problems)


def _checked_sources(env, name: str, included_at: tuple[str, int] | None = None) -> list[Problem]:
    try:
        _, filename, _ = _loader(env).get_source(env, name)
    except jinja2.TemplateNotFound:
        return [Problem(f"layouts/{name}", None, "", "no such layout")]
    except LayoutRefused as exc:
        if included_at is None:
            return [Problem(f"layouts/{name}", None, "", exc.reason)]
        return [Problem(f"layouts/{included_at[0]}", included_at[1], "", f"layouts/{name}: {exc.reason}")]
    return list(_checked_sources_cached(env, name, Path(filename).stat().st_mtime))


# ------------------------------------------------------ check's layout check ---

_DURATION = {"seconds": 30, "long": "30 seconds", "short": "30 s"}
_SAMPLE_BRAND = {"clinic": "Clinic", "tagline": "Tagline", "phone": "555-0100", "address": "Address",
                 "website": "example.org", "email": "info@example.org", "logo": "logo.png",
                 "font_bold": "bold.ttf", "safety": "Stop if it hurts.", "footer": "Footer",
                 "languages": ["en"]}


def documented_variables(brand: dict, full: bool) -> dict:
    """The variables docs/layouts.md documents, as a render gives them to a layout: with
    every optional field given (`full`), or none of them; `brand` is the clinic's (optional
    fields filled in when `full`). A layout that renders with both names only real fields,
    whatever a given handout happens to hold (tests check the shape against a real render)."""
    if full:
        brand = {**brand, **{key: value for key, value in _SAMPLE_BRAND.items() if brand.get(key) is None}}
    bare_dose = {"sentence": "Do 10 times.", "compact": "10 reps", "compact_day": "10 reps",
                 "sets": None, "reps": 10, "side": None,
                 "limb": None, "times_per_day": None, "days_per_week": None,
                 "hold": None, "duration": None, "rest": None}
    full_dose = {**bare_dose, "sets": 2, "side": "each", "limb": "leg", "times_per_day": 2, "days_per_week": 5,
                 "hold": _DURATION, "duration": _DURATION, "rest": _DURATION}
    bare = {"name": "Exercise", "purpose": None, "steps": ["Step."], "image": None, "dose": None,
            "equipment": None, "note": None, "cautions": [], "video": None}
    every = {**bare, "purpose": "Purpose.", "steps": ["Step one.", "Step two."], "image": "picture.png",
             "dose": full_dose, "equipment": "A band", "note": "Note.", "cautions": ["Careful."],
             "video": "https://example.org/video"}
    handout = {"id": "handout", "title": "Title", "summary": [], "exercises": [bare], "sections": [],
               "checklist": {"days": 7, "pain_score": False}}
    if full:
        handout.update(summary=["Summary."], exercises=[every, {**bare, "dose": bare_dose}, bare],
                       sections=[{"heading": "Heading", "items": ["Item."], "paragraphs": []},
                                 {"heading": "Heading", "items": None, "paragraphs": ["Paragraph."]}],
                       checklist={"days": 14, "pain_score": True})
    return {"brand": _namespace(brand), "handout": _namespace(handout),
            "patient": "Patient" if full else None, "therapist": "Therapist" if full else None,
            "date": "December 2, 2026" if full else None, "start": "2026-12-02" if full else None}


def _namespace(value):
    """As the renderer gives values to a layout: dicts as namespaces, lists as tuples."""
    if isinstance(value, dict):
        return types.SimpleNamespace(**{key: _namespace(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_namespace(item) for item in value)
    return value


def check_layouts(clinic) -> list[Problem]:
    """Every layout a handout or checklist renders with, rendered with every documented
    variable (and with none of the optional ones): a misspelt field is found even if no
    handout has that field (the `check` command)."""
    from handoutgen.models import Brand
    from handoutgen.pipeline import LAYOUTS, brand_values
    from handoutgen.resolve import Library

    try:
        brand = brand_values(Library(clinic).brand()[0])
    except HandoutError:  # reported with the handouts
        brand = brand_values(Brand(clinic="Clinic", phone="555-0100"))
    problems: set[Problem] = set()
    for full in (True, False):
        variables = documented_variables(brand, full)
        for name in LAYOUTS.values():
            try:
                render(name, clinic.layouts_dir, **variables)
            except HandoutError as exc:
                problems.update(exc.problems)
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.field, p.message))
