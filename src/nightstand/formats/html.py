"""HTML stories to :class:`~nightstand.story.Story`: plain pages, AO3 and FanFicFare downloads.

The page is parsed by selectolax (lexbor, a real HTML5 parser) and walked once, in document
order, without recursion, so a page of 100,000 nested tags costs no stack. Paragraphs,
``<br>``, ``<em>/<i>/<strong>/<b>``, ``<hr>`` (scene breaks), headings (chapters), block
quotes and lists become blocks; scripts, styles, comments and forms are dropped.

AO3's download template is recognised by its structure: ``<div id="preface">`` holds the
title, byline, a ``<dl class="tags">`` of ``<dt>``/``<dd>`` pairs, the summary and the notes
(all become headers); ``<div id="chapters">`` holds per chapter a ``<div class="meta group">``
with an ``<h2 class="heading">`` (the chapter title), the chapter summary and notes, then a
``<div class="userstuff">`` with the text; ``<div id="afterword">`` holds the end notes.
Notes are kept where AO3 puts them, as indented paragraphs under a bold label.

The block machinery here (:class:`Body`, :func:`inline_text`, :class:`BlockWriter`) is shared
by the Markdown and EPUB loaders, so all formats fold whitespace and tie ellipses the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from nightstand.errors import StoryError
from nightstand.formats.decode import sanitize
from nightstand.formats.plaintext import KNOWN_KEYS, is_end_mark, is_heading, is_separator
from nightstand.spoilers import is_spoiler_header
from nightstand.story import NBSP, BlockKind, Header, Span, Story, StoryBuilder
from nightstand.typography import tie_dashes

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser, LexborNode

# --------------------------------------------------------------------------- headers

# Keys the plain-text layout does not know but AO3, FanFicFare and front matter use.
_EXTRA_KEYS: Final[dict[str, str]] = {
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "additional tags": "tags",
    "additional tag": "tags",
    "freeform": "tags",
    "freeforms": "tags",
    "tag": "tags",
    "tags": "tags",
    "keywords": "tags",
    "subject": "tags",
    "subjects": "tags",
    "relationship": "pairing",
    "relationships": "pairing",
    "ship": "pairing",
    "ships": "pairing",
    "fandoms": "fandom",
    "genres": "genre",
    "language": "language",
    "series": "series",
    "stats": "stats",
    "collections": "collections",
    "description": "summary",
    "end notes": "notes",
    "published": "published",
    "updated": "updated",
    "completed": "completed",
    "chapters": "chapters",
    "creator": "author",
    "creators": "author",
    "pseud": "author",
}
# Headers whose values are hidden until the reader agrees: besides what
# ``is_spoiler_header`` knows, tag lists (AO3's Additional Tags) and any kind of warning.
_SPOILER_CANONICAL: Final = frozenset({"tags", "warnings", "spoilers"})
_KEY_TEXT = re.compile(r"^[A-Za-z][A-Za-z0-9'’/&. -]{0,40}$")


def canonical_key(key: str) -> str:
    """A header key's normalised name: ``"author"`` for ``By``, ``"tags"`` for AO3's tags."""
    folded = " ".join(key.lower().replace("’", "'").split()).rstrip(" .:")
    known = KNOWN_KEYS.get(folded) or _EXTRA_KEYS.get(folded)
    if known:
        return known
    if folded.endswith(("warning", "warnings")):
        return "warnings"
    return folded


def _is_known_key(key: str) -> bool:
    folded = " ".join(key.lower().replace("’", "'").split())
    return folded in KNOWN_KEYS or folded in _EXTRA_KEYS


def tag_set(names: str) -> frozenset[str]:
    """A set of names from a space-separated string."""
    return frozenset(names.split())


def make_header(key: str, value: str) -> Header:
    """A header from a key and a value as found in a file: cleaned, normalised, spoiler-marked."""
    key = " ".join(sanitize(key).split()).rstrip(":").strip()
    value = " ".join(sanitize(value).split())
    canonical = canonical_key(key)
    spoiler = canonical in _SPOILER_CANONICAL or is_spoiler_header(key, value)
    return Header(key, value, spoiler, canonical)


def key_line(text: str, *, lenient: bool) -> tuple[str, str] | None:
    """``(key, value)`` when ``text`` reads ``Key: value`` with a key worth believing.

    A key is believed when it is known (``Rating``, ``Archive Warning``...), or, with
    ``lenient``, when it merely looks like a short label (the file marked it as one, in bold).
    """
    key, sep, value = text.partition(":")
    if not sep or not _KEY_TEXT.match(key.strip()):
        return None
    key = key.strip()
    if not (lenient or _is_known_key(key)):
        return None
    return key, value.strip()


# --------------------------------------------------------------------------- inline text

Run = tuple[str, str | None]
"""A piece of a paragraph's raw text and its style (``"emphasis"``, ``"strong"`` or None)."""

# The same tie as ``plaintext.prose``: a spaced ellipsis (and the space before it) becomes
# no-break spaces, so no line break can fall inside one. tests/test_html.py checks the two
# agree on every mark-free text. The pattern starts with its literal dot so the regex engine
# can skip ahead; folded text holds no other no-break space, so the second replace finds
# exactly the spaces before an ellipsis.
_ELLIPSIS = re.compile(r"\.(?: \.){2,}")
_TIED = f".{NBSP}."


def _tie(match: re.Match[str]) -> str:
    return match.group().replace(" ", NBSP)


def tie_ellipses(text: str) -> str:
    """Join spaced ellipses (``. . .``) with no-break spaces, as the plain-text loader does.

    A dash standing alone after a word is tied to it too (:func:`tie_dashes`).
    """
    text = tie_dashes(text)
    if ". ." not in text:
        return text
    text = _ELLIPSIS.sub(_tie, text)
    return text.replace(" " + _TIED, NBSP + _TIED)


def fold(text: str, *, clean: bool = False) -> str:
    """Sanitize, fold whitespace to single spaces and tie ellipses: one block's worth of text.

    ``clean`` skips the sanitizing when the caller knows the text cannot hold a control
    character (it came from sanitized source with no character references to decode).
    """
    if not clean:
        text = sanitize(text)
    return tie_ellipses(" ".join(text.split()))


def inline_text(runs: list[Run], *, clean: bool = False) -> tuple[str, tuple[Span, ...]]:
    """Styled runs to one paragraph's text and spans, folded like ``plaintext.prose``.

    Whitespace is folded across run boundaries, so ``a <i> b</i>`` gives ``a b`` with the
    span on ``b`` alone; touching spans of one style merge. ``clean`` as for :func:`fold`.
    """
    if len(runs) == 1 and runs[0][1] is None:
        return fold(runs[0][0], clean=clean), ()
    parts: list[str] = []
    spans: list[Span] = []
    length = 0
    space = False
    for raw_text, style in runs:
        raw = raw_text if clean else sanitize(raw_text)
        words = raw.split()
        if not words:
            space = space or bool(raw)
            continue
        if length and (space or raw[0].isspace()):
            parts.append(" ")
            length += 1
        chunk = " ".join(words)
        start = length
        parts.append(chunk)
        length += len(chunk)
        if style:
            last = spans[-1] if spans else None
            if last is not None and last.style == style and last.end >= start - 1:
                spans[-1] = Span(last.start, length, style)
            else:
                spans.append(Span(start, length, style))
        space = raw[-1].isspace()
    return tie_ellipses("".join(parts)), tuple(spans)


def source_is_clean(text: str) -> bool:
    """Whether parsing sanitized ``text`` can yield no control character.

    Decoding sanitized the source; only a numeric character reference (``&#27;``) can bring
    a control character back, and only if there is one.
    """
    return "&#" not in text


# --------------------------------------------------------------------------- body


@dataclass(slots=True)
class _Op:
    kind: BlockKind
    text: str = ""
    spans: tuple[Span, ...] = ()
    indent: int = 0
    note: bool = False


@dataclass(slots=True)
class Body:
    """The blocks of a story in reading order, before they are frozen into a Story.

    Blocks wait here rather than going straight into a StoryBuilder because the end mark
    can only be recognised once the last paragraph of the story text is known, and that
    may be followed by notes.
    """

    ops: list[_Op] = field(default_factory=list)

    def paragraph(
        self, text: str, spans: tuple[Span, ...] = (), indent: int = 0, *, note: bool = False
    ) -> None:
        """Add a paragraph; ``note`` marks an author's note rather than story text."""
        if text:
            self.ops.append(_Op(BlockKind.PARAGRAPH, text, spans, indent, note))

    def scene_break(self, *, note: bool = False) -> None:
        """Add a scene break."""
        self.ops.append(_Op(BlockKind.SCENE_BREAK, note=note))

    def heading(self, title: str) -> None:
        """Add a chapter heading."""
        if title:
            self.ops.append(_Op(BlockKind.HEADING, title))

    @property
    def has_prose(self) -> bool:
        """Whether any story paragraph or chapter has been added yet."""
        return any(op.kind is not BlockKind.SCENE_BREAK for op in self.ops)

    def story(
        self,
        *,
        title: str,
        author: str | None,
        headers: tuple[Header, ...],
        format: str,
        encoding: str,
        warnings: tuple[str, ...],
    ) -> Story:
        """Freeze the blocks into a Story; a closing END/THE END/Fin becomes the end mark."""
        end = self._end_index()
        builder = StoryBuilder()
        for i, op in enumerate(self.ops):
            if i == end:
                builder.end_mark(op.text)
            elif op.kind is BlockKind.PARAGRAPH:
                builder.paragraph(op.text, op.spans, op.indent)
            elif op.kind is BlockKind.SCENE_BREAK:
                builder.scene_break()
            else:
                builder.heading(op.text)
        return builder.build(
            title=title,
            author=author,
            headers=headers,
            format=format,
            encoding=encoding,
            warnings=warnings,
        )

    def _end_index(self) -> int:
        """Index of the last story paragraph when it is an end mark and only notes follow."""
        for i in range(len(self.ops) - 1, -1, -1):
            op = self.ops[i]
            if op.note or op.kind is BlockKind.SCENE_BREAK:
                continue
            if op.kind is BlockKind.PARAGRAPH and op.indent == 0 and is_end_mark(op.text):
                return i
            return -1
        return -1


# --------------------------------------------------------------------------- parsing

_NESTING_CHECK_FROM: Final = 2_000
"""Below this many ``<`` even lexbor's worst case is a fraction of a second: no scan needed."""
_MAX_DEPTH: Final = 5_000
"""Open elements at once; a story needs a few dozen."""
_MAX_FORMATTING: Final = 400
"""Active formatting elements at once (distinct unclosed ``<b>``, ``<font>``...)."""
_MAX_COST: Final = 200_000_000
"""Work units the parser may spend (one unit: a step over an open element, ~1.5 ns)."""
_RECONSTRUCT_WEIGHT: Final = 8
"""Re-opening a formatting element costs lexbor far more than a step over one."""

# Tags, found lexically; used only to bound the parser's work (see check_nesting), never to
# read content. Group 3 is the attribute text, which tells formatting elements apart.
_TAG_EDGE = re.compile(r"<(?:(/?)([A-Za-z][^\t\n\f\r />]{0,60})([^>]{0,4000})>|!--)")
_VOID: Final = tag_set(
    "area base br col embed hr img input link meta param source track wbr basefont bgsound "
    "frame keygen image isindex spacer"
)
_RAW_TEXT: Final = tag_set("script style textarea title xmp iframe noembed noframes")
_FORMATTING: Final = tag_set("a b big code em font i nobr s small strike strong tt u")
_CLOSES_P: Final = tag_set(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 "
    "h6 pre listing form li dd dt table hr"
)
_HEADING_TAGS: Final = tag_set("h1 h2 h3 h4 h5 h6")
_SCOPE_BOUNDARY: Final = tag_set("applet caption html table td th marquee object template button")
# "Special" elements (HTML standard) that can be open: a formatting element ended with one of
# them open inside it is moved, not closed; all but address, div and p also stop the search
# for an <li>/<dd>/<dt> to close.
_SPECIAL: Final = tag_set(
    "address applet article aside blockquote body button caption center colgroup dd details "
    "dir div dl dt fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 head "
    "header hgroup html li listing main marquee menu nav noscript object ol p pre search "
    "section select summary table tbody td template tfoot th thead tr ul"
)
_NOT_STOPPING: Final = tag_set("address div p")
_IGNORED_IN_BODY: Final = tag_set(
    "html head body frameset caption col colgroup tbody td tfoot th thead tr"
)


class _ParseCost:
    """A rough model of the HTML tree builder's stack, to bound lexbor's work before it runs.

    lexbor, like every HTML5 parser, walks the stack of open elements at each block start
    and re-opens unclosed formatting elements in each new paragraph. Both are fine for any
    page a person wrote and hopeless for a crafted one: 100,000 nested ``<div>``s take it
    8 s, and 10,000 paragraphs each opening a differently attributed ``<b>`` take it a
    minute. The model follows the same rules (scopes, implied ends, the list of active
    formatting elements with its limit of three alike) closely enough to see that coming.
    """

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.where: dict[str, list[int]] = {}
        self.bounds: list[int] = []
        self.specials: list[int] = []
        self.stops: list[int] = []
        self.formatting: list[list[object]] = []  # [name, key, open]
        self.alike: dict[tuple[str, str], int] = {}
        self.cost = 0

    def push(self, name: str) -> None:
        index = len(self.stack)
        self.stack.append(name)
        self.where.setdefault(name, []).append(index)
        if name in _SCOPE_BOUNDARY:
            self.bounds.append(index)
        if name in _SPECIAL:
            self.specials.append(index)
            if name not in _NOT_STOPPING:
                self.stops.append(index)

    def pop_to(self, index: int) -> None:
        """Pop the stack down to (and including) the element at ``index``."""
        while len(self.stack) > index:
            name = self.stack.pop()
            self.cost += 1
            at = len(self.stack)
            self.where[name].pop()
            if self.bounds and self.bounds[-1] == at:
                self.bounds.pop()
            if self.specials and self.specials[-1] == at:
                self.specials.pop()
            if self.stops and self.stops[-1] == at:
                self.stops.pop()
            if name in _FORMATTING:
                for entry in reversed(self.formatting):
                    if entry[0] == name and entry[2]:
                        entry[2] = False
                        break

    def top(self, name: str) -> int:
        indices = self.where.get(name)
        return indices[-1] if indices else -1

    def floor(self) -> int:
        return self.bounds[-1] if self.bounds else -1

    def reconstruct(self) -> None:
        """Re-open the formatting elements a closed block left behind."""
        entries = self.formatting
        i = len(entries)
        while i and not entries[i - 1][2]:
            i -= 1
        reopened = len(entries) - i
        if not reopened:
            return
        for entry in entries[i:]:
            entry[2] = True
            self.push(str(entry[0]))
        self.cost += reopened * (len(entries) + 1) * _RECONSTRUCT_WEIGHT

    def forget(self, name: str) -> None:
        """A formatting element ends (``</b>``, or a new ``<a>`` while one is active).

        Without a block opened inside it, it is simply popped. With one, the standard's
        adoption agency moves it under that block instead: the stack keeps its depth and
        the entry stays active, which is how crafted pages make the stack grow.
        """
        for i in range(len(self.formatting) - 1, -1, -1):
            entry = self.formatting[i]
            if entry[0] != name:
                continue
            if entry[2]:
                index = self.top(name)
                self.cost += (len(self.stack) - index) * _RECONSTRUCT_WEIGHT
                if self.specials and self.specials[-1] > index:
                    return
                self.pop_to(index)
            key = entry[1]
            assert isinstance(key, tuple)
            self.alike[key] -= 1
            del self.formatting[i]
            return

    def start(self, name: str, attributes: str) -> None:
        if name in _CLOSES_P:
            target = self.top("p")
            floor = self.floor()
            self.cost += len(self.stack) - max(target, floor, 0)
            if target > floor:
                self.pop_to(target)
            if name in ("li", "dd", "dt"):
                siblings = ("li",) if name == "li" else ("dd", "dt")
                sibling = max(self.top(n) for n in siblings)
                if sibling >= 0 and (not self.stops or self.stops[-1] <= sibling):
                    self.pop_to(sibling)
            elif name in _HEADING_TAGS and self.stack and self.stack[-1] in _HEADING_TAGS:
                self.pop_to(len(self.stack) - 1)
            self.push(name)
            return
        if name in ("a", "nobr") and any(e[0] == name for e in self.formatting):
            self.forget(name)
        elif name in ("option", "optgroup") and self.stack and self.stack[-1] == "option":
            self.pop_to(len(self.stack) - 1)
        self.reconstruct()
        self.push(name)
        if name in _FORMATTING:
            key = (name, attributes.strip())
            if self.alike.get(key, 0) >= 3:
                for i, entry in enumerate(self.formatting):
                    if entry[1] == key:
                        del self.formatting[i]
                        break
                self.alike[key] -= 1
                self.cost += len(self.formatting)
            self.formatting.append([name, key, True])
            self.alike[key] = self.alike.get(key, 0) + 1

    def void(self, name: str) -> None:
        """A void element: ``<hr>`` closes an open paragraph, the rest re-open formatting."""
        if name == "hr":
            target = self.top("p")
            floor = self.floor()
            self.cost += len(self.stack) - max(target, floor, 0)
            if target > floor:
                self.pop_to(target)
        else:
            self.reconstruct()

    def end(self, name: str) -> None:
        if name in _FORMATTING:
            self.forget(name)
            return
        if name == "form":
            # </form> takes the form out of the stack and leaves what was opened inside it
            # open; keeping the form counted is near enough.
            return
        target = self.top(name)
        if target > self.floor() or (target >= 0 and name in _SCOPE_BOUNDARY):
            self.pop_to(target)

    @property
    def hopeless(self) -> bool:
        return (
            len(self.stack) > _MAX_DEPTH
            or len(self.formatting) > _MAX_FORMATTING
            or self.cost > _MAX_COST
        )


def check_nesting(text: str, *, check_from: int = _NESTING_CHECK_FROM) -> None:
    """Raise :class:`StoryError` when parsing ``text`` would take the parser far too long.

    Only pages nested or misnested far beyond anything written by hand are refused; the
    model of the parser runs at about a microsecond a tag (0.05 s for a 1M-word book).
    Pages with fewer than ``check_from`` tags are let through unexamined: their worst case
    is a tenth of a second (an EPUB, made of many small pages, examines them all).
    """
    if text.count("<") < check_from:
        return
    model = _ParseCost()
    search = _TAG_EDGE.search
    length = len(text)
    pos = 0
    while (m := search(text, pos)) is not None:
        start = m.start()
        if start > pos and model.formatting and not text[pos:start].isspace():
            model.reconstruct()
        pos = m.end()
        name = m.group(2)
        if name is None:  # a comment: nothing inside it is a tag
            close = text.find("-->", pos)
            pos = length if close < 0 else close + 3
            continue
        name = name.lower()
        if m.group(1):
            model.end(name)
        elif name in _RAW_TEXT:
            pos = _raw_text_end(text, name, pos)
        elif name == "plaintext":
            break
        elif name in _VOID:
            model.void(name)
        elif name not in _IGNORED_IN_BODY:
            model.start(name, m.group(3))
            if model.hopeless:
                raise StoryError(
                    "the HTML nests or leaves open too many tags to be a story "
                    f"({len(model.stack):,} open at once, {len(model.formatting):,} of them "
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


# --------------------------------------------------------------------------- the walker

_SKIP: Final = tag_set(
    "script style noscript template head title svg math iframe object embed canvas select "
    "textarea button input audio video img picture map nav frame frameset meta link base "
    "datalist option"
)
_BLOCK: Final = tag_set(
    "p div section article header footer main aside address center figure figcaption details "
    "summary dialog fieldset legend form blockquote ul ol li dl dt dd pre table caption thead "
    "tbody tfoot tr td th hgroup body html menu dir search listing xmp plaintext"
)
_HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_EMPHASIS: Final = frozenset({"em", "i", "cite", "dfn", "var", "u"})
_STRONG: Final = frozenset({"strong", "b"})
_LISTS: Final = frozenset({"ul", "ol", "menu", "dir"})
_QUOTE_INDENT: Final = 4
_LIST_INDENT: Final = 2
_BULLET: Final = "•"
_SEPARATOR_MAX: Final = 250
"""Longer paragraphs are never separator lines; saves the check on every paragraph."""

# The labels AO3 writes above summaries and notes; shown in bold.
_AO3_LABELS: Final = frozenset(
    {"summary", "notes", "chapter summary", "chapter notes", "chapter end notes", "end notes"}
)
_TOC_TITLES: Final = frozenset({"table of contents", "contents", "toc"})
_BYLINE = re.compile(r"^by\s+(\S.{0,100})$", re.IGNORECASE)
_WORDISH = re.compile(r"\W+")


def similar_titles(a: str, b: str) -> bool:
    """Whether two headings name the same thing ("Chapter 1" and "Chapter 1: Home")."""
    x, y = _WORDISH.sub("", a.casefold()), _WORDISH.sub("", b.casefold())
    if not x or not y:
        return x == y
    return x == y or (min(len(x), len(y)) >= 3 and (x in y or y in x))


class _Frame:
    """What an element changed on the way in, undone on the way out."""

    __slots__ = (
        "block",
        "emphasis",
        "heading",
        "indent",
        "list_item",
        "lists",
        "note",
        "pre",
        "strong",
        "text",
    )

    def __init__(self) -> None:
        self.block = False
        self.emphasis = 0
        self.strong = 0
        self.indent = 0
        self.note: bool | None = None
        self.text: bool | None = None
        self.pre = 0
        self.lists = 0
        self.heading = False
        self.list_item = False


_PLAIN: Final = _Frame()
"""The frame of an element that changes nothing (spans, links, unknown inline tags)."""


class BlockWriter:
    """Turns a document's structure into :class:`Body` blocks, headers, title and author.

    The HTML walk drives it element by element; the Markdown loader drives it token by token
    through the same methods (:meth:`text`, :meth:`flush`, :meth:`heading`...), so both share
    one set of rules: what counts as front matter, a byline, a scene break or a chapter.
    One writer reads a whole book: the EPUB loader walks every spine document with it, so the
    front matter (headers before the first chapter) is found once.
    """

    def __init__(
        self,
        body: Body,
        *,
        known_title: str | None = None,
        known_author: str | None = None,
        title_from_h1: bool = True,
    ) -> None:
        self.body = body
        self.headers: list[Header] = []
        self.title: str | None = None
        self.author: str | None = None
        self.known_title = known_title
        self.known_author = known_author
        self.title_from_h1 = title_from_h1
        self.h1_count = 0
        """How many top-level headings the document has; a lone one is its title."""
        self.clean = False
        """The source was sanitized and holds no character reference (see source_is_clean)."""
        self.plain_headings = False
        """The document has no heading markup: a "Chapter 3" paragraph is a chapter."""
        self.ao3 = False
        self.front = True
        """Still before the story: ``Key: value`` paragraphs here are headers."""
        self._runs: list[Run] = []
        self._emphasis = 0
        self._strong = 0
        self._indent = 0
        self._note = False
        self._in_text = False
        self._pre = 0
        self._lists: list[list[int]] = []
        self._marker = ""
        self._heading_depth = 0
        self._skipping_toc = False
        # Chapter titles from an EPUB's table of contents, waiting for the document's content.
        self._pending: list[str] = []
        self._toc_titles: list[str] = []
        self._anchors: dict[str, str] = {}
        self._titles_from_toc = False
        self._title_page = False

    # -- driving API (Markdown)

    def text(self, text: str) -> None:
        """Add text to the paragraph being collected, in the current style."""
        if not text:
            return
        if self._pre:
            lines = text.split("\n")
            for line in lines[:-1]:
                self._add_run(line)
                self.flush()
            text = lines[-1]
        self._add_run(text)

    def style(self, style: str, delta: int) -> None:
        """Enter (``delta=1``) or leave (``-1``) an ``"emphasis"`` or ``"strong"`` span."""
        if style == "strong":
            self._strong = max(self._strong + delta, 0)
        else:
            self._emphasis = max(self._emphasis + delta, 0)

    def indent(self, delta: int) -> None:
        """Indent the following blocks further (block quotes, code) or less."""
        self.flush()
        self._indent = max(self._indent + delta, 0)

    def start_list(self, *, ordered: bool, first: int = 1) -> None:
        """Open a (nested) list: its items are indented and numbered or bulleted."""
        self.flush()
        self._lists.append([1 if ordered else 0, first])
        self._indent += _LIST_INDENT

    def end_list(self) -> None:
        """Close the innermost list."""
        self.flush()
        if self._lists:
            self._lists.pop()
            self._indent = max(self._indent - _LIST_INDENT, 0)

    def start_item(self) -> None:
        """Open a list item: its first text gets the bullet or number."""
        self.flush()
        self._marker = self._next_marker()

    def end_item(self) -> None:
        """Close a list item."""
        self.flush()
        self._marker = ""

    def literal(self, delta: int) -> None:
        """Enter or leave preformatted text, where each line is its own paragraph."""
        self.flush()
        self._pre = max(self._pre + delta, 0)

    def scene_break(self) -> None:
        """A thematic break: ``<hr>`` or ``---``."""
        self.flush()
        if self.body.ops and not self._skipping_toc:
            self.body.scene_break(note=self._note)

    def flush(self) -> None:
        """End the paragraph being collected, if any."""
        if not self._runs:
            return
        if self._heading_depth:
            # A <br> or block inside a heading still separates words.
            self._runs.append((" ", None))
            return
        runs = self._runs
        self._runs = []
        text, spans = inline_text(runs, clean=self.clean)
        if not text:
            return
        if self.front and self._front_matter(text, runs):
            return
        if self._skipping_toc:
            return
        if len(text) <= _SEPARATOR_MAX and is_separator(text):
            self.scene_break()
            return
        if self._plain_heading(text, spans):
            self._emit_pending()
            self.body.heading(text)
            self.front = False
            return
        if self._note and not self._in_text and text.casefold() in _AO3_LABELS:
            spans = (Span(0, len(text), "strong"),)
        self._emit_pending()
        self.body.paragraph(text, spans, self._indent, note=self._note)
        if not self._note:
            self.front = False

    def _plain_heading(self, text: str, spans: tuple[Span, ...]) -> bool:
        """Whether a paragraph is a chapter heading written as text (FanFiction.net style)."""
        if not self.plain_headings or self.ao3 or self._titles_from_toc or self._indent:
            return False
        if spans and (len(spans) > 1 or spans[0].end - spans[0].start != len(text)):
            return False
        return is_heading(text)

    def heading(self, level: int, text: str, node: LexborNode | None = None) -> None:
        """A heading of ``level`` (1-6): a chapter, the title, or a bold subheading."""
        self.flush()
        text = fold(text, clean=self.clean)
        if not text or self._title_page:
            return
        if text.casefold() in _TOC_TITLES and not self.body.has_prose:
            self._skipping_toc = True
            return
        self._skipping_toc = False
        if self.front and self.known_title and similar_titles(text, self.known_title):
            return
        if self._titles_from_toc:
            if any(similar_titles(text, t) for t in self._toc_titles):
                self._emit_pending()
                self._toc_titles = []
                return
            self._emit_pending()
            self._subheading(text)
            return
        if self.ao3 and (self._in_text or (self._note and level != 2)):
            self._subheading(text)
            return
        if (
            level == 1
            and self.title_from_h1
            and self.h1_count == 1
            and self.title is None
            and self.known_title is None
            and self.front
        ):
            self._title_from(text, node)
            return
        self.body.heading(text)
        self.front = False

    # -- HTML documents

    def walk(
        self,
        tree: LexborHTMLParser,
        *,
        toc_titles: list[str] | None = None,
        anchors: dict[str, str] | None = None,
        title_page: bool = False,
    ) -> None:
        """Walk one document's body; ``toc_titles`` and ``anchors`` come from an EPUB's TOC.

        ``toc_titles`` name chapters starting at the top of the document, ``anchors`` map
        element ids to chapter titles starting there. With either, the TOC names the
        chapters and the document's own headings that repeat a TOC title are dropped.
        ``title_page`` reads the document for headers only (FanFicFare's title page).
        """
        root = tree.body
        if root is None:
            return
        if self.title_from_h1 and self.title is None:
            self.h1_count = len(tree.css("h1"))
        self.plain_headings = tree.css_first("h1, h2, h3, h4, h5, h6") is None
        self._pending = list(toc_titles or [])
        self._toc_titles = list(self._pending)
        self._anchors = dict(anchors or {})
        self._titles_from_toc = bool(self._pending or self._anchors)
        self._title_page = title_page
        self.walk_node(root)
        self.flush()
        self._pending = []
        self._titles_from_toc = False
        self._title_page = False

    def walk_node(self, root: LexborNode) -> None:
        """Walk the content of one element, in document order, with no recursion."""
        stack: list[tuple[LexborNode, _Frame]] = []
        node = root.first_child
        while True:
            while node is None:
                if not stack:
                    return
                parent, frame = stack.pop()
                self._leave(parent, frame)
                node = parent.next
            if node.is_text_node:
                self.text(node.text_content or "")
                node = node.next
                continue
            if not node.is_element_node:
                node = node.next
                continue
            frame_or_none = self._enter(node, node.tag or "")
            if frame_or_none is None:
                node = node.next
                continue
            child = node.first_child
            if child is None:
                self._leave(node, frame_or_none)
                node = node.next
            else:
                stack.append((node, frame_or_none))
                node = child

    def _enter(self, node: LexborNode, tag: str) -> _Frame | None:
        """Apply an element's effect; return its frame, or None to skip its content."""
        if self._anchors:
            anchor = node.id
            if anchor and anchor in self._anchors:
                self.flush()
                self._pending.append(self._anchors.pop(anchor))
                self._toc_titles = list(self._pending)
        if tag in _EMPHASIS:
            frame = _Frame()
            frame.emphasis = 1
            self._emphasis += 1
            return frame
        if tag in _STRONG:
            frame = _Frame()
            frame.strong = 1
            self._strong += 1
            return frame
        if tag == "br":
            self.flush()
            return None
        if tag == "hr":
            self.scene_break()
            return None
        if tag in _SKIP:
            return None
        if tag in _HEADINGS:
            if "toc-heading" in (node.attributes.get("class") or ""):
                return None
            self.flush()
            frame = _Frame()
            frame.heading = True
            self._heading_depth += 1
            return frame
        if tag == "span":
            return self._span(node)
        if tag not in _BLOCK:
            return _PLAIN
        self.flush()
        frame = _Frame()
        frame.block = True
        if tag in ("div", "p", "blockquote", "dl", "tr") and not self._special_block(
            node, tag, frame
        ):
            return None
        if tag == "blockquote":
            frame.indent = _QUOTE_INDENT
            self._indent += _QUOTE_INDENT
        elif tag in _LISTS:
            start = node.attributes.get("start") if tag == "ol" else None
            first = int(start) if start and start.strip().isdigit() else 1
            self._lists.append([1 if tag == "ol" else 0, first])
            frame.lists = 1
            frame.indent = _LIST_INDENT
            self._indent += _LIST_INDENT
        elif tag == "li":
            frame.list_item = True
            self._marker = self._next_marker()
        elif tag in ("pre", "listing", "xmp", "plaintext"):
            frame.pre = 1
            self._pre += 1
        return frame

    def _span(self, node: LexborNode) -> _Frame:
        """A ``<span style="font-style: italic">`` is emphasis as much as an ``<i>`` is."""
        style = (node.attributes.get("style") or "").lower()
        if not style:
            return _PLAIN
        frame = _Frame()
        if "italic" in style:
            frame.emphasis = 1
            self._emphasis += 1
        if "bold" in style:
            frame.strong = 1
            self._strong += 1
        return frame

    def _special_block(self, node: LexborNode, tag: str, frame: _Frame) -> bool:
        """AO3 structure and header lists/tables; False when the element is fully handled."""
        attrs = node.attributes
        ident = attrs.get("id") or ""
        classes = (attrs.get("class") or "").split()
        if ident == "preface" and tag == "div":
            self._preface(node)
            return False
        if ident in ("chapters", "afterword") and tag == "div":
            self.ao3 = True
            self.front = False
            frame.note = self._note
            self._note = ident == "afterword"
            return True
        if self.ao3:
            if "endnote-link" in classes or "message" in classes:
                return False
            if "meta" in classes:
                frame.note = self._note
                frame.text = self._in_text
                self._note = True
                self._in_text = False
            elif "userstuff" in classes and tag == "div":
                frame.note = self._note
                frame.text = self._in_text
                self._note = False
                self._in_text = True
        if tag == "dl" and (self.front or "tags" in classes) and not self._in_text:
            pairs = _definition_pairs(node)
            if pairs and all(key_line(f"{k}: {v}", lenient=True) for k, v in pairs):
                self.headers.extend(make_header(k, v) for k, v in pairs)
                return False
        if tag == "tr" and self.front:
            cells = [c for c in node.iter() if c.tag in ("td", "th")]
            if len(cells) == 2:
                key = fold(cells[0].text())
                if key.endswith(":") and key_line(key, lenient=True):
                    self.headers.append(make_header(key, fold(cells[1].text())))
                    return False
        return True

    def _leave(self, node: LexborNode, frame: _Frame) -> None:
        if frame is _PLAIN:
            return
        if frame.heading:
            self._heading_depth -= 1
            text, _ = inline_text(self._runs, clean=self.clean)
            self._runs.clear()
            self.heading(int(node.tag[1]) if node.tag else 2, text, node)
            return
        if frame.block:
            self.flush()
        self._emphasis -= frame.emphasis
        self._strong -= frame.strong
        self._indent -= frame.indent
        self._pre -= frame.pre
        if frame.lists:
            self._lists.pop()
        if frame.list_item:
            self._marker = ""
        if frame.note is not None:
            self._note = frame.note
        if frame.text is not None:
            self._in_text = frame.text

    # -- paragraphs

    def _next_marker(self) -> str:
        if not self._lists or not self._lists[-1][0]:
            return _BULLET + " "
        count = self._lists[-1][1]
        self._lists[-1][1] = count + 1
        return f"{count}. "

    def _add_run(self, text: str) -> None:
        if not self._runs and text.isspace():
            # Whitespace between blocks (the newline after </p>) starts no paragraph.
            return
        if self._marker and text.strip():
            self._runs.append((self._marker, None))
            self._marker = ""
        if self._strong:
            self._runs.append((text, "strong"))
        elif self._emphasis:
            self._runs.append((text, "emphasis"))
        else:
            self._runs.append((text, None))

    def _front_matter(self, text: str, runs: list[Run]) -> bool:
        """Take a paragraph before the story as a header or byline; True if it was one."""
        label = runs[0][1] == "strong" and runs[0][0].strip().endswith(":")
        parsed = key_line(text, lenient=label or self._title_page)
        if parsed:
            self.headers.append(make_header(*parsed))
            return True
        if self._title_page:
            # FanFicFare's title page: a value running on past its line (a long summary).
            if self.headers:
                last = self.headers[-1]
                self.headers[-1] = make_header(last.key, f"{last.value} {text}")
            return True
        byline = _BYLINE.match(text)
        author = self.known_author or self.author
        if author and (text == author or (byline and byline.group(1) == author)):
            return True
        if byline and author is None and self.title is not None and not self.body.ops:
            self.author = byline.group(1).strip()
            return True
        return False

    def _emit_pending(self) -> None:
        """Open the chapters the TOC names here, now that the document has content."""
        for title in self._pending:
            self.body.heading(title)
            self.front = False
        self._pending = []

    def _subheading(self, text: str) -> None:
        """A heading that is not a chapter (the TOC or AO3 says so): a bold paragraph."""
        self.body.paragraph(text, (Span(0, len(text), "strong"),), self._indent, note=self._note)
        if not self._note:
            self.front = False

    def _title_from(self, text: str, node: LexborNode | None) -> None:
        """The page's one ``<h1>`` is its title; FanFicFare writes "Title by Author" there."""
        link = node.css_first("a") if node is not None else None
        if link is not None:
            first = fold(link.text())
            rest = text[len(first) :] if first and text.startswith(first) else ""
            byline = _BYLINE.match(rest.strip())
            if byline:
                self.title, self.author = first, byline.group(1).strip()
                return
        self.title = text

    # -- AO3

    def _preface(self, node: LexborNode) -> None:
        """AO3's preface: title, byline, the tags list, the summary and the notes."""
        self.ao3 = True
        self.front = False
        h1 = node.css_first("h1")
        if h1 is not None:
            self.title = fold(h1.text()) or None
        byline = node.css_first(".byline")
        if byline is not None:
            text = fold(byline.text())
            m = _BYLINE.match(text)
            self.author = (m.group(1) if m else text) or None
        tags = [make_header(k, v) for dl in node.css("dl") for k, v in _definition_pairs(dl)]
        written = {h.canonical for h in tags}
        if self.title and "title" not in written:
            self.headers.append(make_header("Title", self.title))
        if self.author and "author" not in written:
            self.headers.append(make_header("Author", self.author))
        self.headers.extend(tags)
        meta = node.css_first("div.meta") or node
        label = ""
        for child in meta.iter():
            if child.tag == "p" and "message" not in (child.attributes.get("class") or ""):
                label = fold(child.text())
            elif child.tag == "blockquote" and label.casefold() in ("summary", "notes"):
                value = " ".join(paragraphs_of(child))
                if value:
                    self.headers.append(make_header(label, value))
                label = ""


def _definition_pairs(dl: LexborNode) -> list[tuple[str, str]]:
    """``<dt>``/``<dd>`` pairs of a definition list, several ``<dd>``s joined by commas."""
    pairs: list[tuple[str, str]] = []
    key: str | None = None
    values: list[str] = []
    for child in dl.iter():
        if child.tag == "dt":
            if key:
                pairs.append((key, ", ".join(values)))
            key, values = fold(child.text()).rstrip(":").strip(), []
        elif child.tag == "dd" and key is not None:
            value = " ".join(paragraphs_of(child))
            if value:
                values.append(value)
    if key:
        pairs.append((key, ", ".join(values)))
    return pairs


def paragraphs_of(node: LexborNode) -> list[str]:
    """The paragraphs of an element's text, each folded, blocks kept apart."""
    body = Body()
    writer = BlockWriter(body)
    writer.front = False
    writer.walk_node(node)
    writer.flush()
    return [op.text for op in body.ops if op.kind is BlockKind.PARAGRAPH]


def parse_html(
    text: str, *, name: str, encoding: str = "utf-8", warnings: tuple[str, ...] = ()
) -> Story:
    """Parse an HTML story (a plain page, an AO3 or FanFicFare download) into a Story."""
    tree = html_tree(text)
    body = Body()
    writer = BlockWriter(body)
    writer.clean = source_is_clean(text)
    writer.walk(tree)
    title = writer.title or _header_value(writer.headers, "title")
    if not title:
        element = tree.css_first("head > title")
        title = fold(element.text()) if element is not None else ""
    author = writer.author or _header_value(writer.headers, "author")
    if not author:
        meta = tree.css_first('meta[name="author"]')
        content = meta.attributes.get("content") if meta is not None else None
        author = fold(content) if content else None
    return body.story(
        title=title or fold(name) or "untitled",
        author=author or None,
        headers=tuple(writer.headers),
        format="html",
        encoding=encoding,
        warnings=warnings,
    )


def _header_value(headers: list[Header], canonical: str) -> str | None:
    return next((h.value for h in headers if h.canonical == canonical and h.value), None)
