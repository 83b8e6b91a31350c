"""The reader's background work: the first page's place saved early, workers that stop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from nightstand.ui.reader import ReaderScreen

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.ui.app import NightstandApp

SIZE = (80, 24)


async def test_the_first_page_is_saved_while_the_reader_is_open(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        key = screen.opened.key
        # No key pressed and no exit: a kill from here on must still find the place saved.
        for _ in range(400):
            if app.store.position(key) is not None:
                break
            await asyncio.sleep(0.025)
        saved = app.store.position(key)
        assert saved is not None
        assert saved.offset == screen.reading_position


async def test_a_new_layout_shows_its_own_page_count(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("space")  # from the title page to page 1, where the count shows
        await pilot.resize_terminal(70, 22)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        # The count shown is the new layout's: the old one's was cancelled or ignored.
        paginator = screen.paginator
        assert paginator is not None
        total = paginator.page_count()
        assert total is not None
        assert f"of {total}" in str(screen.query_one("#status").render())
