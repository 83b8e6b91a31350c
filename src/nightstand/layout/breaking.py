"""Breaking a section into lines (with their codes) and the lines into pages.

Lines are broken greedily; pages are filled from the section's start, then nudged so that
no page starts with a scene break, ends with a paragraph's lone first line (orphan) or
starts with its lone last line (widow) when it can avoid it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.layout.lines import (
    BLANK,
    END,
    FIRST,
    HEADING,
    INDENT,
    KIND,
    LAST,
    ORNAMENT,
    TEXT,
    break_lines,
)
from nightstand.story import BlockKind

if TYPE_CHECKING:
    from nightstand.layout.lines import Hyphenator
    from nightstand.story import Story

_PARAGRAPH = BlockKind.PARAGRAPH
_SCENE_BREAK = BlockKind.SCENE_BREAK
_HEADING = BlockKind.HEADING


def paginate(codes: list[int], height: int) -> list[int]:
    """Fill pages of ``height`` lines; return the index of each page's first line.

    Blank lines at a page's top are dropped. A break is moved earlier (never to an empty
    page) so that the next page does not start with a scene break or a paragraph's lone last
    line, and this one does not end with a paragraph's lone first line.
    """
    n = len(codes)
    pages: list[int] = []
    s = 0
    while s < n:
        while s < n and codes[s] & KIND == BLANK:
            s += 1
        if s >= n:
            break
        pages.append(s)
        e = s + height
        if e >= n:
            break
        s = _adjust(codes, s, e, n)
    return pages


def _adjust(codes: list[int], s: int, e: int, n: int) -> int:
    """Where the page starting at line ``s`` ends, given it could hold lines up to ``e``."""
    for _ in range(8):
        t = e
        while t < n and codes[t] & KIND == BLANK:
            t += 1
        if t >= n:
            return e
        c = codes[t]
        p = e - 1
        while p > s and codes[p] & KIND == BLANK:
            p -= 1
        if c & KIND == ORNAMENT:
            new = p
        elif c & KIND != TEXT or c & FIRST:
            return e
        elif c & LAST and codes[t - 1] & KIND == TEXT:
            new = t - 1
        elif codes[p] & (KIND | FIRST | LAST) == FIRST and p == t - 1:
            new = p
        else:
            return e
        if new <= s:
            return e
        e = new
    return e


def local_text(story: Story, start: int, end: int) -> tuple[int, str]:
    """(base, text): a string holding the story's text ``[start, end)`` from ``base`` on.

    The story's own text when it is a string (base 0); the stretch itself when the text
    is kept in a file (see :mod:`nightstand.filetext`), its offsets then less ``base``.
    """
    text = story.text
    if isinstance(text, str):
        return 0, text
    return start, text[start:end]


def section_lines(
    story: Story,
    start: int,
    end: int,
    width: int,
    indent: int,
    *,
    indent_style: bool,
    hyph: Hyphenator | None,
) -> tuple[list[int], list[int], list[int]]:
    """Break the blocks of ``[start, end)`` into lines: (starts, ends, codes).

    ``indent`` is the first-line indent of paragraphs in ``indent_style``, in cells.
    """
    blocks = story.blocks
    nblocks = len(blocks)
    # A paragraph is broken only up to the section's end; a heading never runs past it.
    # The lines are found in the section's own text (``base`` on): offsets in it until the
    # end, where the whole section's are made the story's in one pass.
    base, text = local_text(story, start, end)
    starts: list[int] = []
    ends: list[int] = []
    codes: list[int] = []
    pending = False
    # The story's first paragraph, like one after a heading or a scene break, is not
    # indented; one that opens a section inside a chapter is.
    after_break = start == 0
    bi = story.block_index_at(start)
    while bi < nblocks:
        block = blocks[bi]
        bi += 1
        bs = block.start
        if bs >= end:
            break
        be = block.end
        kind = block.kind
        if kind is _PARAGRAPH:
            s0 = bs if bs >= start else start
            e0 = be if be <= end else end
            if s0 >= e0:
                continue
            if codes and (pending or not indent_style) and codes[-1] & KIND != BLANK:
                starts.append(s0 - base)
                ends.append(s0 - base)
                codes.append(BLANK)
            pending = False
            left = min(block.indent, width // 3)
            w = width - left
            n0 = len(codes)
            flag = FIRST if s0 == bs else 0
            first_w = w
            if flag and indent_style and not after_break and indent:
                first_w = w - indent
                flag |= INDENT
            break_lines(text, s0 - base, e0 - base, w, first_w, starts, ends, codes, TEXT, hyph)
            if len(codes) > n0:
                codes[n0] |= flag
                if e0 == be:
                    codes[-1] |= LAST
            after_break = False
        elif kind is _SCENE_BREAK:
            # At a section's start, or just under a heading, a scene break says nothing.
            if codes and codes[-1] & KIND != HEADING:
                if codes[-1] & KIND != BLANK:
                    starts.append(bs - base)
                    ends.append(bs - base)
                    codes.append(BLANK)
                starts.append(bs - base)
                ends.append(bs - base)
                codes.append(ORNAMENT)
                pending = True
                after_break = True
        else:
            if codes and codes[-1] & KIND != BLANK:
                starts.append(bs - base)
                ends.append(bs - base)
                codes.append(BLANK)
            code = HEADING if kind is _HEADING else END
            break_lines(text, bs - base, be - base, width, width, starts, ends, codes, code)
            pending = kind is _HEADING
            after_break = True
    if base:
        starts = [k + base for k in starts]
        ends = [k + base for k in ends]
    return starts, ends, codes
