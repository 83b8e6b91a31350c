"""Helpers for Pilot tests: bounded waits on states, and what one widget shows.

Waits are on a state, never a fixed time, and never without an upper bound.

A worker that never finishes (a stuck thread, a deadlock) must fail the one test that
waits on it, not hang the whole run. Every wait here gives up after ``BOUND`` seconds,
which is generous for a busy 2-core machine.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from textual.pilot import Pilot
    from textual.widget import Widget

BOUND = 30.0
"""Seconds any one wait may take before the test fails."""


async def bounded(awaitable: Awaitable[object], what: str, bound: float = BOUND) -> None:
    """Await ``awaitable``; fail the test if it takes longer than ``bound`` seconds."""
    try:
        await asyncio.wait_for(awaitable, bound)
    except TimeoutError:
        raise AssertionError(f"{what}: still waiting after {bound:g} s") from None


async def settle(pilot: Pilot[None], bound: float = BOUND) -> None:
    """Let background work (page count, index, saves, scans) finish, within ``bound``."""
    await bounded(pilot.pause(), "the app did not go idle", bound)
    await bounded(pilot.app.workers.wait_for_complete(), "a worker did not finish", bound)
    await bounded(pilot.pause(), "the app did not go idle", bound)


async def wait_until(
    pilot: Pilot[None], ready: Callable[[], object], what: str, bound: float = BOUND
) -> None:
    """Let the app run until ``ready()`` is true; fail after ``bound`` seconds."""
    deadline = time.monotonic() + bound
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not so after {bound:g} s")
        # Poll: let the app process what is queued, then look again shortly after.
        await pilot.pause()
        await asyncio.sleep(0.01)


def widget_text(widget: Widget) -> str:
    """The text one widget draws, row by row: not what a screen behind it shows."""
    rows = []
    for y in range(widget.size.height):
        strip = widget.render_line(y)
        rows.append("".join(segment.text for segment in strip).replace("\u00a0", " ").rstrip())
    return "\n".join(rows)
