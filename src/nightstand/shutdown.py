"""Leaving on SIGHUP, SIGTERM and SIGINT within a bound, at any instant from launch to quit.

On SIGTERM and SIGINT the reader's own way out (Textual's shutdown, which puts the
terminal back as it was) runs first; but it writes to the terminal, and such a write can
wait for ever (see docs/design.md, "Leaving"). So a signal also starts a watchdog: after
:data:`GRACE` seconds it runs the clean-ups itself (save the place, close the database,
stop the loader child) on a thread of its own, waits for them until :data:`LIMIT` seconds
after the signal, and ends the process with ``os._exit``, whatever the rest of the program
is doing. Only a clean-up marked :meth:`Shutdown.essential` (writing the place) that is
still running then is waited for longer, up to :data:`ESSENTIAL_LIMIT` seconds: the first
write of a long book's session counts its words, which a busy machine can slow down.
On SIGHUP there is no terminal left to put back: standard output and error are pointed
at ``/dev/null`` (nothing more reaches the terminal that is gone) and the watchdog does
not wait at all.

Before the app runs there is no page on screen to save: a signal then runs the clean-ups
and exits at once. This module is pure Python (no Textual).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable
    from types import FrameType

SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
GRACE = 0.5  # seconds the program's own shutdown gets before the watchdog takes over
LIMIT = 0.95  # seconds after the signal by which the process ends, clean-ups done or not
ESSENTIAL_LIMIT = 3.0  # ... unless an essential clean-up is still running


class Shutdown:
    """The process's signal handlers and what must happen before it ends.

    ``cleanups`` run once, in order, whoever ends the process (the main thread after an
    orderly shutdown, or the watchdog). ``on_signal``, while set, asks the running app to
    leave; it must be safe to call from a signal handler (``loop.call_soon_threadsafe``).
    """

    def __init__(self, grace: float = GRACE, limit: float = LIMIT) -> None:
        self.grace = grace
        self.limit = limit
        self.signum: int | None = None
        self._deadline = 0.0
        self._essential = threading.Event()
        self.cleanups: list[Callable[[], None]] = []
        self.on_signal: Callable[[int], None] | None = None
        self._done = threading.Event()
        self._cleaned = threading.Lock()
        self._cleaned_up = False
        self._previous: dict[int, object] = {}

    @property
    def terminal_gone(self) -> bool:
        """Whether the terminal hung up (nothing more may be written to it)."""
        return self.signum == signal.SIGHUP

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 plus the signal's number."""
        return 128 + (self.signum or 0)

    def install(self) -> None:
        """Handle SIGHUP, SIGTERM and SIGINT from now on (call on the main thread)."""
        for sig in SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)

    def uninstall(self) -> None:
        """Put back the handlers that were there before :meth:`install`."""
        for sig, previous in self._previous.items():
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(sig, previous)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        """The signal handler: runs on the main thread between two bytecodes.

        It takes no lock the interrupted code may hold: it records the signal, detaches
        a gone terminal, and either asks the app to leave (with the watchdog behind it)
        or, when no app is running, ends the process through :meth:`finish`.
        """
        if self.signum is not None:
            return  # already on the way out; the watchdog bounds it
        self.signum = signum
        self._deadline = time.monotonic() + self.limit
        if signum == signal.SIGHUP:
            detach_terminal()
        ask = self.on_signal
        if ask is None:
            self.finish()
        # The app is asked before the watchdog starts: on SIGHUP the watchdog does not
        # wait, and started first it could run the clean-ups before the app was asked.
        with contextlib.suppress(Exception):
            ask(signum)
        threading.Thread(target=self._watchdog, name="nightstand-exit", daemon=True).start()

    def _watchdog(self) -> None:
        grace = 0.0 if self.terminal_gone else self.grace
        if self._done.wait(grace):
            return  # the main thread is finishing
        self.finish()

    def finish(self) -> NoReturn:
        """Run the clean-ups on a thread of their own, wait a bounded time, and end the
        process with the signal's exit code."""
        self._done.set()
        worker = threading.Thread(target=self.run_cleanups, name="nightstand-cleanup")
        worker.daemon = True
        worker.start()
        deadline = self._deadline or time.monotonic() + self.limit
        worker.join(max(deadline - time.monotonic(), 0.05))
        if worker.is_alive() and self._essential.is_set():
            worker.join(max(deadline - self.limit + ESSENTIAL_LIMIT - time.monotonic(), 0.05))
        hard_exit(self.exit_code)

    def essential(self, cleanup: Callable[[], None]) -> Callable[[], None]:
        """``cleanup`` as one the exit waits for past :data:`LIMIT` if it is running."""

        def run() -> None:
            self._essential.set()
            try:
                cleanup()
            finally:
                self._essential.clear()

        return run

    def run_cleanups(self) -> None:
        """Run the clean-ups once, in order; a failing one does not stop the others."""
        with self._cleaned:
            if self._cleaned_up:
                return
            self._cleaned_up = True
            for cleanup in self.cleanups:
                with contextlib.suppress(Exception):
                    cleanup()


def detach_terminal() -> None:
    """Point standard output and error at /dev/null: writes succeed and go nowhere."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
        os.close(null)


def watch_terminal(fd: int) -> None:
    """Treat the terminal on ``fd`` hanging up as SIGHUP, even when it sends none.

    A terminal sends SIGHUP when it closes only to the processes it is the controlling
    terminal of. A reader started without one (``setsid``, some editors' terminals, a
    test harness) whose terminal closes got no signal: its reads failed at once, for ever,
    and it spun at a core's worth of work with nobody to see it. A daemon thread waits in
    ``poll`` (no work while the terminal is there) and on a hang-up signals this process,
    so the hang-up takes the one way out SIGHUP already takes.
    """
    import select

    def wait() -> None:
        poller = select.poll()
        poller.register(fd, 0)  # only hang-ups and errors, which poll always reports
        while True:
            try:
                events = poller.poll()
            except InterruptedError:
                continue
            except OSError:
                return
            gone = select.POLLHUP | select.POLLERR | select.POLLNVAL
            if any(mask & gone for _, mask in events):
                os.kill(os.getpid(), signal.SIGHUP)
                return

    threading.Thread(target=wait, name="nightstand-terminal", daemon=True).start()


def hard_exit(code: int) -> NoReturn:
    """End the process now, without waiting for any thread (the state is written)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def wake_loop_on_signals(loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Make any signal wake ``loop``, so its Python handler runs at once; return the undo.

    Python runs a signal's handler on the main thread, between two bytecodes. The kernel
    may deliver a signal to any thread, though, and when it lands on another one (Textual's
    input or writer thread, the saver) while the main thread idles in the event loop's
    ``epoll_wait`` with nothing scheduled, the handler waits for the next event: a resize
    (SIGWINCH) was then never drawn and a SIGTERM never acted on. A wake-up descriptor makes
    the C-level handler write to a socket the loop watches, whichever thread it runs on.
    Call on the main thread, from inside the running loop.
    """
    import socket

    receive, send = socket.socketpair()
    receive.setblocking(False)
    send.setblocking(False)

    def drain() -> None:
        with contextlib.suppress(OSError):
            while receive.recv(4096):
                pass

    try:
        previous = signal.set_wakeup_fd(send.fileno(), warn_on_full_buffer=False)
    except ValueError:  # not the main thread
        receive.close()
        send.close()
        return lambda: None
    loop.add_reader(receive.fileno(), drain)

    def undo() -> None:
        with contextlib.suppress(ValueError):
            current = signal.set_wakeup_fd(previous)
            if current != send.fileno():
                signal.set_wakeup_fd(current)  # somebody set their own since: keep theirs
        with contextlib.suppress(Exception):
            loop.remove_reader(receive.fileno())
        receive.close()
        send.close()

    return undo
