"""Greedy and optimal line breaking side by side: how even the justified lines are.

Run it with::

    uv run python benchmarks/bench_linebreak.py

On the bundled stories (``library/``) and the seed story (``../shared``, when present),
justified at measures 40, 56 and 72 with pages of 24 lines, every line of every page is
typeset with each breaker in the same run, and for every justified line (a paragraph's
lines but its last) it counts:

* the squared stretch: the cells a line lacks, spread over its gaps, squared
  (``(slack / gaps) ** 2``; a line without a gap counts its slack), summed over the lines
  and divided by their number;
* the loose lines: those needing a gap of three or more cells (``slack > gaps``), which
  show a gap of three, or are left ragged when a gap would pass three.

Targets (issue 14): optimal's squared stretch at least 8 % below greedy's at every measure,
and at least 25 % fewer loose lines at 40 and 56.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len

from nightstand.formats import load
from nightstand.layout import LayoutSettings, Paginator
from nightstand.layout.lines import HYPHEN, KIND, LAST, TEXT

if TYPE_CHECKING:
    from nightstand.story import Story

HERE = Path(__file__).resolve().parent
SEED = HERE.parent.parent / "shared" / "seed" / "000_8f7cc97363ebb6a8.txt"
MEASURES = (40, 56, 72)
HEIGHT = 24


def stories() -> list[tuple[str, Story]]:
    paths = sorted((HERE.parent / "library").glob("*.txt"))
    if SEED.is_file():
        paths.append(SEED)
    return [(p.name, load(p)) for p in paths]


def line_stats(story: Story, measure: int, mode: str) -> tuple[float, int, int]:
    """(sum of squared stretch, loose lines, justified lines) of the whole story."""
    settings = LayoutSettings(measure=measure, justify=True, line_breaking=mode)
    pag = Paginator(story, measure + 2 * settings.margin_side, HEIGHT, settings)
    sections = {}
    page = pag.first()
    while page is not None:
        # Showing the page is what breaks its paragraphs optimally.
        sec = pag._section_at(page.start)
        sections[sec.start] = sec
        page = pag.next(page)
    squared = 0.0
    loose = 0
    lines = 0
    text = story.text
    for sec in sections.values():
        for li, code in enumerate(sec.codes):
            if code & KIND != TEXT or code & LAST:
                continue
            s, e = sec.starts[li], sec.ends[li]
            block = story.blocks[story.block_index_at(s)]
            width = pag.column_width - min(block.indent, pag.column_width // 3)
            if code & 64:  # INDENT
                width -= settings.indent
            piece = text[s:e]
            natural = cell_len(piece) + (1 if code & HYPHEN else 0)
            gaps = piece.count(" ")
            slack = width - natural
            stretch = slack / gaps if gaps else float(slack)
            squared += stretch * stretch
            loose += slack > gaps
            lines += 1
    return squared, loose, lines


def main() -> None:
    books = stories()
    print(f"{len(books)} stories: {', '.join(name for name, _ in books)}")
    print(f"{'measure':>7}  {'breaker':<8} {'lines':>6} {'sq.stretch/line':>16} {'loose':>6}")
    for measure in MEASURES:
        results = {}
        for mode in ("greedy", "optimal"):
            squared = 0.0
            loose = lines = 0
            for _, story in books:
                sq, lo, n = line_stats(story, measure, mode)
                squared += sq
                loose += lo
                lines += n
            results[mode] = (squared / max(lines, 1), loose, lines)
            print(f"{measure:>7}  {mode:<8} {lines:>6} {squared / max(lines, 1):>16.3f} {loose:>6}")
        g, o = results["greedy"], results["optimal"]
        sq_drop = 100 * (1 - o[0] / g[0]) if g[0] else 0.0
        loose_drop = 100 * (1 - o[1] / g[1]) if g[1] else 0.0
        print(
            f"{measure:>7}  optimal vs greedy: squared stretch {sq_drop:+.1f} % lower, "
            f"loose lines {loose_drop:+.1f} % fewer"
        )


if __name__ == "__main__":
    main()
