"""The reader screen driven with Pilot: every key, the spoiler gate, resume, resize, library."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from rich.console import Console
from textual.color import Color
from textual.command import CommandList, CommandPalette
from textual.events import MouseScrollDown, MouseScrollUp

from nightstand.ui.bookmarks import BookmarksScreen
from nightstand.ui.help import HelpScreen
from nightstand.ui.library import LibraryScreen
from nightstand.ui.lists import OptionList
from nightstand.ui.page_view import PageView
from nightstand.ui.reader import NEXT_KEYS, PREVIOUS_KEYS, ReaderScreen
from nightstand.ui.spoiler import SpoilerGate
from nightstand.ui.toc import TocScreen
from pilot_tools import settle, wait_until, widget_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from textual.pilot import Pilot

    from nightstand.ui.app import NightstandApp

SIZE = (80, 24)
SPOILER_VALUE = "The lighthouse keeper was the thief all along"


def reader(pilot: Pilot[None]) -> ReaderScreen:
    """The reader screen in front."""
    screen = pilot.app.screen
    assert isinstance(screen, ReaderScreen), type(screen)
    return screen


def screen_text(pilot: Pilot[None]) -> str:
    """Everything on the terminal, as plain text (what export_screenshot draws, unstyled)."""
    app = pilot.app
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text().replace("\u00a0", " ")


def page_text(pilot: Pilot[None]) -> str:
    """The text of the page on screen, line by line."""
    view = pilot.app.screen.query_one(PageView)
    assert view.page is not None
    return "\n".join("".join(s.text for s in line.segments) for line in view.page.lines)


async def open_on_page(pilot: Pilot[None], n: int) -> None:
    """From a new story's title page to body page n (1-based)."""
    await settle(pilot)
    for _ in range(n):
        await pilot.press("space")
    await settle(pilot)


async def test_new_story_opens_on_title_page_with_spoilers_hidden(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert reader(pilot).on_title_page
        text = screen_text(pilot)
        assert "The Missing Lamp" in text
        assert "Spoilers" in text
        assert "hidden" in text
        assert SPOILER_VALUE not in text
        assert "lighthouse" not in text.lower()


# The keys as the README promises them, written out: not taken from the code under test.
README_NEXT = ["space", "pagedown", "right", "l", "j", "f", "ctrl+f", "enter"]
README_PREVIOUS = ["b", "pageup", "left", "h", "k", "ctrl+b", "backspace"]


def test_the_bindings_are_the_readmes_keys() -> None:
    assert sorted(NEXT_KEYS.split(",")) == sorted(README_NEXT)
    assert sorted(PREVIOUS_KEYS.split(",")) == sorted(README_PREVIOUS)


@pytest.mark.parametrize("key", README_NEXT)
async def test_every_next_key_turns_forward(
    make_app: Callable[[Path], NightstandApp], story_file: Path, key: str
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        first = reader(pilot).reading_position
        await pilot.press(key)
        await pilot.pause()
        assert reader(pilot).reading_position > first


@pytest.mark.parametrize("key", README_PREVIOUS)
async def test_every_previous_key_turns_back(
    make_app: Callable[[Path], NightstandApp], story_file: Path, key: str
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 3)
        third = reader(pilot).reading_position
        await pilot.press(key)
        await pilot.pause()
        assert reader(pilot).reading_position < third


async def test_next_then_previous_returns_to_the_same_page(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 2)
        before = page_text(pilot)
        await pilot.press("space", "b")
        assert page_text(pilot) == before


@pytest.mark.parametrize(("first", "last"), [("g", "G"), ("home", "end")])
async def test_first_and_last_page(
    make_app: Callable[[Path], NightstandApp], story_file: Path, first: str, last: str
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 2)
        await pilot.press(last)
        await pilot.pause()
        assert "END" in page_text(pilot)
        await pilot.press(first)
        await pilot.pause()
        assert reader(pilot).reading_position == 0


async def test_chapter_keys_move_between_chapters(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        story = reader(pilot).story
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert reader(pilot).reading_position == story.chapters[1].offset
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert reader(pilot).reading_position == story.chapters[2].offset
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert reader(pilot).reading_position == story.chapters[1].offset


async def test_table_of_contents_jumps_to_chosen_chapter(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TocScreen)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert reader(pilot).reading_position == reader(pilot).story.chapters[2].offset


async def test_search_finds_phrase_highlights_and_cycles(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("slash", *"chapter 3", "enter")
        await settle(pilot)
        screen = reader(pilot)
        story = screen.story
        target = story.text.lower().index("chapter 3 that")
        page = screen.page
        assert page is not None and page.start <= target < page.end
        view = app.screen.query_one(PageView)
        assert any(
            any(seg.style == "match" for seg in line.highlighted(view._highlights).segments)
            for line in page.lines
        )
        # "chapter" with a capital matches only the headings, case-sensitively.
        await pilot.press("escape", "g", "slash", *"Chapter", "enter")
        await settle(pilot)
        chapters = [c.offset for c in story.chapters]
        assert reader(pilot).reading_position == chapters[0]
        await pilot.press("n")
        await pilot.pause()
        assert reader(pilot).reading_position == chapters[1]
        await pilot.press("N")
        await pilot.pause()
        assert reader(pilot).reading_position == chapters[0]
        await pilot.press("N")  # wraps to the last match
        await pilot.pause()
        assert reader(pilot).reading_position == chapters[-1]
        await pilot.press("escape")
        await pilot.pause()
        assert "no matches" not in screen_text(pilot)
        assert "“Chapter”" not in screen_text(pilot)


async def test_goto_percent(make_app: Callable[[Path], NightstandApp], story_file: Path) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("percent_sign", *"50%", "enter")
        await pilot.pause()
        screen = reader(pilot)
        half = len(screen.story.text) // 2
        page = screen.page
        assert page is not None and page.start <= half < page.end


async def test_goto_page_number(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("colon", "3", "enter")
        await settle(pilot)
        screen = reader(pilot)
        assert screen.paginator is not None and screen.page is not None
        assert screen.paginator.page_number(screen.page) == 3


async def test_bookmark_add_list_and_jump(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 3)
        marked = reader(pilot).reading_position
        await pilot.press("m", "g")
        await pilot.pause()
        assert reader(pilot).reading_position == 0
        await pilot.press("apostrophe")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert reader(pilot).reading_position == marked


async def test_measure_keys_change_the_column(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_on_page(pilot, 2)
        anchor = reader(pilot).reading_position
        page = reader(pilot).page
        assert page is not None
        width = page.column_width
        await pilot.press("plus")
        await pilot.pause()
        page = reader(pilot).page
        assert page is not None and page.column_width == width + 4
        assert page.start <= anchor < page.end
        await pilot.press("minus", "minus")
        await pilot.pause()
        page = reader(pilot).page
        assert page is not None and page.column_width == width - 4


async def test_spoiler_gate_reveals_after_consent_and_remembers_it(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SpoilerGate)
        assert SPOILER_VALUE not in screen_text(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert SPOILER_VALUE not in screen_text(pilot)
        await pilot.press("s", "y")
        await pilot.pause()
        assert SPOILER_VALUE in screen_text(pilot)
    again = make_app(story_file)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g", "b")
        await pilot.pause()
        assert reader(pilot).on_title_page
        assert SPOILER_VALUE in screen_text(pilot)


async def test_spoilers_never_leak_while_paging_searching_or_in_contents(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = [screen_text(pilot), app.title]
        for _ in range(12):
            await pilot.press("space")
            seen.append(screen_text(pilot))
        await pilot.press("t")
        seen.append(screen_text(pilot))
        await pilot.press("escape", "slash", *"keeper", "enter")
        await settle(pilot)
        seen.append(screen_text(pilot))
        for _ in range(5):
            await pilot.press("n")
            seen.append(screen_text(pilot))
        assert not any("lighthouse" in s.lower() or "thief" in s.lower() for s in seen)


async def test_help_screen_lists_the_keys(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(pilot)
        for words in ("Next page", "Previous page", "Table of contents", "Search", "bookmark"):
            assert words in text
        # The column that names each action for [keys] in settings.toml, ids not cut.
        assert "[keys] name" in text
        for name in ("next_page", "previous_page", "next_chapter", "clear_search"):
            assert name in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)


async def test_q_quits_when_opened_directly(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_ctrl_c_quits(make_app: Callable[[Path], NightstandApp], story_file: Path) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running


async def test_mouse_clicks_on_thirds_and_wheel_turn_pages(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 2)
        start = reader(pilot).reading_position
        await pilot.click(PageView, offset=(75, 5))
        await pilot.pause()
        forward = reader(pilot).reading_position
        assert forward > start
        await pilot.click(PageView, offset=(2, 5))
        await pilot.pause()
        assert reader(pilot).reading_position == start
        await pilot.click(PageView, offset=(40, 5))
        await pilot.pause()
        assert reader(pilot).reading_position == start
        # The wheel, as the terminal driver delivers it: to the app, at a place on screen.
        view = app.screen.query_one(PageView)
        x, y = view.region.x + 40, view.region.y + 5
        app.post_message(MouseScrollDown(None, x, y, 0, 1, 0, False, False, False, x, y))
        await wait_until(pilot, lambda: reader(pilot).reading_position != start, "wheel down")
        assert reader(pilot).reading_position == forward
        app.post_message(MouseScrollUp(None, x, y, 0, -1, 0, False, False, False, x, y))
        await wait_until(pilot, lambda: reader(pilot).reading_position != forward, "wheel up")
        assert reader(pilot).reading_position == start


async def test_resume_after_restart_lands_on_the_same_page(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 4)
        before = page_text(pilot)
        anchor = reader(pilot).reading_position
        await pilot.press("q")
    again = make_app(story_file)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert reader(pilot).reading_position == anchor
        assert page_text(pilot) == before


async def test_resize_keeps_the_first_character_on_screen(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_on_page(pilot, 5)
        anchor = reader(pilot).reading_position
        screen = reader(pilot)  # at 1x1 "Window too small" is in front of it
        for size in [(60, 20), (40, 12), (140, 50), (1, 1), (80, 24)]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            page = screen.page
            assert page is not None
            assert page.start <= anchor < max(page.end, page.start + 1)


async def test_library_round_trip_keeps_the_selected_row(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    second = story_file.parent / "another-tale.txt"
    second.write_text("Title: Another Tale\n\nA short tale of one line.\n", encoding="utf-8")
    app = make_app(story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        titles = [e.title for e in library.filtered_entries()]
        assert sorted(titles) == ["Another Tale", "The Missing Lamp"]
        await pilot.press("j")
        chosen = library.selected()
        assert chosen is not None
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.story.title == chosen.title
        await pilot.press("space", "q")
        await settle(pilot)
        assert app.screen is library
        selected = library.selected()
        assert selected is not None and selected.path == chosen.path


async def test_library_filter(make_app: Callable[[Path], NightstandApp], story_file: Path) -> None:
    (story_file.parent / "another-tale.txt").write_text(
        "Title: Another Tale\n\nOne line.\n", encoding="utf-8"
    )
    app = make_app(story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await pilot.press("slash", *"lamp")
        await pilot.pause()
        assert [e.title for e in library.filtered_entries()] == ["The Missing Lamp"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(library.filtered_entries()) == 2


async def test_library_key_from_reader_shows_library(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    app.settings = replace(app.settings, library=story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)


async def test_keys_can_be_remapped_in_the_settings_file(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(
        '[keys]\nnext_page = ["x"]\nprevious_page = "z"\n', encoding="utf-8"
    )
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 0)
        await pilot.press("x", "x")
        await pilot.pause()
        second = reader(pilot).reading_position
        assert not reader(pilot).on_title_page and second > 0
        await pilot.press("space")  # no longer bound to next_page
        await pilot.pause()
        assert reader(pilot).reading_position == second
        await pilot.press("z")
        await pilot.pause()
        assert reader(pilot).reading_position == 0


def palette_choices(app: NightstandApp) -> list[str]:
    """The commands the open palette lists, as shown."""
    assert isinstance(app.screen, CommandPalette), type(app.screen)
    commands = app.screen.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]


async def choose_in_palette(pilot: Pilot[None], typed: str, choice: str) -> None:
    """Type into the open command palette and press Enter once ``choice`` is highlighted."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "palette open")
    palette = app.screen
    await pilot.press(*typed)

    def ready() -> bool:
        commands = palette.query_one(CommandList)
        at = commands.highlighted
        return at is not None and str(commands.get_option_at_index(at).prompt).startswith(choice)

    await wait_until(pilot, ready, f"{choice!r} highlighted in the palette")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen is not palette, "palette closed")


async def test_command_palette_offers_the_readers_commands(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "palette open")
        await wait_until(pilot, lambda: len(palette_choices(app)) > 5, "commands listed")
        titles = {choice.split("\n")[0] for choice in palette_choices(app)}
        assert {"Table of contents", "Search", "Go to", "Add bookmark", "Library"} <= titles
        await choose_in_palette(pilot, "last page", "Last page")
        assert isinstance(app.screen, ReaderScreen)
        assert "END" in page_text(pilot)


async def test_a_theme_chosen_in_the_command_palette_is_applied(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        view = app.screen.query_one(PageView)

        def page_background() -> object:
            return next(iter(view.render_line(1))).style.bgcolor  # type: ignore[union-attr]

        before = page_background()
        assert app.theme != "nord"
        await pilot.press("ctrl+p")
        await choose_in_palette(pilot, "theme", "Theme")
        await choose_in_palette(pilot, "nord", "nord")
        assert app.theme == "nord"
        # The page is drawn in the new theme's colours, not from strips cached before it.
        nord = Color.parse(app.current_theme.background).rich_color
        await wait_until(pilot, lambda: page_background() != before, "page redrawn")
        assert page_background() == nord
        assert isinstance(app.screen, ReaderScreen)


def test_status_parts_fit_the_width_in_order() -> None:
    from nightstand.ui.chrome import fit_parts

    parts = ["chapter 1/4 · scene 1/1", "1 min left in chapter", "4 min left in book"]
    assert fit_parts("page 2 of 10", parts, "20%", 200) == (
        "page 2 of 10 · chapter 1/4 · scene 1/1 · 1 min left in chapter · 4 min left in book · 20%"
    )
    narrow = fit_parts("page 2 of 10", parts, "20%", 50)
    assert narrow == "page 2 of 10 · chapter 1/4 · scene 1/1 · 20%"
    assert len(fit_parts("page 2 of 10", parts, "20%", 8)) == 8


async def test_a_failure_to_save_is_one_notification_and_reading_goes_on(
    make_app: Callable[[Path], NightstandApp], story_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    app = make_app(story_file)
    # Every notification, kept: a toast can time out while a busy machine catches up.
    shown: list[str] = []
    notify = app.notify

    def recording(message: str, *args: Any, **kwargs: Any) -> None:
        shown.append(str(message))
        notify(message, *args, **kwargs)

    monkeypatch.setattr(app, "notify", recording)

    class FullDisk:
        """The state file's connection, on a disk that has just filled up."""

        def __init__(self, real: sqlite3.Connection) -> None:
            self.real = real

        def execute(self, sql: str, *args: object) -> object:
            if sql.startswith("BEGIN"):
                raise sqlite3.OperationalError("database or disk is full")
            return self.real.execute(sql, *args)

        def __getattr__(self, name: str) -> object:
            return getattr(self.real, name)

    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        monkeypatch.setattr(app.store, "_conn", FullDisk(app.store._conn))
        for _ in range(4):
            await pilot.press("space")
        await wait_until(pilot, lambda: app.store.read_only, "the full disk noticed")
        await pilot.press("space", "space")
        app.saver.flush()  # every save so far has been tried
        # Store warnings arrive as messages: wait until the app has shown them all.
        await wait_until(
            pilot,
            lambda: app.store_warnings_shown == len(app.store.warnings) > 0,
            "the warnings reported",
        )
        messages = shown  # every notification, though a toast may have expired
        failures = [m for m in messages if "disk is full" in m]
        assert len(failures) == 1, messages
        assert app.store.read_only
        before = reader(pilot).reading_position
        await pilot.press("space")
        await pilot.pause()
        assert reader(pilot).reading_position > before


async def test_a_broken_story_in_the_library_is_a_notification(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    broken = story_file.parent / "broken.txt"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    app = make_app(story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        entry = next(e for e in library.entries if e.path == broken)
        assert entry.error
        table = library.query_one("DataTable")
        row = [str(e.path) for e in library.filtered_entries()].index(str(broken))
        table.move_cursor(row=row)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is library
        messages = [n.message for n in app._notifications]
        assert any(f"{broken}: not a story (binary data)" in m for m in messages), messages


MARKUP_STORY = """Title: [bold]Loud[/] [@click=app.quit]Title

Author: [link=file:///etc/passwd]Mallory[/link]

= = = =

Chapter 1: [@click=app.quit]The [red]Red[/red] Door

She wrote [bold]this[/bold] and [@click=app.quit]that[/] on the wall.

Chapter 2: Plain

Nothing more.
"""


async def test_markup_in_a_story_is_shown_literally_everywhere(
    make_app: Callable[[Path], NightstandApp], tmp_path: Path
) -> None:
    path = tmp_path / "markup.txt"
    path.write_text(MARKUP_STORY, encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "[bold]Loud[/] [@click=app.quit]Title" in screen_text(pilot)
        await pilot.press("space")
        await pilot.pause()
        text = screen_text(pilot)
        assert "[@click=app.quit]The [red]Red[/red] Door" in text
        assert "She wrote [bold]this[/bold] and [@click=app.quit]that[/]" in text
        await pilot.press("t")
        await pilot.pause()
        # The dialog's own list: the page behind it shows the same heading.
        assert isinstance(app.screen, TocScreen)
        contents = widget_text(app.screen.query_one(OptionList))
        assert "[@click=app.quit]The [red]Red[/red] Door" in contents, contents
        await pilot.click("OptionList", offset=(12, 0))
        await pilot.press("escape", "m", "apostrophe")
        await pilot.pause()
        assert isinstance(app.screen, BookmarksScreen)
        marks = widget_text(app.screen.query_one(OptionList))
        assert "[@click=app.quit]The [red]Red[/red] Door" in marks, marks
        await pilot.press("escape", "slash", *"[bold]", "enter")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert app.is_running
        assert not any("Not found" in m for m in messages), messages


async def test_revealing_spoilers_mid_book_keeps_the_place(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 4)
        place = reader(pilot).reading_position
        await pilot.press("s", "y")
        await pilot.pause()
        assert reader(pilot).on_title_page
        assert SPOILER_VALUE in screen_text(pilot)
        await pilot.press("space")
        await settle(pilot)
        assert not reader(pilot).on_title_page
        assert reader(pilot).reading_position == place


async def test_next_chapter_from_the_title_page_opens_chapter_one(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert reader(pilot).on_title_page
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert reader(pilot).reading_position == reader(pilot).story.chapters[0].offset


async def test_long_headers_run_on_over_title_pages(
    make_app: Callable[[Path], NightstandApp], tmp_path: Path
) -> None:
    summary = " ".join(f"summary{i}" for i in range(300))
    path = tmp_path / "long.txt"
    path.write_text(
        f"Title: Long\n\nSummary: {summary}\n\nNotes: the last header\n\n= = =\n\nBody.\n",
        encoding="utf-8",
    )
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = []
        while reader(pilot).on_title_page:
            seen.append(screen_text(pilot))
            await pilot.press("space")
            await pilot.pause()
        assert len(seen) > 1
        assert "title page 1/" in seen[0]
        assert "summary299" in "".join(seen)
        assert "Notes: the last header" in "".join(seen)
        assert "Body." in screen_text(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert reader(pilot).on_title_page
        assert "Notes: the last header" in screen_text(pilot)


async def test_a_library_folder_that_is_gone_is_a_message_not_a_crash(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    app.settings = replace(app.settings, library=story_file.parent / "unmounted")
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("L")
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, LibraryScreen)
        # The folder is said to be missing; the story read is listed all the same.
        assert "no library folder" in screen_text(pilot)
        assert [e.title for e in app.screen.entries] == ["The Missing Lamp"]


async def test_a_dotted_action_name_remaps_and_an_unknown_one_is_reported(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(
        '[keys]\nlibrary.filter = "f"\nno_such_action = "z"\n', encoding="utf-8"
    )
    app = make_app(story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("no_such_action" in m for m in messages), messages
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await pilot.press("f", *"lamp")
        await pilot.pause()
        assert [e.title for e in library.filtered_entries()] == ["The Missing Lamp"]


async def test_a_long_story_opened_from_the_library_keeps_its_text_in_a_file(
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As at start-up: the reader reads the pages it shows from the file, and they are
    the pages of the story."""
    import nightstand.preload as preload_module
    from nightstand.filetext import FileText
    from nightstand.formats import load

    monkeypatch.setattr(preload_module, "KEEP_IN_FILE_CHARS", 1000)  # the story is longer
    app = make_app(story_file.parent)
    async with app.run_test(size=SIZE) as pilot:
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await wait_until(pilot, lambda: len(library.entries) == 1, "the scan")
        await pilot.press("enter")
        opened = await wait_until(
            pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen, "the reader"
        )
        assert isinstance(opened, ReaderScreen)
        assert isinstance(opened.story.text, FileText)
        assert opened.story == load(story_file)
        await pilot.press("space", "space", "space", "slash")
        await pilot.press(*"lamp", "enter")
        await wait_until(pilot, lambda: "lamp" in page_text(pilot).lower(), "a match shown")
        await settle(pilot)
