"""Signals end the process whatever its main thread is stuck in; the loader child dies with it.

Each case runs a small program in a child process (signals and ``os._exit`` cannot be tried
inside pytest's own process) and waits, with a generous bound, for what it must do.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from nightstand.shutdown import wake_loop_on_signals
from waiting import wait_until

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and POSIX signals")

# The main thread waits for ever on a full queue with no reader: Textual's shutdown writing
# to a terminal that hung up. It prints "ready" once the handlers are in place.
STUCK = """
import os, queue, sys, time
from pathlib import Path
from nightstand.shutdown import Shutdown

out = Path(sys.argv[1])
guard = Shutdown()
guard.install()
asked = []
def save() -> None:
    time.sleep(float(os.environ.get("SAVE_TAKES", "0")))
    out.write_text(f"saved after {asked}")
guard.cleanups.append(guard.essential(save))
if os.environ.get("APP_RUNNING"):
    guard.on_signal = asked.append
print("ready", flush=True)
stuck = queue.Queue(1)
stuck.put(None)
stuck.put(None)
"""


def run_stuck(tmp_path: Path, sig: int, **env: str) -> tuple[int, str]:
    """Start the stuck program, signal it, and return its exit status and what it saved."""
    out = tmp_path / "saved.txt"
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK, str(out)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src"), **env},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(sig)
        code = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, out.read_text() if out.exists() else ""


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_a_stuck_app_after_saving(tmp_path: Path, sig: int) -> None:
    code, saved = run_stuck(tmp_path, sig, APP_RUNNING="1")
    assert code == 128 + sig
    assert saved == f"saved after [{int(sig)}]"  # the app was asked first, then it saved


def test_a_signal_before_the_app_runs_ends_the_process(tmp_path: Path) -> None:
    code, saved = run_stuck(tmp_path, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM
    assert saved == "saved after []"


def test_a_slow_save_is_waited_for(tmp_path: Path) -> None:
    # Longer than the limit the other clean-ups get, shorter than the essential one's.
    code, saved = run_stuck(tmp_path, signal.SIGHUP, APP_RUNNING="1", SAVE_TAKES="1.5")
    assert code == 128 + signal.SIGHUP
    assert saved.startswith("saved")


# A preloading parent whose loader takes an hour; once the child is loading, the parent
# prints the child's id, then cancels or simply exits.
LOADER = """
import os, sys, time
from pathlib import Path
import nightstand.formats
from nightstand.preload import Preload

started = Path(sys.argv[3])
def slow(*args, **kwargs):
    started.write_text("loading")
    time.sleep(3600)
nightstand.formats.load = slow
preload = Preload(sys.argv[1])
while not started.exists():
    time.sleep(0.01)
print(preload._pid, flush=True)
if sys.argv[2] == "cancel":
    preload.cancel()
    print("cancelled", flush=True)
os._exit(0)
"""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _loader(tmp_path: Path, action: str) -> tuple[int, list[str]]:
    story = tmp_path / "s.txt"
    story.write_text("Title: T\n\nSome text.\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", LOADER, str(story), action, str(tmp_path / "started")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        check=True,
    )
    lines = result.stdout.split()
    return int(lines[0]), lines[1:]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_the_loader_child_dies_with_its_parent(tmp_path: Path) -> None:
    child, _ = _loader(tmp_path, "exit")
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _alive(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail("the loader child outlived its parent")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_cancel_stops_a_busy_loader_child(tmp_path: Path) -> None:
    child, rest = _loader(tmp_path, "cancel")
    assert rest == ["cancelled"]
    assert not _alive(child)


def test_the_guard_is_installed_and_removed() -> None:
    from nightstand.shutdown import Shutdown

    before = signal.getsignal(signal.SIGTERM)
    guard = Shutdown()
    guard.install()
    try:
        assert signal.getsignal(signal.SIGTERM) == guard._handle
    finally:
        guard.uninstall()
    assert signal.getsignal(signal.SIGTERM) == before


def _signal_on_another_thread_while_the_loop_idles(wake: bool) -> bool:
    """Whether a signal delivered to a thread other than the main one had its (main-thread)
    handler run while the main thread's event loop had nothing scheduled."""
    ran = threading.Event()
    verdict: list[bool] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        undo = wake_loop_on_signals(loop) if wake else (lambda: None)
        previous = signal.signal(signal.SIGUSR1, lambda _s, _f: ran.set())
        done = asyncio.Event()

        def elsewhere() -> None:
            # Only once the main thread sleeps in the loop's epoll_wait: a signal that comes
            # while it runs Python has its handler run at the next bytecode anyway.
            wchan = Path(f"/proc/self/task/{threading.main_thread().native_id}/wchan")
            wait_until(lambda: wchan.read_text() == "do_epoll_wait", "the loop to idle")
            signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)
            verdict.append(ran.wait(30))  # the main thread has nothing else to wake it
            loop.call_soon_threadsafe(done.set)

        try:
            threading.Thread(target=elsewhere).start()
            await done.wait()
        finally:
            signal.signal(signal.SIGUSR1, previous)
            undo()

    asyncio.run(main())
    return verdict == [True]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
def test_a_signal_caught_by_another_thread_wakes_the_idle_loop() -> None:
    # The 10x5 step of the tmux run once waited in vain: the resize's SIGWINCH had landed on
    # Textual's input thread while the loop slept with nothing scheduled.
    assert _signal_on_another_thread_while_the_loop_idles(wake=True)
    assert signal.set_wakeup_fd(-1) == -1  # and the wake-up is undone


def test_a_closed_terminal_ends_a_reader_it_does_not_control(tmp_path: Path) -> None:
    # Started in a session of its own (setsid, some editors' terminals): the terminal is not
    # its controlling terminal, so closing it sends no SIGHUP. The reader spun at most of a
    # core for ever; now it takes the way out a hang-up takes.
    story = tmp_path / "story.txt"
    story.write_text("Title: Alone\n\nA page of one line.\n", encoding="utf-8")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("hhhh", 24, 80, 0, 0))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "NIGHTSTAND_STATE_DIR": str(tmp_path / "state"),
        "NIGHTSTAND_CONFIG_DIR": str(tmp_path / "config"),
    }
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "nightstand", str(story)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    os.set_blocking(master, False)

    def drawn() -> bool:
        with contextlib.suppress(BlockingIOError, OSError):
            seen.extend(os.read(master, 65536))
        return b"page" in seen

    try:
        wait_until(drawn, "the first page")
        os.close(master)
        assert proc.wait(30) == 128 + signal.SIGHUP
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
