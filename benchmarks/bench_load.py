"""How long loading a 1,000,000-word plain-text book takes (target: at most 0.25 s).

    uv run python benchmarks/bench_load.py [--words N] [--runs R] [--generator shared|ours]

The book comes from ../shared/tools/make_novel.py when it is there (the book the target was
set on), else from benchmarks/novel.py. Prints the median of several runs of
``nightstand.formats.load`` and, as a reference measured in the same run on the same file,
the median time to read the bytes, decode them as UTF-8 and split the text into lines and
words, with nothing else: the least any loader that looks at every word must do. The ratio
stays comparable across machines where the absolute figure does not.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.formats import load, read_bytes
from nightstand.formats.decode import check_not_binary, decode
from nightstand.formats.plaintext import parse_plaintext

if TYPE_CHECKING:
    from collections.abc import Callable

HERE = Path(__file__).resolve().parent
SHARED_GENERATOR = HERE.parents[1] / "shared" / "tools" / "make_novel.py"
OUR_GENERATOR = HERE / "novel.py"
TARGET_SECONDS = 0.25


def write_book(out: Path, words: int, generator: str) -> str:
    """Write the benchmark book; return a description of where it came from."""
    if generator == "shared" and SHARED_GENERATOR.is_file():
        script = SHARED_GENERATOR
    else:
        script = OUR_GENERATOR
    subprocess.run([sys.executable, str(script), str(out), "--words", str(words)], check=True)
    return f"{script.name} --words {words}"


def median_seconds(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, best) wall time of ``work`` over ``runs`` runs, after one warm-up."""
    work()
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def _decode(data: bytes) -> str:
    check_not_binary(data)
    return decode(data).text


def _reference(path: Path) -> int:
    text = path.read_bytes().decode("utf-8")
    return len(text.split("\n")) + len(text.split())


def main() -> None:
    """Build the book, time the loader and its parts, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--generator", choices=["shared", "ours"], default="shared")
    args = parser.parse_args()
    runs = max(args.runs, 5)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "novel.txt"
        source = write_book(path, args.words, args.generator)
        data = path.read_bytes()
        decoded = decode(data)
        story = load(path)

        load_m, load_best = median_seconds(lambda: load(path), runs)
        ref_m, _ = median_seconds(lambda: _reference(path), runs)
        read_m, _ = median_seconds(lambda: read_bytes(path), runs)
        decode_m, _ = median_seconds(lambda: _decode(data), runs)
        parse_m, _ = median_seconds(lambda: parse_plaintext(decoded.text, name="novel"), runs)

    print(f"book:      {source}: {len(data) / 2**20:.1f} MiB, {story.words():,} words,")
    print(f"           {len(story.blocks):,} blocks, {len(story.chapters)} chapters")
    print(f"load:      median {load_m:.3f} s, best {load_best:.3f} s over {runs} runs")
    print(f"  read     {read_m:.3f} s")
    print(f"  decode   {decode_m:.3f} s (binary check, decode, sanitize)")
    print(f"  parse    {parse_m:.3f} s (plain-text layout to Story)")
    print(f"reference: {ref_m:.3f} s (read, decode as UTF-8, split into lines and words)")
    print(f"ratio:     load takes {load_m / ref_m:.1f}x the reference")
    verdict = "within" if load_m <= TARGET_SECONDS else "OVER"
    print(f"target:    {TARGET_SECONDS:.2f} s for 1,000,000 words: {verdict}")


if __name__ == "__main__":
    main()
