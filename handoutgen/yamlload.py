"""Stage 2: read one YAML file into plain data plus the line of every value.

The loader is deliberately stricter than YAML 1.1: every scalar is text (or
null), so `no`, `on`, `010`, `1:30` and `1e3` stay exactly what the author
typed and the typed models decide what they mean. Duplicate keys, aliases
and explicit tags (e.g. `!!python/object`) are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from handoutgen.errors import HandoutError, Problem

MAX_BYTES = 1_000_000  # a handout is a few KB; anything larger is a mistake
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

FieldPath = tuple  # e.g. ("exercises", 1, "dosage", "reps")


# LibYAML's parser when PyYAML has it (several times faster), else PyYAML's own.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextLoader(_Base):
    """SafeLoader whose only implicit type besides text is null."""


_TextLoader.yaml_implicit_resolvers = {}
_TextLoader.add_implicit_resolver(
    _NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


@dataclass
class Document:
    """A loaded YAML file: its data and where each value came from."""

    file: str  # path as shown to the user (relative to the clinic root)
    data: object
    lines: dict[FieldPath, int] = field(default_factory=dict)  # value lines
    key_lines: dict[FieldPath, int] = field(default_factory=dict)  # key lines

    def line_of(self, path: FieldPath, key: bool = False) -> int | None:
        """Line of the value at `path`, or of its nearest ancestor."""
        table = self.key_lines if key else self.lines
        path = tuple(path)
        while path:
            if path in table:
                return table[path]
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def load_yaml(path: Path, shown_as: str) -> Document:
    """Load `path`; raise HandoutError naming `shown_as` on any problem."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # refused before reading: a huge file never fills memory
            raise HandoutError(Problem(shown_as, None, "", f"file is {size:,} bytes; the limit is "
                                                           f"{MAX_BYTES:,}. Is this the right file?"))
        raw = path.read_bytes()
    except OSError as exc:
        raise HandoutError(Problem(shown_as, None, "", f"cannot read file: {exc.strerror}"))
    return load_yaml_bytes(raw, shown_as)


def load_yaml_bytes(raw: bytes, shown_as: str) -> Document:
    def fail(message: str, line: int | None = None):
        raise HandoutError(Problem(shown_as, line, "", message))

    if len(raw) > MAX_BYTES:
        fail(f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}. Is this the right file?")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        fail(f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line)
    if not text.strip():
        fail("file is empty; it needs at least the required fields (see docs/formats.md)")
    try:
        node = yaml.compose(text, Loader=_TextLoader)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a control code
        line = text[: exc.position].count("\n") + 1
        fail(f"contains the control character U+{exc.character:04X}, which YAML does not allow; delete it", line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        fail(f"YAML syntax error: {what}", mark.line + 1 if mark else None)
    except yaml.YAMLError as exc:  # e.g. more than one document
        fail(f"YAML syntax error: {exc}")
    if node is None:
        fail("file is empty; it needs at least the required fields (see docs/formats.md)")
    doc = Document(shown_as, None)
    problems: list[Problem] = []
    doc.data = _convert(node, (), doc, problems, set())
    if problems:
        raise HandoutError(problems)
    return doc


def _convert(node, path, doc: Document, problems: list[Problem], seen: set[int]):
    line = node.start_mark.line + 1
    doc.lines[path] = line
    if id(node) in seen:
        # The composer hands back the same node for an alias (*name).
        problems.append(Problem(doc.file, line, _dotted(path),
                                "anchors and aliases (& and *) are not supported; write the value out"))
        return None
    seen.add(id(node))
    if node.tag not in (_NULL, _STR, _SEQ, _MAP):
        problems.append(Problem(doc.file, line, _dotted(path),
                                f"YAML tags like {node.tag!r} are not allowed; remove the tag"))
        return None
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL:
            return None
        # In every style but literal (|), a lone newline in the value is where
        # the author left a blank line: make paragraph breaks uniform.
        return node.value if node.style == "|" else node.value.replace("\n", "\n\n")
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            if id(child) in seen:  # an alias: its node's mark is the anchor's, so name the list's line
                problems.append(Problem(doc.file, line, _dotted(path + (i,)),
                                        "anchors and aliases (& and *) are not supported; write the value out"))
                items.append(None)
                continue
            items.append(_convert(child, path + (i,), doc, problems, seen))
        return items
    result: dict[str, object] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (_STR, _NULL):
            problems.append(Problem(doc.file, key_line, _dotted(path), "keys must be plain words"))
            continue
        key = key_node.value
        if key in result:
            first = doc.key_lines[path + (key,)]
            problems.append(Problem(doc.file, key_line, _dotted(path + (key,)),
                                    f"duplicate key (first given on line {first}); keep only one"))
            continue
        doc.key_lines[path + (key,)] = key_line
        if id(value_node) in seen:  # an alias: report where it is used
            problems.append(Problem(doc.file, key_line, _dotted(path + (key,)),
                                    "anchors and aliases (& and *) are not supported; "
                                    "write the value out"))
            continue
        result[key] = _convert(value_node, path + (key,), doc, problems, seen)
    return result


def _dotted(path: FieldPath) -> str:
    """("exercises", 1, "dosage") -> "exercises[1].dosage"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted
