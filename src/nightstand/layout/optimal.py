"""Total-fit line breaking: a paragraph broken as a whole, in the manner of Knuth and Plass.

Greedy breaking fills each line as far as it goes, which in justified text leaves a line
with three-cell gaps next to one with none. :func:`break_optimal` instead chooses all of a
paragraph's breaks at once, minimising the sum over its lines (the last excepted) of the
squared stretch: the extra cells each gap gets when the line is justified (or, in ragged
text, the squared room left at the line's end). Breaks fall where greedy's may: at ASCII
spaces (so a word, or a spaced ellipsis tied with no-break spaces, is never split), and at
hyphenation points when hyphenation is on, one more kind of break with a small penalty.

The paragraph always gets exactly as many lines as greedy breaking gives it (greedy,
reaching as far as it can on every line, uses the fewest lines there are; among those
breakings this one has the least cost). So page boundaries, which count lines, are the
same with either breaker, and the whole book's pages can be counted with the fast greedy
one while only the paragraphs on the page being shown are broken optimally.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from rich.cells import cell_len

from nightstand.layout.lines import is_simple

if TYPE_CHECKING:
    from nightstand.layout.lines import Hyphenator

_WORD = re.compile("[^ ]+")
TOLERANCE = 4.0
"""The loosest justified line tried beside the fullest: two extra cells a gap (gaps of 3)."""
HYPHEN_PENALTY_JUSTIFIED = 1.0
"""What a line ending in an added hyphen costs on top of its stretch, in squared cells per
gap (a break after a hyphen the word already has costs nothing more)."""
HYPHEN_PENALTY_RAGGED = 25.0
"""The same in ragged text, where the cost is the squared room left at the line's end."""


def break_optimal(
    text: str,
    start: int,
    end: int,
    width: int,
    first_width: int,
    hyphenator: Hyphenator | None = None,
    *,
    justify: bool = True,
) -> tuple[list[int], list[int], list[bool]] | None:
    """The total-fit breaking of ``text[start:end]`` into lines of at most ``width`` cells.

    Returns each line's start, end and whether it ends in an added hyphen, or None when a
    word is wider than its line (greedy breaking cuts such a word; callers fall back to it)
    or there is no text.
    """
    while end > start and text[end - 1] == " ":
        end -= 1
    spans = [m.span() for m in _WORD.finditer(text, start, end)]
    n = len(spans)
    if n == 0:
        return None
    simple = is_simple(text, start, end)

    def cells(a: int, b: int) -> int:
        return b - a if simple else cell_len(text[a:b])

    widths = [cells(a, b) for a, b in spans]
    gaps = [0] * n
    for m in range(1, n):
        gaps[m] = spans[m][0] - spans[m - 1][1]
    # reach[k]: cells from the start of word 0 to the end of word k, gaps included.
    reach = [0] * n
    total = 0
    for m in range(n):
        total += gaps[m] + widths[m]
        reach[m] = total
    if max(widths) > width or widths[0] > first_width:
        return None

    # Break nodes in text order: the start of every word, then its hyphenation points.
    # A node is (word, chars into the word, cells into the word, added hyphen).
    node_word: list[int] = []
    node_chars: list[int] = []
    node_head: list[int] = []
    node_add: list[bool] = []
    word_node = [0] * n
    points: list[list[int]] = [[] for _ in range(n)]
    for k in range(n):
        word_node[k] = len(node_word)
        node_word.append(k)
        node_chars.append(0)
        node_head.append(0)
        node_add.append(False)
        if hyphenator is not None:
            a, b = spans[k]
            word = text[a:b]
            for p, add in reversed(hyphenator(word)):
                if 0 < p < b - a:
                    points[k].append(len(node_word))
                    node_word.append(k)
                    node_chars.append(p)
                    node_head.append(p if simple else cell_len(word[:p]))
                    node_add.append(add)
    count = len(node_word)
    inf = float("inf")
    # Lines first, then cost: kept apart so that no float rounding can mix them.
    lines = [n + 1] * count
    best = [inf] * count
    back = [-1] * count
    lines[0] = 0
    best[0] = 0.0
    final_lines = n + 1
    final = inf
    final_back = -1
    penalty = HYPHEN_PENALTY_JUSTIFIED if justify else HYPHEN_PENALTY_RAGGED

    def cost(slack: int, spaces: int) -> float:
        if justify:
            s = slack / spaces if spaces else float(slack)
            return s * s
        return float(slack * slack)

    for u in range(count):
        base = best[u]
        if base == inf:
            continue
        nl = lines[u] + 1
        i = node_word[u]
        lw = first_width if u == 0 else width
        # reach[k] - offset: the cells of the line from node u to the end of word k.
        offset = reach[i] - widths[i] + node_head[u]
        kmax = bisect_right(reach, offset + lw, i) - 1
        limit = TOLERANCE if justify else (lw / 3) ** 2
        # Hyphenation points of the word that does not fit whole (greedy's choice is there).
        h = kmax + 1
        if h < n and points[h]:
            before = reach[h] - widths[h] - offset
            for v in points[h]:
                w = before + node_head[v] + (1 if node_add[v] else 0)
                if w > lw:
                    break
                value = base + cost(lw - w, h - i) + (penalty if node_add[v] else 0.0)
                if nl < lines[v] or (nl == lines[v] and value < best[v]):
                    lines[v] = nl
                    best[v] = value
                    back[v] = u
        # Whole words, the fullest line first (greedy's); looser lines until too loose.
        for k in range(kmax, i - 1, -1):
            if k == n - 1:
                if nl < final_lines or (nl == final_lines and base < final):
                    final_lines = nl
                    final = base
                    final_back = u
                continue
            c = cost(lw - (reach[k] - offset), k - i)
            if k < kmax and c > limit:
                break
            v = word_node[k + 1]
            value = base + c
            if nl < lines[v] or (nl == lines[v] and value < best[v]):
                lines[v] = nl
                best[v] = value
                back[v] = u
    if final_back < 0:
        return None
    chain = [final_back]
    while chain[-1] > 0:
        chain.append(back[chain[-1]])
    chain.reverse()
    starts: list[int] = []
    ends: list[int] = []
    hyphens: list[bool] = []
    for idx, u in enumerate(chain):
        starts.append(spans[node_word[u]][0] + node_chars[u])
        if idx + 1 < len(chain):
            v = chain[idx + 1]
            if node_chars[v]:
                ends.append(spans[node_word[v]][0] + node_chars[v])
                hyphens.append(node_add[v])
            else:
                ends.append(spans[node_word[v] - 1][1])
                hyphens.append(False)
        else:
            ends.append(spans[-1][1])
            hyphens.append(False)
    return starts, ends, hyphens
