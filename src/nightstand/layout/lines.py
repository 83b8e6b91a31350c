"""Line breaking in terminal cells, and the value types a typeset page is made of.

Widths are measured with :func:`rich.cells.cell_len` (wide CJK and emoji count 2, combining
marks and zero-width characters 0), so a line never overflows the column the UI draws.
Lines break only at ASCII spaces: the loaders tie spaced ellipses with no-break spaces.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.cells import cell_len

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class LayoutSettings:
    """How pages are typeset: column, margins, justification, paragraph style."""

    measure: int = 72
    """The column's maximum width in cells."""
    margin_top: int = 1
    margin_bottom: int = 0
    margin_side: int = 2
    """The least number of cells left and right of the column."""
    justify: bool = False
    hyphenate: bool = False
    """Hyphenate with pyphen when it is installed (``nightstand[hyphen]``); greedy otherwise."""
    paragraph_style: str = "blank"
    """``"blank"``: a blank line between paragraphs; ``"indent"``: a first-line indent."""
    indent: int = 3
    ornament: str = "⁂"
    ascii: bool = False
    """Plain ASCII fallbacks (the ornament becomes ``* * *``)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text in one style on a line."""

    text: str
    style: str | None = None
    """``None`` or a style name: emphasis, strong, heading, ornament, end, match."""
    offset: int = -1
    """Story offset of ``text[0]`` when ``text`` is an exact slice of ``Story.text``, else -1."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a page: styled segments after ``left`` cells of padding."""

    segments: tuple[Segment, ...]
    left: int = 0
    """Cells of padding before the first segment, from the column's left edge."""
    offset: int = 0
    """The story offset the line stands for: its first character (blank line: the next text)."""

    @property
    def text(self) -> str:
        """The line's text without the left padding."""
        return "".join(s.text for s in self.segments)

    def cell_length(self) -> int:
        """The line's width in cells, counting the left padding."""
        return self.left + sum(cell_len(s.text) for s in self.segments)

    def highlighted(self, ranges: Sequence[tuple[int, int]], style: str = "match") -> Line:
        """This line with the story offsets in any ``[a, b)`` of ``ranges`` styled ``style``.

        Only segments that are exact slices of the story (``offset >= 0``) can match.
        """
        if not ranges:
            return self
        out: list[Segment] = []
        changed = False
        for seg in self.segments:
            if seg.offset < 0 or not seg.text:
                out.append(seg)
                continue
            s0, s1 = seg.offset, seg.offset + len(seg.text)
            cuts = {s0, s1}
            hit = False
            for a, b in ranges:
                if a < s1 and b > s0 and a < b:
                    hit = True
                    cuts.add(max(a, s0))
                    cuts.add(min(b, s1))
            if not hit:
                out.append(seg)
                continue
            changed = True
            points = sorted(cuts)
            for a, b in itertools.pairwise(points):
                inside = any(ra <= a and b <= rb for ra, rb in ranges)
                piece = seg.text[a - s0 : b - s0]
                out.append(Segment(piece, style if inside else seg.style, a))
        return replace(self, segments=tuple(out)) if changed else self
