"""SyncHub: KOReader progress sync wired into the app (pull on open and on ``S``, push).

The work is in :mod:`nightstand.sync`; this module only runs it in workers and shows the
results: the prompt when another device is elsewhere, and a quiet notice when sync fails
(once, not on every retry). When no login is stored every method does nothing.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Final

from nightstand.source import PIPE_PATH
from nightstand.sync.account import load_account

if TYPE_CHECKING:
    from textual.app import App

    from nightstand.sync.account import Account
    from nightstand.sync.service import Offer, Pulled, SyncSession
    from nightstand.ui.reader import ReaderScreen

# The same values as nightstand.sync.service's; repeated so that starting the app does
# not import the HTTP client when sync is off.
DEBOUNCE: Final = 4.0
RETRY: Final = (15.0, 60.0, 300.0)
FLUSH_TIMEOUT: Final = 2.0


class SyncHub:
    """The app's sync: one :class:`SyncSession` per open reader."""

    def __init__(
        self,
        account: Account | None,
        *,
        debounce: float = DEBOUNCE,
        retry: tuple[float, ...] = RETRY,
        timeout: float | None = None,
    ) -> None:
        self.account = account
        self._debounce = debounce
        self._retry = retry
        self._timeout = timeout
        self._sessions: dict[int, SyncSession] = {}
        self._latest: dict[int, int] = {}
        self._warned = False
        self._app: App[None] | None = None

    @classmethod
    def from_state(cls) -> SyncHub:
        """The hub for the login stored in the state folder (off when there is none)."""
        return cls(load_account())

    @property
    def enabled(self) -> bool:
        """Whether a login is stored."""
        return self.account is not None

    def session(self, screen: ReaderScreen) -> SyncSession | None:
        """The sync session of a reader screen."""
        return self._sessions.get(id(screen))

    # -- from the reader -----------------------------------------------------------------

    def opened(self, screen: ReaderScreen) -> None:
        """A story opened: name it, link its places, pull, and offer (all in a worker).

        Even the HTTP client is imported in the worker: it costs tens of milliseconds
        that the first page should not wait for.
        """
        account = self.account
        if account is None or screen.opened.path == PIPE_PATH:
            return  # a story from a pipe has no file for the other devices to know it by
        app = screen.app
        key = id(screen)
        opening = screen.reading_position
        self._latest[key] = opening
        first = self._app is None
        self._app = app

        def work() -> None:
            from nightstand.sync.service import SyncSession, retry_pending

            if first:
                threading.Thread(
                    target=retry_pending, args=(account,), name="nightstand-sync-retry", daemon=True
                ).start()
            session = SyncSession(
                account,
                screen.opened.path,
                screen.story,
                on_notice=self._notice_from_thread,
                debounce=self._debounce,
                retry=self._retry,
                timeout=self._timeout,
            )
            session.note(opening)  # Where the story opened: not pushed until the reader moves.
            self._sessions[key] = session
            latest = self._latest.get(key, opening)
            if latest != opening:
                session.note(latest)  # Pages turned before the session existed.
            session.prepare()
            pulled = session.pull(_here(screen))
            app.call_from_thread(self._pulled, screen, session, pulled, False)

        screen.run_worker(work, thread=True, group="sync-open")

    def note(self, screen: ReaderScreen) -> None:
        """The reader's place changed (a page turn): push it once they pause."""
        if self.account is None:
            return
        self._latest[id(screen)] = screen.reading_position
        session = self.session(screen)
        if session is not None:
            session.note(screen.reading_position)

    def sync_now(self, screen: ReaderScreen) -> None:
        """``S``: push this place, then pull and offer, and say what happened."""
        session = self.session(screen)
        from nightstand.sync.service import Pulled

        if session is None:
            if self.account is None:
                screen.notify("Sync is off: log in with `nightstand sync login URL USER`")
            else:
                screen.notify("Sync is still starting; try again in a moment", timeout=3)
            return
        app = screen.app
        offset = screen.reading_position

        def work() -> None:
            if not session.ready:
                session.prepare()
            pulled = session.pull(_here(screen), interactive=True)
            if pulled.offer is None and not pulled.failed:
                # Nothing to go to: this place becomes the newest for the other devices.
                if session.push_now(offset):
                    pulled = Pulled(message=f"{pulled.message or 'Sync'}; this place was sent")
                else:
                    pulled = Pulled(message="Sync: the place could not be sent", failed=True)
            app.call_from_thread(self._pulled, screen, session, pulled, True)

        screen.run_worker(work, thread=True, group="sync-pull", exclusive=True)

    # -- on the way out --------------------------------------------------------------------

    def flush(self, timeout: float = FLUSH_TIMEOUT) -> None:
        """Push every session's newest place, all within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        for session in list(self._sessions.values()):
            session.flush(max(deadline - time.monotonic(), 0.05))

    def close(self) -> None:
        """Stop the sessions' threads."""
        for session in self._sessions.values():
            session.close()

    # -- results ---------------------------------------------------------------------------

    def _pulled(
        self, screen: ReaderScreen, session: SyncSession, pulled: Pulled, interactive: bool
    ) -> None:
        if not screen.is_attached:
            return
        if pulled.offer is not None:
            here = _here(screen)
            if not interactive and here[0] <= pulled.offer.offset < here[1]:
                return
            self._ask(screen, session, pulled.offer, send_if_declined=interactive)
        elif pulled.failed and not interactive:
            self._notice(pulled.message or "Sync failed")
        elif interactive:
            message = pulled.message or "Sync: done"
            screen.notify(message, severity="warning" if pulled.failed else "information")

    def _ask(
        self, screen: ReaderScreen, session: SyncSession, offer: Offer, *, send_if_declined: bool
    ) -> None:
        from nightstand.ui.sync_prompt import SyncPrompt

        def answered(go: bool | None) -> None:
            if go:
                screen.goto_position(offer.offset)
                return
            session.decline(offer)
            if send_if_declined:
                # Asked for with S and declined: this place is the one to keep everywhere.
                offset = screen.reading_position
                screen.run_worker(lambda: session.push_now(offset), thread=True, group="sync")

        screen.app.push_screen(SyncPrompt(offer.question()), answered)

    def _notice(self, message: str) -> None:
        if self._warned or self._app is None:
            return
        self._warned = True
        self._app.notify(message, severity="warning", timeout=6)

    def _notice_from_thread(self, message: str) -> None:
        app = self._app
        if app is not None and app.is_running and not self._warned:
            # RuntimeError: the app has stopped, and there is nobody to tell.
            with contextlib.suppress(RuntimeError):
                app.call_from_thread(self._notice, message)


def _here(screen: ReaderScreen) -> tuple[int, int]:
    """The story range on screen (the anchor alone on the title page)."""
    page = screen.page
    if page is None:
        anchor = screen.reading_position
        return anchor, anchor + 1
    return page.start, page.end
