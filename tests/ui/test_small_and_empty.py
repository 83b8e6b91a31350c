"""A window too small says so and ignores page keys; an empty library says what to do (#13)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from nightstand.guidance import empty_library
from nightstand.ui.library import LibraryScreen
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.too_small import TooSmall, too_small
from pilot_tools import settle, wait_until
from screen_text import screen_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.ui.app import NightstandApp


def test_the_smallest_size() -> None:
    assert too_small(10, 5)
    assert not too_small(100, 30)
    assert not too_small(20, 6)


async def test_at_10x5_the_screen_says_too_small_and_space_turns_nothing(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        before = reader.reading_position
        await pilot.resize_terminal(10, 5)
        await wait_until(pilot, lambda: isinstance(app.screen, TooSmall), "the too-small screen")
        await settle(pilot)
        assert "too small" in screen_text(pilot).lower()
        await pilot.press("space", "space", "G", "b")
        await settle(pilot)
        assert reader.reading_position == before
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: app.screen is reader, "the page again")
        await settle(pilot)
        assert reader.reading_position == before


async def test_starting_in_a_tiny_window_says_too_small(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(10, 5)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TooSmall), "the too-small screen")
        assert "too small" in screen_text(pilot).lower()


def test_the_guidance_names_formats_folder_and_commands(tmp_path: Path) -> None:
    text = empty_library(tmp_path, folder_exists=True, commands=("read", "get"))
    assert ".epub" in text and ".txt" in text
    assert str(tmp_path) in text
    assert "nightstand FILE" in text and "nightstand get URL" in text
    assert "get URL" not in empty_library(tmp_path, folder_exists=False, commands=("read",))
    assert "it does not exist yet" in empty_library(tmp_path, folder_exists=False)


async def test_an_empty_folder_says_what_to_do(
    make_app: Callable[[Path], NightstandApp], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    app = make_app(empty)
    app.settings = replace(app.settings, library=empty)
    async with app.run_test(size=(100, 30)) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await wait_until(pilot, lambda: "stories" in screen_text(pilot), "the scan")
        await settle(pilot)
        shown = screen_text(pilot)
        assert "No stories yet" in shown
        assert ".epub" in shown and ".txt" in shown
        assert "nightstand FILE" in shown
