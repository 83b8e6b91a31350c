"""HTML stories to :class:`~nightstand.story.Story`: plain pages, AO3 and FanFicFare downloads.

The page is parsed by selectolax (lexbor, a real HTML5 parser; :mod:`.htmltree` guards it)
and walked once by the :class:`~nightstand.formats.writer.BlockWriter`, which turns
paragraphs, emphasis, ``<hr>`` (scene breaks), headings (chapters), block quotes and lists
into blocks and drops scripts, styles, comments and forms.

AO3's download template is recognised by its structure: ``<div id="preface">`` holds the
title, byline, a ``<dl class="tags">`` of ``<dt>``/``<dd>`` pairs, the summary and the notes
(all become headers); ``<div id="chapters">`` holds per chapter a ``<div class="meta group">``
with an ``<h2 class="heading">`` (the chapter title), the chapter summary and notes, then a
``<div class="userstuff">`` with the text; ``<div id="afterword">`` holds the end notes.
Notes are kept where AO3 puts them, as indented paragraphs under a bold label.

This module's one job is the page as a whole: title and author from the walk, the headers
or the ``<head>``. The block machinery (``body``, ``inline``, ``writer``) is shared by the
Markdown and EPUB loaders, so all formats fold whitespace and tie ellipses the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.formats.body import Body
from nightstand.formats.htmltree import html_tree
from nightstand.formats.inline import fold, inline_text, source_is_clean
from nightstand.formats.writer import BlockWriter

if TYPE_CHECKING:
    from nightstand.story import Header, Story

__all__ = ["fold", "inline_text", "parse_html"]


def parse_html(
    text: str, *, name: str, encoding: str = "utf-8", warnings: tuple[str, ...] = ()
) -> Story:
    """Parse an HTML story (a plain page, an AO3 or FanFicFare download) into a Story."""
    tree = html_tree(text)
    body = Body()
    writer = BlockWriter(body)
    writer.clean = source_is_clean(text)
    writer.walk(tree, source=text)
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
