"""The layout markup vocabulary and its parser.

Layout templates (Jinja2) produce a small XML vocabulary that the renderer
turns into ReportLab flowables. Every element and attribute a layout may use
is listed here; anything else is an error, never silently ignored.
Documented for layout authors in docs/layouts.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

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
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def check_element(tag: str, attrs, line: int) -> None:
    if tag not in VOCABULARY:
        raise MarkupError(line, f"unknown element <{tag}>; see docs/layouts.md for the vocabulary")
    for name in attrs:
        if name not in VOCABULARY[tag]:
            allowed = ", ".join(sorted(VOCABULARY[tag])) or "none"
            raise MarkupError(line, f'unknown attribute "{name}" on <{tag}> (allowed: {allowed})')


def parse(markup: str) -> Node:
    """Parse layout output into a Node tree, checking the vocabulary."""
    parser = expat.ParserCreate("utf-8")
    root = Node("#document", {}, 0)
    stack = [root]

    def start(tag, attrs):
        check_element(tag, attrs, parser.CurrentLineNumber)
        node = Node(tag, dict(attrs), parser.CurrentLineNumber)
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
        raise MarkupError(exc.lineno, f"malformed markup: {expat.ErrorString(exc.code)}") from None
    pages = root.elements()
    if len(pages) != 1 or pages[0].tag != "page":
        raise MarkupError(1, "a layout must produce exactly one <page> element")
    return pages[0]
