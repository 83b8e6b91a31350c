"""A page turn finds its page drawn: ahead for the next page, kept for the one before."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from rich.cells import cell_len
from test_reader import open_on_page, reader, screen_text, settle

from nightstand.ui.page_view import PageView
from pilot_tools import wait_until

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from textual.pilot import Pilot
    from textual.strip import Strip

    from nightstand.layout import Page
    from nightstand.ui.app import NightstandApp

SIZE = (100, 30)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(page start, row) of every row PageView draws, in order."""
    rows: list[tuple[int, int]] = []
    real = PageView._render_row

    def counting(self: PageView, y: int, page: Page | None, *args: object) -> Strip:
        rows.append((-1 if page is None else page.start, y))
        return real(self, y, page, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PageView, "_render_row", counting)
    return rows


def view_of(pilot: Pilot[None]) -> PageView:
    return pilot.app.screen.query_one(PageView)


def strips(view: PageView) -> list[Strip]:
    return [view.render_line(y) for y in range(view.size.height)]


def same_look(a: list[Strip], b: list[Strip]) -> bool:
    return [list(s) for s in a] == [list(s) for s in b] and [s.cell_length for s in a] == [
        s.cell_length for s in b
    ]


async def turned_forward(pilot: Pilot[None], drawn: list[tuple[int, int]]) -> Page:
    """Turn a page once the next one is drawn ahead; return the page now shown."""
    screen = reader(pilot)
    page = screen.page
    paginator = screen.paginator
    assert page is not None and paginator is not None
    following = paginator.next(page)
    assert following is not None
    await wait_until(
        pilot, lambda: (following.start, 0) in drawn, "the next page drawn ahead of its key"
    )
    drawn.clear()
    await pilot.press("space")
    await settle(pilot)
    assert screen.page is following
    return following


async def test_the_next_page_is_drawn_before_its_key_and_looks_the_same(
    make_app: Callable[[Path], NightstandApp], story_file: Path, drawn: list[tuple[int, int]]
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 2)
        shown = await turned_forward(pilot, drawn)
        # No row of the page on screen was drawn after its key: all were drawn ahead.
        assert [y for start, y in drawn if start == shown.start] == []
        view = view_of(pilot)
        ahead = strips(view)
        # Drawn again from nothing, the page is the same, cell for cell and style for style.
        view._forget()
        fresh = strips(view)
        assert [y for start, y in drawn if start == shown.start] == list(range(len(fresh)))
        assert same_look(ahead, fresh)


async def test_a_turn_back_finds_the_page_it_left(
    make_app: Callable[[Path], NightstandApp], story_file: Path, drawn: list[tuple[int, int]]
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 2)
        left = reader(pilot).page
        assert left is not None
        await turned_forward(pilot, drawn)
        drawn.clear()
        await pilot.press("b")
        await settle(pilot)
        assert reader(pilot).page is left
        assert [y for start, y in drawn if start == left.start] == []


async def test_highlights_drawn_ahead_look_as_drawn_on_the_key(
    make_app: Callable[[Path], NightstandApp], story_file: Path, drawn: list[tuple[int, int]]
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        # "the" is on every page: the page drawn ahead carries matches too.
        await pilot.press("slash", *"the", "enter")
        await settle(pilot)
        shown = await turned_forward(pilot, drawn)
        assert [y for start, y in drawn if start == shown.start] == []
        view = view_of(pilot)
        ahead = strips(view)
        styles = {str(seg.style) for strip in ahead for seg in strip}
        view._forget()
        fresh = strips(view)
        assert same_look(ahead, fresh)
        # The matches are styled apart from the text around them.
        assert len(styles) >= 2


async def test_every_strip_is_as_wide_as_its_cells(
    make_app: Callable[[Path], NightstandApp], tmp_path: Path
) -> None:
    # Curly quotes, dashes, wide characters, combining marks and emoji on one page.
    story = tmp_path / "wide.txt"
    paragraph = (
        '"Quoted," she said -- and then . . . 漢字と仮名 ふりがな, café, naïve, '
        "emoji 😀 here, Ω and ŝ, the end."
    )
    story.write_text("Title: Wide\n\n" + "\n\n".join([paragraph] * 40) + "\n", encoding="utf-8")
    app = make_app(story)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        view = view_of(pilot)
        for strip in strips(view):
            assert strip.cell_length == sum(cell_len(seg.text) for seg in strip) == SIZE[0]


async def test_after_turns_drawing_only_changed_rows_the_screen_shows_each_page(
    make_app: Callable[[Path], NightstandApp], story_file: Path, drawn: list[tuple[int, int]]
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await open_on_page(pilot, 1)
        for key in ["space"] * 4 + ["b"] * 2 + ["space"]:
            await pilot.press(key)
            await settle(pilot)
            page = reader(pilot).page
            assert page is not None
            # Textual redraws only the rows that changed; what it keeps must be this page's.
            rows = screen_text(pilot).splitlines()
            top = view_of(pilot).region.y + reader(pilot).paginator.settings.margin_top
            for i, line in enumerate(page.lines):
                assert rows[top + i].strip() == line.text.replace("\u00a0", " ").strip()
