"""Stage 3b: validate loaded YAML into models; map every error to file:line."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from handoutgen.errors import Problem, closest
from handoutgen.i18n import meant
from handoutgen.models import EMPTY_REQUIRED, EMPTY_TEXT, LANGUAGE_CODE_MAX, UNION_MODELS, UNION_TAGS, ExerciseRef
from handoutgen.yamlload import Document, dotted

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], doc: Document) -> tuple[M | None, list[Problem]]:
    """Return (model instance, []) or (None, every problem in the file)."""
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        return None, [Problem(doc.file, doc.line_of(()), "",
                              f"must be a set of `field: value` lines, not {kind}")]
    try:
        parsed = model.model_validate(doc.data)
    except ValidationError as exc:
        return None, [_problem(model, doc, err) for err in exc.errors()]
    _warn_swallowed(doc)
    return parsed, []


def _warn_swallowed(doc: Document) -> None:
    """`tagline: #1 in town`: YAML reads "#1 in town" as a comment and the field as left out.
    A field that may be left out gives no error, so it is a warning (once per file): a comment
    whose # touches its first word looks like a value, `tagline:   # none yet` does not."""
    for loc, comment in doc.comments.items():
        if len(comment) < 2 or comment[1].isspace() or not loc:
            continue
        what = "colour" if re.fullmatch(r"#[0-9a-fA-F]{3,8}", comment) else "text"
        warning = Problem(doc.file, doc.line_of(loc), dotted(loc),
                          f'is left out: a # starts a comment in YAML, so {comment} was read as a comment; '
                          f'if it is the {what}, put it in quotes, e.g. {loc[-1]}: "{comment}"')
        if warning not in doc.warnings:
            doc.warnings.append(warning)


def _required(model: type[BaseModel], name) -> bool:
    field = model.model_fields.get(str(name))
    return field is not None and field.is_required()


def language_problems(doc: Document, known: Iterable[str]) -> list[Problem]:
    """`translations: {sp: ...}`: a language code under `translations:` (of the file, or of an
    exercise written out in a handout) that is not `known` (the languages with a catalogue and
    those brand.yaml's `languages:` lists) would never be printed: an error, with the code it
    was probably meant to be. A code the model refuses (too long, not ASCII) is left to it."""
    codes = list(dict.fromkeys(known))
    problems = []
    for path, line in doc.key_lines.items():
        if not (path[:-1] == ("translations",) or (len(path) == 4 and path[0] == "exercises"
                                                   and isinstance(path[1], int) and path[2] == "translations")):
            continue
        code = path[-1]
        if not isinstance(code, str) or not code.strip() or len(code) > LANGUAGE_CODE_MAX or not code.isascii() \
                or code.strip() in codes:
            continue
        close = meant(code, codes)
        hint = f"did you mean {close}? (known: {', '.join(codes)})" if close else \
            (f"use a language with a catalogue or in brand.yaml's languages: ({', '.join(codes)}), "
             "or add its catalogue (docs/languages.md)")
        problems.append(Problem(doc.file, line, dotted(path), "is not a language handoutgen knows, so this "
                                f"translation would never be printed; {hint}"))
    return problems


def _problem(model: type[BaseModel], doc: Document, err) -> Problem:
    loc = tuple(part for part in err["loc"] if part not in UNION_TAGS)
    kind, value = err["type"], err.get("input")
    key_error = bool(loc) and loc[-1] == "[key]"  # pydantic's place for a dict's key (a language code)
    if key_error:
        loc = loc[:-1]
    field = dotted(loc)
    line = doc.line_of(loc, key=key_error)
    comment = doc.comments.get(loc)
    if comment is not None and value is None:  # `accent: #FFF176`: the value was read as a comment
        what = "colour" if re.fullmatch(r"#[0-9a-fA-F]{3,8}", comment) else "text"
        message = (f'is empty: a # starts a comment in YAML, so {comment} was read as a comment; put the {what} '
                   f'in quotes, e.g. {loc[-1]}: "{comment}"')
    elif kind == "hg" and err["msg"] == EMPTY_TEXT and len(loc) == 1 and _required(model, loc[0]):
        message = EMPTY_REQUIRED  # `phone:` with nothing after it: removing it is no fix
    elif kind == "hg":
        message = err["msg"]
    elif kind == "missing":
        message = "is required; add it (see docs/formats.md)"
        line = doc.line_of(loc[:-1])
    elif kind == "extra_forbidden" and _under(err["loc"], "<ref>") and loc[-1] in UNION_MODELS["<inline>"].model_fields:
        message = _not_with_use(doc, loc)
        line = doc.line_of(loc, key=True)
    elif kind == "extra_forbidden":
        allowed = _allowed_fields(model, loc[:-1], _under(err["loc"], "<ref>") or _under(err["loc"], "<inline>"))
        close = closest(str(loc[-1]), allowed)
        hint = f'did you mean "{close}"?' if close else \
            (f"allowed here: {', '.join(allowed)}" if allowed else "remove it (docs/formats.md lists the fields)")
        message = f"unknown field; {hint}"
        line = doc.line_of(loc, key=True)
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"must be a set of `field: value` lines, not {_kind(value)}"
    elif kind == "list_type":
        message = f"must be a list (one `- item` per line), not {_kind(value)}"
        if isinstance(value, str) and value[:1] == "-" and value[1:2].isalpha():  # `-Stand tall`: no space
            message += '; an item needs a space after its dash ("- ")'
    elif kind == "too_short":
        message = "needs at least one item"
    else:  # pragma: no cover - a pydantic message we did not expect
        message = err["msg"]
    return Problem(doc.file, line, field, message)


def _under(raw_loc: tuple, tag: str) -> str | None:
    """`tag` if the field at `raw_loc` (pydantic's, with union tags) sits right under it."""
    return tag if len(raw_loc) >= 2 and raw_loc[-2] == tag else None


def _not_with_use(doc: Document, loc: tuple) -> str:
    """A field of a whole exercise given next to `use:` (which takes it from the exercise's file)."""
    entry = doc.data
    for part in loc[:-1]:
        entry = entry[part] if isinstance(entry, (dict, list)) else None
    use = entry.get("use") if isinstance(entry, dict) else None
    where = f"exercises/{use}.yaml" if isinstance(use, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]*", use) \
        else "the exercise's file in exercises/"
    allowed = [name for name in ExerciseRef.model_fields if name != "use"]
    names = ", ".join(allowed[:-1]) + " and " + allowed[-1] if len(allowed) > 1 else allowed[0]
    return (f"cannot be changed here: an exercise taken with use: may change only its {names}; "
            f"change {loc[-1]} in {where}, or write the exercise out here (name:, steps:, ...) instead of use:")


def _kind(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return f'the text "{value}"'


def _allowed_fields(model: type[BaseModel], loc: tuple, tag: str | None = None) -> list[str]:
    """Field names of the model(s) found at `loc`, for "did you mean" hints; `tag`:
    which model of a union (an exercise taken with use:, or written out). A part of
    `loc` under a set of fields by key (`translations: {es: ...}`) is its key."""
    kinds: list = [model]  # the annotations found at the part of `loc` reached
    for part in loc:
        if isinstance(part, int):  # an item of a list: _members looks into lists
            continue
        found = []
        for member in (m for kind in kinds for m in _members(kind)):
            if isinstance(member, _ByKey):
                found.append(member.value)
            elif (info := member.model_fields.get(part)) is not None:
                found.append(info.annotation)
        kinds = found
    models = [m for kind in kinds for m in _members(kind) if not isinstance(m, _ByKey)]
    if tag is not None and UNION_MODELS[tag] in models:
        models = [UNION_MODELS[tag]]
    names: list[str] = []
    for m in models:
        names.extend(n for n in m.model_fields if n not in names)
    return names


class _ByKey(typing.NamedTuple):
    """A set of fields by key (`dict[str, X]`): what each key holds."""

    value: object


def _members(annotation) -> list:
    """The models an annotation may hold (through unions, lists and Annotated), and the
    sets of fields by key (as _ByKey) among them."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin is dict:
        args = typing.get_args(annotation)
        return [_ByKey(args[1])] if len(args) == 2 else []
    if origin in (typing.Union, types.UnionType, list):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return []
