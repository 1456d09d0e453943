"""The layout markup vocabulary and its parser.

Layout templates (Jinja2) produce a small XML vocabulary that the renderer
turns into ReportLab flowables. Every element and attribute a layout may use
is listed here; anything else is an error, never silently ignored.
Documented for layout authors in docs/layouts.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from handoutgen.errors import closest

# element -> allowed attributes
BLOCKS: dict[str, set[str]] = {
    "page": set(),
    "header": set(),
    "logo": {"src"},
    "clinic": set(),
    "tagline": set(),
    "phone": set(),
    "title": set(),
    "meta": set(),
    "field": {"label"},
    "p": set(),
    "heading": set(),
    "card": {"number", "image"},
    "video": {"href"},
    "steps": set(),
    "bullets": set(),
    "item": set(),
    "dose": set(),
    "say": set(),
    "short": set(),
    "caution": set(),
    "section": set(),
    "safety": set(),
    "footer": set(),
    "line": set(),
    "running": set(),
    # checklist vocabulary (layouts/checklist.*.j2)
    "grid": {"days", "start", "pain"},
    "row": {"id", "sessions"},
    "name": set(),
    "notes": set(),
}
INLINE: dict[str, set[str]] = {"b": set()}
VOCABULARY = {**BLOCKS, **INLINE}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list = field(default_factory=list)  # Node | str
    column: int | None = None  # of its start tag, in characters (for messages)

    def text(self) -> str:
        """All text inside, markup removed, whitespace folded."""
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text())
        return " ".join("".join(parts).split())

    def key(self) -> tuple:
        """Everything the node says, as a value: equal for equal markup (from any handout)."""
        done = self.__dict__.get("_key")
        if done is None:
            children = tuple(c if isinstance(c, str) else c.key() for c in self.children)
            done = self.__dict__["_key"] = (self.tag, tuple(sorted(self.attrs.items())), children)
        return done

    def elements(self, tag: str | None = None) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and (tag is None or c.tag == tag)]

    def first(self, tag: str) -> Node | None:
        found = self.elements(tag)
        return found[0] if found else None


class MarkupError(Exception):
    """A mistake in a layout's markup: at `line` (and `column`, 0-based, in characters) of
    the layout's output; `field` is the markup concerned (`</titel>`, `&`), `message`
    what is wrong and how to fix it."""

    def __init__(self, line: int, message: str, field: str = "", column: int | None = None):
        super().__init__(message)
        self.line = line
        self.message = message
        self.field = field
        self.column = column


def no_element(name: str, opener: str = "<", near: str | None = None) -> str:
    """What is wrong with `<name>` (or `</name>`, opener "</"), name not an element."""
    near = near or closest(name, VOCABULARY)
    hint = f"did you mean {opener}{near}>?" if near else "docs/layouts.md lists the elements"
    return f'no element "{name}" — {hint}'


def check_element(tag: str, attrs, line: int, column: int | None = None) -> None:
    if tag not in VOCABULARY:
        raise MarkupError(line, no_element(tag), f"<{tag}>", column)
    for name in attrs:
        if name not in VOCABULARY[tag]:
            allowed = ", ".join(sorted(VOCABULARY[tag]))
            near = closest(name, VOCABULARY[tag])
            if not allowed:
                hint = f"<{tag}> takes no attributes"
            elif near:
                hint = f"did you mean {near}? (<{tag}> takes: {allowed})"
            else:
                hint = f"<{tag}> takes: {allowed}"
            raise MarkupError(line, f'no attribute "{name}" — {hint}', f"<{tag}>", column)


def parse(markup: str) -> Node:
    """Parse layout output into a Node tree, checking the vocabulary (layout.render does,
    so a mistake is named at the template line; the renderer takes that tree)."""
    parser = expat.ParserCreate("utf-8")
    root = Node("#document", {}, 0)
    stack = [root]

    def start(tag, attrs):
        check_element(tag, attrs, parser.CurrentLineNumber, parser.CurrentColumnNumber)
        node = Node(tag, dict(attrs), parser.CurrentLineNumber, column=parser.CurrentColumnNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(tag):
        stack.pop()

    def chars(data):
        children = stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    # No DOCTYPE, no external entities: the markup is data, never a file reference.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = lambda *a: (_ for _ in ()).throw(
        MarkupError(parser.CurrentLineNumber, "DOCTYPE is not allowed in layouts"))
    try:
        parser.Parse(markup.encode("utf-8"), True)
    except expat.ExpatError as exc:
        raise _malformed(markup, exc, stack) from None
    pages = root.elements()
    if len(pages) != 1 or pages[0].tag != "page":
        raise MarkupError(1, "a layout must produce exactly one <page> element")
    return pages[0]


BARE_AMPERSAND = 'a bare "&" — write & as &amp;'
NO_ENTITY = "no such entity — write & as &amp;, < as &lt;, a no-break space as &#160;"
XML_ENTITIES = ("amp", "lt", "gt", "quot", "apos")

_MISMATCH = expat.errors.codes[expat.errors.XML_ERROR_TAG_MISMATCH]
_UNDEFINED_ENTITY = expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]
_NO_ELEMENTS = expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS]
_AFTER_PAGE = expat.errors.codes[expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]
_BARE_AMPERSAND = re.compile(r"&[#\w.-]*$")
_ENTITY = re.compile(r"&([#\w.-]*);")
_END_TAG = re.compile(r"</\s*([^\s>]*)")


def _malformed(markup: str, exc: expat.ExpatError, stack: list[Node]) -> MarkupError:
    """The expat error, said as what to write instead (expat counts columns in characters)."""
    open_node = stack[-1]
    line, column = exc.lineno, exc.offset
    text = markup.split("\n")[line - 1] if 0 < line <= markup.count("\n") + 1 else ""
    before = text[:column]
    if exc.code == _MISMATCH:
        start = before.rfind("<")
        found = _END_TAG.match(text, max(start, 0))
        name = found.group(1) if found else ""
        if open_node.tag == "#document" or found is None:
            return MarkupError(line, "closes no element — remove it", f"</{name}>", start)
        if name not in VOCABULARY:
            near = closest(name, [open_node.tag]) or closest(name, VOCABULARY)
            return MarkupError(line, no_element(name, "</", near), f"</{name}>", start)
        return MarkupError(line, f"<{open_node.tag}> is still open — close it with </{open_node.tag}> first",
                           f"</{name}>", start)
    if exc.code == _UNDEFINED_ENTITY:
        found = _ENTITY.match(text, column)
        name = found.group(0) if found else "&…;"
        return MarkupError(line, NO_ENTITY, name, column)
    if exc.code == _AFTER_PAGE or (len(stack) == 1 and stack[0].children and column < len(text)):
        return MarkupError(line, "more markup or text after it — everything a layout writes goes inside <page>",
                           "</page>", column)
    bare = _BARE_AMPERSAND.search(before)
    if bare is not None:
        return MarkupError(line, BARE_AMPERSAND, "&", bare.start())
    if before.rstrip().endswith("<"):
        return MarkupError(line, 'a "<" that starts no element — write < as &lt;', "<", before.rstrip().rfind("<"))
    if exc.code == _NO_ELEMENTS and open_node.tag != "#document":
        return MarkupError(open_node.line, f"is never closed — add </{open_node.tag}>", f"<{open_node.tag}>",
                           open_node.column)
    return MarkupError(line, f"malformed markup: {expat.ErrorString(exc.code)} — docs/layouts.md shows the form",
                       "", column)
