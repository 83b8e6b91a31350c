"""Keyboard, mouse and resize fuzzing of the reader, through Textual's Pilot.

Hypothesis picks a file from the hostile corpus and a sequence of the app's keys, clicks
and terminal sizes (1x1 and 500x200 among them). After every step: the app still runs
(unless the step was q or ctrl+c), no exception was raised, every line of the page on
screen fits its column, and the saved position lies inside the story.

CI runs a few dozen sequences, as three tests of their own seeds so that the suite's workers
share them; ``NIGHTSTAND_FUZZ_EXAMPLES=2000 uv run pytest
tests/test_hostile_keys.py`` (or ``benchmarks/fuzz_long.sh``) runs as many as you like.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, example, given, seed, settings
from hypothesis import strategies as st
from rich.console import Console

from hostile.corpus import BROKEN_MARKUP_CHAPTER, MARKUP, corpus
from nightstand.formats import load
from nightstand.opening import OpenStory
from nightstand.settings import load_settings
from nightstand.state import StateStore
from nightstand.ui.app import NightstandApp
from nightstand.ui.bookmarks import BookmarksScreen
from nightstand.ui.lists import OptionList
from nightstand.ui.page_view import PageView
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.toc import TocScreen
from pilot_tools import widget_text

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from hostile.corpus import HostileFile
    from nightstand.story import Story

EXAMPLES = int(os.environ.get("NIGHTSTAND_FUZZ_EXAMPLES", "30"))
SHARDS = 3
#: Each shard draws from its own seed: new sequences every run, none shared between shards.
RUN_SEED = random.SystemRandom().getrandbits(32)

KEYS = (
    # Reader
    "space", "pagedown", "right", "l", "j", "f", "ctrl+f", "enter",
    "b", "pageup", "left", "h", "k", "ctrl+b", "backspace",
    "g", "home", "G", "end", "right_square_bracket", "left_square_bracket",
    "t", "slash", "n", "N", "escape", "percent_sign", "colon",
    "m", "apostrophe", "plus", "equals_sign", "minus", "s", "L", "q",
    "question_mark", "ctrl+p",
    # Dialogs: answers, lists, text and numbers typed into search and go-to
    "y", "d", "tab", "up", "down", "a", "e", "5", "0", "9", "1",
    "ctrl+c",
)  # fmt: skip
QUITS = {"q", "ctrl+c"}
#: The actions that end the app when asked to: q, ctrl+c, a click on the footer's Quit key,
#: Quit chosen in the command palette (and Back on a reader with no screen below).
QUIT_ACTIONS = {"action_quit", "action_quit_reading", "action_back"}

SIZES = st.one_of(
    st.sampled_from([(1, 1), (500, 200), (2, 1), (1, 40), (200, 2), (20, 5), (80, 24)]),
    st.tuples(st.integers(1, 300), st.integers(1, 120)),
)
KEY_STEP = st.sampled_from(KEYS).map(lambda k: ("key", k))
RESIZE_STEP = SIZES.map(lambda s: ("resize", s))
CLICK_STEP = st.tuples(st.integers(0, 200), st.integers(0, 60)).map(lambda xy: ("click", xy))
# Seven keys for two resizes and one click.
STEP = st.integers(0, 9).flatmap(
    lambda n: KEY_STEP if n < 7 else RESIZE_STEP if n < 9 else CLICK_STEP
)

_STORIES: dict[str, Story] = {}
_FILES: list[HostileFile] = []
_TOTALS = {"examples": 0, "steps": 0, "keys": 0, "resizes": 0, "clicks": 0}


@pytest.fixture(scope="module", autouse=True)
def _files(tmp_path_factory: pytest.TempPathFactory) -> None:
    if not _FILES:
        _FILES.extend(f for f in corpus(tmp_path_factory) if f.loads)


def _story(f: HostileFile) -> Story:
    if f.name not in _STORIES:
        _STORIES[f.name] = load(f.path)
    return _STORIES[f.name]


def _check(app: NightstandApp, story: Story, key: str, store: StateStore, what: str) -> None:
    assert app._exception is None, f"{what}: {app._exception!r}"
    for screen in app.screen_stack:
        if isinstance(screen, ReaderScreen):
            assert 0 <= screen.reading_position <= len(story.text), what
            view = screen.query_one(PageView)
            page = view.page
            if page is not None:
                for line in page.lines:
                    assert line.cell_length() <= page.column_width, (what, line.text[:40])
    app.saver.flush()
    saved = store.position(key)
    if saved is not None:
        assert 0 <= saved.offset <= len(story.text), (what, saved.offset)


def _record_quits(app: NightstandApp) -> list[str]:
    """Record each ``app.exit`` called from a quit action, by the action's name."""
    quits: list[str] = []
    real_exit = app.exit

    def exit_(*args: Any, **kwargs: Any) -> None:
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_name not in QUIT_ACTIONS:
            frame = frame.f_back  # type: ignore[assignment]
        if frame is not None:
            quits.append(frame.f_code.co_name)
        real_exit(*args, **kwargs)

    app.exit = exit_  # type: ignore[method-assign]
    return quits


async def _drive(f: HostileFile, steps: list[tuple[str, object]], state: Path) -> None:
    story = _story(f)
    settings, _ = load_settings()
    store = StateStore.open(state)
    key = store.story_key(story, f.path)
    app = NightstandApp(settings=settings, store=store, story=OpenStory(f.path, story, key))
    quits = _record_quits(app)
    done: list[str] = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for kind, arg in steps:
                what = f"{f.name} after {[*done, f'{kind} {arg}']}"
                if kind == "key":
                    await pilot.press(str(arg))
                elif kind == "resize":
                    width, height = arg  # type: ignore[misc]
                    await pilot.resize_terminal(width, height)
                else:
                    x, y = arg  # type: ignore[misc]
                    width, height = app.size
                    await pilot.click(offset=(x % max(width, 1), y % max(height, 1)))
                await pilot.pause()
                done.append(f"{kind} {arg}")
                _TOTALS["steps"] += 1
                _TOTALS[{"key": "keys", "resize": "resizes", "click": "clicks"}[kind]] += 1
                if not app.is_running:
                    # Only as asked: a quit key, or Quit clicked in the footer or palette.
                    assert quits, f"{what}: the app stopped"
                    break
                _check(app, story, key, store, what)
            if app.is_running:
                await pilot.press("ctrl+c")
        assert app._exception is None, repr(app._exception)
        assert app.return_code in (0, None)
        _check(app, story, key, store, f"{f.name} after exit")
    finally:
        app.saver.close()
        store.close()


@settings(
    max_examples=max(1, EXAMPLES // SHARDS),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(index=st.integers(0, 10_000), steps=st.lists(STEP, min_size=5, max_size=30))
# Found by the fuzz: the app quit as asked, by a click on the footer's Quit key at 80x24, and
# by a click on Quit in the command palette.
@example(index=0, steps=[("key", "space")] * 4 + [("click", (130, 23))])
@example(
    index=4347,
    steps=[
        ("resize", (1, 1)), ("key", "ctrl+b"), ("key", "ctrl+p"), ("key", "backspace"),
        ("resize", (2, 1)), ("key", "enter"), ("resize", (20, 5)), ("key", "minus"),
        ("resize", (80, 24)), ("click", (166, 15)), ("key", "backspace"),
    ],
)  # fmt: skip
def _fuzz(index: int, steps: list[tuple[str, object]]) -> None:
    f = _FILES[index % len(_FILES)]
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_drive(f, steps, Path(tmp) / "state"))
    _TOTALS["examples"] += 1


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_key_click_or_resize_sequence_breaks_the_reader(shard: int) -> None:
    before = dict(_TOTALS)
    seed(RUN_SEED + shard)(_fuzz)()
    ran = {name: _TOTALS[name] - before[name] for name in _TOTALS}
    print(f"\nkey fuzz, seed {RUN_SEED + shard}: {ran}")
    # It did drive the app: sequences ran, and keys were pressed in them.
    assert ran["examples"] >= min(EXAMPLES // SHARDS, 5)
    assert ran["keys"] >= ran["examples"]


def screen_text(pilot: Pilot[None]) -> str:
    """Everything on the terminal, as plain text."""
    app = pilot.app
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text().replace("\u00a0", " ")


def _app(f: HostileFile, state: Path) -> tuple[NightstandApp, StateStore]:
    story = _story(f)
    settings, _ = load_settings()
    store = StateStore.open(state)
    key = store.story_key(story, f.path)
    return NightstandApp(settings=settings, store=store, story=OpenStory(f.path, story, key)), store


async def test_markup_stays_text_on_the_page_in_contents_and_in_bookmarks(tmp_path: Path) -> None:
    f = next(f for f in _FILES if f.kind == "markup" and f.fmt == "txt")
    app, store = _app(f, tmp_path / "state")
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            await pilot.press("space")
            await pilot.pause()
            shown = screen_text(pilot)
            for markup in MARKUP[:4]:
                assert markup in shown
            # A click on the [@click=app.quit] text is a click on a page: nothing happens.
            view = app.screen.query_one(PageView)
            assert view.page is not None
            row = next(i for i, ln in enumerate(view.page.lines) if "[@click" in ln.text)
            line = view.page.lines[row]
            x = view.page.column_left + line.left + line.text.index("[@click") + 3
            await pilot.click(PageView, offset=(x, row))
            await pilot.pause()
            assert app.is_running
            await pilot.press("t")
            await pilot.pause()
            # The dialog's own list, not the page behind it (which shows the same heading).
            assert isinstance(app.screen, TocScreen)
            contents = widget_text(app.screen.query_one(OptionList))
            assert BROKEN_MARKUP_CHAPTER.split(": ")[1][:30] in contents, contents
            await pilot.press("down", "enter")
            await pilot.pause()
            await pilot.press("m", "apostrophe")
            await pilot.pause()
            assert isinstance(app.screen, BookmarksScreen)
            marks = widget_text(app.screen.query_one(OptionList))
            assert "Chapter 2: [/] [@click=app.quit]MARKUPCH2[/]" in marks, marks
            await pilot.press("escape")
            await pilot.pause()
            assert app.is_running
            assert app._exception is None
    finally:
        app.saver.close()
        store.close()


# The smallest windows that still show the reader (smaller ones show "Window too small",
# tested in tests/ui/test_small_and_empty.py), and a roomier one.
@pytest.mark.parametrize("size", [(20, 6), (80, 6), (60, 8)])
@pytest.mark.parametrize(
    "keys",
    [
        ("ctrl+p", "pageup"),
        ("ctrl+p", "down", "pagedown"),
        ("m", "apostrophe", "pagedown"),
        ("t", "pageup"),
    ],
)
async def test_paging_a_list_in_a_tiny_terminal_does_not_crash(
    size: tuple[int, int], keys: tuple[str, ...], tmp_path: Path
) -> None:
    """Textual 8's OptionList raised KeyError here (see nightstand.ui.lists)."""
    f = next(f for f in _FILES if f.kind == "markup" and f.fmt == "txt")
    app, store = _app(f, tmp_path / "state")
    story = _story(f)
    key = store.story_key(story, f.path)
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            reader = app.screen
            assert isinstance(reader, ReaderScreen)
            for k in keys:
                await pilot.press(k)
                await pilot.pause()
            assert app.is_running
            assert app._exception is None
            await pilot.press("escape")
            await pilot.pause()
            # The dialog is gone, the paging stayed in it, and the reader reads on and saves.
            assert app.screen is reader
            assert reader.on_title_page and reader.reading_position == 0
            await pilot.press("g", "space")  # past the title pages: first page, then next
            await pilot.pause()
            view = reader.query_one(PageView)
            assert not reader.on_title_page
            assert reader.reading_position > 0
            assert view.page is not None and view.page.start == reader.reading_position
            app.saver.flush()
            saved = store.position(key)
            assert saved is not None
            assert saved.offset == reader.reading_position
    finally:
        app.saver.close()
        store.close()
