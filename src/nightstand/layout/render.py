"""Pages as plain text (what ``nightstand cat`` prints), and the title page's lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len

from nightstand.layout.lines import LayoutSettings, Line, Segment, break_lines
from nightstand.layout.pages import Paginator
from nightstand.spoilers import shown_value
from nightstand.story import NBSP
from nightstand.text import sanitize

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from nightstand.story import Story

_DEFAULT = LayoutSettings()


def _clean(text: str) -> str:
    """One line of displayable text: no control character, whitespace folded."""
    return " ".join(sanitize(text).split())


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` cells."""
    starts: list[int] = []
    ends: list[int] = []
    codes: list[int] = []
    break_lines(text, 0, len(text), width, width, starts, ends, codes)
    return [text[s:e] for s, e in zip(starts, ends, strict=True)]


def title_lines(
    story: Story, width: int, *, reveal_spoilers: bool = False, show_warnings: bool = False
) -> tuple[Line, ...]:
    """The title page of a story for a column of ``width`` cells.

    The title (style ``heading``) and ``by`` author centred, then the story's headers as
    ``Key: value`` (the key in style ``strong``), spoiler values shown as "hidden" unless
    revealed. Headers are not part of ``Story.text``, so segments carry no offset.
    """
    out: list[Line] = []

    def centred(text: str, style: str | None) -> None:
        for part in _wrapped(text, width):
            out.append(Line((Segment(part, style),), max(0, (width - cell_len(part)) // 2)))

    centred(_clean(story.title) or "Untitled", "heading")
    if story.author:
        centred("by " + _clean(story.author), None)
    # The title and author are already at the top; the other headers follow as written.
    shown = [
        h
        for h in story.headers
        if not (h.canonical == "title" and h.value == story.title)
        and not (h.canonical == "author" and h.value == story.author)
    ]
    if shown:
        out.append(Line(()))
    for header in shown:
        key = _clean(header.key)
        value = _clean(shown_value(header, revealed=reveal_spoilers, warnings=show_warnings))
        parts = _wrapped(f"{key}: {value}", width)
        for n, part in enumerate(parts):
            if n == 0 and part.startswith(key):
                segments = (Segment(part[: len(key) + 1], "strong"), Segment(part[len(key) + 1 :]))
                out.append(Line(tuple(s for s in segments if s.text)))
            else:
                out.append(Line((Segment(part),)))
    return tuple(out)


def page_text(lines: Iterable[Line], column_left: int, margin_top: int = 0) -> str:
    """Lines as plain text: padded to the column, no-break spaces as spaces, no trailing blanks."""
    rows = [""] * margin_top
    for line in lines:
        text = line.text.replace(NBSP, " ")
        rows.append((" " * (column_left + line.left) + text).rstrip() if text else "")
    return "\n".join(rows)


def text_pages(
    story: Story,
    width: int,
    height: int,
    settings: LayoutSettings = _DEFAULT,
    *,
    reveal_spoilers: bool = False,
    show_warnings: bool = False,
) -> Iterator[str]:
    """The story's pages as plain text, the title page(s) first (spoiler headers masked)."""
    pag = Paginator(story, width, height, settings)
    per_page = pag.lines_per_page
    title = title_lines(
        story, pag.column_width, reveal_spoilers=reveal_spoilers, show_warnings=show_warnings
    )
    for i in range(0, len(title), per_page):
        yield page_text(title[i : i + per_page], pag.column_left, settings.margin_top)
    page = pag.first() if story.text else None
    while page is not None:
        yield page_text(page.lines, page.column_left, settings.margin_top)
        page = pag.next(page)
