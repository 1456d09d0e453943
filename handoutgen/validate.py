"""Stage 3b: validate loaded YAML into models; map every error to file:line."""

from __future__ import annotations

import re
import types
import typing
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from handoutgen.errors import Problem, closest
from handoutgen.models import EMPTY_REQUIRED, EMPTY_TEXT, UNION_MODELS, UNION_TAGS, ExerciseRef
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


def _problem(model: type[BaseModel], doc: Document, err) -> Problem:
    loc = tuple(part for part in err["loc"] if part not in UNION_TAGS)
    kind, value = err["type"], err.get("input")
    field = dotted(loc)
    line = doc.line_of(loc)
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
        hint = f'did you mean "{close}"?' if close else f"allowed here: {', '.join(allowed)}"
        message = f"unknown field; {hint}"
        line = doc.line_of(loc, key=True)
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"must be a set of `field: value` lines, not {_kind(value)}"
    elif kind == "list_type":
        message = f"must be a list (one `- item` per line), not {_kind(value)}"
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
    which model of a union (an exercise taken with use:, or written out)."""
    models = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        found = []
        for m in models:
            info = m.model_fields.get(part)
            if info is not None:
                found.extend(_models_in(info.annotation))
        models = found
    if tag is not None and UNION_MODELS[tag] in models:
        models = [UNION_MODELS[tag]]
    names: list[str] = []
    for m in models:
        names.extend(n for n in m.model_fields if n not in names)
    return names


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []
