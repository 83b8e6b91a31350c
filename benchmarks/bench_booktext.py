"""What keeping a big book's text in a file costs: search, counts and pages, str against FileText.

Run it with::

    uv run python benchmarks/bench_booktext.py [--runs 7] [--words 1000000]

The 1,000,000-word book is loaded once; its text is then used as a string (as a small
book's is, and as the whole book's was) and as a ``FileText`` reading the same UTF-8
pieces from a file with no name (as the reader holds a big book's since it stopped holding
the text), in the same run. Each figure is the median of ``--runs``, each run on a fresh
``FileText`` (nothing of it kept from the run before) and a fresh Paginator:

* search: a word, a phrase across a line and a regular expression, every match in the book;
* page count: every page of the book counted (the reader does it in a worker);
* word index and words: what the reader's progress and the saver count;
* page turns: the first 200 pages from a place in the middle.

The last column is FileText's time over the string's. The text's own memory is printed too.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.filetext import FileText, PieceWriter
from nightstand.formats import load
from nightstand.layout import LayoutSettings, Paginator
from nightstand.progress import ReadingIndex
from nightstand.search import SEARCH_SECONDS, compile_query, search

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_layout import make_book

if TYPE_CHECKING:
    from collections.abc import Callable

    from nightstand.story import Story

QUERIES = ["moon", "said softly", "re:\\b(?:stairs|window)\\b"]


def in_a_file(story: Story) -> Story:
    """``story`` with its text written as the loader child writes it, kept in a file."""
    text = story.text[:]
    with tempfile.TemporaryFile() as out:
        writer = PieceWriter(out)
        writer(text)
        writer.finish()
        out.flush()
        kept = FileText(os.dup(out.fileno()), writer.chars, writer.offsets)
    return dataclasses.replace(story, text=kept)


def turns(story: Story) -> None:
    pag = Paginator(story, 100, 28, LayoutSettings())
    page = pag.page_at(len(story.text) // 2)
    for _ in range(200):
        nxt = pag.next(page)
        if nxt is None:
            break
        page = nxt


TASKS: dict[str, Callable[[Story], object]] = {
    "page count": lambda s: Paginator(s, 100, 28, LayoutSettings()).count_pages(),
    "word index": ReadingIndex,
    "words": lambda s: s.words(),
    "200 page turns": turns,
}


def one_finditer(text: str, query: str) -> list[tuple[int, int]]:
    """The search as it was before the text was searched a stretch at a time."""
    pattern = compile_query(query)
    found = pattern.finditer(text, concurrent=True, timeout=SEARCH_SECONDS)
    return [m.span() for m in found if m.end() > m.start()]


def timed(
    make: Callable[[], Story], task: Callable[[Story], object], runs: int
) -> tuple[float, object]:
    """The median time of ``task`` on a fresh ``make()`` (made outside the timing)."""
    times: list[float] = []
    result: object = None
    for _ in range(runs):
        source = make()
        start = time.perf_counter()
        result = task(source)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        story = load(make_book(Path(tmp) / "novel.txt", args.words))
    print(
        f"book: {args.words:,} words, {len(story.text):,} characters; "
        f"the string takes {sys.getsizeof(story.text) / 2**20:.1f} MiB; "
        f"medians of {args.runs} runs"
    )
    print(f"{'':34}{'str':>10}{'FileText':>10}{'ratio':>8}")
    plain, kept = (lambda: story), (lambda: in_a_file(story))
    for query in QUERIES:
        a, found = timed(plain, lambda s, q=query: search(s.text, q), args.runs)
        b, _ = timed(kept, lambda s, q=query: search(s.text, q), args.runs)
        before, spans = timed(plain, lambda s, q=query: one_finditer(s.text[:], q), args.runs)
        assert list(found.spans) == spans  # type: ignore[attr-defined]
        print(
            f"{'search ' + query:34}{a * 1000:>8.1f}ms{b * 1000:>8.1f}ms{b / a:>7.2f}x"
            f"  ({len(spans):,} matches; one finditer over the string: {before * 1000:.1f}ms)"
        )
    for name, task in TASKS.items():
        a, _ = timed(plain, task, args.runs)
        b, _ = timed(kept, task, args.runs)
        print(f"{name:34}{a * 1000:>8.1f}ms{b * 1000:>8.1f}ms{b / a:>7.2f}x")


if __name__ == "__main__":
    main()
