"""Content warnings can be shown without the spoilers: by consent or by a setting (#13)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from textual import events

from nightstand.formats import load
from nightstand.spoilers import HIDDEN, shown_value
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.spoiler import SpoilerGate
from pilot_tools import settle, wait_until
from screen_text import screen_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.ui.app import NightstandApp

WARNING = "Graphic Depictions Of Violence"
SPOILER = "The lighthouse keeper was the thief all along"
SIZE = (100, 30)


@pytest.fixture
def warned(tmp_path: Path) -> Path:
    path = tmp_path / "warned.txt"
    body = "\n\n".join(f"Paragraph {n} of a story with warnings." for n in range(40))
    path.write_text(
        f"Title: Warned Tale\n\nAuthor: Someone\n\nArchive Warning: {WARNING}\n\n"
        f"Spoilers: {SPOILER}\n\n= = = = =\n\n{body}\n",
        encoding="utf-8",
    )
    return path


def test_shown_value_with_warnings_only(warned: Path) -> None:
    story = load(warned)
    by_key = {h.canonical: h for h in story.headers}
    assert shown_value(by_key["warnings"], revealed=False, warnings=True) == WARNING
    assert shown_value(by_key["spoilers"], revealed=False, warnings=True) == HIDDEN
    assert shown_value(by_key["warnings"], revealed=False) == HIDDEN


async def test_consent_to_warnings_only_shows_them_and_keeps_spoilers_hidden(
    make_app: Callable[[Path], NightstandApp], warned: Path
) -> None:
    app = make_app(warned)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert WARNING not in screen_text(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SpoilerGate), "the gate")
        await settle(pilot)
        assert "Show content warnings only" in screen_text(pilot)
        assert "Show everything" in screen_text(pilot)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "the title page")
        await settle(pilot)
        shown = screen_text(pilot)
        assert WARNING in shown and SPOILER not in shown
        key = app.screen.opened.key
        assert app.store.warnings_consent(key) and not app.store.spoiler_consent(key)
    again = make_app(warned)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g", "b")  # back to the title page, remembered consent applies
        await settle(pilot)
        reader = again.screen
        assert isinstance(reader, ReaderScreen) and reader.on_title_page
        shown = screen_text(pilot)
        assert WARNING in shown and SPOILER not in shown


async def test_the_setting_shows_warnings_without_asking(
    make_app: Callable[[Path], NightstandApp], warned: Path
) -> None:
    app = make_app(warned)
    app.settings = replace(app.settings, show_content_warnings=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = screen_text(pilot)
        assert WARNING in shown and SPOILER not in shown


async def test_the_gate_answered_before_it_has_mounted_breaks_nothing(
    make_app: Callable[[Path], NightstandApp], warned: Path
) -> None:
    app = make_app(warned)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # A burst of keys: the gate is asked for and answered at once.
        app.post_message(events.Key("s", "s"))
        app.post_message(events.Key("n", "n"))
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert app.return_code is None
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SpoilerGate), "the gate again")
        assert app.screen.focused is not None and app.screen.focused.id == "keep"
