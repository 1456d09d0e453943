"""Stage 2: read one YAML file into plain data plus the line of every value.

The loader is deliberately stricter than YAML 1.1: every scalar is text (or
null), so `no`, `on`, `010`, `1:30` and `1e3` stay exactly what the author
typed and the typed models decide what they mean. Duplicate keys, aliases
and explicit tags (e.g. `!!python/object`) are refused.

The data is built from the parser's event stream in one loop, without
recursion: a file nested thousands of levels deep (`[[[[…`) is refused at
MAX_DEPTH with its line instead of exhausting the stack, and a file of more
than MAX_VALUES values is refused as soon as it gets there, so neither time
nor memory grows without bound. (LibYAML's own composer recurses in C, and
crashes the process on such a file.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from handoutgen.errors import HandoutError, Problem
from handoutgen.readsafe import Refused, read_inside

MAX_BYTES = 1_000_000  # a handout is a few KB; anything larger is a mistake
MAX_DEPTH = 32  # lists and field sets inside each other; a handout needs 4
MAX_VALUES = 200_000  # a handout of 4 pages holds a few hundred values
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_NULL_TEXT = re.compile(r"^(?:~|null|Null|NULL|)$")
_ALIAS = "anchors and aliases (& and *) are not supported; write the value out"

FieldPath = tuple  # e.g. ("exercises", 1, "dosage", "reps")


# LibYAML's parser when PyYAML has it (several times faster), else PyYAML's own.
# Only its events are used; the data is built here (see the module's docstring).
# Both offer the same interface; the type checker sees the pure-Python one.
if TYPE_CHECKING:
    _Base = yaml.SafeLoader
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextLoader(_Base):
    """SafeLoader whose only implicit type besides text is null."""


_TextLoader.yaml_implicit_resolvers = {}
_TextLoader.add_implicit_resolver(_NULL, _NULL_TEXT, ["~", "n", "N", ""])


@dataclass
class Document:
    """A loaded YAML file: its data and where each value came from."""

    file: str  # path as shown to the user (relative to the clinic root)
    data: object
    lines: dict[FieldPath, int] = field(default_factory=dict)  # value lines
    key_lines: dict[FieldPath, int] = field(default_factory=dict)  # key lines
    # Empty values followed by a comment on their line (`accent: #FFF176`): the comment,
    # which the author probably meant as the value (validate names it).
    comments: dict[FieldPath, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # e.g. a sentence split at a comma in [...]

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


def load_yaml(path: Path, shown_as: str, roots: Iterable[Path | str] = ("/",)) -> Document:
    """Load `path`; raise HandoutError naming `shown_as` on any problem.

    The file is read under readsafe's rule: with its symlinks resolved it must
    lie inside one of `roots` (the clinic folder: see Clinic.load), be a regular
    file (a FIFO or a device is refused before it is read) and hold at most
    MAX_BYTES. Messages name the file as `shown_as`; they never quote it.
    """
    try:
        raw = read_inside(path, roots, MAX_BYTES)
    except Refused as exc:
        message = exc.message
        if exc.reason == "too-large":
            message += ". Is this the right file?"
        raise HandoutError(Problem(shown_as, None, "", message)) from None
    return load_yaml_bytes(raw, shown_as)


class _Open:
    """A list or a set of fields being built."""

    __slots__ = ("value", "path", "line", "keep", "key", "key_line", "key_keep", "index", "flow")

    def __init__(self, value, path: FieldPath, line: int, keep: bool):
        self.value = value  # list or dict
        self.path = path
        self.line = line
        self.keep = keep  # False: the value is thrown away (under a refused key or tag)
        self.key: str | None = None  # in a set of fields: None while its key is awaited
        self.key_line = 0
        self.key_keep = True
        self.index = 0
        # In a flow list ([a, b]): (text, plain, line) of each item; None for an item that is not text.
        self.flow: list[tuple[str, bool, int] | None] | None = None


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
    doc = Document(shown_as, None)
    problems: list[Problem] = []
    try:
        found = _build(yaml.parse(text, Loader=_TextLoader), doc, problems, text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. a control code
        line = text[: exc.position].count("\n") + 1
        fail(f"contains the control character U+{exc.character:04X}, which YAML does not allow; delete it", line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        cut = _cut_by_comment(text, exc) or _dash_out_of_place(text, exc)
        if cut is not None:  # `colors: {primary: #1B5E8C}`: named on the line of the #, not where YAML gave up
            fail(f"YAML syntax error: {what}{cut[1]}", cut[0])
        fail(f"YAML syntax error: {what}{_hint(text, exc)}", mark.line + 1 if mark else None)
    except yaml.YAMLError as exc:
        fail(f"YAML syntax error: {exc}")
    if not found:
        fail("file is empty; it needs at least the required fields (see docs/formats.md)")
    if problems:
        raise HandoutError(problems)
    return doc


def _hint(text: str, exc: yaml.MarkedYAMLError) -> str:
    """The cause of the commonest syntax errors, in plain words, with the fix."""
    mark = exc.problem_mark
    problem = exc.problem or ""
    tab_at_mark = mark is not None and text[mark.index:mark.index + 1] == "\t"
    if ("cannot start any token" in problem and tab_at_mark) or "tab character that violates indentation" in problem:
        return "; a tab is used to indent: tabs are not allowed for indenting, use spaces"
    if "mapping values are not allowed" in problem:
        return ("; a colon followed by a space inside a text starts a new field: put the whole text in quotes, "
                f"e.g. {_quoted_example(text, mark)}")
    return ""


def _quoted_example(text: str, mark) -> str:
    """The user's own line with its text in quotes (`title: "Note: read this"`), when it is
    a plain `field: text` line; else that example."""
    line = text.split("\n")[mark.line] if mark is not None else ""
    found = re.fullmatch(r"(\s*(?:- )?)([A-Za-z_][\w-]*): +([^\"'#\s][^\"#]*?)\s*", line)
    if found is None or len(found.group(3)) > 60:
        return 'title: "Note: read this"'
    return f'{found.group(2)}: "{found.group(3)}"'


_HASH_VALUE = re.compile(r"([A-Za-z_][\w-]*):[ \t]+(#[^\s,\]}]+)")


def _cut_by_comment(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    """A list or set of fields in [ ] or { } left unclosed because a # in it started a comment
    (`colors: {primary: #1B5E8C}`): the line of the # and the fix."""
    start = exc.context_mark
    if start is None or "did not find expected" not in (exc.problem or ""):
        return None
    line = text.split("\n")[start.line] if start.line < text.count("\n") + 1 else ""
    found = _HASH_VALUE.search(line, start.column)
    if found is None:
        piece = next((p.strip() for p in re.split(r"[\[\]{},]", line[start.column:]) if re.search(r"\s#", p)), None)
        if not piece:
            return None
        return start.line + 1, ("; a # after a space starts a comment in YAML, so the rest of the line was read as "
                                f'a comment; put the text with the # in quotes, e.g. "{piece}"')
    key, value = found.groups()
    what = "colour" if re.fullmatch(r"#[0-9a-fA-F]{3,8}", value) else "text"
    return start.line + 1, (f"; a # starts a comment in YAML, so the rest of the line after {value} was read as a "
                            f'comment; put the {what} in quotes, e.g. {key}: "{value}"')


_NO_SPACE_DASH = re.compile(r"(\s*)-([^\s\-\d][^\n]*)")


def _dash_out_of_place(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    """A list item YAML could not place, on its own line, and the fix in plain words:
    `-Circle one way` (no space after the dash), or a `- ` further left than the items of the
    list above it (a step at the start of the line)."""
    lines = text.split("\n")
    start, mark = exc.context_mark, exc.problem_mark
    if start is not None and "simple key" in (exc.context or "") and start.line < len(lines):
        found = _NO_SPACE_DASH.fullmatch(lines[start.line].rstrip("\r"))
        if found is not None and found.start(2) == start.column + 1:
            item = _clipped(found.group(2).strip())
            return start.line + 1, (f'; "-{item}" has no space after its dash, so it is not a list item: '
                                    f'write "- {item}"')
    if mark is None or mark.line >= len(lines) or not lines[mark.line][mark.column:].startswith("-"):
        return None
    if "expected key" not in (exc.problem or "") and "found '-'" not in (exc.problem or ""):
        return None
    for above in range(mark.line - 1, -1, -1):
        entry = re.match(r"(\s*)- ", lines[above])
        if entry is not None and len(entry.group(1)) > mark.column:
            spaces = len(entry.group(1))
            return mark.line + 1, (f'; this "- " is further left than the items of the list above it (line '
                                   f"{above + 1}), so it is not part of that list: indent it by {spaces} "
                                   f"space{'s' if spaces != 1 else ''}, as they are")
        if entry is not None or (lines[above].strip() and len(lines[above]) - len(lines[above].lstrip()) <= mark.column
                                 and not lines[above].lstrip().startswith("#")):
            return None
    return None


def _clipped(text: str, most: int = 40) -> str:
    """`text`, or its first words up to `most` characters, for quoting in a message."""
    if len(text) <= most:
        return text
    cut = text[:most - 3]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "..."


def _build(events, doc: Document, problems: list[Problem], text: str = "") -> bool:
    """Fill doc.data and its lines from the event stream; False if it holds no document."""
    stack: list[_Open] = []
    values = 0
    documents = 0

    def refuse(line: int, path: FieldPath, message: str):
        raise HandoutError(Problem(doc.file, line, _dotted(path), message))

    def place() -> tuple[FieldPath, bool, bool]:
        """Where the node that starts now goes: its path; whether it is kept;
        whether it is a key (of the set of fields on top of the stack)."""
        if not stack:
            return (), True, False
        top = stack[-1]
        if isinstance(top.value, list):
            return top.path + (top.index,), top.keep, False
        if top.key is None:
            return top.path, False, True
        return top.path + (top.key,), top.keep and top.key_keep, False

    def done(value, line: int, is_key: bool, key_text: str | None = None) -> None:
        """A node is complete: hand it to the list or set of fields it belongs to."""
        if not stack:
            doc.data = value
            return
        top = stack[-1]
        if isinstance(top.value, list):
            if top.keep:
                top.value.append(value)
            top.index += 1
        elif is_key:
            top.key, top.key_line, top.key_keep = "", line, False
            if key_text is None:
                if top.keep:
                    problems.append(Problem(doc.file, line, _dotted(top.path), "keys must be plain words"))
                return
            top.key = key_text
            if not top.keep:
                return
            if top.path + (key_text,) in doc.key_lines:
                first = doc.key_lines[top.path + (key_text,)]
                problems.append(Problem(doc.file, line, _dotted(top.path + (key_text,)),
                                        f"duplicate key (first given on line {first}); keep only one"))
                return
            doc.key_lines[top.path + (key_text,)] = line
            top.key_keep = True
        else:
            if top.keep and top.key_keep:
                top.value[top.key] = value
            top.key = None

    for event in events:
        kind = type(event)
        if kind is yaml.StreamStartEvent or kind is yaml.StreamEndEvent or kind is yaml.DocumentEndEvent:
            continue
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                refuse(event.start_mark.line + 1, (), "YAML syntax error: more than one document "
                       "(a line of ---); a file holds one handout, exercise or brand")
            continue
        line = event.start_mark.line + 1
        if kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            node = stack.pop()
            if node.flow and node.keep:
                _split_at_commas(doc, node)
            key_place = bool(stack) and isinstance(stack[-1].value, dict) and stack[-1].key is None
            done(node.value if node.keep else None, node.line, key_place)
            continue
        values += 1
        if values > MAX_VALUES:
            refuse(line, _named(place()[0]), f"more than {MAX_VALUES:,} values; a handout of up to 4 pages holds "
                                     "a few hundred. Is this the right file?")
        path, keep, is_key = place()
        if keep:
            doc.lines[path] = line
        if kind is yaml.AliasEvent:
            if is_key:
                done(None, line, True)  # "keys must be plain words"
                continue
            doc.lines.pop(path, None)
            top = stack[-1] if stack else None
            if top is not None and isinstance(top.value, dict):
                if keep:  # reported where its field is named; the field is left out
                    problems.append(Problem(doc.file, top.key_line, _dotted(path), _ALIAS))
                top.key = None
            else:
                if keep:
                    problems.append(Problem(doc.file, line, _dotted(path), _ALIAS))
                done(None, line, False)
            continue
        tag = event.tag
        if kind is yaml.ScalarEvent:
            if tag is None or tag == "!":
                tag = _NULL if event.implicit[0] and _NULL_TEXT.match(event.value) else _STR
            if tag not in (_NULL, _STR):
                if keep:
                    problems.append(Problem(doc.file, line, _dotted(path),
                                            f"YAML tags like {tag!r} are not allowed; remove the tag"))
                done(None, line, is_key)
                continue
            if tag == _NULL:
                value = None
                if keep and not is_key and not event.style and not event.value:
                    comment = _comment_after(text, event.end_mark.index)
                    if comment:
                        doc.comments[path] = comment
            else:
                # In every style but literal (|), a lone newline in the value is where
                # the author left a blank line: make paragraph breaks uniform.
                value = event.value if event.style == "|" else event.value.replace("\n", "\n\n")
                if keep and not is_key and not event.style and event.value[:1] == "-":
                    _dash_without_space(doc, event, path, text)
                if keep and not is_key and not event.style and event.end_mark.line > event.start_mark.line:
                    _joined_items(doc, event, path, text)
            if stack and stack[-1].flow is not None:
                stack[-1].flow.append((value, not event.style, line) if isinstance(value, str) else None)
            done(value, line, is_key, event.value if is_key else None)
            continue
        # The start of a list or a set of fields.
        if len(stack) >= MAX_DEPTH:
            refuse(line, _named(stack[-1].path), f"nested more than {MAX_DEPTH} levels deep (lists or sets of fields "
                                         "inside each other); no handout field goes deeper than 4")
        expected = _SEQ if kind is yaml.SequenceStartEvent else _MAP
        if tag is not None and tag != "!" and tag != expected:
            if keep:
                problems.append(Problem(doc.file, line, _dotted(path),
                                        f"YAML tags like {tag!r} are not allowed; remove the tag"))
            keep = False
        if stack and stack[-1].flow is not None:
            stack[-1].flow.append(None)
        # A list or set of fields as a key is thrown away, and refused when it ends.
        stack.append(_Open([] if expected == _SEQ else {}, path, line, keep))
        if expected == _SEQ and event.flow_style:
            stack[-1].flow = []
    return () in doc.lines


_COMMENT = re.compile(r"[ \t]+#([^\r\n]*)")


def _comment_after(text: str, index: int) -> str | None:
    """The comment right after an empty value on its line, `#` included (`accent: #FFF176`)."""
    found = _COMMENT.match(text, index)
    return "#" + found.group(1).rstrip() if found and found.group(1).strip() else None


def _item_word(path: FieldPath) -> str:
    """What one item of the list at `path` is called in a message: "step", "caution", ..."""
    named = _named(path)
    word = SENTENCE_LISTS.get(named[-1]) if named and isinstance(named[-1], str) else None
    return word or "item"


def _joined_items(doc: Document, event, path: FieldPath, text: str) -> None:
    """Warn when a line of a text written over several lines starts with "- ": a list item
    indented further than the one above, which YAML joins to it as one text
    ("Make a fist with your thumb. - Circle one way.")."""
    source = text[event.start_mark.index:event.end_mark.index].split("\n")
    for offset, line in enumerate(source[1:], 1):
        item = line.strip()
        if item != "-" and not item.startswith("- "):
            continue
        where = event.value.find(item)
        before = event.value[:where].split()[-1:] if where > 0 else []
        after = item.split()
        quoted = " ".join(before + after[:4]) + ("…" if len(after) > 4 else "")
        word = _item_word(path)
        if path and isinstance(path[-1], int):
            message = (f'this line starts with "- " but is indented further than the {word} above it, so YAML '
                       f'joined the two into one {word} ("…{quoted}"); to make it a {word} of its own, start its '
                       '"- " in the same column as the others')
        else:
            message = (f'this line starts with "- " but YAML read it as part of the text above it ("…{quoted}"); '
                       "if it is meant as a list item, write the field as a list, each item on a line of its own "
                       'starting with "- "')
        doc.warnings.append(Problem(doc.file, event.start_mark.line + 1 + offset, _dotted(path), message))
        return


def _dash_without_space(doc: Document, event, path: FieldPath, text: str) -> None:
    """Warn when a text on a line of its own starts with a dash and a letter (`-Circle one way`):
    meant as a list item, it needs a space after the dash; as it is, it is text."""
    line_start = text.rfind("\n", 0, event.start_mark.index) + 1
    if text[line_start:event.start_mark.index].strip() or not event.value[1:2].isalpha():
        return
    first = text[event.start_mark.index:event.end_mark.index].split("\n")[0]  # its first line
    item = _clipped(first[1:].strip())
    doc.warnings.append(Problem(
        doc.file, event.start_mark.line + 1, _dotted(path),
        f'"-{item}" has no space after its dash, so it is read as text, not as a list item; '
        f'if it is meant as one, write "- {item}"'))


# Fields whose list items are sentences, and what one item is called in a message.
SENTENCE_LISTS = {"steps": "step", "cautions": "caution", "items": "item", "summary": "paragraph",
                  "text": "paragraph"}
_SENTENCE_END = tuple(".!?:;…")
_QUOTED_AT_MOST = 80  # characters of the joined text a message quotes


def _split_at_commas(doc: Document, node: _Open) -> None:
    """Warn when a flow list (`steps: [Stand tall, then lift your heel]`) looks like one
    sentence cut at its commas: an unquoted item starting with a small letter after an item
    that does not end a sentence, in a run that starts like a sentence (a capital letter).
    A list of lower-case words (`[ankle, knee]`) is a list, not a split sentence."""
    named = _named(node.path)
    word = SENTENCE_LISTS.get(named[-1]) if named and isinstance(named[-1], str) else None
    if word is None or node.flow is None:
        return
    run: list[tuple[str, bool, int]] = []
    for item in [*node.flow, None]:
        if (item is not None and run and item[1] and item[0][:1].islower() and run[0][0][:1].isupper()
                and not run[-1][0].rstrip().endswith(_SENTENCE_END)):
            run.append(item)
            continue
        if len(run) > 1:
            break
        run = [item] if item is not None else []
    if len(run) < 2:
        return
    joined = ", ".join(text for text, _, _ in run)
    if len(joined) > _QUOTED_AT_MOST:
        joined = joined[:_QUOTED_AT_MOST - 3].rstrip() + "..."
    doc.warnings.append(Problem(
        doc.file, run[0][2], _dotted(named),
        f'"{joined}" looks like one {word} split into {len(run)} at its commas (inside [ ], a comma starts '
        f'a new {word}); put each {word} on its own line starting with "- ", or put the whole {word} in quotes'))


def _named(path: FieldPath) -> FieldPath:
    """The path up to its last field name: exercises[0].steps[0][0] -> exercises[0].steps."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return path


def _dotted(path: FieldPath) -> str:
    """("exercises", 1, "dosage") -> "exercises[1].dosage"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted
