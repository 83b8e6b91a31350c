"""nightstand beside epy, the peer reader, timed the same way in one run.

    uv run python benchmarks/bench_peers.py [--runs 5] [--words 1000000] [--epy PATH]

epy (the ``epy-reader`` package) is installed into a throwaway environment in a temporary
folder (``uv venv`` + ``uv pip install``) unless ``--epy`` names an ``epy`` program already
installed. If it cannot be installed or run, the benchmark says why and measures nightstand
and the empty Textual app alone.

The book is a 1,000,000-word novel from ``../shared/tools/make_novel.py`` (ours when that is
absent), as plain text and EPUB for nightstand and the same EPUB for epy. Each figure is the
median of ``--runs`` fresh starts, each with its own state (nightstand's state dir, epy's
HOME):

* first page on screen: a tmux window of 100x30; the time from asking tmux for a new
  session running the program to the pane first showing the page (nightstand's status
  line, epy's percentage in its header, the empty app's text), polled with
  ``capture-pane``. "Resumed" opens the book again after the place was moved to 90 % (for
  nightstand with ``%`` ``90%``; for epy by writing chapter 90 % into its own state, as its
  keys have no percentage jump).
* page turn, key to screen change: space sent with ``send-keys`` until ``capture-pane``
  shows another screen.
* page turn, key to first output byte: the program in a pty of 100x30 (bench_reader's
  method); space written to the pty and the first byte of output timed.
* peak memory: VmHWM of the program alone; VmHWM of the program plus the VmHWM last seen
  of each process below it (nightstand's preload child), sampled every 10 ms in the pty
  run (pages the forked child shares with the program count twice); and the peak sum of
  the tree's proportional set sizes (Pss: pages a forked child shares count once). The
  pty run of nightstand ends once the whole book is in, counted and indexed (its status
  line shows the time left), so the peak of that work is in the figure.

Ratios are nightstand's figure over epy's (below 1 is faster or smaller).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_reader import EMPTY_APP, Pty, make_book  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

COLS, ROWS = 100, 30
RESUME_PERCENT = 90
# The first line of epy's screen ends with its percentage read: the page is drawn.
NIGHTSTAND_READY = re.compile(r"title page|page (?:…|\d+ of)|counting…")
EPY_READY = re.compile(r"^.*\d+%\s*$", re.MULTILINE)


# -- epy ------------------------------------------------------------------------------------


def install_epy(where: Path) -> tuple[Path | None, str]:
    """Install epy-reader into a new environment under ``where``: (the program, or None, why)."""
    uv = shutil.which("uv")
    if uv is None:
        return None, "uv is not on PATH, so epy-reader cannot be installed"
    env_dir = where / "epy-env"
    steps = [
        [uv, "venv", "-q", str(env_dir)],
        [uv, "pip", "install", "-q", "--python", str(env_dir / "bin" / "python"), "epy-reader"],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return None, f"`{' '.join(step[:3])}` took more than 300 s"
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            return None, f"`{' '.join(step[:3])}` failed: {last}"
    program = env_dir / "bin" / "epy"
    return (program, "installed") if program.exists() else (None, "no epy program installed")


def check_epy(program: Path) -> str | None:
    """None if ``program --version`` runs, else why not."""
    try:
        done = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"epy does not run: {exc}"
    if done.returncode != 0:
        return f"epy --version failed: {(done.stderr or done.stdout).strip()[-200:]}"
    return None


def epy_state(home: Path) -> Path:
    """Where epy keeps its reading state for this HOME (see epy_reader.models.AppData)."""
    config = home / ".config"
    return (config / "epy" if config.is_dir() else home / ".epy") / "states.db"


def epy_move_to(home: Path, book: Path, percent: int) -> None:
    """Put epy's saved place in ``book`` at the chapter ``percent`` through the spine."""
    with zipfile.ZipFile(book) as z:
        chapters = sum(1 for n in z.namelist() if n.endswith(".xhtml") and "/ch" in n)
    index = max(0, chapters * percent // 100)
    db = sqlite3.connect(epy_state(home))
    try:
        changed = db.execute(
            "UPDATE reading_states SET content_index=?, row=0, rel_pctg=0 WHERE filepath=?",
            (index, str(book)),
        ).rowcount
        db.commit()
    finally:
        db.close()
    if changed != 1:
        raise RuntimeError("epy saved no place for the book; cannot resume it")


# -- tmux -----------------------------------------------------------------------------------


class Tmux:
    """A private tmux server; each program runs in a session of its own, COLS x ROWS."""

    def __init__(self, tmp: Path) -> None:
        self.socket = str(tmp / "tmux.sock")
        self.count = 0
        self.tmux("new-session", "-d", "-s", "base", "-x", str(COLS), "-y", str(ROWS))
        self.tmux("set-option", "-g", "remain-on-exit", "on")

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def start(self, argv: list[str], env: dict[str, str]) -> tuple[str, float]:
        """Start ``argv`` in a new session; (its name, the time just before asking)."""
        self.count += 1
        name = f"run{self.count}"
        command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), *argv])
        t0 = time.perf_counter()
        self.tmux("new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(ROWS), command)
        return name, t0

    def screen(self, name: str) -> str:
        return self.tmux("capture-pane", "-p", "-t", name)

    def wait(self, name: str, ready: Callable[[str], bool], timeout: float = 120) -> float:
        """Poll the pane until ``ready(screen)``; the time it first held."""
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.screen(name)
            now = time.perf_counter()
            if ready(screen):
                return now
            if now > deadline:
                raise TimeoutError(f"{name}: not ready; screen:\n{screen}")
            time.sleep(0.002)

    def settle(self, name: str, quiet: float = 0.3) -> str:
        """Wait until the pane has not changed for ``quiet`` seconds; its screen."""
        last, since = self.screen(name), time.perf_counter()
        while time.perf_counter() - since < quiet:
            time.sleep(0.02)
            now = self.screen(name)
            if now != last:
                last, since = now, time.perf_counter()
        return last

    def turn(self, name: str, key: str = "Space") -> float:
        """Send ``key`` and time it until the pane shows another screen."""
        before = self.settle(name)
        t0 = time.perf_counter()
        self.tmux("send-keys", "-t", name, key)
        return self.wait(name, lambda s: s != before, timeout=30) - t0

    def keys(self, name: str, *keys: str) -> None:
        self.tmux("send-keys", "-t", name, *keys)

    def finish(self, name: str, quit_key: str = "q") -> None:
        """Quit the program (so it saves its place) and close its session."""
        self.keys(name, quit_key)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            if self.tmux("display-message", "-p", "-t", name, "#{pane_dead}").strip() == "1":
                break
            time.sleep(0.02)
        self.tmux("kill-session", "-t", name)

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.tmux("kill-server")


# -- the programs ---------------------------------------------------------------------------


@dataclass
class Reader:
    """One column of the table: how to start it and how to see its page."""

    label: str
    argv: list[str]
    ready: Callable[[str], bool]
    ready_bytes: bytes | None
    """What the pty output holds once the page is drawn (None: wait for quiet)."""
    kind: str
    """"nightstand", "epy" or "empty"."""
    book: Path | None = None
    figures: dict[str, list[float]] = field(default_factory=dict)

    def add(self, what: str, value: float) -> None:
        self.figures.setdefault(what, []).append(value)

    def median(self, what: str) -> float | None:
        values = self.figures.get(what)
        return statistics.median(values) if values else None


def state_env(reader: Reader, base: dict[str, str], where: Path) -> dict[str, str]:
    """The environment of one fresh start: its own state."""
    where.mkdir(parents=True, exist_ok=True)
    if reader.kind == "epy":
        return {**base, "HOME": str(where)}
    return {**base, "NIGHTSTAND_STATE_DIR": str(where / "state")}


def first_pages(tmux: Tmux, reader: Reader, env: dict[str, str], state: Path, turns: int) -> None:
    """One fresh start in tmux: the first page, page turns, then resumed at 90 %."""
    name, t0 = tmux.start(reader.argv, env)
    reader.add("first_new", tmux.wait(name, reader.ready) - t0)
    if reader.kind == "empty":
        tmux.tmux("kill-session", "-t", name)
        return
    if reader.kind == "nightstand":
        tmux.turn(name)  # off the title page of a new story, onto the text
    for _ in range(turns):
        reader.add("turn_tmux", tmux.turn(name))
    if reader.kind == "nightstand":
        tmux.keys(name, "%")
        tmux.settle(name, 0.2)
        tmux.keys(name, f"{RESUME_PERCENT}%", "Enter")
        tmux.settle(name, 0.2)
    tmux.finish(name)
    if reader.kind == "epy":
        assert reader.book is not None
        epy_move_to(state, reader.book, RESUME_PERCENT)
    name, t0 = tmux.start(reader.argv, env)
    reader.add("first_resumed", tmux.wait(name, reader.ready) - t0)
    screen = tmux.settle(name)
    if reader.kind == "nightstand" and f"{RESUME_PERCENT}%" not in screen:
        raise RuntimeError(f"{reader.label} did not resume at {RESUME_PERCENT} %:\n{screen}")
    tmux.finish(name)


def tree_vmhwm(root: int, seen: dict[int, int]) -> None:
    """Note the VmHWM (KiB) of ``root`` and every process below it in ``seen``."""
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                seen[pid] = max(seen.get(pid, 0), int(line.split()[1]))
        stack.extend(int(k) for k in kids)


SETTLED = b" left in "
"""nightstand's status line once the whole book is in, its pages counted, its words indexed."""


def pty_run(reader: Reader, env: dict[str, str], turns: int) -> None:
    """One fresh start in a pty: key to first output byte, and peak memory."""
    p = Pty(reader.argv, env, COLS, ROWS)
    p.sample_tree()
    seen: dict[int, int] = {}

    def sample() -> None:
        while p.proc.poll() is None:
            tree_vmhwm(p.proc.pid, seen)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        if reader.ready_bytes is not None:
            p.read_until(reader.ready_bytes, timeout=120)
        else:
            p.read_until(b"%", timeout=120)
        p.drain(0.3)
        if reader.kind != "empty":
            if reader.kind == "nightstand":
                os.write(p.master, b" ")  # off the title page
                p.drain(0.3)
            times = [p.first_output_after(lambda: os.write(p.master, b" ")) for _ in range(turns)]
            reader.add("turn_pty", statistics.median(times))
            p.drain(0.3)
            if reader.kind == "nightstand":
                # The peak may come after the turns: the whole book read, counted, indexed.
                p.read_until(SETTLED, timeout=120)
                p.drain(0.5)
        tree_vmhwm(p.proc.pid, seen)
        reader.add("memory_own", seen[p.proc.pid] / 1024)
        reader.add("memory", sum(seen.values()) / 1024)
        reader.add("pss", p.tree_peak_kib / 1024)
    finally:
        p.close()


# -- the table ------------------------------------------------------------------------------

ROWS_SHOWN = [
    ("first_new", "first page, new (s)", 1.0),
    ("first_resumed", f"first page, resumed at {RESUME_PERCENT} % (s)", 1.0),
    ("turn_tmux", "page turn, key to screen change, tmux (ms)", 1000.0),
    ("turn_pty", "page turn, key to first output byte, pty (ms)", 1000.0),
    ("memory_own", "peak memory of the program alone, VmHWM (MiB)", 1.0),
    ("memory", "peak memory, VmHWM + children (MiB)", 1.0),
    ("pss", "peak Pss of the process tree (MiB)", 1.0),
]


def print_table(readers: list[Reader], epy: Reader | None) -> None:
    label_width = max(len(label) for _, label, _ in ROWS_SHOWN)
    ratio_cols = [r for r in readers if r.kind == "nightstand"] if epy else []
    head = "".join(f"{r.label:>17}" for r in readers)
    head += "".join(f"{r.label + '/epy':>22}" for r in ratio_cols)
    print(f"{'':{label_width}}{head}")
    for key, label, scale in ROWS_SHOWN:
        cells = ""
        for r in readers:
            value = r.median(key)
            cells += f"{'—':>17}" if value is None else f"{value * scale:>17.3g}"
        for r in ratio_cols:
            mine, theirs = r.median(key), epy.median(key) if epy else None
            cells += f"{'—':>22}" if not mine or not theirs else f"{mine / theirs:>21.2f}x"
        print(f"{label:{label_width}}{cells}")


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--turns", type=int, default=10, help="page turns timed in each start")
    ap.add_argument("--epy", type=Path, help="an installed epy program to use")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("bench_peers: tmux is needed for the first-page and screen-change figures")

    with tempfile.TemporaryDirectory(prefix="nightstand-peers-") as tmp_name:
        tmp = Path(tmp_name)
        txt = make_book(tmp / "novel.txt", args.words, "txt")
        epub = make_book(tmp / "novel.epub", args.words, "epub")
        if args.epy:
            epy_program: Path | None = args.epy.resolve()
            why = "given with --epy"
        else:
            epy_program, why = install_epy(tmp)
        if epy_program is not None:
            broken = check_epy(epy_program)
            if broken:
                epy_program, why = None, broken
        print(f"epy: {why}" + ("" if epy_program else "; measuring nightstand alone"))

        def is_nightstand_page(screen: str) -> bool:
            # The status line: "title page" on a new story, "page N of M" once resumed.
            return NIGHTSTAND_READY.search(screen) is not None

        nightstand = [sys.executable, "-m", "nightstand"]
        readers = [
            Reader(
                "nightstand txt", [*nightstand, str(txt)], is_nightstand_page, b"page", "nightstand"
            ),
            Reader(
                "nightstand EPUB",
                [*nightstand, str(epub)],
                is_nightstand_page,
                b"page",
                "nightstand",
            ),
        ]
        epy: Reader | None = None
        if epy_program is not None:
            epy = Reader(
                "epy EPUB",
                [str(epy_program), str(epub)],
                lambda s: EPY_READY.search(s.split("\n", 1)[0]) is not None,
                None,
                "epy",
                book=epub,
            )
            readers.append(epy)
        empty = Reader(
            "empty Textual",
            [sys.executable, "-c", EMPTY_APP],
            lambda s: "empty app ready" in s,
            b"empty app ready",
            "empty",
        )
        readers.append(empty)

        base = {
            "PATH": os.environ.get("PATH", ""),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "NIGHTSTAND_CONFIG_DIR": str(tmp / "config"),
        }
        tmux = Tmux(tmp)
        try:
            for run in range(args.runs):
                for reader in readers:
                    where = tmp / f"{reader.kind}-{reader.label.replace(' ', '_')}-{run}"
                    env = state_env(reader, base, where)
                    first_pages(tmux, reader, env, where, args.turns)
                    pty_env = state_env(reader, base, where.with_name(where.name + "-pty"))
                    pty_run(reader, pty_env, args.turns)
                print(f"run {run + 1} of {args.runs} done", file=sys.stderr)
        finally:
            tmux.close()

    print(
        f"book: {args.words:,} words (txt and EPUB); medians of {args.runs} fresh starts; "
        f"tmux and pty {COLS}x{ROWS}; {args.turns} turns a start"
    )
    print_table(readers, epy)


if __name__ == "__main__":
    main()
