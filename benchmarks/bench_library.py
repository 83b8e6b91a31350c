"""How long a library scan of 1,000 stories takes, cold and warm (target: 1 s), and state writes.

    uv run python benchmarks/bench_library.py [--stories N] [--runs R]

Writes N stories (1,000 to 10,000 words each, from benchmarks/novel.py) into a temporary
folder with a temporary state directory, then prints:

* the cold scan (every story loaded and counted, the cache filled), median of 3 runs with a
  new state each, shared with worker processes as ``scan`` does and, for comparison, in
  one process, with the CPU time each took (the scan's process and its workers): on a
  machine busy with other work the wall time follows the CPU left over, not the code;
* the warm scan (nothing changed: the cache answers), median of R runs, with and without
  opening the state database, and ``nightstand list --json`` end to end (a new process);
* as a reference measured in the same run, the median time to walk the folder and stat
  every file, the least any scan must do; the ratio stays comparable across machines;
* the state's own costs: ``story_key`` and ``save_position`` on a 1,000,000-word book, and
  ``resolve`` after an edit before the position.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import nightstand.library_read as library_read  # noqa: E402
from nightstand.formats import load  # noqa: E402
from nightstand.library import scan  # noqa: E402
from nightstand.state import StateStore  # noqa: E402
from nightstand.story import StoryBuilder  # noqa: E402
from novel import make_novel  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

TARGET_SECONDS = 1.0
COLD_RUNS = 3
POOL_FROM = library_read.POOL_FROM


def median_time(action: Callable[[], object], runs: int) -> float:
    """The median wall time of ``runs`` calls of ``action``."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_library(folder: Path, count: int) -> int:
    """Write ``count`` stories in nested folders; return the total words."""
    rng = random.Random(7)
    total = 0
    for i in range(count):
        words = rng.randint(1_000, 10_000)
        text = make_novel(words, seed=i).replace(
            "Title: The Long Way Round", f"Title: Story number {i}", 1
        )
        sub = folder / f"shelf{i % 10}" / f"author{i % 37}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"story-{i:04}.txt").write_text(text, encoding="utf-8")
        total += words
    return total


def cold_scan(folder: Path, store: StateStore, count: int) -> tuple[float, float]:
    """A scan with an empty cache: (wall seconds, CPU seconds of this process and workers)."""
    gc.collect()
    before = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    start = time.perf_counter()
    entries = scan(folder, store)
    wall = time.perf_counter() - start
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    assert len(entries) == count, len(entries)
    pairs = zip(after, before, strict=True)
    cpu = sum((a.ru_utime + a.ru_stime) - (b.ru_utime + b.ru_stime) for a, b in pairs)
    return wall, cpu


def walk_and_stat(folder: Path) -> int:
    """The reference: list every file under ``folder`` and stat it."""
    n = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            Path(root, name).stat()
            n += 1
    return n


def bench_library(base: Path, count: int, runs: int) -> None:
    folder = base / "library"
    state = base / "state"
    total = write_library(folder, count)
    print(f"library: {count} stories, {total:,} words, in {folder}")

    colds: dict[str, list[tuple[float, float]]] = {"shared": [], "serial": []}
    for run in range(COLD_RUNS):
        for how in colds:
            library_read.POOL_FROM = 10**9 if how == "serial" else POOL_FROM
            with StateStore.open(base / f"state-cold-{how}-{run}") as store:
                colds[how].append(cold_scan(folder, store, count))
    library_read.POOL_FROM = POOL_FROM
    with StateStore.open(state) as store:
        cold_scan(folder, store, count)
        entries = scan(folder, store)
        # Read a few, so the warm scan joins real progress too.
        for entry in entries[:50]:
            story = load(entry.path)
            store.save_position(store.story_key(story, entry.path), entry.path, story, 100)
        warm = median_time(lambda: scan(folder, store), runs)

    def open_and_scan() -> None:
        with StateStore.open(state) as s:
            scan(folder, s)

    warm_open = median_time(open_and_scan, runs)
    reference = median_time(lambda: walk_and_stat(folder), runs)
    env = {**os.environ, "NIGHTSTAND_STATE_DIR": str(state)}
    command = [sys.executable, "-m", "nightstand", "list", str(folder), "--json"]
    process = median_time(
        lambda: subprocess.run(command, env=env, check=True, capture_output=True), 3
    )

    for how, label in (("shared", "with worker processes"), ("serial", "in one process")):
        wall = statistics.median(w for w, _ in colds[how])
        cpu = statistics.median(c for _, c in colds[how])
        print(
            f"cold scan {label:21}, median of {COLD_RUNS}: {wall:6.3f} s"
            f"   ({cpu:.3f} s of CPU, workers included; target <= {TARGET_SECONDS:.1f} s: "
            f"{'met' if wall <= TARGET_SECONDS else 'MISSED'})"
        )
    print(
        f"warm scan, median of {runs}:                  {warm:8.3f} s"
        f"   ({warm / reference:.1f}x the reference; target <= {TARGET_SECONDS:.1f} s: "
        f"{'met' if warm <= TARGET_SECONDS else 'MISSED'})"
    )
    print(f"warm scan with opening the state, median:     {warm_open:8.3f} s")
    print(f"`nightstand list --json` (new process), median of 3: {process:.3f} s")
    print(f"reference: walk the folder and stat each file: {reference:8.3f} s")


def bench_state(base: Path, runs: int) -> None:
    book = base / "novel.txt"
    book.write_text(make_novel(1_000_000, seed=1), encoding="utf-8")
    story = load(book)
    print(f"\nstate: a {story.words():,}-word book, {len(story.text):,} characters")
    with StateStore.open(base / "state-book") as store:
        key_time = median_time(lambda: store.story_key(story, book), runs)
        key = store.story_key(story, book)
        store.save_position(key, book, story, 0)  # The first one counts the words.
        offsets = iter(range(1000, 10**9, 997))
        save = median_time(lambda: store.save_position(key, book, story, next(offsets)), 200)
        saved = store.position(key)
        assert saved is not None
    # An edit before the position: a paragraph near the start gains a sentence.
    cut = story.blocks[5].end
    builder = StoryBuilder()
    builder.paragraph(story.text[:cut].replace("\n", " ") + " One more sentence here.")
    builder.paragraph(story.text[cut + 1 :].replace("\n", " "))
    edited = builder.build(title=story.title)
    resolve = median_time(lambda: StateStore.resolve(store, edited, saved), runs)
    assert edited.text[StateStore.resolve(store, edited, saved) :].startswith(saved.quote)
    print(f"story_key (fingerprint + lookup), median:     {key_time * 1000:8.2f} ms")
    print(f"save_position (one WAL transaction), median:  {save * 1000:8.2f} ms")
    print(f"resolve after an edit before it, median:      {resolve * 1000:8.2f} ms")


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nightstand-bench-") as tmp:
        bench_library(Path(tmp), args.stories, args.runs)
        bench_state(Path(tmp), args.runs)


if __name__ == "__main__":
    main()
