"""A theme from Ctrl-P, + and -, and the settings screen (o) persist to settings.toml (#13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input, Select, Switch

from nightstand.settings import load_settings
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.settings_screen import SettingsScreen, policy_settings
from pilot_tools import settle, wait_until

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.ui.app import NightstandApp

SIZE = (100, 30)
MINE = '# my own comment\ntheme = "textual-dark"  # keep this note\n'


def _saved(config: Path) -> str:
    return (config / "settings.toml").read_text(encoding="utf-8")


async def test_theme_and_measure_survive_a_restart_and_comments_stay(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(MINE, encoding="utf-8")
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "nord"  # what choosing a theme in Ctrl-P does
        await pilot.press("plus")
        await wait_until(
            pilot,
            lambda: 'theme = "nord"' in _saved(config) and "measure = " in _saved(config),
            "theme and measure written",
        )
    text = _saved(config)
    assert "# my own comment" in text and "# keep this note" in text
    settings, warnings = load_settings(config)
    assert warnings == []
    assert settings.theme == "nord"
    assert settings.measure == app.settings.measure
    again = make_app(story_file)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "nord"
        screen = again.screen
        assert isinstance(screen, ReaderScreen)
        assert screen.paginator is not None
        assert screen.paginator.settings.measure == settings.measure


async def test_the_settings_screen_saves_what_changed(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    app = make_app(story_file)
    config = tmp_path / "config"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "o")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        form = app.screen
        form.query_one("#measure", Input).value = "48"
        form.query_one("#justify", Switch).value = True
        form.query_one("#paragraph_style", Select).value = "indent"
        form.query_one("#spoilers", Select).value = "warnings"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ReaderScreen), "back to the page")
        await wait_until(pilot, lambda: "measure = 48" in _saved(config), "saved")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        assert reader.paginator is not None
        assert reader.paginator.settings.measure == 48
        assert reader.paginator.settings.justify
    settings, _ = load_settings(config)
    assert settings.measure == 48 and settings.justify
    assert settings.paragraph_style == "indent"
    assert settings.show_content_warnings and not settings.ask_spoilers_every_time


def test_the_spoiler_policies() -> None:
    assert policy_settings("every") == {
        "ask_spoilers_every_time": True,
        "show_content_warnings": False,
    }
    assert policy_settings("warnings")["show_content_warnings"]
