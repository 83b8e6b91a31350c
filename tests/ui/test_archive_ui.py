"""Stories from the archives in the app: resume after an update, "N new", u, the palette."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rich.text import Text
from textual.widgets import DataTable

from archive_site import NO_NETWORK, TestSite, fanficfare_env
from nightstand.archive.fetch import download, update
from nightstand.archive.seen import mark_seen
from nightstand.settings import load_settings
from nightstand.state import StateStore
from nightstand.ui.archive import GetStoryScreen
from nightstand.ui.end_page import EndPage
from nightstand.ui.library import LibraryScreen
from nightstand.ui.reader import ReaderScreen
from pilot_tools import wait_until
from screen_text import screen_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.pilot import Pilot

    from nightstand.ui.app import NightstandApp

pytestmark = NO_NETWORK
SIZE = (100, 30)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestSite:
    return fanficfare_env(tmp_path, monkeypatch)


@pytest.fixture
def library() -> Path:
    settings, _ = load_settings()
    return Path(settings.library)


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def notes(app: NightstandApp) -> list[str]:
    return [n.message for n in app._notifications]


def page_lines(pilot: Pilot[None]) -> str:
    screen = pilot.app.screen
    assert isinstance(screen, ReaderScreen)
    page = screen.page
    assert page is not None
    return "\n".join("".join(s.text for s in line.segments) for line in page.lines)


def get_story(url: str, library: Path) -> Path:
    fetched = download(url, library)
    with StateStore.open() as store:
        mark_seen(store, fetched.source, fetched.chapters, only_if_new=True)
    return fetched.path


async def test_reader_reopens_on_the_same_page_after_an_update_and_goes_on_to_chapter_4(
    site: TestSite, library: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    path = get_story(site.add(1500, "Serial Days", chapters=3), library)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("G")  # the last page: the end of chapter 3 of 3
        await settle(pilot)
        last_page = page_lines(pilot)
        assert not any("new chapter" in m for m in notes(app))
    site.grow(1500, 5)
    outcome = update(path)
    assert outcome.line() == "2 new chapters"

    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert page_lines(pilot) == last_page
        assert notes(app).count("2 new chapters since you last opened it.") == 1
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert page_lines(pilot).lstrip().startswith("Chapter 4")

    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not any("new chapter" in m for m in notes(app))


def row_text(table: DataTable[str | Text], key: str) -> list[str]:
    return [c.plain if isinstance(c, Text) else str(c) for c in table.get_row(key)]


async def test_library_shows_site_status_chapters_and_new_and_u_updates_live(
    site: TestSite, library: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    path = get_story(site.add(1501, "Weekly", chapters=2), library)
    site.grow(1501, 3)
    assert update(path).new_chapters == 1
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        table: DataTable[str | Text] = screen.query_one(DataTable)
        cells = row_text(table, str(path))
        assert cells[-3:] == ["test1.com", "In-Progress", "3 · 1 new"]
        site.grow(1501, 5)
        await pilot.press("u")
        await settle(pilot)
        await settle(pilot)
        assert "2 new chapters" in notes(app)
        cells = row_text(table, str(path))
        assert cells[-1] == "5 · 3 new"


async def test_palette_gets_a_story_from_a_url(
    site: TestSite, library: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    url = site.add(1502, "By Palette", chapters=1)
    library.mkdir(parents=True, exist_ok=True)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Get a story from a URL" in commands
        app.get_story()
        await pilot.pause()
        assert isinstance(app.screen, GetStoryScreen)
        await pilot.press(*url)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert (library / "By Palette - Ann Author.epub").is_file()
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert [e.title for e in screen.entries] == ["By Palette"]


async def test_hostile_title_is_inert_in_the_library(
    site: TestSite, library: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    get_story(site.add(1503, "Bad \x1b[31mRed\x1b]8;;x\x07 [b]t[/b]", chapters=1), library)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        [entry] = screen.entries
        assert "\x1b" not in entry.title and "\x07" not in entry.title
        table: DataTable[str | Text] = screen.query_one(DataTable)
        [title, *_] = row_text(table, str(entry.path))
        assert "[b]t[/b]" in title


@pytest.mark.parametrize("status", ["In-Progress", "Completed"])
async def test_the_end_of_an_unfinished_serial_says_it_is_checked_and_u_reads_on(
    status: str, site: TestSite, library: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    sid = 1504 if status == "In-Progress" else 1505
    path = get_story(site.add(sid, "Serial", chapters=2, status=status), library)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        last_page = page_lines(pilot)
        await pilot.press("space")
        end = await wait_until(
            pilot,
            lambda: isinstance(app.screen, EndPage) and app.screen.looked and app.screen,
            "the end page, the library looked through",
        )
        assert isinstance(end, EndPage)
        shown = screen_text(pilot)
        assert "Finished" in shown
        if status == "Completed":
            assert "nightstand update" not in shown
            assert not end.serial
            assert "u" not in app.active_bindings
            return
        assert "still writing" in shown and "nightstand update" in shown
        assert app.active_bindings["u"].enabled
        # The author posts chapter 3; u finds it and the story opens again on its last page,
        # with chapter 3 one turn away.
        site.grow(sid, 3)
        await pilot.press("u")
        reader = await wait_until(
            pilot,
            lambda: isinstance(app.screen, ReaderScreen) and app.screen,
            "the story reopened after the update",
        )
        assert isinstance(reader, ReaderScreen)
        await wait_until(
            pilot,
            lambda: "1 new chapter since you last opened it." in notes(app),
            "the new chapter announced",
        )
        assert [s for s in app.screen_stack if isinstance(s, ReaderScreen)] == [reader]
        assert page_lines(pilot) == last_page
        await pilot.press("space")
        await wait_until(
            pilot,
            lambda: page_lines(pilot).lstrip().startswith("Chapter 3"),
            "chapter 3 after the old last page",
            show=lambda: page_lines(pilot),
        )
