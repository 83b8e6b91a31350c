"""Leaving on SIGHUP, SIGTERM and SIGINT within a bound, at any instant from launch to quit.

The reader's own way out (Textual's shutdown) runs first, but it writes to the terminal,
and a terminal that has been closed can leave that write waiting for ever. So a signal
also starts a watchdog: after :data:`GRACE` seconds it runs the clean-ups itself (save the
place, close the database, stop the loader child) on a thread of its own, waits at most
:data:`CLEANUP_LIMIT` seconds for them, and ends the process with ``os._exit``, whatever
the rest of the program is doing. On SIGHUP the standard output and error are pointed at
``/dev/null`` first, so nothing more is written to a terminal that is gone.

Before the app runs there is no page on screen to save: a signal then runs the clean-ups
and exits at once. This module is pure Python (no Textual).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

SIGNALS = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
GRACE = 0.6  # seconds the program's own shutdown gets before the watchdog takes over
CLEANUP_LIMIT = 0.3  # seconds the clean-ups get before the process ends regardless


class Shutdown:
    """The process's signal handlers and what must happen before it ends.

    ``cleanups`` run once, in order, whoever ends the process (the main thread after an
    orderly shutdown, or the watchdog). ``on_signal``, while set, asks the running app to
    leave; it must be safe to call from a signal handler (``loop.call_soon_threadsafe``).
    """

    def __init__(self, grace: float = GRACE, cleanup_limit: float = CLEANUP_LIMIT) -> None:
        self.grace = grace
        self.cleanup_limit = cleanup_limit
        self.signum: int | None = None
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
        if signum == signal.SIGHUP:
            detach_terminal()
        ask = self.on_signal
        if ask is None:
            self.finish()
        threading.Thread(target=self._watchdog, name="nightstand-exit", daemon=True).start()
        with contextlib.suppress(Exception):
            ask(signum)

    def _watchdog(self) -> None:
        if self._done.wait(self.grace):
            return  # the main thread is finishing
        self.finish()

    def finish(self) -> NoReturn:
        """Run the clean-ups on a thread of their own, wait a bounded time, and end the
        process with the signal's exit code."""
        self._done.set()
        worker = threading.Thread(target=self.run_cleanups, name="nightstand-cleanup")
        worker.daemon = True
        worker.start()
        worker.join(self.cleanup_limit)
        hard_exit(self.exit_code)

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


def hard_exit(code: int) -> NoReturn:
    """End the process now, without waiting for any thread (the state is written)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
