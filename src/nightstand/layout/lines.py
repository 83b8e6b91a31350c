"""Line breaking in terminal cells, and the value types a typeset page is made of.

Widths are measured with :func:`rich.cells.cell_len` (wide CJK and emoji count 2, combining
marks and zero-width characters 0), so a line never overflows the column the UI draws.
Lines break only at ASCII spaces: the loaders tie spaced ellipses with no-break spaces.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING

from rich.cells import cell_len, get_character_cell_size, split_graphemes

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    Hyphenator = Callable[[str], tuple[tuple[int, bool], ...]]


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
    line_breaking: str = "optimal"
    """``"optimal"``: each paragraph broken as a whole (:mod:`nightstand.layout.optimal`);
    ``"greedy"``: each line filled as far as it goes."""


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
        return self.left + sum(cells(s.text) for s in self.segments)

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


# Line codes: a kind in the low bits, flags above. Typeset sections keep one int per line so
# that counting a whole book's pages creates no objects per line.
TEXT = 0
BLANK = 1
HEADING = 2
ORNAMENT = 3
END = 4
KIND = 7
FIRST = 8
"""The first line of a paragraph."""
LAST = 16
"""The last line of a paragraph."""
HYPHEN = 32
"""The line ends inside a word and shows an added hyphen."""
INDENT = 64
"""The line carries the paragraph's first-line indent."""

# Characters that are exactly one cell wide whatever surrounds them (rich's own single-cell
# ranges plus general punctuation: dashes, curly quotes, ellipsis). A paragraph made only of
# these is measured with len(), which is what makes whole-book counting fast.
_NOT_SIMPLE = re.compile("[^\x20-\x7e\xa0-\xac\xae-\u02ff\u0370-\u0482\u2010-\u2027\u2030-\u205e]")
_WORD = re.compile("[^ ]+")


def is_simple(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether every character of ``text[start:end]`` is one cell wide on its own."""
    return _NOT_SIMPLE.search(text, start, len(text) if end is None else end) is None


def cells(text: str) -> int:
    """The width of ``text`` in cells, as :func:`rich.cells.cell_len` gives it.

    Text of one-cell characters is measured by its length: rich measures text with any
    character outside its own one-cell ranges (a curly quote, a dash) one character at a
    time, and caches only short strings.
    """
    return len(text) if _NOT_SIMPLE.search(text) is None else cell_len(text)


def break_lines(
    text: str,
    start: int,
    end: int,
    width: int,
    first_width: int,
    starts: list[int],
    ends: list[int],
    codes: list[int],
    code: int = TEXT,
    hyphenator: Hyphenator | None = None,
) -> None:
    """Break ``text[start:end]`` into lines of at most ``width`` cells (the first: ``first_width``).

    Appends each line's start, end and code (``code``, with :data:`HYPHEN` when the line ends
    in an added hyphen) to the given lists. Breaks fall only at ASCII spaces, which are
    dropped; a word wider than the column is cut at the column, between graphemes.
    """
    while end > start and text[end - 1] == " ":
        end -= 1
    if start >= end:
        return
    simple = _NOT_SIMPLE.search(text, start, end) is None
    if hyphenator is None:
        if simple:
            _break_simple(text, start, end, width, first_width, starts, ends, codes, code)
            return
        if _JOINERS.search(text, start, end) is None:
            _break_cells(text, start, end, width, first_width, starts, ends, codes, code)
            return
    _break_words(
        text, start, end, width, first_width, starts, ends, codes, code, simple, hyphenator
    )


def _break_simple(
    text: str,
    i: int,
    end: int,
    width: int,
    w: int,
    starts: list[int],
    ends: list[int],
    codes: list[int],
    code: int,
) -> None:
    """Greedy breaking of one-cell text: one ``rfind`` per line instead of a step per word."""
    rfind = text.rfind
    while i < end:
        if text[i] == " ":
            while text[i] == " ":
                i += 1
        if end - i <= w:
            starts.append(i)
            ends.append(end)
            codes.append(code)
            return
        k = rfind(" ", i, i + w + 1)
        starts.append(i)
        codes.append(code)
        if k < 0:
            i += w
            ends.append(i)
        else:
            j = k
            while text[j - 1] == " ":
                j -= 1
            ends.append(j)
            i = k + 1
        w = width


class _CellWidths(dict[int, str]):
    """``str.translate`` table: a character to ``chr`` of its width in cells, filled on demand."""

    def __missing__(self, codepoint: int) -> str:
        if len(self) > 65_536:
            # Only text in a great many scripts at once gets here; start again.
            self.clear()
        width = chr(get_character_cell_size(chr(codepoint)))
        self[codepoint] = width
        return width


_CELL_WIDTHS = _CellWidths()
# The only characters whose width depends on their neighbours (rich joins emoji sequences).
_JOINERS = re.compile("[\u200d\ufe0f]")


def cell_widths(text: str) -> bytes:
    """The width in cells of each character of ``text`` (which holds no ZWJ or VS16)."""
    return text.translate(_CELL_WIDTHS).encode("latin-1")


def _break_cells(
    text: str,
    start: int,
    end: int,
    width: int,
    w: int,
    starts: list[int],
    ends: list[int],
    codes: list[int],
    code: int,
) -> None:
    """Greedy breaking of text with wide and zero-width characters, one binary search a line.

    Cumulative cell widths come from C (``translate``, ``accumulate``), so a CJK paragraph,
    one long "word" with no spaces, costs no Python step per character.
    """
    seg = text[start:end]
    n = len(seg)
    acc = [0, *accumulate(cell_widths(seg))]
    rfind = seg.rfind
    k = 0
    while k < n:
        if seg[k] == " ":
            while seg[k] == " ":
                k += 1
        j = bisect_right(acc, acc[k] + w, k, n + 1) - 1
        starts.append(start + k)
        codes.append(code)
        if j >= n:
            ends.append(start + n)
            return
        if j <= k:
            j = k + 1  # a character wider than the whole line: let it overflow, not loop
        if seg[j] == " ":
            e = j
            k = j + 1
        else:
            sp = rfind(" ", k, j)
            if sp > k:
                e = sp
                k = sp + 1
            else:
                e = k = j
        while e > 0 and seg[e - 1] == " ":
            e -= 1
        ends.append(start + e)
        w = width


def _break_words(
    text: str,
    start: int,
    end: int,
    width: int,
    w: int,
    starts: list[int],
    ends: list[int],
    codes: list[int],
    code: int,
    simple: bool,
    hyphenator: Hyphenator | None,
) -> None:
    """Greedy breaking word by word, in cells, with optional hyphenation."""
    ls = -1
    le = 0
    x = 0
    for m in _WORD.finditer(text, start, end):
        a, b = m.span()
        cw = b - a if simple else cell_len(text[a:b])
        if ls >= 0:
            gap = a - le
            if x + gap + cw <= w:
                le = b
                x += gap + cw
                continue
            p, add = (a, False)
            if hyphenator is not None:
                p, add = _hyphen_split(text, a, b, w - x - gap, simple, hyphenator)
            starts.append(ls)
            if p > a:
                ends.append(p)
                codes.append(code | HYPHEN if add else code)
                a = p
                cw = b - a if simple else cell_len(text[a:b])
            else:
                ends.append(le)
                codes.append(code)
            w = width
        if cw <= w:
            ls, le, x = a, b, cw
            continue
        chunks = _chop(text, a, b, w, width, simple)
        for s, e, _ in chunks[:-1]:
            starts.append(s)
            ends.append(e)
            codes.append(code)
        ls, le, x = chunks[-1]
        w = width
    if ls >= 0:
        starts.append(ls)
        ends.append(le)
        codes.append(code)


def _chop(
    text: str, a: int, b: int, w: int, width: int, simple: bool
) -> list[tuple[int, int, int]]:
    """Cut a word wider than the column into (start, end, cells) pieces, between graphemes."""
    out: list[tuple[int, int, int]] = []
    if simple:
        while b - a > w:
            out.append((a, a + w, w))
            a += w
            w = width
        out.append((a, b, b - a))
        return out
    spans, _ = split_graphemes(text[a:b])
    s = 0
    x = 0
    for g0, _g1, gw in spans:
        if x + gw > w and x > 0:
            out.append((a + s, a + g0, x))
            s, x, w = g0, 0, width
        x += gw
    out.append((a + s, b, x))
    return out


def _hyphen_split(
    text: str, a: int, b: int, room: int, simple: bool, hyphenator: Hyphenator
) -> tuple[int, bool]:
    """The longest head of the word ``text[a:b]`` that fits in ``room`` cells when hyphenated."""
    if room < 2:
        return a, False
    word = text[a:b]
    for i, add in hyphenator(word):
        need = (i if simple else cell_len(word[:i])) + add
        if need <= room:
            return a + i, add
    return a, False


_HYPHENATORS: dict[str, Hyphenator | None] = {}


def hyphenator(lang: str = "en_US") -> Hyphenator | None:
    """A cached function giving a word's break points, or None when pyphen is not installed.

    Break points come longest head first, as ``(index, add_hyphen)``; a word that already
    holds a hyphen breaks only after it.
    """
    if lang in _HYPHENATORS:
        return _HYPHENATORS[lang]
    try:
        import pyphen
    except ImportError:
        _HYPHENATORS[lang] = None
        return None
    dic = pyphen.Pyphen(lang=lang)

    @lru_cache(maxsize=16384)
    def points(word: str) -> tuple[tuple[int, bool], ...]:
        n = len(word)
        if "-" in word:
            return tuple((i + 1, False) for i in range(n - 2, 0, -1) if word[i] == "-")
        lead = 0
        while lead < n and not word[lead].isalpha():
            lead += 1
        tail = n
        while tail > lead and not word[tail - 1].isalpha():
            tail -= 1
        core = word[lead:tail]
        if len(core) < 5 or not core.isalpha():
            return ()
        return tuple((lead + p, True) for p in reversed(dic.positions(core)))

    _HYPHENATORS[lang] = points
    return points
