"""What the screens added for #13 look like: the end page (and later settings, too small, empty).

Update with ``uv run pytest -n0 tests/ui/test_snapshots_new_screens.py --snapshot-update`` after
an intended change, and look at the pictures.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from textual.widgets import Input

from nightstand.ui.end_page import EndPage
from nightstand.ui.settings_screen import SettingsScreen
from nightstand.ui.too_small import TooSmall
from pilot_tools import settle, wait_until
from screen_text import screen_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from textual.pilot import Pilot

    from nightstand.ui.app import NightstandApp

SIZES = [(80, 24), (100, 30)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "100x30"])
def test_end_page(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("space", "G")
        await settle(pilot)
        await pilot.press("space")
        app = pilot.app
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, EndPage) and app.screen.looked,
            "the end page, with its next story looked for",
        )
        await settle(pilot)

    assert snap_compare(make_app(story_file), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(10, 5), (40, 5)], ids=["10x5", "40x5"])
def test_window_too_small(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    size: tuple[int, int],
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: isinstance(app.screen, TooSmall), "too small")
        await settle(pilot)

    assert snap_compare(make_app(story_file), terminal_size=size, run_before=run_before)


def test_empty_library(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "empty").mkdir()
    # A relative folder, so that the words are the same on every machine.
    monkeypatch.chdir(tmp_path)
    folder = type(tmp_path)("empty")
    app = make_app(folder)
    app.settings = replace(app.settings, library=folder)

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: "No stories yet" in screen_text(pilot), "the guidance")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_settings_screen(
    snap_compare: Callable[..., bool],
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("space", "o")
        app = pilot.app
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        # A focused input's cursor blinks; a picture taken at either phase must match.
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await settle(pilot)

    assert snap_compare(make_app(story_file), terminal_size=(100, 30), run_before=run_before)
