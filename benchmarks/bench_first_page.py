"""First page of big books, new and resumed at 90 %, against an empty Textual app.

The method is bench_reader.py's (its Pty: a real pseudo-terminal of 100x40 cells, a fresh
process per start, a temporary state dir): "first page" is the time from spawning the
program to the first frame of the page's status line, which says "page" (the title page,
or "page …" until the count) or "counting…" (a big EPUB shown from its part, before the
whole book is in). Each figure is the median of ``--runs`` fresh starts, with an empty
Textual app timed in the same run and the ratio to it::

    uv run python benchmarks/bench_first_page.py [--runs 5] [--src OTHER/src] [--only NAME]

Books: a 1,000-word EPUB (the floor: the reader's own cost), ../shared/corpus/
epub3-samples/mahabharata.epub (when present) and the 1,000,000-word book of
../shared/tools/make_novel.py (else benchmarks/novel.py) as txt and epub. A resumed start
first reads to 90 % (``%`` then ``90%``) in the same state dir, waiting for the page count
so that the place is the whole book's. ``--src`` runs another checkout's code (its ``src``
folder) with this environment, for a before/after figure.

Whether Python finds a bytecode cache changes the reference a lot (an empty Textual app
paints in about 0.17 s with one, 0.47 s compiling every module): say which, with the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_reader import Pty, make_book, run_empty

HERE = Path(__file__).resolve().parent
MAHABHARATA = HERE.parent.parent / "shared" / "corpus" / "epub3-samples" / "mahabharata.epub"
FIRST = re.compile(rb"page|counting")
COUNTED = re.compile(rb"page [\d,]+ of [\d,]+")


def wait_for(p: Pty, pattern: re.Pattern[bytes], timeout: float = 180.0) -> float:
    """Read until ``pattern`` shows in the output; the time it did, from the spawn."""
    deadline = time.perf_counter() + timeout
    while not pattern.search(p.buffer):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{pattern.pattern!r} not seen; last {p.buffer[-200:]!r}")
        ready, _, _ = select.select([p.master], [], [], 0.05)
        if ready:
            try:
                p.buffer += os.read(p.master, 1 << 16)
            except OSError:
                raise TimeoutError("the program ended") from None
    return time.perf_counter() - p.start


def start(env: dict[str, str], book: Path, *, read_to: float | None) -> float:
    """One start: the first page's time; with ``read_to``, then go there and quit."""
    p = Pty([sys.executable, "-m", "nightstand", str(book)], env, 100, 40)
    try:
        first = wait_for(p, FIRST)
        if read_to is not None:
            os.write(p.master, b" ")  # off the title page
            wait_for(p, COUNTED)  # the whole book is in and counted
            os.write(p.master, b"%")
            p.drain()
            os.write(p.master, f"{read_to:g}%\r".encode())
            p.drain(0.5)
        os.write(p.master, b"q")
        p.drain(0.5)
        return first
    finally:
        p.close()


def main() -> None:
    """Run and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--src", type=Path, help="run this checkout's src instead")
    ap.add_argument("--only", help="only the books whose file names contain one of these (a,b)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        # A 1,000-word story: the floor, what the reader's first page costs for any book.
        books = [make_book(tmpdir / "small.epub", 1000, "epub")]
        books += [MAHABHARATA] if MAHABHARATA.exists() else []
        only = args.only.split(",") if args.only else [""]
        formats = [f for f in ("txt", "epub") if any(o in f"novel.{f}" for o in only)]
        books += [make_book(tmpdir / f"novel.{f}", args.words, f) for f in formats]
        books = [b for b in books if any(o in b.name for o in only)]
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "NIGHTSTAND_CONFIG_DIR": str(tmpdir / "config"),
        }
        if args.src:
            env["PYTHONPATH"] = str(args.src.resolve())
        empty: list[float] = []
        new: dict[Path, list[float]] = {b: [] for b in books}
        resumed: dict[Path, list[float]] = {b: [] for b in books}
        for i in range(args.runs):
            empty.append(run_empty(env)[0])
            for b in books:
                state = {**env, "NIGHTSTAND_STATE_DIR": str(tmpdir / f"state-{b.name}-{i}")}
                new[b].append(start(state, b, read_to=90))
                resumed[b].append(start(state, b, read_to=None))
    med = statistics.median
    e = med(empty)
    print(f"{args.runs} fresh starts each; pty 100x40; code: {args.src or 'this checkout'}")
    print(f"empty Textual app, first paint:      {e * 1000:7.0f} ms")
    for b in books:
        words = 1000 if b.stem == "small" else args.words
        name = b.name if b == MAHABHARATA else f"{words:,} words, {b.suffix[1:]}"
        for what, times in (("new", new[b]), ("resumed at 90 %", resumed[b])):
            t = med(times)
            print(f"{name}, {what}: first page {t * 1000:7.0f} ms  {t / e:5.2f}x empty app")


if __name__ == "__main__":
    main()
