"""Progress sync in the reader (Pilot): the prompt accepted and declined, push on quit, S."""

from __future__ import annotations

import asyncio
import time
import zipfile
from typing import TYPE_CHECKING

import pytest
from test_reader import reader, screen_text

from kosync_server import KosyncServer
from nightstand.sync.account import SyncLog
from nightstand.sync.digest import partial_md5
from nightstand.sync.service import percentage_of
from nightstand.ui.reader import ReaderScreen
from nightstand.ui.sync import SyncHub
from nightstand.ui.sync_prompt import SyncPrompt
from sync_helpers import log_in, write_epub
from test_sync import paragraph_texts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from textual.pilot import Pilot

    from nightstand.ui.app import NightstandApp

SIZE = (80, 24)
KOBO_POINTER = "/body/DocFragment[6]/body/p[3]/text().0"


@pytest.fixture
def server() -> Iterator[KosyncServer]:
    with KosyncServer() as s:
        yield s


async def until(pilot: Pilot[None], condition: Callable[[], object], what: str) -> None:
    """Wait for an observable state, with a generous bound for a busy machine."""
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
        await pilot.pause()


def kobo_was_here(server: KosyncServer, epub: Path, pointer: str = KOBO_POINTER) -> None:
    server.store(
        "reader",
        partial_md5(epub),
        percentage=0.6,
        progress=pointer,
        device="Kobo\x1b[31m",
        device_id="KOBO-1",
    )


async def test_another_devices_place_is_offered_and_y_goes_there(
    server: KosyncServer, tmp_path: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    epub = write_epub(tmp_path / "book.epub")
    with zipfile.ZipFile(epub) as z:
        paragraph = paragraph_texts(z.read("OEBPS/ch6.xhtml").decode())[2]
    log_in(server)
    kobo_was_here(server, epub)
    app = make_app(epub)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "Go there?" in screen_text(pilot), "the prompt")
        assert isinstance(app.screen, SyncPrompt)
        assert "Kobo is at 60 % (chapter 6). Go there?  y/n" in screen_text(pilot)
        screen = app.screen_stack[-2]
        assert isinstance(screen, ReaderScreen)
        assert screen.reading_position == 0
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(app.screen, SyncPrompt), "the answer")
        offset = screen.story.text.find(paragraph[:60])
        assert offset > 0
        await until(pilot, lambda: screen.page is not None, "a page")
        page = screen.page
        assert page is not None
        assert page.start <= offset < page.end
        assert " ".join(paragraph.split()[:4]) in " ".join(screen_text(pilot).split())


async def test_declining_keeps_the_place_and_is_not_asked_again(
    server: KosyncServer, tmp_path: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    epub = write_epub(tmp_path / "book.epub")
    log_in(server)
    kobo_was_here(server, epub)
    app = make_app(epub)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SyncPrompt), "the prompt")
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, SyncPrompt), "the answer")
        screen = reader(pilot)
        assert screen.reading_position == 0
        await until(
            pilot, lambda: SyncLog().document(partial_md5(epub)).get("declined"), "the decline"
        )
    # Opened again: the same remote place is not offered.
    app = make_app(epub)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: SyncLog().read().get("last_pull"), "the pull")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, SyncPrompt)
        # S asks even so.
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, SyncPrompt), "the prompt on S")
        await pilot.press("escape")
    # The Kobo reads on: now it is offered again.
    kobo_was_here(server, epub, "/body/DocFragment[7]/body/p[2]/text().0")
    app = make_app(epub)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "Go there?" in screen_text(pilot), "the prompt")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ReaderScreen), "the answer")


async def test_quitting_pushes_the_place(
    server: KosyncServer, tmp_path: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    epub = write_epub(tmp_path / "book.epub")
    log_in(server)
    app = make_app(epub)
    document = partial_md5(epub)
    async with app.run_test(size=SIZE) as pilot:
        screen = reader(pilot)
        # The session is made on a worker: on a busy machine it may not be there yet.
        await until(pilot, lambda: app.sync.session(screen) is not None, "the sync session")
        session = app.sync.session(screen)
        assert session is not None
        await until(pilot, lambda: session.ready and screen.paginator is not None, "the sync setup")
        for _ in range(5):
            await pilot.press("space")
        place = screen.reading_position
        assert place > 0
        await pilot.press("q")
    record = server.progress("reader", document)
    assert record is not None
    assert record["progress"].startswith("/body/DocFragment[")
    assert record["percentage"] == percentage_of(place, screen.story)
    assert record["device"] == "laptop"


async def test_a_dead_server_is_one_quiet_notice(
    tmp_path: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    epub = write_epub(tmp_path / "book.epub")
    with KosyncServer() as server:
        log_in(server)
    app = make_app(epub)
    async with app.run_test(size=SIZE) as pilot:

        def sync_notices() -> list[str]:
            return [n.message for n in app._notifications if "Sync" in n.message]

        await until(pilot, sync_notices, "the notice")
        assert "cannot reach the sync server" in sync_notices()[0]
        assert isinstance(app.screen, type(reader(pilot)))
        await pilot.press("space", "space")
        assert reader(pilot).reading_position > 0
        assert len(sync_notices()) == 1


async def test_page_turns_are_pushed_once_the_reader_pauses(
    server: KosyncServer, tmp_path: Path, make_app: Callable[[Path], NightstandApp]
) -> None:
    epub = write_epub(tmp_path / "book.epub")
    account = log_in(server)
    app = make_app(epub)
    app.sync = SyncHub(account, debounce=0.3)
    document = partial_md5(epub)
    async with app.run_test(size=SIZE) as pilot:
        screen = reader(pilot)
        await until(pilot, lambda: screen.paginator is not None, "the first page")
        # Opening alone sends nothing: an older place never overwrites a newer one.
        await until(pilot, lambda: SyncLog().read().get("last_pull"), "the pull")
        assert server.progress("reader", document) is None
        for _ in range(4):
            await pilot.press("space")
        place = screen.reading_position
        wanted = percentage_of(place, screen.story)
        await until(
            pilot,
            lambda: (server.progress("reader", document) or {}).get("percentage") == wanted,
            "the debounced push",
        )
        # A burst of turns is sent once (at most once a turn on a very slow machine).
        assert 1 <= [m for m, _, _ in server.requests].count("PUT") <= 4
