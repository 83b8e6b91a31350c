"""The whole program in a real pseudo-terminal: first page, page turn, resize, memory.

Each figure is the median of several runs and is given as a ratio to an empty Textual app
measured in the same run (its time to first paint, its peak memory), as the reader issue
asks. Run it with::

    uv run python benchmarks/bench_reader.py [--runs 7] [--words 1000000] [--format txt]
    uv run python benchmarks/bench_reader.py --book ../shared/corpus/epub3-samples/mahabharata.epub

Method: the program runs in a pty of 100x40 cells with a temporary state dir. "First page"
is the time from spawning the process to the moment the terminal has received the page's
status line ("page") — the first frame that shows the page. "Page turn" is the time from
writing a key to the pty to the first bytes of the redrawn screen. "Resize" sets a new
window size (TIOCSWINSZ + SIGWINCH) and waits for the redraw that follows. Peak memory is
VmHWM from /proc for the process. "With helpers" is the largest sum, sampled every 10 ms
from the start, of the proportional set size (Pss, so pages a forked preload child shares
with its parent count once) of the reader and every process below it. The turns are the
first ones after the first page (a big book is still being read and counted then); the
resize and the memory figures come once the whole book is in, counted and indexed (the
status line shows the time left).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED_NOVEL = ROOT.parent / "shared" / "tools" / "make_novel.py"

EMPTY_APP = """
from textual.app import App
from textual.widgets import Static
class Empty(App):
    def compose(self):
        yield Static("empty app ready")
Empty().run()
"""


def make_book(out: Path, words: int, fmt: str) -> Path:
    """The benchmark book: ../shared's generator when present, else ours."""
    generator = SHARED_NOVEL if SHARED_NOVEL.exists() else HERE / "novel.py"
    subprocess.run(
        [sys.executable, str(generator), str(out), "--words", str(words), "--format", fmt],
        check=True,
    )
    return out


class Pty:
    """A child process on a pseudo-terminal of a given size."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int, rows: int) -> None:
        self.master, slave = pty.openpty()
        self.resize(cols, rows, signal_child=False)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.buffer = b""

    def resize(self, cols: int, rows: int, *, signal_child: bool = True) -> None:
        """Set the window size and tell the child."""
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        if signal_child:
            os.killpg(self.proc.pid, signal.SIGWINCH)

    def read_until(self, needle: bytes, timeout: float = 30.0) -> float:
        """Read output until ``needle`` has arrived; return the time it did."""
        return self.read_until_any((needle,), timeout)

    def read_until_any(self, needles: tuple[bytes, ...], timeout: float = 30.0) -> float:
        """Read output until one of ``needles`` has arrived; return the time it did."""
        deadline = time.perf_counter() + timeout
        while not any(n in self.buffer for n in needles):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{needles!r} not seen; last output {self.buffer[-300:]!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.buffer += os.read(self.master, 1 << 16)
                except OSError:
                    raise TimeoutError("the program ended") from None
        return time.perf_counter()

    def first_output_after(self, action: object, timeout: float = 10.0) -> float:
        """Drain, do ``action`` (a callable), and time the first output that follows."""
        self.drain()
        t0 = time.perf_counter()
        action()  # type: ignore[operator]
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            raise TimeoutError("no redraw")
        t1 = time.perf_counter()
        self.buffer += os.read(self.master, 1 << 16)
        return t1 - t0

    def drain(self, quiet: float = 0.15) -> None:
        """Read until the program has been silent for ``quiet`` seconds."""
        while True:
            ready, _, _ = select.select([self.master], [], [], quiet)
            if not ready:
                return
            try:
                self.buffer += os.read(self.master, 1 << 16)
            except OSError:
                return

    def sample_tree(self) -> None:
        """Until the child ends, keep the largest Pss sum over it and its descendants."""
        self.tree_peak_kib = 0

        def pss(pid: int) -> int:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                return 0
            own = next((int(x.split()[1]) for x in rollup.splitlines() if x.startswith("Pss:")), 0)
            return own + sum(pss(int(k)) for k in kids)

        def run() -> None:
            while self.proc.poll() is None:
                self.tree_peak_kib = max(self.tree_peak_kib, pss(self.proc.pid))
                time.sleep(0.01)

        threading.Thread(target=run, daemon=True).start()

    def peak_memory_kib(self) -> int:
        """VmHWM of the child, in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def close(self) -> None:
        """Stop the child."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        os.close(self.master)


def run_empty(env: dict[str, str]) -> tuple[float, int]:
    """Time to first paint and peak memory of an empty Textual app."""
    p = Pty([sys.executable, "-c", EMPTY_APP], env, 100, 40)
    try:
        t = p.read_until(b"empty app ready") - p.start
        p.drain()
        return t, p.peak_memory_kib()
    finally:
        p.close()


def run_reader(
    env: dict[str, str], book: Path, *, resume_percent: float | None, turns: int
) -> dict[str, float]:
    """One run of the reader on the book: first page, turns, resize, memory."""
    argv = [sys.executable, "-m", "nightstand", str(book)]
    p = Pty(argv, env, 100, 40)
    p.sample_tree()
    try:
        # A big EPUB shows its part first, saying "counting…" until the whole book is in.
        first = p.read_until_any((b"page", b"counting"), timeout=120) - p.start
        p.drain()
        turn_times = [p.first_output_after(lambda: os.write(p.master, b" ")) for _ in range(turns)]
        p.drain()
        # The whole book in, counted and indexed: its peak of memory is in the figures.
        p.read_until(b" left in ", timeout=120)
        p.drain()
        resize = p.first_output_after(lambda: p.resize(80, 30))
        p.drain()
        if resume_percent is not None:
            p.read_until_any((b" of ",), timeout=120)  # the whole book is in and counted
            os.write(p.master, b"%")
            p.drain()
            os.write(p.master, f"{resume_percent:g}%\r".encode())
            p.drain()
        memory = p.peak_memory_kib()
        tree = p.tree_peak_kib
        os.write(p.master, b"q")
        p.drain(0.5)
        return {
            "first": first,
            "turn": statistics.median(turn_times),
            "resize": resize,
            "memory": memory,
            "tree": tree,
        }
    finally:
        p.close()


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--format", default="txt", choices=["txt", "md", "html", "epub"])
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--book", type=Path, help="read this book instead of generating one")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if args.book:
            book = args.book.resolve()
        else:
            book = make_book(tmpdir / f"novel.{args.format}", args.words, args.format)
        base_env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "NIGHTSTAND_CONFIG_DIR": str(tmpdir / "config"),
        }
        empty_t, empty_m, new_first, resumed_first, turns, resizes, mems = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        trees: list[int] = []
        for i in range(args.runs):
            t, m = run_empty(base_env)
            empty_t.append(t)
            empty_m.append(m)
            fresh = {**base_env, "NIGHTSTAND_STATE_DIR": str(tmpdir / f"state-new-{i}")}
            r = run_reader(fresh, book, resume_percent=90, turns=args.turns)
            new_first.append(r["first"])
            turns.append(r["turn"])
            resizes.append(r["resize"])
            mems.append(r["memory"])
            trees.append(int(r["tree"]))
            # The same state dir again: the reader resumes at 90 %.
            r2 = run_reader(fresh, book, resume_percent=None, turns=3)
            resumed_first.append(r2["first"])

    med = statistics.median
    e_t, e_m = med(empty_t), med(empty_m)
    what = args.book.name if args.book else f"{args.words:,} words, {args.format}"
    print(f"book: {what}; {args.runs} runs; pty 100x40")
    print(
        f"empty Textual app, first paint:  {e_t * 1000:7.1f} ms   peak memory {e_m / 1024:6.1f} MiB"
    )
    print(
        f"first page, new story:           {med(new_first) * 1000:7.1f} ms   "
        f"{med(new_first) / e_t:4.2f}x empty app"
    )
    print(
        f"first page, resumed at 90 %:     {med(resumed_first) * 1000:7.1f} ms   "
        f"{med(resumed_first) / e_t:4.2f}x empty app"
    )
    print(f"page turn (key to redraw):       {med(turns) * 1000:7.1f} ms")
    print(f"resize to redraw:                {med(resizes) * 1000:7.1f} ms")
    print(
        f"peak memory with the book open:  {med(mems) / 1024:7.1f} MiB   "
        f"{med(mems) / e_m:4.2f}x empty app"
    )
    print(f"peak memory, helpers included:   {med(trees) / 1024:7.1f} MiB   (Pss sum)")


if __name__ == "__main__":
    main()
