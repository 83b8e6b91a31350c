"""The typesetting engine on the 1,000,000-word book: page from any position, turns, count, memory.

Run it with::

    uv run python benchmarks/bench_layout.py [--runs 7] [--words 1000000]

Every figure is the median of several runs, next to a plain greedy reference breaker
measured in the same run (one Python loop over the words with ``len()``, no cells, no
styles, no pages), so figures from different machines can be compared by their ratio.

* page_at: a fresh Paginator for a new area size, then the page at a random position
  (the cost of opening a book or resizing the window); target ≤ 5 ms.
* next / previous: one page turn, including the turns that cross into a section not yet
  typeset; target ≤ 1 ms.
* count: every page of the book counted by a fresh Paginator; target ≤ 0.5 s.
* memory: what the engine holds (tracemalloc, after a count and many page turns) beyond
  the story itself, as a multiple of the text's size; target ≤ 1×.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.formats import load
from nightstand.layout import LayoutSettings, Paginator
from nightstand.story import StoryBuilder

if TYPE_CHECKING:
    from nightstand.story import Story

HERE = Path(__file__).resolve().parent
SHARED_NOVEL = HERE.parent.parent / "shared" / "tools" / "make_novel.py"
SIZES = [(80, 24), (100, 40), (120, 50), (60, 20), (200, 60), (90, 30)]


def make_book(out: Path, words: int) -> Path:
    """The benchmark book: ../shared's generator when present, else ours."""
    if SHARED_NOVEL.exists():
        argv = [str(SHARED_NOVEL), str(out), "--words", str(words), "--format", "txt"]
    else:
        argv = [str(HERE / "novel.py"), str(out), "--words", str(words)]
    subprocess.run([sys.executable, *argv], check=True)
    return out


def reference_lines(story: Story, start: int, end: int, width: int = 72) -> int:
    """A plain greedy breaker: the lines of the paragraphs in [start, end) at ``width`` chars."""
    text = story.text
    lines = 0
    for block in story.blocks[story.block_index_at(start) :]:
        if block.start >= end:
            break
        x = -1
        for word in text[block.start : block.end].split(" "):
            n = len(word)
            if x + 1 + n > width:
                lines += 1
                x = n
            else:
                x += 1 + n
        lines += 1
    return lines


def cjk_book(rng: random.Random, chars: int) -> Story:
    """A synthetic book of CJK paragraphs (no spaces) in chapters of about 30,000 characters."""
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)] + list("，。「」")
    builder = StoryBuilder()
    size = 0
    while size < chars:
        builder.heading(f"第{size // 30_000 + 1}章")
        for _ in range(100):
            text = "".join(rng.choices(alphabet, k=rng.randint(50, 550)))
            builder.paragraph(text)
            size += len(text) + 1
    return builder.build(title="CJK")


def timed(fn: object, *args: object) -> float:
    t = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    return time.perf_counter() - t


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.3f} ms"


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description="typesetting benchmarks")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        story = load(make_book(Path(tmp) / "novel.txt", args.words))
    n = len(story.text)
    print(f"book: {story.words():,} words, {n:,} characters, {len(story.chapters)} chapters")
    # The book's blocks live as long as it is open; freezing them keeps the cyclic GC from
    # rescanning them on every collection (the reader does the same after loading). The
    # outliers left in the "max" columns are collections of the rest of the process.
    gc.collect()
    gc.freeze()

    ref = statistics.median(timed(reference_lines, story, 0, n) for _ in range(args.runs))
    print(f"reference greedy breaker, whole book: {ms(ref)}")

    # Page at a random position from a fresh area.
    samples = []
    ref_chapter = []
    for i in range(args.runs * 30):
        width, height = SIZES[i % len(SIZES)]
        pos = rng.randrange(n)
        t = time.perf_counter()
        Paginator(story, width, height).page_at(pos)
        samples.append(time.perf_counter() - t)
        ci = story.chapter_index_at(pos)
        cs = story.chapters[ci].offset if ci >= 0 else 0
        ref_chapter.append(timed(reference_lines, story, cs, pos))
    page_at = statistics.median(samples)
    ratio = page_at / statistics.median(ref_chapter)
    print(
        f"page_at, fresh area:      median {ms(page_at)}  max {ms(max(samples))}"
        f"  ({ratio:.2f}x the reference breaking its chapter up to the position)  target 5 ms"
    )

    # Page turns, forwards then back, crossing sections and chapters.
    turns = []
    backs = []
    for run in range(args.runs):
        pag = Paginator(story, *SIZES[run % len(SIZES)])
        page = pag.page_at(rng.randrange(n // 2))
        for _ in range(150):
            t = time.perf_counter()
            nxt = pag.next(page)
            turns.append(time.perf_counter() - t)
            assert nxt is not None
            page = nxt
        for _ in range(150):
            t = time.perf_counter()
            prev = pag.previous(page)
            backs.append(time.perf_counter() - t)
            assert prev is not None
            page = prev
    turns.sort()
    backs.sort()
    p99 = turns[int(len(turns) * 0.99)]
    print(
        f"next:                     median {ms(statistics.median(turns))}  p99 {ms(p99)}"
        f"  max {ms(turns[-1])}  target 1 ms"
    )
    print(
        f"previous:                 median {ms(statistics.median(backs))}"
        f"  p99 {ms(backs[int(len(backs) * 0.99)])}  max {ms(backs[-1])}"
    )

    # The whole book's page count.
    for label, settings in (
        ("count, defaults", LayoutSettings()),
        ("count, justify+hyphenate", LayoutSettings(justify=True, hyphenate=True)),
        ("count, indent paragraphs", LayoutSettings(paragraph_style="indent")),
    ):
        times = []
        total = None
        for _ in range(args.runs if label == "count, defaults" else 3):
            pag = Paginator(story, 80, 24, settings)
            t = time.perf_counter()
            total = pag.count_pages()
            times.append(time.perf_counter() - t)
        count = statistics.median(times)
        print(
            f"{label + ':':<26}median {ms(count)}  ({count / ref:.2f}x reference)"
            f"  {total:,} pages at 80x24  target 500 ms"
        )

    # A book in CJK script: no spaces, every character two cells wide.
    cjk = cjk_book(rng, n // 2)
    samples = []
    for i in range(args.runs * 10):
        pos = rng.randrange(len(cjk.text))
        t = time.perf_counter()
        Paginator(cjk, *SIZES[i % len(SIZES)]).page_at(pos)
        samples.append(time.perf_counter() - t)
    t = time.perf_counter()
    total = Paginator(cjk, 80, 24).count_pages()
    count = time.perf_counter() - t
    print(
        f"CJK book ({len(cjk.text):,} characters): page_at median {ms(statistics.median(samples))},"
        f" count {ms(count)} ({total:,} pages at 80x24)"
    )

    # Memory held by the engine beyond the text.
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    pag = Paginator(story, 80, 24)
    pag.count_pages()
    page = pag.page_at(0)
    for _ in range(40):
        page = pag.page_at(rng.randrange(n))
        for _ in range(20):
            page = pag.next(page) or page
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    text_size = sys.getsizeof(story.text)
    print(
        f"memory held by a Paginator: {(held - base) / 2**20:.2f} MiB"
        f" = {(held - base) / text_size:.2f}x the text ({text_size / 2**20:.2f} MiB);"
        f" peak while counting {(peak - base) / 2**20:.2f} MiB  target 1x"
    )
    del pag


if __name__ == "__main__":
    main()
