"""After a resize, a marker in the margin shows the line holding the reader's place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from test_reader import open_on_page, reader, screen_text, settle

from nightstand.ui.page_view import PageView

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest
    from textual.pilot import Pilot

    from nightstand.ui.app import NightstandApp


def marked_line(pilot: Pilot[None]) -> str | None:
    """The text of the screen row carrying the marker, or None."""
    rows = [row for row in screen_text(pilot).splitlines() if PageView.MARKER in row]
    assert len(rows) <= 1
    return rows[0] if rows else None


async def test_resize_marks_the_place_until_the_next_key(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_on_page(pilot, 5)
        view = pilot.app.screen.query_one(PageView)
        assert view.marker_row is None  # opening and turning pages mark nothing
        assert marked_line(pilot) is None
        anchor = reader(pilot).reading_position
        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        row = view.marker_row
        page = reader(pilot).page
        assert row is not None and page is not None
        # The marked line is the one holding the anchor: it starts at or before it, and the
        # next line with text starts after it.
        assert page.lines[row].offset <= anchor
        later = [line.offset for line in page.lines[row + 1 :] if line.segments]
        assert not later or later[0] > anchor
        shown = marked_line(pilot)
        assert shown is not None
        assert page.lines[row].text.replace("\u00a0", " ").split()[0] in shown
        # Any key takes it away, and the key still works (x does nothing, space turns).
        await pilot.press("x")
        await pilot.pause()
        assert view.marker_row is None
        assert marked_line(pilot) is None
        assert reader(pilot).reading_position == anchor


async def test_the_marker_fades_by_itself(
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PageView, "MARK_SECONDS", 0.05)
    app = make_app(story_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_on_page(pilot, 3)
        view = pilot.app.screen.query_one(PageView)
        await pilot.resize_terminal(70, 22)
        # The timer is set the moment the marker is drawn; wait (bounded) for it to fire.
        for _ in range(400):
            if view.marker_row is None:
                break
            await pilot.pause(0.05)
        assert view.marker_row is None
        assert marked_line(pilot) is None


async def test_the_real_fade_is_two_seconds(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_on_page(pilot, 2)
        view = pilot.app.screen.query_one(PageView)
        await pilot.resize_terminal(90, 26)
        await settle(pilot)
        timer = view._marker_timer
        assert view.marker_row is not None and timer is not None
        assert timer._interval == 2.0
        await pilot.press("space")  # a page turn takes it away too
        await pilot.pause()
        assert view.marker_row is None
        assert view._marker_timer is None
