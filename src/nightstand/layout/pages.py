"""Pages from any position: the Paginator, its cache of typeset sections, and page numbers.

Every section (see :mod:`.sections`) starts a new page, so the page at any position is
found by typesetting one section (:mod:`.breaking`), at most about 1.5 ×
:data:`~nightstand.layout.sections.SECTION_CHARS` characters, never the book from its
start. Page boundaries are therefore a function of (story, area, settings) only. Typeset
sections are kept in a small LRU cache; counting the whole book keeps two integers per
section, from which page numbers and percentages come.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len

from nightstand.layout.breaking import local_text, paginate, section_lines
from nightstand.layout.lines import (
    BLANK,
    FIRST,
    HEADING,
    HYPHEN,
    INDENT,
    KIND,
    LAST,
    ORNAMENT,
    TEXT,
    LayoutSettings,
    Line,
    Segment,
    hyphenator,
)
from nightstand.layout.numbering import PageIndex
from nightstand.layout.optimal import break_optimal
from nightstand.layout.sections import Sections, grapheme_start
from nightstand.text import sanitize

if TYPE_CHECKING:
    from collections.abc import Callable

    from nightstand.filetext import BookText
    from nightstand.story import Block, Story

CACHE_SECTIONS = 16
"""How many typeset sections a Paginator keeps."""

ASCII_ORNAMENT = "* * *"

_DEFAULT = LayoutSettings()


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its lines and the story range it covers."""

    start: int
    """Position of the page's first character: the anchor for resume and resize."""
    end: int
    """Position just past the page's last character."""
    lines: tuple[Line, ...]
    chapter: int
    """Index into ``Story.chapters``; -1 before the first chapter."""
    column_left: int
    """Cells from the area's left edge to the column."""
    column_width: int


class _Section:
    """One typeset section: a code, start and end per line, and where its pages start."""

    __slots__ = (
        "chapter",
        "codes",
        "end",
        "ends",
        "exact",
        "page_starts",
        "pages",
        "refine",
        "rendered",
        "start",
        "starts",
    )

    def __init__(
        self,
        start: int,
        end: int,
        chapter: int,
        starts: list[int],
        ends: list[int],
        codes: list[int],
        pages: list[int],
    ) -> None:
        self.start = start
        self.end = end
        self.chapter = chapter
        self.starts = starts
        self.ends = ends
        self.codes = codes
        self.pages = pages
        self.page_starts = [starts[i] for i in pages]
        self.rendered: dict[int, Page] = {}
        # Optimal line breaking: the lines are broken greedily first (the same number of
        # lines per paragraph), and ``refine(self, li)`` re-breaks the paragraph holding
        # line ``li``, once, when a page or a page start needs it; ``exact`` holds those lines.
        self.refine: Callable[[_Section, int], None] | None = None
        self.exact: set[int] = set()

    def index_of(self, position: int) -> int:
        """Index of the page holding ``position``."""
        i = max(0, bisect.bisect_right(self.page_starts, position) - 1)
        refine = self.refine
        if refine is None:
            return i
        # A re-broken paragraph starts its lines earlier, never later: make the starts of
        # this page and the next exact, then look again.
        for _ in range(8):
            for k in (i, i + 1):
                if k < len(self.pages) and self.pages[k] not in self.exact:
                    refine(self, self.pages[k])
            j = max(0, bisect.bisect_right(self.page_starts, position) - 1)
            if j == i:
                break
            i = j
        return i


class Paginator:
    """Pages of one story for one area (``width`` × ``height`` cells) and one set of settings.

    Make a new one when the area or the settings change, and ask it for
    ``page_at(old_page.start)``: the old page's first character is on the page it returns.
    """

    def __init__(
        self, story: Story, width: int, height: int, settings: LayoutSettings = _DEFAULT
    ) -> None:
        self.story = story
        self.width = width
        self.height = height
        self.settings = settings
        self.column_width = max(2, min(settings.measure, width - 2 * settings.margin_side))
        self.column_left = max(0, (width - self.column_width) // 2)
        self.lines_per_page = max(1, height - settings.margin_top - settings.margin_bottom)
        self._indent_style = settings.paragraph_style == "indent"
        self._indent = max(0, min(settings.indent, self.column_width // 4))
        self._hyphenator = hyphenator() if settings.hyphenate else None
        self._optimal = settings.line_breaking == "optimal"
        ornament = (
            ASCII_ORNAMENT if settings.ascii else " ".join(sanitize(settings.ornament).split())
        )
        if not ornament or cell_len(ornament) > self.column_width:
            ornament = "*"
        self._ornament = ornament
        self._length = len(story.text)
        self._sections = Sections(story)
        self._cache: OrderedDict[int, _Section] = OrderedDict()
        self._lock = threading.Lock()
        # Filled by count_pages: each section's start, the pages before it, the total.
        self._index: PageIndex | None = None

    # -- sections ---------------------------------------------------------------------------

    def _section_at(self, position: int) -> _Section:
        """The typeset section holding ``position``, from the cache when it is there."""
        if self._length == 0:
            return _Section(0, 0, -1, [0], [0], [BLANK], [0])
        position = min(max(position, 0), self._length - 1)
        start, end, chapter = self._sections.find(position)
        with self._lock:
            sec = self._cache.get(start)
            if sec is not None:
                self._cache.move_to_end(start)
                return sec
        sec = self._typeset(start, end, chapter)
        with self._lock:
            self._cache[start] = sec
            while len(self._cache) > CACHE_SECTIONS:
                self._cache.popitem(last=False)
        return sec

    def _typeset(self, start: int, end: int, chapter: int) -> _Section:
        starts, ends, codes = self._lines(start, end)
        if not codes:
            starts, ends, codes = [start], [start], [BLANK]
        pages = paginate(codes, self.lines_per_page) or [0]
        sec = _Section(start, end, chapter, starts, ends, codes, pages)
        if self._optimal:
            sec.refine = self._refine
        return sec

    def _refine(self, sec: _Section, li: int) -> None:
        """Re-break the paragraph holding line ``li`` of ``sec`` optimally (same line count)."""
        codes = sec.codes
        if li in sec.exact or codes[li] & KIND != TEXT:
            sec.exact.add(li)
            return
        a = li
        while a > 0 and not codes[a] & FIRST and codes[a - 1] & (KIND | LAST) == TEXT:
            a -= 1
        b = li
        while b + 1 < len(codes) and not codes[b] & LAST and codes[b + 1] & (KIND | FIRST) == TEXT:
            b += 1
        sec.exact.update(range(a, b + 1))
        if b - a < 2 and self._hyphenator is None:
            return  # two lines at most: greedy's fullest first line is already the best
        starts, ends = sec.starts, sec.ends
        block = self.story.blocks[self.story.block_index_at(starts[a])]
        w = self.column_width - min(block.indent, self.column_width // 3)
        first_w = w - self._indent if codes[a] & INDENT else w
        base, text = local_text(self.story, starts[a], ends[b])
        found = break_optimal(
            text,
            starts[a] - base,
            ends[b] - base,
            w,
            first_w,
            self._hyphenator,
            justify=self.settings.justify,
        )
        if found is None or len(found[0]) != b - a + 1:
            return
        for k, (s, e, hyph) in enumerate(zip(*found, strict=True)):
            starts[a + k] = s + base
            ends[a + k] = e + base
            codes[a + k] = (codes[a + k] & ~HYPHEN) | (HYPHEN if hyph else 0)
        lo = bisect.bisect_left(sec.pages, a)
        hi = bisect.bisect_right(sec.pages, b)
        for p in range(lo, hi):
            sec.page_starts[p] = starts[sec.pages[p]]

    def _lines(self, start: int, end: int) -> tuple[list[int], list[int], list[int]]:
        return section_lines(
            self.story,
            start,
            end,
            self.column_width,
            self._indent,
            indent_style=self._indent_style,
            hyph=self._hyphenator,
        )

    # -- pages ------------------------------------------------------------------------------

    def _page(self, sec: _Section, i: int) -> Page:
        page = sec.rendered.get(i)
        if page is not None:
            return page
        a = sec.pages[i]
        b = sec.pages[i + 1] if i + 1 < len(sec.pages) else len(sec.codes)
        codes = sec.codes
        while b > a and codes[b - 1] & KIND == BLANK:
            b -= 1
        if sec.refine is not None:
            for li in range(a, b):
                if li not in sec.exact:
                    sec.refine(sec, li)
        lines = tuple(self._line(sec, li) for li in range(a, b))
        start = sec.starts[a]
        end = sec.ends[b - 1] if b > a else start
        page = Page(start, end, lines, sec.chapter, self.column_left, self.column_width)
        sec.rendered[i] = page
        return page

    def _line(self, sec: _Section, li: int) -> Line:
        code = sec.codes[li]
        kind = code & KIND
        s = sec.starts[li]
        e = sec.ends[li]
        width = self.column_width
        if kind == BLANK:
            return Line((), 0, s)
        if kind == ORNAMENT:
            return Line(
                (Segment(self._ornament, "ornament"),),
                (width - cell_len(self._ornament)) // 2,
                s,
            )
        text = self.story.text
        if kind != TEXT:
            t = text[s:e]
            return Line(
                (Segment(t, "heading" if kind == HEADING else "end", s),),
                max(0, (width - cell_len(t)) // 2),
                s,
            )
        block = self.story.blocks[self.story.block_index_at(s)]
        segments = _styled(text, block, s, e)
        if code & HYPHEN:
            segments.append(Segment("-", segments[-1].style if segments else None))
        left = min(block.indent, width // 3)
        if code & INDENT:
            left += self._indent
        if self.settings.justify and not code & LAST:
            segments = _justify(segments, width - left, li % 2 == 1)
        return Line(tuple(segments), left, s)

    def page_at(self, position: int) -> Page:
        """The page containing ``position`` (clamped into the story)."""
        sec = self._section_at(position)
        return self._page(sec, sec.index_of(position))

    def next(self, page: Page) -> Page | None:
        """The page after ``page``, or None after the last."""
        sec = self._section_at(page.start)
        i = sec.index_of(page.start)
        if i + 1 < len(sec.pages):
            return self._page(sec, i + 1)
        if sec.end >= self._length:
            return None
        return self._page(self._section_at(sec.end), 0)

    def is_last(self, page: Page) -> bool:
        """Whether ``page`` is the last (as :meth:`next` would say, without typesetting)."""
        sec = self._section_at(page.start)
        return sec.index_of(page.start) + 1 >= len(sec.pages) and sec.end >= self._length

    def is_first(self, page: Page) -> bool:
        """Whether ``page`` is the first (as :meth:`previous` would say, without typesetting)."""
        sec = self._section_at(page.start)
        return sec.index_of(page.start) == 0 and sec.start <= 0

    def previous(self, page: Page) -> Page | None:
        """The page before ``page``, or None before the first."""
        sec = self._section_at(page.start)
        i = sec.index_of(page.start)
        if i > 0:
            return self._page(sec, i - 1)
        if sec.start <= 0:
            return None
        before = self._section_at(sec.start - 1)
        return self._page(before, len(before.pages) - 1)

    def first(self) -> Page:
        """The first page."""
        return self.page_at(0)

    def last(self) -> Page:
        """The last page."""
        return self.page_at(self._length)

    # -- numbers ----------------------------------------------------------------------------

    def count_pages(self, cancel: threading.Event | None = None) -> int | None:
        """Count the whole book's pages; None if ``cancel`` was set first.

        Takes a fraction of a second for a long novel: call it from a worker thread. The
        typeset-section cache is left alone, so the reader's pages stay warm.
        """
        if self._index is not None:
            return self._index.total
        sec_starts: array[int] = array("q")
        before: array[int] = array("q")
        total = 0
        h = self.lines_per_page
        for cs, ce, _ in self._sections.regions():
            for b, e in self._sections.of_region(cs, ce):
                if cancel is not None and cancel.is_set():
                    return None
                cached = self._cache.get(b)
                if cached is not None:
                    count = len(cached.pages)
                else:
                    codes = self._lines(b, e)[2]
                    count = len(paginate(codes, h)) or 1
                sec_starts.append(b)
                before.append(total)
                total += count
        total = max(total, 1)
        self._index = PageIndex(sec_starts, before, total)
        return total

    def page_count(self) -> int | None:
        """The number of pages in the book, None until :meth:`count_pages` has run."""
        return self._index.total if self._index is not None else None

    def page_number(self, page: Page) -> int | None:
        """The 1-based number of ``page`` in the whole book, None until counted."""
        if self._index is None:
            return None
        sec = self._section_at(page.start)
        return self._index.number(sec.start, sec.index_of(page.start))

    def page_by_number(self, number: int) -> Page | None:
        """The page numbered ``number`` (1-based, clamped into the book), None until counted."""
        if self._index is None:
            return None
        start, i = self._index.locate(number)
        sec = self._section_at(start)
        return self._page(sec, min(max(i, 0), len(sec.pages) - 1))

    def percent(self, page: Page) -> float:
        """How far through the book the end of ``page`` is, 0..100.

        By page number once the book is counted, by character offset before.
        """
        if self._index is not None:
            number = self.page_number(page)
            if number is not None:
                return 100.0 * number / self._index.total
        if self._length == 0:
            return 100.0
        return min(100.0, 100.0 * page.end / self._length)


def _styled(text: BookText, block: Block, s: int, e: int) -> list[Segment]:
    """The segments of ``text[s:e]``, split where the block's emphasis spans begin and end."""
    out: list[Segment] = []
    pos = s
    spans = block.spans
    if spans:
        base = block.start
        for span in sorted(spans, key=lambda sp: sp.start) if len(spans) > 1 else spans:
            # A style change inside a grapheme would make the pieces measure wider than
            # the whole, so cuts move to the next grapheme boundary.
            a = grapheme_start(text, base + span.start, e)
            b = grapheme_start(text, base + span.end, e)
            if b <= pos:
                continue
            if a >= e:
                break
            if a > pos:
                out.append(Segment(text[pos:a], None, pos))
                pos = a
            b = min(b, e)
            out.append(Segment(text[pos:b], span.style, pos))
            pos = b
    if pos < e:
        out.append(Segment(text[pos:e], None, pos))
    return out


MAX_GAP = 3
"""The widest gap between words a justified line may have; looser lines stay ragged."""


def _justify(segments: list[Segment], width: int, from_right: bool) -> list[Segment]:
    """Spread the spaces of a line so that it fills ``width`` cells, unless gaps would exceed
    :data:`MAX_GAP` cells."""
    gaps = sum(seg.text.count(" ") for seg in segments if seg.offset >= 0)
    if not gaps:
        return segments
    extra = width - sum(cell_len(seg.text) for seg in segments)
    if extra <= 0:
        return segments
    base, rem = divmod(extra, gaps)
    if 1 + base + (1 if rem else 0) > MAX_GAP:
        return segments
    out: list[Segment] = []
    g = 0
    for seg in segments:
        if seg.offset < 0 or " " not in seg.text:
            out.append(seg)
            continue
        pos = 0
        t = seg.text
        while True:
            k = t.find(" ", pos)
            if k < 0:
                break
            if k > pos:
                out.append(Segment(t[pos:k], seg.style, seg.offset + pos))
            wide = (g >= gaps - rem) if from_right else (g < rem)
            out.append(Segment(" " * (1 + base + (1 if wide else 0)), seg.style))
            g += 1
            pos = k + 1
        if pos < len(t):
            out.append(Segment(t[pos:], seg.style, seg.offset + pos))
    return out
