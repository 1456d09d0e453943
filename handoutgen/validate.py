"""Stage 3b: validate loaded YAML into models; map every error to file:line."""

from __future__ import annotations

import types
import typing
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from handoutgen.errors import Problem, closest
from handoutgen.models import UNION_TAGS
from handoutgen.yamlload import Document, dotted

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], doc: Document) -> tuple[M | None, list[Problem]]:
    """Return (model instance, []) or (None, every problem in the file)."""
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        return None, [Problem(doc.file, doc.line_of(()), "",
                              f"must be a set of `field: value` lines, not {kind}")]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, [_problem(model, doc, err) for err in exc.errors()]


def _problem(model: type[BaseModel], doc: Document, err) -> Problem:
    loc = tuple(part for part in err["loc"] if part not in UNION_TAGS)
    kind, value = err["type"], err.get("input")
    field = dotted(loc)
    line = doc.line_of(loc)
    if kind == "hg":
        message = err["msg"]
    elif kind == "missing":
        message = "is required; add it (see docs/formats.md)"
        line = doc.line_of(loc[:-1])
    elif kind == "extra_forbidden":
        allowed = _allowed_fields(model, loc[:-1])
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


def _kind(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return f'the text "{value}"'


def _allowed_fields(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model(s) found at `loc`, for "did you mean" hints."""
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
