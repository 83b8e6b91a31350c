"""Loading a story in a child process while the reader's UI is being imported.

Importing Textual takes most of a reader's start-up, and parsing a million-word book takes
a good part of the rest; both are Python code, so threads would only take turns. A forked
child parses the file on the other core and sends the story back packed with ``marshal``,
which the parent unpacks in a few milliseconds. Where ``fork`` is missing, or anything at
all goes wrong in the child, the parent simply loads the file itself, so errors are
reported exactly as :func:`nightstand.formats.load` reports them.

A big book read in parts (see :mod:`nightstand.formats.parts`) is the exception: the
child sends the part that opens the book and ends, and the reader reads the whole book
itself, on a thread, once its first page is drawn (:meth:`Preload.rest`). By then Textual
is up and the interpreter idle, and the reader alone reading it holds less than the reader
and a child that holds the book (the 1,000,000-word book, in one probe: 43.2 MiB against
47.9 MiB Pss at the peak).

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
import threading
import typing
from array import array
from typing import TYPE_CHECKING, Any

from nightstand.blockpack import decode_blocks, encode_blocks
from nightstand.errors import StoryError
from nightstand.filetext import BookText, FileText, PieceWriter
from nightstand.libc import die_with_parent, give_back_memory
from nightstand.story import Blocks, Story, spooled_text, stoppable

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nightstand.formats.parts import Partial


def _codec(hint: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]] | None:
    """How to turn a value of type ``hint`` into marshal's types and back; None: as it is."""
    if hint is Blocks:
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
    _send(out, *_packed("story", lambda: story))
    return out.getvalue()


def _packed(kind: str, load: Callable[[], Story], extra: Any = None) -> tuple[bytes, str]:
    """A message: its head (``kind``, every field of what ``load`` returns but the text,
    and ``extra``), and the text.

    Encoded, the story is its text and a few flat columns: its blocks (most of its memory)
    are let go before the bytes are made.
    """
    row = _encoder(Story)(load())
    text, row[_TEXT_FIELD] = row[_TEXT_FIELD], ""
    return marshal.dumps([kind, row, extra]), text


_TEXT_FIELD = _plan(Story)[0].index("text")
_TEXT_CHUNK = 1 << 20
_LENGTH = 8  # bytes of each length on the wire
KEEP_IN_FILE_CHARS = 1 << 20
"""A spooled text this long or longer stays in the spool, read a piece at a time (see
:mod:`nightstand.filetext`); a shorter one is read back whole, as a string."""


def _send(out: typing.BinaryIO, head: bytes, text: str) -> None:
    """The text as UTF-8 a piece at a time, each piece after its length, a length of 0
    after the last; then the head's length and the head.

    A big book's text is never held a second time, encoded, beside the story, and the
    child can send more than one message down the same pipe. The text goes first so that
    the reader, joining its pieces (the moment it holds the most), does not hold the head
    as well.
    """
    for i in range(0, len(text), _TEXT_CHUNK):
        chunk = text[i : i + _TEXT_CHUNK].encode("utf-8", "surrogatepass")
        out.write(len(chunk).to_bytes(_LENGTH, "little"))
        out.write(chunk)
    out.write(bytes(_LENGTH))
    out.write(len(head).to_bytes(_LENGTH, "little"))
    out.write(head)
    out.flush()


def _spooled_text(spool: typing.BinaryIO, chars: int, offsets: bytes) -> BookText:
    """The text a :class:`PieceWriter` wrote to the spool: kept there, read a piece at a
    time, when it is :data:`KEEP_IN_FILE_CHARS` or longer; else read back whole.
    ValueError when the spool does not hold that text."""
    table = array("q")
    table.frombytes(offsets)
    fd = os.dup(spool.fileno())
    try:
        text = FileText(fd, chars, table)
    except (ValueError, OSError):
        os.close(fd)
        raise
    if chars >= KEEP_IN_FILE_CHARS:
        return text
    with contextlib.closing(text):
        try:
            return text[:]
        except OSError as exc:
            raise ValueError(str(exc)) from None


def load_kept(path: Path, typography: str = "smart", spool: Path | None = None) -> Story:
    """Load ``path`` in this process, as :func:`nightstand.formats.load` does, but with a
    long text kept in a file with no name in the folder ``spool``, as a :class:`Preload`
    keeps a whole book's: the same story, or the same error.

    For a story opened while the reader runs (from the library), read on a worker thread.
    """
    from nightstand.formats import load

    out = _spool_file(spool) if spool is not None else None
    if out is None:
        return load(path, typography=typography)
    with out:
        writer = PieceWriter(out)
        try:
            with spooled_text(writer) as spooled:
                story = load(path, typography=typography)
            if not spooled.taken or story.text:
                return story  # its builder kept its text (a story from elsewhere)
            writer.finish()
            out.flush()
            text = _spooled_text(out, writer.chars, writer.offsets.tobytes())
        except (RuntimeError, ValueError, OSError):
            # A second builder inside the spool, or the spool cannot be written or read
            # (a full disk): the book is read as it always was.
            return load(path, typography=typography)
        return dataclasses.replace(story, text=text)


def _spool_file(folder: Path) -> typing.BinaryIO | None:
    """A file with no name in ``folder`` for the whole book's text; None when it cannot be
    made there (the text then goes down the pipe)."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryFile(dir=folder)
    except OSError:
        return None


class _Reader:
    """Reads what :func:`_send` wrote from a pipe, or from bytes."""

    def __init__(self, fd: int = -1, data: bytes = b"") -> None:
        self._fd = fd
        self._data = memoryview(data)
        self._at = 0

    def take(self, n: int, into: bytearray) -> bool:
        """Append ``n`` bytes to ``into``; False when the stream ends first."""
        if self._fd < 0:
            piece = self._data[self._at : self._at + n]
            self._at += len(piece)
            into += piece
            return len(piece) == n
        while n > 0:
            chunk = os.read(self._fd, min(n, _TEXT_CHUNK))
            if not chunk:
                return False
            into += chunk
            n -= len(chunk)
        return True

    def length(self) -> int | None:
        raw = bytearray()
        return int.from_bytes(raw, "little") if self.take(_LENGTH, raw) else None

    def message(self) -> tuple[str, list[Any], Any] | None:
        """(kind, the encoded story with its text back in place, extra); None at the end.

        ValueError (or EOFError, TypeError) when the stream breaks off or is not a message.
        """
        size = self.length()
        if size is None:
            return None
        # Each piece was encoded on its own: decoded as it comes, the text is never held
        # as UTF-8 whole beside the string it becomes (Devanagari: 3 bytes a character).
        pieces: list[str] = []
        while size:
            piece = bytearray()
            if not self.take(size, piece):
                raise EOFError("the message breaks off")
            pieces.append(str(piece, "utf-8", "surrogatepass"))
            del piece
            size = self.length()
        if size is None:
            raise EOFError("the message breaks off")
        text = "".join(pieces)
        del pieces
        size = self.length()
        head = bytearray()
        if size is None or not self.take(size, head):
            raise EOFError("the message breaks off")
        kind, row, extra = marshal.loads(head)
        del head
        if kind != "spooled":  # a notice that the story is in the spool has no row
            row[_TEXT_FIELD] = text
        return str(kind), row, extra


def unpack(data: bytes) -> Story:
    """The story :func:`pack` made."""
    message = _Reader(data=data).message()
    if message is None:
        raise ValueError("no story in the bytes")
    story: Story = _decoder(Story)(message[1])
    return story


class Preload:
    """A story being loaded in a child process; :meth:`result` waits for it.

    With ``part`` (a part number, see :mod:`nightstand.formats.parts`), the child of a big
    book sends its opening and that part only (:attr:`partial` is then set and
    :meth:`result` returns that story) and is gone; :meth:`rest` then reads the whole book
    in this process, as the reader turns pages.

    With ``spool`` (a folder), the whole book's text comes back through a file with no
    name made there rather than down the pipe: the child writes it as it reads the book
    and is gone before the parent reads it, so the two processes never each hold a copy
    (the Mahabharata: 12 MiB of text, 25 MiB at the moment it is joined).
    """

    def __init__(
        self,
        path: Path,
        typography: str = "smart",
        loader: Callable[[], Story] | None = None,
        *,
        part: int | None = None,
        spool: Path | None = None,
    ) -> None:
        self.path = path
        self.typography = typography
        self._loader = loader  # for a story already read from a pipe: its bytes are here
        self._part = part
        self.partial: Partial | None = None
        self._pid = 0
        self._fd = -1
        self._cancelled = False
        self._resting = False
        self._wake = threading.Event()  # the whole book read by rest(), or cancel()
        self._lock = threading.Lock()
        self._spool: typing.BinaryIO | None = None
        self._spool_folder = spool
        if not hasattr(os, "fork"):
            return
        parent = os.getpid()
        self._spool = _spool_file(spool) if spool is not None else None
        try:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
        except OSError:
            self._close_spool()
            return
        if pid == 0:  # the child: load, send, and leave without running any cleanup
            code = 1
            try:
                _become_loader(parent)
                os.close(read_fd)
                with os.fdopen(write_fd, "wb") as out:
                    self._child(out, parent)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid, self._fd = pid, read_fd

    def _child(self, out: typing.BinaryIO, parent: int) -> None:
        if self._part is not None and self._loader is None:
            from nightstand.formats.parts import read_partial

            partial = read_partial(self.path, self._part, typography=self.typography)
            if partial is not None:
                extra = [list(partial.numbers), partial.total]
                _send(out, *_packed("partial", lambda: partial.story, extra))
                return  # the whole book is read by the reader (see rest)
        spool = self._spool
        if spool is None:
            head, text = _packed("story", self._load_and_trim)
        else:
            # The whole book goes to the spool, its text as it is made and then the head,
            # and only a notice of their sizes down the pipe: the parent reads them back
            # once this process is gone, so the two never hold a copy of the book each;
            # and it joins the text before it reads the head, so not the head then either.
            writer = PieceWriter(spool)
            with spooled_text(writer) as spooled:
                head, text = _packed("story", self._load_and_trim)
            if spooled.taken and not text:  # else the story came from elsewhere: as it is
                writer.finish()
                spool.write(head)
                spool.flush()
                notice = [writer.chars, writer.size, len(head), writer.offsets.tobytes()]
                head = marshal.dumps(["spooled", None, notice])
        if os.getppid() == parent:  # else orphaned: nobody is reading
            _send(out, head, text)

    def _load_and_trim(self) -> Story:
        """In the child: the story, and the memory its parsing freed given back before
        the packing asks for more (the child's peak is the two together)."""
        story = self._load()
        give_back_memory()
        return story

    def _load(self) -> Story:
        from nightstand.formats import load

        if self._loader is not None:
            return self._loader()
        return load(self.path, typography=self.typography)

    def _receive(self) -> tuple[str, list[Any], Any] | None:
        """The next message from the child; None when it sent nothing more (it failed)."""
        try:
            message = _Reader(self._fd).message()
            if message is None or message[0] != "spooled":
                return message
            spool, self._spool = self._spool, None
            if spool is None:
                return None
            chars, size, head_size, offsets = message[2]
            self._finish()  # the child is gone, its memory with it, before the text is read
            with spool:
                text = _spooled_text(spool, chars, offsets)
                head = os.pread(spool.fileno(), head_size, size)
            if len(head) != head_size:
                return None
            kind, row, extra = marshal.loads(head)
            del head
            row[_TEXT_FIELD] = text
            return str(kind), row, extra
        except (ValueError, EOFError, TypeError, OSError):
            return None

    def _unpack(self, row: list[Any]) -> Story:
        try:
            story: Story = _decoder(Story)(row)
        except (ValueError, EOFError, TypeError, KeyError, IndexError) as exc:
            raise StoryError(f"{self.path}: could not load ({exc})") from None
        return story

    def result(self) -> Story:
        """The story to show first; raises :class:`StoryError` as ``formats.load`` would.

        When :attr:`partial` is set after this, it is part of the book: see :meth:`rest`.
        """
        if self._fd < 0:
            return self._load()
        message = self._receive()
        if message is not None and message[0] == "partial":
            from nightstand.formats.parts import Partial

            numbers, total = message[2]
            story = self._unpack(message[1])
            self.partial = Partial(story, tuple(numbers), int(total))
            return story
        self._finish()
        if message is None:
            # The child could not load it: load here, to report the error properly.
            return self._load()
        return self._unpack(message[1])

    def rest(self) -> Story:
        """After a partial :meth:`result`: the whole book, read in this process (call it
        once, off the UI thread); raises :class:`StoryError` when it cannot be read after
        all, or when :meth:`cancel` stopped it.

        The book is read as :func:`load_kept` reads it (a long text stays in the spool),
        on a daemon thread of its own while this call waits: Textual joins its worker
        threads when the program ends, and a reader quitting in the middle of a big book
        must not wait for the end of it. :meth:`cancel` wakes this call at once, and the
        thread stops building the book a few hundred blocks later (``story.stoppable``).
        Read here rather than in the child: the child beside the whole reader was the peak
        of the two (the 1,000,000-word book, in one probe: 47.9 MiB Pss for the two at
        their peak, 43.2 MiB for the reader reading it itself).
        """
        if self.partial is None or self._resting:
            raise StoryError(f"{self.path}: the rest of the book was not read")
        self._resting = True
        self._finish()  # the child sent its part and ended: reap it
        outcome: list[Story | BaseException] = []

        def read() -> None:
            try:
                with stoppable(self._wake.is_set):
                    outcome.append(load_kept(self.path, self.typography, self._spool_folder))
            except BaseException as exc:  # handed to the waiting thread, raised there
                outcome.append(exc)
            finally:
                self._wake.set()

        if not self._cancelled:
            threading.Thread(target=read, name="nightstand-book", daemon=True).start()
            self._wake.wait()
        if self._cancelled or not outcome:
            raise StoryError(f"{self.path}: reading was stopped")
        story = outcome[0]
        if isinstance(story, BaseException):
            raise story
        return story

    def _close_spool(self) -> None:
        with self._lock:
            spool, self._spool = self._spool, None
        if spool is not None:
            with contextlib.suppress(OSError):
                spool.close()

    def _finish(self) -> None:
        with self._lock:  # two threads may finish at once (rest and cancel): one does
            fd, self._fd = self._fd, -1
        if fd < 0:
            self._close_spool()
            return
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._close_spool()

    def kill(self) -> None:
        """Kill the child without waiting for it (on the way out: it is not reaped).

        Not once it has sent the part of a book read in parts: it ends by itself then,
        and another thread may have reaped it (its number may be another process's)."""
        if self._fd >= 0 and self.partial is None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)

    def cancel(self) -> None:
        """Stop the child and reap it (the story is not needed after all, or we are leaving).

        Safe to call more than once, and from another thread than the one that started it;
        a thread waiting in :meth:`rest` is woken and raises, and the book it was reading is
        dropped.
        """
        self._cancelled = True
        self._wake.set()
        if self._fd < 0:
            return
        self.kill()
        self._finish()


def _become_loader(parent: int) -> None:
    """In the forked child: die with the parent, and leave signals to their defaults.

    The parent's handlers (see :mod:`nightstand.shutdown`) would save and close the
    parent's database from here; the child has nothing to save.
    """
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
