"""The block writer: walks an HTML tree (or Markdown's tokens) into blocks, headers and title.

One writer reads a whole document in order, without recursion, so a page of 100,000 nested
tags costs no stack. Paragraphs, ``<br>``, emphasis, ``<hr>`` (scene breaks), headings
(chapters), block quotes and lists become blocks; scripts, styles and forms are dropped.
It knows AO3's download structure (the preface's tags list, chapter notes, end notes) and
FanFicFare's title page, and takes ``Key: value`` paragraphs before the story as headers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from nightstand.formats.elements import (
    AO3_LABELS,
    BLOCK,
    BULLET,
    BYLINE,
    EMPHASIS,
    HEADINGS,
    LIST_INDENT,
    LISTS,
    QUOTE_INDENT,
    SEPARATOR_MAX,
    SKIP,
    STRONG,
    TOC_TITLES,
)
from nightstand.formats.fragments import definition_pairs, paragraphs_of
from nightstand.formats.inline import Run, fold, inline_text, similar_titles, tie_ellipses
from nightstand.formats.plaintext import is_heading, is_separator
from nightstand.headers import key_line, make_header
from nightstand.story import Span

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser, LexborNode

    from nightstand.formats.body import Body
    from nightstand.story import Header


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


_HEADING_TAG = re.compile(r"<h[1-6]", re.IGNORECASE)  # no match in a source: no heading

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
        self.styled_spans = True
        """The document may have ``<span style>``; when not, a span needs no look inside."""
        self.ao3 = False
        self.front = True
        """Still before the story: ``Key: value`` paragraphs here are headers."""
        self._runs: list[Run] = []
        self._styled = False  # whether a run in _runs has a style
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
        self._indent += LIST_INDENT

    def end_list(self) -> None:
        """Close the innermost list."""
        self.flush()
        if self._lists:
            self._lists.pop()
            self._indent = max(self._indent - LIST_INDENT, 0)

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
        if self.body.blocks and not self._skipping_toc:
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
        if self._styled or not self.clean:
            text, spans = inline_text(runs, clean=self.clean)
            self._styled = False
        else:  # unstyled runs of clean source (most paragraphs): inline_text's result, sooner
            raw = runs[0][0] if len(runs) == 1 else "".join([run for run, _ in runs])
            text, spans = tie_ellipses(" ".join(raw.split())), ()
        if not text:
            return
        if self.front and self._front_matter(text, runs):
            return
        if self._skipping_toc:
            return
        if len(text) <= SEPARATOR_MAX and is_separator(text):
            self.scene_break()
            return
        if self._plain_heading(text, spans):
            self._emit_pending()
            self.body.heading(text)
            self.front = False
            return
        if self._note and not self._in_text and text.casefold() in AO3_LABELS:
            spans = (Span(0, len(text), "strong"),)
        if self._pending:
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
        if text.casefold() in TOC_TITLES and not self.body.has_prose:
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
        source: str = "",
    ) -> None:
        """Walk one document's body; ``toc_titles`` and ``anchors`` come from an EPUB's TOC.

        ``toc_titles`` name chapters starting at the top of the document, ``anchors`` map
        element ids to chapter titles starting there. With either, the TOC names the
        chapters and the document's own headings that repeat a TOC title are dropped.
        ``title_page`` reads the document for headers only (FanFicFare's title page).
        ``source``, the text the tree was parsed from, spares lexbor questions it answers.
        """
        root = tree.body
        if root is None:
            return
        # A page whose source has no heading tag needs no question to lexbor about them.
        headings = not source or _HEADING_TAG.search(source) is not None
        if self.title_from_h1 and self.title is None:
            self.h1_count = len(tree.css("h1")) if headings else 0
        self.plain_headings = not headings or tree.css_first("h1, h2, h3, h4, h5, h6") is None
        # Books that wrap every line in a <span> (the Mahabharata: 230,000 of them) skip
        # reading each span's attributes when lexbor finds no styled span in the document.
        self.styled_spans = tree.css_first("span[style]") is not None
        self._pending = list(toc_titles or [])
        self._toc_titles = list(self._pending)
        self._anchors = dict(anchors or {})
        self._titles_from_toc = bool(self._pending or self._anchors)
        self._title_page = title_page
        if self.clean and not self.styled_spans and not self._anchors and "<span" in source:
            # Then a <span> changes nothing: lexbor unwraps them and joins the text left side
            # by side (clean runs fold as their concatenation does), sparing a visit a span.
            root.unwrap_tags(["span"])
            root.merge_text_nodes()
        self.walk_node(root)
        self.flush()
        self.styled_spans = True
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
                text = node.text_content
                if text:
                    (self.text if self._pre else self._add_run)(text)
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
        if tag == "span":
            return self._span(node) if self.styled_spans else _PLAIN
        if tag in EMPHASIS:
            frame = _Frame()
            frame.emphasis = 1
            self._emphasis += 1
            return frame
        if tag in STRONG:
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
        if tag in SKIP:
            return None
        if tag in HEADINGS:
            if "toc-heading" in (node.attributes.get("class") or ""):
                return None
            self.flush()
            frame = _Frame()
            frame.heading = True
            self._heading_depth += 1
            return frame
        if tag not in BLOCK:
            return _PLAIN
        self.flush()
        frame = _Frame()
        frame.block = True
        if tag in ("div", "p", "blockquote", "dl", "tr") and not self._special_block(
            node, tag, frame
        ):
            return None
        if tag == "blockquote":
            frame.indent = QUOTE_INDENT
            self._indent += QUOTE_INDENT
        elif tag in LISTS:
            start = node.attributes.get("start") if tag == "ol" else None
            first = int(start) if start and start.strip().isdigit() else 1
            self._lists.append([1 if tag == "ol" else 0, first])
            frame.lists = 1
            frame.indent = LIST_INDENT
            self._indent += LIST_INDENT
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
            pairs = definition_pairs(node)
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
            self._styled = False
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
            return BULLET + " "
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
            self._styled = True
        elif self._emphasis:
            self._runs.append((text, "emphasis"))
            self._styled = True
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
        byline = BYLINE.match(text)
        author = self.known_author or self.author
        if author and (text == author or (byline and byline.group(1) == author)):
            return True
        if byline and author is None and self.title is not None and not self.body.blocks:
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
            byline = BYLINE.match(rest.strip())
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
            m = BYLINE.match(text)
            self.author = (m.group(1) if m else text) or None
        tags = [make_header(k, v) for dl in node.css("dl") for k, v in definition_pairs(dl)]
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
