"""How long real EPUBs take to load, and how much memory: the books of ../shared/corpus.

    uv run python benchmarks/bench_corpus.py [--runs R] [--book NAME ...] [--memory]

Books nobody here wrote (the W3C EPUB 3 samples) have markup the synthetic novel lacks:
spans on every line, ``<br/>`` line breaks, MathML, thousands of small documents. For each
book this prints the median of several runs of ``nightstand.formats.load`` and, measured in
the same run, a reference: unzipping every member and decoding it as UTF-8, the least any
EPUB reader must do. With ``--memory`` each book is also loaded once in a fresh process
and its peak resident size (``VmHWM``) is printed next to that of a process that only
imports nightstand.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

from bench_load import median_seconds  # the same timing loop as the load benchmark
from nightstand.errors import StoryError
from nightstand.formats import load

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "epub3-samples"
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (big) forking parent.
_PEAK = (
    "import sys\n"
    "from nightstand.formats import load\n"
    "if sys.argv[1]: load(sys.argv[1])\n"
    "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
)


def unzip_all(path: Path) -> int:
    """The reference: every member read and decoded, nothing parsed."""
    total = 0
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            total += len(z.read(info).decode("utf-8", errors="replace"))
    return total


def peak_mib(book: str) -> float:
    """Peak resident size in MiB of a fresh process that loads ``book`` ("" loads nothing)."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, book], check=True, capture_output=True, text=True
    ).stdout
    return int(out.split()[-1]) / 1024


def main() -> None:
    """Time (and optionally weigh) each corpus book; print one line a book."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--book", action="append", help="a book's stem or a path (repeatable)")
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    if args.book:
        paths = [Path(b) if b.endswith(".epub") else CORPUS / f"{b}.epub" for b in args.book]
    else:
        paths = sorted(CORPUS.glob("*.epub"))
    if not paths:
        sys.exit(f"no books: {CORPUS} is not there")
    base = peak_mib("") if args.memory else 0.0
    if args.memory:
        print(f"importing nightstand only: peak {base:.1f} MiB")
    for path in paths:
        ref, _ = median_seconds(lambda p=path: unzip_all(p), args.runs)
        try:
            took, best = median_seconds(lambda p=path: load(p), args.runs)
        except StoryError as exc:  # a book that does not open is a result too
            print(f"{path.stem:22} does not open: {exc}")
            continue
        line = (
            f"{path.stem:22} load {took:6.3f} s (best {best:.3f}), unzip+decode {ref:6.3f} s, "
            f"ratio {took / ref:5.1f}x"
        )
        if args.memory:
            line += f", peak {peak_mib(str(path)):.1f} MiB"
        print(line, flush=True)


if __name__ == "__main__":
    main()
