"""HTML or XHTML text to a lexbor tree, refusing first what would stall the parser.

lexbor, like every HTML5 parser, walks the stack of open elements at each block start and
re-opens unclosed formatting elements (``<b>``, ``<font>``...) in each new paragraph. Both are
nothing for a page a person wrote and hopeless for a crafted one: 100,000 nested ``<div>``s
take it seconds, 10,000 paragraphs each opening a differently attributed ``<b>`` a minute.
:func:`check_nesting` is a bounded pre-scan that sees this coming: it counts the elements
left open (a few implied ends included) and the formatting elements waiting to be re-opened,
and refuses a page when either is far beyond anything written by hand.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from nightstand.errors import StoryError

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser


def tag_set(names: str) -> frozenset[str]:
    """A set of names from a space-separated string."""
    return frozenset(names.split())


_NESTING_CHECK_FROM: Final = 2_000
"""Below this many ``<`` even lexbor's worst case is a fraction of a second: no scan needed."""
_MAX_DEPTH: Final = 5_000
"""Elements open at once; a story needs a few dozen."""
_MAX_FORMATTING: Final = 400
"""Formatting elements waiting to be re-opened in every new paragraph (distinct ``<b>``...)."""
_SIBLING_REACH: Final = 64
"""How far down the open elements a ``<p>``/``<li>``... looks for the one it closes."""

# Tags, found lexically; used only to bound the parser's work, never to read content.
# Group 3 is the attribute text, which tells formatting elements apart.
_TAG_EDGE = re.compile(r"<(?:(/?)([A-Za-z][^\t\n\f\r />]{0,60})([^>]{0,4000})>|!--)")
_VOID: Final = tag_set(
    "area base br col embed hr img input link meta param source track wbr basefont bgsound "
    "frame keygen image isindex spacer"
)
_RAW_TEXT: Final = tag_set("script style textarea title xmp iframe noembed noframes")
_FORMATTING: Final = tag_set("a b big code em font i nobr s small strike strong tt u")
_FORMATTING_START = re.compile(
    r"<(?:a|b|big|code|em|font|i|nobr|s|small|strike|strong|tt|u)(?=[\t\n\f\r />])", re.I
)
# Table parts and the document's own elements never deepen the stack by themselves.
_NOT_COUNTED: Final = tag_set(
    "html head body frameset caption col colgroup tbody td tfoot th thead tr"
)
# A start tag of these ends an open <p> (HTML's "close a p element").
_CLOSES_P: Final = tag_set(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 "
    "h6 pre listing form li dd dt table"
)
# What each of these start tags closes when it is open near the top, and what stops the search.
_SIBLINGS: Final = {
    "li": (tag_set("li"), tag_set("ul ol menu dir table")),
    "dd": (tag_set("dd dt"), tag_set("dl table")),
    "dt": (tag_set("dd dt"), tag_set("dl table")),
    "option": (tag_set("option"), tag_set("select datalist optgroup")),
    "p": (tag_set("p"), tag_set("table button applet marquee object template")),
}
_P_SIBLINGS: Final = _SIBLINGS["p"]


class _OpenElements:
    """The parser's stack of open elements and its list of formatting elements, roughly."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.open: dict[str, int] = {}
        self.formatting: list[tuple[str, str]] = []

    def pop_to(self, name: str) -> None:
        """Pop down to and including the nearest open ``name`` (there must be one)."""
        stack, counts = self.stack, self.open
        while True:
            top = stack.pop()
            counts[top] -= 1
            if top == name:
                return

    def close_sibling(self, names: frozenset[str], stops: frozenset[str]) -> None:
        """Close the nearest open element in ``names`` unless a ``stops`` element is nearer."""
        stack = self.stack
        for i in range(len(stack) - 1, max(len(stack) - _SIBLING_REACH, 0) - 1, -1):
            name = stack[i]
            if name in names:
                self.pop_to(name)
                return
            if name in stops:
                return

    def start(self, name: str, attributes: str) -> None:
        if name in _CLOSES_P and self.open.get("p"):
            self.close_sibling(*_P_SIBLINGS)
        sibling = _SIBLINGS.get(name)
        if sibling is not None and name != "p":
            self.close_sibling(*sibling)
        if name in _FORMATTING:
            key = (name, attributes.strip())
            if name == "a":
                self.end("a")
            elif self.formatting.count(key) >= 3:
                # HTML keeps at most three alike ("Noah's Ark"); the oldest goes.
                self.formatting.remove(key)
            self.formatting.append(key)
        self.stack.append(name)
        self.open[name] = self.open.get(name, 0) + 1

    def end(self, name: str) -> None:
        if self.open.get(name):
            self.pop_to(name)
        if name in _FORMATTING:
            for i in range(len(self.formatting) - 1, -1, -1):
                if self.formatting[i][0] == name:
                    del self.formatting[i]
                    break

    @property
    def hopeless(self) -> bool:
        return len(self.stack) > _MAX_DEPTH or len(self.formatting) > _MAX_FORMATTING


def check_nesting(text: str, *, check_from: int = _NESTING_CHECK_FROM) -> None:
    """Raise :class:`StoryError` when parsing ``text`` would take the parser far too long.

    Pages with fewer than ``check_from`` start tags are let through unexamined: their worst
    case is a tenth of a second (an EPUB, made of many small pages, examines them all, but
    a page with too few tags to pass either limit needs no scan to know it).
    """
    opened = text.count("<") - text.count("</")
    if opened < check_from or opened <= _MAX_FORMATTING:
        # Neither limit can be passed with this few start tags (a "<" in prose counts too).
        return
    if opened <= _MAX_DEPTH and len(_FORMATTING_START.findall(text)) <= _MAX_FORMATTING:
        # The same, counted once in C: the stack cannot outgrow the start tags, nor the
        # formatting list the formatting start tags (a real book: many pages, each short).
        return
    elements = _OpenElements()
    search = _TAG_EDGE.search
    length = len(text)
    pos = 0
    while (m := search(text, pos)) is not None:
        pos = m.end()
        name = m.group(2)
        if name is None:  # a comment: nothing inside it is a tag
            close = text.find("-->", pos)
            pos = length if close < 0 else close + 3
            continue
        name = name.lower()
        if m.group(1):
            elements.end(name)
        elif name in _RAW_TEXT:
            pos = _raw_text_end(text, name, pos)
        elif name == "plaintext":
            break
        elif name == "hr":
            if elements.open.get("p"):
                elements.close_sibling(*_P_SIBLINGS)
        elif name not in _VOID and name not in _NOT_COUNTED:
            elements.start(name, m.group(3))
            if elements.hopeless:
                raise StoryError(
                    "the HTML nests or leaves open too many tags to be a story "
                    f"({len(elements.stack):,} open at once, {len(elements.formatting):,} "
                    "formatting); refusing to parse it"
                )


def _raw_text_end(text: str, name: str, pos: int) -> int:
    """Where the raw text of a ``<script>``/``<style>``/``<title>``... ends (its end tag)."""
    while (close := text.find("</", pos)) >= 0:
        if text[close + 2 : close + 2 + len(name)].lower() == name:
            return close
        pos = close + 2
    return len(text)


_RAWTEXT_SELECTOR = "title, script, style, textarea, xmp, iframe, noembed, noframes"


def html_tree(text: str, *, check_from: int = _NESTING_CHECK_FROM) -> LexborHTMLParser:
    """Parse HTML or XHTML text into a tree, refusing pathological nesting first.

    XHTML written for XML readers may close a ``<title/>`` or ``<script/>`` by itself, which
    an HTML parser reads as "everything after this is the title". When that happened, the
    document is read as XML (defusedxml: no entities, no external references) and handed to
    the HTML parser again without the self-closing tags.
    """
    from selectolax.lexbor import LexborHTMLParser

    check_nesting(text, check_from=check_from)
    tree = LexborHTMLParser(text)
    if any("</" in (node.text() or "") for node in tree.css(_RAWTEXT_SELECTOR)):
        rewritten = _xhtml_as_html(text)
        if rewritten is not None:
            tree = LexborHTMLParser(rewritten)
    return tree


def _xhtml_as_html(text: str) -> str | None:
    """XHTML re-serialised as HTML (explicit end tags), or None when it is not valid XML."""
    from xml.etree.ElementTree import ParseError, tostring

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(text.encode("utf-8"))
    except (ParseError, DefusedXmlException, ValueError):
        return None
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.rpartition("}")[2]
        for name in [n for n in element.attrib if n.startswith("{")]:
            element.attrib[name.rpartition("}")[2]] = element.attrib.pop(name)
    return tostring(root, encoding="unicode", method="html")
