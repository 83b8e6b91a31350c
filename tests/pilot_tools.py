"""Helpers for Pilot tests: bounded waits on states, and what one widget shows.

Waits are on a state, never a fixed time, and never without an upper bound.

A worker that never finishes (a stuck thread, a deadlock) must fail the one test that
waits on it, not hang the whole run. Every wait here gives up after ``BOUND`` seconds,
which is generous for a busy 2-core machine.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from textual.pilot import Pilot
    from textual.widget import Widget

T = TypeVar("T")

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
    pilot: Pilot[Any],
    ready: Callable[[], T],
    what: str,
    bound: float = BOUND,
    *,
    show: Callable[[], object] | None = None,
) -> T:
    """Let the app run until ``ready()`` is true and return it; fail after ``bound`` seconds.

    ``show``, when given, says what was last seen in the failure message.
    """
    deadline = time.monotonic() + bound
    while not (value := ready()):
        if time.monotonic() > deadline:
            seen = f"; last seen:\n{show()}" if show is not None else ""
            raise AssertionError(f"{what}: not so after {bound:g} s{seen}")
        # Poll: let the app process what is queued, then look again shortly after.
        await pilot.pause()
        await asyncio.sleep(0.01)
    return value


def widget_text(widget: Widget) -> str:
    """The text one widget draws, row by row: not what a screen behind it shows."""
    rows = []
    for y in range(widget.size.height):
        strip = widget.render_line(y)
        rows.append("".join(segment.text for segment in strip).replace("\u00a0", " ").rstrip())
    return "\n".join(rows)
