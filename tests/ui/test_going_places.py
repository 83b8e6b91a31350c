"""After % a number is a percentage, after : a page; a page past the end says so (#13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nightstand.ui.chrome import StatusLine
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.search import parse_goto
from pilot_tools import settle, wait_until

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.ui.app import NightstandApp

SIZE = (100, 30)


def test_a_bare_number_means_what_the_key_asked_for() -> None:
    assert parse_goto("50", "percent") == ("percent", 50.0)
    assert parse_goto("50", "page") == ("page", 50.0)
    assert parse_goto("50%", "page") == ("percent", 50.0)
    assert parse_goto("half", "page") is None


async def test_percent_then_a_number_goes_to_that_share_and_colon_to_a_page(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    # Long enough that one page is well under 1 % of it.
    paragraphs = [
        f"Paragraph {n} of the long tale, where the tide comes in and goes out again." * 3
        for n in range(1200)
    ]
    story_file.write_text("Title: A Long Tale\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    app = make_app(story_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        paginator = screen.paginator
        assert paginator is not None
        await wait_until(pilot, lambda: paginator.page_count() is not None, "the page count")
        total = paginator.page_count()
        assert total is not None and total >= 4
        await pilot.press("percent_sign", "5", "0", "enter")
        await settle(pilot)
        status = screen.query_one(StatusLine)
        assert 49 <= status.percent <= 51, status.percent
        await pilot.press("colon", "2", "enter")
        await settle(pilot)
        assert screen.page is not None and paginator.page_number(screen.page) == 2
        before = screen.reading_position
        await pilot.press("colon", *str(total + 5), "enter")
        await wait_until(
            pilot,
            lambda: any("past the end" in str(n.message) for n in app._notifications),
            "a page past the end is named",
        )
        assert screen.reading_position == before
