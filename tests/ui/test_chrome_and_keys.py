"""The chrome widgets and the key hints: remapped keys are named as remapped everywhere.

Also: long lines are cut by CSS with an ellipsis, and an internal error goes to the crash
report, never to the terminal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from test_reader import open_on_page, reader, screen_text, settle

from nightstand.ui.bookmarks import BookmarksScreen
from nightstand.ui.chrome import ReaderHeader, StatusLine
from nightstand.ui.help import HelpScreen
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.toc import TocScreen

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.ui.app import NightstandApp


def _remap(tmp_path: Path, toml: str) -> None:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "settings.toml").write_text(toml, encoding="utf-8")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


async def test_remapped_keys_show_in_footer_title_page_and_help(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    _remap(tmp_path, '[keys]\nnext_page = ["x", "right"]\nreveal = "v"\ntoc = "c"\n')
    app = make_app(story_file)
    # Tall enough for the whole help table: remapped keys are listed at its end.
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert reader(pilot).on_title_page
        shown = screen_text(pilot)
        # The title page names the keys as bound now, not as shipped.
        assert "x or → to start reading" in shown
        assert "press v to reveal" in shown
        assert "press s to reveal" not in shown
        footer = _lines(shown)[-1]
        assert "x Next" in footer and "c Contents" in footer, footer
        assert "space Next" not in footer and "t Contents" not in footer, footer
        await pilot.press("x")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = _lines(screen_text(pilot))
        next_row = next(r for r in rows if "next_page" in r)
        assert "x, →" in next_row and "space" not in next_row, next_row
        toc_row = next(r for r in rows if "Table of contents" in r)
        assert re.search(r"│\s*c\s+│", toc_row), toc_row


async def test_a_keymap_renames_the_keys_in_a_dialog(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(90, 24)) as pilot:
        await open_on_page(pilot, 1)
        await pilot.press("m", "apostrophe")
        await settle(pilot)
        assert isinstance(app.screen, BookmarksScreen)
        assert "d deletes" in screen_text(pilot)
        await pilot.press("escape")
        app.update_keymap({"bookmarks.delete": "X"})
        await pilot.press("apostrophe")
        await settle(pilot)
        assert isinstance(app.screen, BookmarksScreen)
        text = screen_text(pilot)
        assert "X deletes" in text and "d deletes" not in text
        await pilot.press("X")
        await pilot.pause()
        assert "Deleted bookmark" in " ".join(n.message for n in app._notifications)


async def test_header_and_contents_rows_are_cut_with_an_ellipsis(
    make_app: Callable[[Path], NightstandApp], tmp_path: Path
) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    long = "In Which a Great Many Things Happen to a Great Many People at Once"
    body = [f"Chapter {n}: {long}\n\n" + "Words go here, and more words.\n\n" * 40 for n in (1, 2)]
    path = folder / "long.txt"
    path.write_text(
        "Title: A Title Far Too Long to Fit on the Header Line of a Narrow Terminal\n\n"
        "Author: Someone\n\n= = = =\n\n" + "".join(body),
        encoding="utf-8",
    )
    app = make_app(path)
    async with app.run_test(size=(40, 16)) as pilot:
        await open_on_page(pilot, 1)
        header = app.screen.query_one(ReaderHeader)
        assert header.chapter.startswith("Chapter 1")
        first = _lines(screen_text(pilot))[0]
        assert first.endswith("…") and len(first) <= 40, first
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TocScreen)
        rows = [r for r in _lines(screen_text(pilot)) if "Chapter 2" in r]
        assert len(rows) == 1 and "…" in rows[0], rows


async def test_status_line_follows_the_page(
    make_app: Callable[[Path], NightstandApp], story_file: Path
) -> None:
    app = make_app(story_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on_page(pilot, 1)
        status = app.screen.query_one(StatusLine)
        assert status.place.startswith("page 1 of ")
        await pilot.press("space")
        await pilot.pause()
        assert status.place.startswith("page 2 of ")
        assert status.place in screen_text(pilot)


async def test_an_internal_error_goes_to_the_crash_report_not_the_terminal(
    make_app: Callable[[Path], NightstandApp],
    story_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(self: ReaderScreen) -> None:
        raise RuntimeError("a bug in nightstand")

    monkeypatch.setattr(ReaderScreen, "action_bookmark", broken)
    app = make_app(story_file)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await open_on_page(pilot, 1)
            await pilot.press("m")
            await pilot.pause()
    assert app.return_code == 1
    report = app.crash_report()
    assert "RuntimeError" in report and "a bug in nightstand" in report
    err = capsys.readouterr().err
    assert "a bug in nightstand" not in err and "Traceback" not in err


async def test_the_library_title_keeps_its_state_and_cuts_the_folder(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    deep = tmp_path / ("a-folder-with-a-name-much-longer-than-the-terminal-is-wide" * 2)
    deep.mkdir()
    (deep / story_file.name).write_bytes(story_file.read_bytes())
    app = make_app(deep)
    async with app.run_test(size=(50, 12)) as pilot:
        await settle(pilot)
        first = _lines(screen_text(pilot))[0]
        assert first.startswith(" Library · 1 story · ") and first.endswith("…"), first
        assert len(first) <= 50


async def test_the_unknown_action_warning_names_the_help_key_as_bound(
    make_app: Callable[[Path], NightstandApp], story_file: Path, tmp_path: Path
) -> None:
    _remap(tmp_path, '[keys]\nhelp = "f1"\nno_such_action = "z"\n')
    app = make_app(story_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        warning = next(m for m in messages if "no_such_action" in m)
        assert "press f1 for the names" in warning, warning
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
