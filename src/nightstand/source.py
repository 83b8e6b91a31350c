"""Stories that arrive through a pipe: standard input, a FIFO, a ``/dev/fd/N``.

``cmd | nightstand``, ``nightstand -``, ``nightstand <(cmd)`` and ``nightstand FIFO`` all
read a stream, which has no size to check first and may never deliver anything. So a
stream is read here in bounded steps: the 256 MiB limit is enforced while reading (past a
few MiB the bytes wait in an unnamed temporary file, so an endless writer costs disk
space for a moment, not memory), and a writer that has not written after a second gets a
"Waiting for the story on …" line, so nobody stares at a blank terminal. Ctrl-C while
waiting raises :class:`KeyboardInterrupt` at once, which the command line turns into exit
status 130.

Once the story is read the keyboard still has to come from somewhere: like ``less``,
:func:`take_keyboard` puts the controlling terminal (``/dev/tty``) where standard input
was, so the reader (whose terminal driver reads file descriptor 0) works as usual.

A stream has no path, so the reading state keys it by content alone: :data:`PIPE_PATH`
stands for "no path" wherever a path is expected, and is stored as an empty path.
"""

from __future__ import annotations

import os
import select
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nightstand.errors import NightstandError, StoryError

if TYPE_CHECKING:
    from collections.abc import Callable

    from nightstand.story import Story

PIPE_PATH = Path("-")
"""The stand-in path of a story read from a stream; the state stores it as no path at all."""

PIPE_TITLE = "Untitled"
"""The title of a story from a stream that names none (there is no file name to use)."""

STDIN_LABEL = "standard input"

WAIT_NOTICE_AFTER = 1.0
"""Seconds of silence from the writer before the waiting line is shown."""

_CHUNK = 1 << 20
_IN_MEMORY = 8 << 20
"""Bytes kept in memory while reading; more go to an unnamed temporary file."""


class NoTerminalError(NightstandError):
    """The story came through standard input and there is no terminal for the keys."""


@dataclass(frozen=True, slots=True)
class Stream:
    """Where a story streams from: a file descriptor to open (or 0) and its name for people."""

    path: Path | None
    """The FIFO or ``/dev/fd/N`` to open; None for standard input."""
    label: str
    """What the waiting line names: "standard input" or the FIFO's name."""

    @property
    def suffix(self) -> str | None:
        """A file-name extension worth trusting (a FIFO named ``x.md``), else None."""
        if self.path is None or self.path.parent == Path("/dev/fd"):
            return None
        return self.path.suffix.lower() or None


def stdin_is_story() -> bool:
    """Whether standard input carries a story: a pipe, a socket or a redirected file.

    A terminal is not a story, and neither is a character device such as ``/dev/null``
    (what a service or a test harness often gives), so those keep the old behaviour.
    """
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISREG(mode)


def stream_for(path: Path | None) -> Stream | None:
    """The stream ``path`` names (``-``, a FIFO, a pipe behind ``/dev/fd/N``), or None.

    None for no path, a regular file, a folder or a missing path: those are read as before.
    (Whether a bare ``nightstand`` reads standard input is the command line's decision.)
    """
    if path is None:
        return None
    if str(path) == "-":
        return Stream(None, STDIN_LABEL)
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return Stream(path, path.name)
    return None


def read_stream(
    stream: Stream,
    *,
    limit: int | None = None,
    notice: Callable[[str], None] | None = None,
) -> bytes:
    """All of a stream's bytes, at most ``limit`` (256 MiB), telling ``notice`` if it is slow.

    Raises :class:`StoryError` for a stream past the limit (found while reading: no more
    than the limit is ever stored), an empty one, or one that cannot be opened or read.
    """
    from nightstand.formats import MAX_BYTES

    limit = MAX_BYTES if limit is None else limit
    say = notice if notice is not None else _notice_on_stderr
    if stream.path is None:
        fd, own = 0, False
    else:
        try:
            # Non-blocking, so that opening a FIFO nobody writes to does not hang here.
            fd, own = os.open(stream.path, os.O_RDONLY | os.O_NONBLOCK), True
        except OSError as exc:
            raise StoryError(f"{stream.label}: cannot read ({exc.strerror or exc})") from None
    try:
        ready, _, _ = select.select([fd], [], [], WAIT_NOTICE_AFTER)
        if not ready:
            say(f"Waiting for the story on {stream.label}…")
            select.select([fd], [], [])
        if own:
            os.set_blocking(fd, True)
        data = _read_bounded(fd, limit, stream.label)
    finally:
        if own:
            os.close(fd)
    if not data.strip():
        raise StoryError(f"{stream.label} is empty: no story came through it")
    return data


def _read_bounded(fd: int, limit: int, label: str) -> bytes:
    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as spool:
        total = 0
        while True:
            try:
                chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            except BlockingIOError:
                select.select([fd], [], [])
                continue
            except OSError as exc:
                raise StoryError(f"{label}: cannot read ({exc.strerror or exc})") from None
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise StoryError(f"the story on {label} is too large (the limit is 256 MiB)")
            try:
                spool.write(chunk)
            except OSError as exc:
                raise StoryError(
                    f"{label}: no room to hold the story ({exc.strerror or exc})"
                ) from None
        spool.seek(0)
        return spool.read()


def _notice_on_stderr(message: str) -> None:
    from nightstand.text import sanitize

    # A FIFO's name is text from outside: no escape sequence reaches the terminal.
    print(f"nightstand: {' '.join(sanitize(message).split())}", file=sys.stderr, flush=True)


def load_stream(
    stream: Stream, notice: Callable[[str], None] | None = None, *, typography: str = "smart"
) -> Story:
    """Read and load the story on ``stream``, its format sniffed from the content."""
    from nightstand.formats import load_bytes

    data = read_stream(stream, notice=notice)
    return load_bytes(
        data, name=PIPE_TITLE, suffix=stream.suffix, label=stream.label, typography=typography
    )


def open_terminal() -> int:
    """A descriptor of the controlling terminal, to read keys from once stdin is used up.

    Raises :class:`NoTerminalError` when there is none (a cron job, ``setsid``, a pipeline
    without a terminal): the reader cannot be used then.
    """
    try:
        return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise NoTerminalError(
            "the story came from standard input and there is no terminal to read keys "
            "from; use `nightstand cat -` to print it"
        ) from None


def take_keyboard(tty_fd: int) -> None:
    """Make ``tty_fd`` (the terminal) standard input, as ``less`` does after reading a pipe.

    The reader's terminal driver reads descriptor 0 and checks ``sys.__stdin__``; both now
    lead to the terminal.
    """
    os.dup2(tty_fd, 0)
    os.close(tty_fd)


def read_piped(stream: Stream, typography: str = "smart") -> Callable[[], Story]:
    """For the reader: read ``stream``, take the keyboard from the terminal, and return
    what parses the bytes read (in :class:`~nightstand.preload.Preload`'s child).

    The terminal is opened first, so that a reader without one hears it before waiting.
    """
    from nightstand.formats import load_bytes

    tty = open_terminal()
    try:
        data = read_stream(stream)
    except BaseException:
        os.close(tty)
        raise
    take_keyboard(tty)
    return lambda: load_bytes(
        data, name=PIPE_TITLE, suffix=stream.suffix, label=stream.label, typography=typography
    )


def load_path(path: Path, *, typography: str = "smart") -> tuple[Path, Story]:
    """The story at ``path`` for ``info``, ``cat`` and ``forget``: a file, or a stream.

    Returns the path the reading state knows the story by (:data:`PIPE_PATH` for a stream).
    """
    from nightstand.formats import load

    stream = stream_for(path)
    if stream is None:
        return path, load(path, typography=typography)
    return PIPE_PATH, load_stream(stream, typography=typography)
