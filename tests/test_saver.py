"""The position saver writes the newest request, off the caller's thread, and flushes on exit."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.saver import PositionSaver
from nightstand.story import Story, StoryBuilder
from waiting import wait_until

if TYPE_CHECKING:
    from nightstand.state import PartialPlace


class _Sink:
    def __init__(self, gate: threading.Event | None = None) -> None:
        self.saved: list[int] = []
        self.threads: set[str] = set()
        self._gate = gate

    def save_position(
        self,
        key: str,
        path: Path,
        story: Story,
        offset: int,
        percent: float | None = None,
        partial: PartialPlace | None = None,
    ) -> None:
        if self._gate is not None:
            self._gate.wait(5)
        self.threads.add(threading.current_thread().name)
        self.saved.append(offset)


def _story() -> Story:
    b = StoryBuilder()
    b.paragraph("x")
    return b.build(title="t")


def test_requests_are_coalesced_to_the_newest() -> None:
    gate = threading.Event()
    sink = _Sink(gate)
    saver = PositionSaver(sink)
    story = _story()
    saver.submit("k", Path("p"), story, 1)  # the thread picks this one and blocks on the gate
    for offset in range(2, 50):
        saver.submit("k", Path("p"), story, offset)
    gate.set()
    saver.close()
    assert sink.saved[-1] == 49
    assert len(sink.saved) <= 3


def test_writes_happen_on_the_saver_thread() -> None:
    sink = _Sink()
    saver = PositionSaver(sink)
    saver.submit("k", Path("p"), _story(), 7)
    wait_until(lambda: sink.saved, "the saver thread to write")
    saver.close()
    assert sink.saved == [7]
    assert sink.threads == {"nightstand-saver"}


def test_flush_writes_pending_on_the_calling_thread() -> None:
    gate = threading.Event()
    sink = _Sink(gate)
    saver = PositionSaver(sink)
    saver.submit("k", Path("p"), _story(), 1)
    saver.submit("k", Path("p"), _story(), 2)
    gate.set()
    saver.flush()
    saver.close()
    assert sink.saved[-1] == 2


def test_a_turn_in_one_story_never_drops_anothers_last_place() -> None:
    gate = threading.Event()
    sink = _Sink(gate)
    saver = PositionSaver(sink)
    story = _story()
    saver.submit("a", Path("a"), story, 1)  # taken by the thread, which waits at the gate
    saver.submit("a", Path("a"), story, 5)
    saver.submit("b", Path("b"), story, 9)
    gate.set()
    saver.close()
    assert 5 in sink.saved and 9 in sink.saved
