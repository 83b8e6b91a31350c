"""Waiting for what a test can observe, never for a length of time.

Every end-to-end and Pilot test waits through these: a condition on something the test can
see (text on a screen, a file written, a row in the database, a process gone) is polled
until it holds, up to a generous bound. On a busy machine a wait only takes longer; it
fails only when the state never comes, and then it says what it was waiting for and what
it saw last. The bound is tens of seconds because a loaded 2-core machine can stall a
start-up for many seconds; the per-test bound of pytest-timeout (pyproject.toml) catches
what hangs outright.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable


T = TypeVar("T")

#: How long a test waits for a state that usually comes in well under a second.
PATIENCE = 60.0
#: How often the condition is looked at again.
POLL = 0.02


def wait_until(
    probe: Callable[[], T],
    what: str,
    *,
    timeout: float = PATIENCE,
    show: Callable[[], object] | None = None,
) -> T:
    """Call ``probe`` until it returns something true; return that.

    ``what`` names the awaited state in the failure message; ``show`` (when given) is
    called at the end to show what was there instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"; last seen:\n{show()}" if show is not None else ""
            raise AssertionError(f"waited {timeout:.0f} s for {what}{seen}")
        time.sleep(POLL)


def process_gone(pid: int) -> bool:
    """Whether a process has ended (a zombie counts: a container's init may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def wait_for_exit(pid: int, what: str = "the program to end", *, timeout: float = PATIENCE) -> None:
    """Wait until process ``pid`` has ended."""
    wait_until(lambda: process_gone(pid), f"{what} (pid {pid})", timeout=timeout)


def status_page(screen: str) -> int | None:
    """The page the reader's status line shows: 0 on a title page, None while it has none."""
    for line in screen.splitlines():
        words = line.split()
        if words[:2] == ["title", "page"]:
            return 0
        if len(words) >= 4 and words[0] == "page" and words[2] == "of":
            return int(words[1]) if words[1].isdigit() else None
    return None
