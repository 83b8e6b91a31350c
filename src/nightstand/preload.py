"""Loading a story in a child process while the reader's UI is being imported.

Importing Textual takes most of a reader's start-up, and parsing a million-word book takes
a good part of the rest; both are Python code, so threads would only take turns. A forked
child parses the file on the other core and sends the story back packed with ``marshal``,
which the parent unpacks in a few milliseconds. Where ``fork`` is missing, or anything at
all goes wrong in the child, the parent simply loads the file itself, so errors are
reported exactly as :func:`nightstand.formats.load` reports them.

The child never outlives the parent: on Linux the kernel kills it when the parent dies
(``PR_SET_PDEATHSIG``), elsewhere it notices its parent has changed when it is done; it
takes none of the parent's signal handlers; and :meth:`Preload.cancel` kills and reaps it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import io
import marshal
import operator
import os
import signal
import sys
import typing
from typing import TYPE_CHECKING, Any

from nightstand.blockpack import decode_blocks, encode_blocks
from nightstand.errors import StoryError
from nightstand.story import Block, Story

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def _codec(hint: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]] | None:
    """How to turn a value of type ``hint`` into marshal's types and back; None: as it is."""
    if hint == tuple[Block, ...]:
        return encode_blocks, decode_blocks  # columns: a big book has 100,000s of blocks
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {m: m.value for m in hint}.__getitem__, {m.value: m for m in hint}.__getitem__
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _encoder(hint), _decoder(hint)
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
        inner = _codec(args[0])
        if inner is not None:
            encode, decode = inner
            return (lambda v: [*map(encode, v)]), (lambda v: (*map(decode, v),))
    return None


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, ...], tuple[tuple[int, Any], ...]]:
    """A dataclass's public fields (private ones are derived), and codecs by field index."""
    namespace = vars(sys.modules[cls.__module__])
    names: list[str] = []
    codecs: list[tuple[int, Any]] = []
    for f in dataclasses.fields(cls):
        if f.init and not f.name.startswith("_"):
            # Annotations are strings naming types of the dataclass's own module.
            codec = _codec(eval(f.type, namespace) if isinstance(f.type, str) else f.type)
            if codec is not None:
                codecs.append((len(names), codec))
            names.append(f.name)
    return tuple(names), tuple(codecs)


@functools.cache
def _encoder(cls: type) -> Callable[[Any], list[Any]]:
    names, codecs = _plan(cls)
    get = operator.attrgetter(*names)

    def encode(value: Any) -> list[Any]:
        row = list(get(value)) if len(names) > 1 else [get(value)]
        for i, (to_plain, _) in codecs:
            row[i] = to_plain(row[i])
        return row

    return encode


@functools.cache
def _decoder(cls: type) -> Callable[[list[Any]], Any]:
    _, codecs = _plan(cls)

    def decode(row: list[Any]) -> Any:
        for i, (_, from_plain) in codecs:
            row[i] = from_plain(row[i])
        return cls(*row)

    return decode


def pack(story: Story) -> bytes:
    """A story as bytes, for :func:`unpack` in another process of the same build.

    Every public field of :class:`Story` and of the records in it goes, found from the
    dataclasses themselves, so a new field needs no change here. The format is what the
    child sends: see :func:`_send`.
    """
    out = io.BytesIO()
    _send(out, *_packed(lambda: story))
    return out.getvalue()


def _packed(load: Callable[[], Story]) -> tuple[bytes, str]:
    """What ``load`` returns, packed: every field but the text, and the text.

    Encoded, the story is its text and a few flat columns: its blocks (most of its memory)
    are let go before the bytes are made.
    """
    row = _encoder(Story)(load())
    text, row[_TEXT_FIELD] = row[_TEXT_FIELD], ""
    return marshal.dumps(row), text


_TEXT_FIELD = _plan(Story)[0].index("text")
_TEXT_CHUNK = 1 << 20


def _send(out: typing.BinaryIO, head: bytes, text: str) -> None:
    """The head's length, the head, then the text as UTF-8 a piece at a time.

    A big book's text is never held a second time, encoded, beside the story.
    """
    out.write(len(head).to_bytes(8, "little"))
    out.write(head)
    for i in range(0, len(text), _TEXT_CHUNK):
        out.write(text[i : i + _TEXT_CHUNK].encode("utf-8", "surrogatepass"))


def _unpacked(data: bytes) -> list[Any]:
    """The encoded story :func:`_send` sent, text back in its place (not yet a Story)."""
    size = int.from_bytes(data[:8], "little")
    view = memoryview(data)
    row: list[Any] = marshal.loads(view[8 : 8 + size])
    row[_TEXT_FIELD] = str(view[8 + size :], "utf-8", "surrogatepass")
    return row


def unpack(data: bytes) -> Story:
    """The story :func:`pack` made."""
    story: Story = _decoder(Story)(_unpacked(data))
    return story


class Preload:
    """A story being loaded in a child process; :meth:`result` waits for it."""

    def __init__(
        self, path: Path, typography: str = "smart", loader: Callable[[], Story] | None = None
    ) -> None:
        self.path = path
        self.typography = typography
        self._loader = loader  # for a story already read from a pipe: its bytes are here
        self._pid = 0
        self._fd = -1
        if not hasattr(os, "fork"):
            return
        parent = os.getpid()
        try:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
        except OSError:
            return
        if pid == 0:  # the child: load, send, and leave without running any cleanup
            code = 1
            try:
                _become_loader(parent)
                os.close(read_fd)
                head, text = _packed(self._load)
                if os.getppid() != parent:
                    return  # orphaned: nobody is reading (the finally exits)
                with os.fdopen(write_fd, "wb") as out:
                    _send(out, head, text)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid, self._fd = pid, read_fd

    def _load(self) -> Story:
        from nightstand.formats import load

        if self._loader is not None:
            return self._loader()
        return load(self.path, typography=self.typography)

    def result(self) -> Story:
        """The loaded story; raises :class:`StoryError` as ``formats.load`` would."""
        if self._fd < 0:
            return self._load()
        with os.fdopen(self._fd, "rb") as pipe:
            data = pipe.read()
        self._fd = -1
        _, status = os.waitpid(self._pid, 0)
        if status != 0 or not data:
            # The child could not load it: load here, to report the error properly.
            return self._load()
        try:
            row = _unpacked(data)
            del data  # let the packed bytes go before the story is built from them
            story: Story = _decoder(Story)(row)
            return story
        except (ValueError, EOFError, TypeError, IndexError) as exc:
            raise StoryError(f"{self.path}: could not load ({exc})") from None

    def kill(self) -> None:
        """Kill the child without waiting for it (on the way out: it is not reaped)."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)

    def cancel(self) -> None:
        """Stop the child and reap it (the story is not needed after all, or we are leaving).

        Safe to call more than once, and from another thread than the one that started it.
        """
        fd, self._fd = self._fd, -1
        if fd < 0:
            return
        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)


_PR_SET_PDEATHSIG = 1


def _become_loader(parent: int) -> None:
    """In the forked child: die with the parent, and leave signals to their defaults.

    The parent's handlers (see :mod:`nightstand.shutdown`) would save and close the
    parent's database from here; the child has nothing to save.
    """
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes  # only in the child: the parent's start-up does not pay for it

        with contextlib.suppress(OSError, AttributeError, TypeError):
            # The running program's symbols include the C library's prctl.
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
