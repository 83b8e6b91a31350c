"""Smaller points of #13 in the UI: the filter's Enter, one "Not found" at a time, a footer
that never cuts a key."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.widgets import Input

from nightstand.ui.library import LibraryScreen
from nightstand.ui.reader import ReaderScreen
from pilot_tools import settle, wait_until
from screen_text import screen_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from textual.pilot import Pilot

    from nightstand.ui.app import NightstandApp

SIZE = (100, 30)


async def test_enter_in_the_filter_opens_the_first_match_and_the_filter_clears_on_return(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    (story_file.parent / "another-tale.txt").write_text(
        "Title: Another Tale\n\nOne line.\n", encoding="utf-8"
    )
    app = make_app(story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await wait_until(pilot, lambda: len(library.entries) == 2, "the scan")
        await pilot.press("slash", *"lamp", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "the match opens")
        assert app.screen.story.title == "The Missing Lamp"
        await settle(pilot)
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is library, "back in the library")
        await settle(pilot)
        assert library.query_one("#filter", Input).value == ""
        assert len(library.filtered_entries()) == 2


async def test_not_found_toasts_replace_each_other(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for word in ("zzqx", "qqzx", "xxzq"):
            await pilot.press("slash", *word, "enter")
            await wait_until(
                pilot,
                lambda w=word: any(w in str(n.message) for n in app._notifications),
                "the search answered",
            )
        shown = [str(n.message) for n in app._notifications if "Not found" in str(n.message)]
        assert shown == ["Not found: xxzq"]


async def test_the_footer_names_what_q_does_now(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    direct = make_app(story_file)
    async with direct.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = screen_text(pilot).splitlines()[-1]
        assert "q Quit" in footer and "q Library" not in footer
    from_library = make_app(story_file.parent)
    async with from_library.run_test(size=SIZE) as pilot:
        library = from_library.screen
        assert isinstance(library, LibraryScreen)
        await wait_until(pilot, lambda: bool(library.entries), "the scan")
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(from_library.screen, ReaderScreen), "the story opens"
        )
        await settle(pilot)
        footer = screen_text(pilot).splitlines()[-1]
        assert "q Library" in footer and "q Quit" not in footer
        await pilot.press("q")
        await wait_until(pilot, lambda: from_library.screen is library, "q went back")


async def test_a_named_bookmark_lists_name_page_and_percent(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    from nightstand.ui.bookmarks import BookmarksScreen

    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")
        await settle(pilot)
        await pilot.press("M", *"the pier", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "named")
        await pilot.press("apostrophe")
        await wait_until(pilot, lambda: isinstance(app.screen, BookmarksScreen), "the list")
        await settle(pilot)
        shown = screen_text(pilot)
        assert "the pier  (page 3 · " in shown and "%)" in shown


async def test_t_lists_the_scenes_of_a_story_without_chapters(
    make_app: Callable[[Path], NightstandApp], tmp_path: Path
) -> None:
    from nightstand.ui.toc import TocScreen

    path = tmp_path / "scenes.txt"
    path.write_text(
        "Title: Scenes\n\n= = =\n\nThe first scene begins with rain on the roof.\n\n* * *\n\n"
        "The second scene opens in a dry kitchen at dawn.\n",
        encoding="utf-8",
    )
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "t")
        await wait_until(pilot, lambda: isinstance(app.screen, TocScreen), "the scenes")
        await settle(pilot)
        shown = screen_text(pilot)
        assert "2 scenes" in shown
        assert "The first scene begins with rain…" in shown
        assert "The second scene opens in a…" in shown


def _footer_keys(pilot: Pilot[None]) -> list[str]:
    """The keys the footer shows ("space Next", …), the palette's key on the right left out."""
    footer = screen_text(pilot).splitlines()[-1].split("▏")[0]
    return [item.strip() for item in re.split(r"\s{2,}", footer.strip()) if item.strip()]


async def test_the_footer_shows_whole_keys_at_any_width(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        every = _footer_keys(pilot)
        assert "? Help" in every and len(every) >= 6, every
        for width in (100, 72, 61, 55, 48, 40, 33, 140):
            await pilot.resize_terminal(width, 30)
            await settle(pilot)
            shown = await wait_until(
                pilot,
                lambda w=width: app.size.width == w and _footer_keys(pilot),
                f"the footer at {width} columns",
            )
            # Whole keys only, in their order: a cut one ("m Mar") is not among them.
            assert shown == every[: len(shown)], (width, shown)
            if width < 60:
                assert len(shown) < len(every), (width, shown)
        assert _footer_keys(pilot) == every
