"""Loading a story in a child process while the reader's UI is being imported.

Importing Textual takes most of a reader's start-up, and parsing a million-word book takes
a good part of the rest; both are Python code, so threads would only take turns. A forked
child parses the file on the other core and sends the story back packed with ``marshal``,
which the parent unpacks in a few milliseconds. Where ``fork`` is missing, or anything at
all goes wrong in the child, the parent simply loads the file itself, so errors are
reported exactly as :func:`nightstand.formats.load` reports them.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from array import array
from typing import TYPE_CHECKING, Any

from nightstand.errors import StoryError
from nightstand.story import Block, BlockKind, Chapter, Header, Span, Story

if TYPE_CHECKING:
    from pathlib import Path

_KINDS = list(BlockKind)
_KIND_INDEX = {kind: i for i, kind in enumerate(_KINDS)}


def pack(story: Story) -> bytes:
    """A story as bytes, for :func:`unpack` in another process of the same build."""
    blocks = tuple(
        (
            _KIND_INDEX[b.kind],
            b.start,
            b.end,
            tuple((s.start, s.end, s.style) for s in b.spans),
            b.indent,
        )
        for b in story.blocks
    )
    return marshal.dumps(
        (
            story.title,
            story.author,
            tuple((h.key, h.value, h.spoiler, h.canonical) for h in story.headers),
            blocks,
            tuple((c.title, c.offset, c.block) for c in story.chapters),
            story.text,
            story.format,
            story.encoding,
            story.warnings,
        )
    )


def unpack(data: bytes) -> Story:
    """The story :func:`pack` made."""
    fields: Any = marshal.loads(data)
    title, author, headers, blocks, chapters, text, fmt, encoding, warnings = fields
    built = tuple(
        Block(_KINDS[kind], start, end, tuple(Span(*s) for s in spans) if spans else (), indent)
        for kind, start, end, spans, indent in blocks
    )
    return Story(
        title=title,
        author=author,
        headers=tuple(Header(*h) for h in headers),
        blocks=built,
        chapters=tuple(Chapter(*c) for c in chapters),
        text=text,
        format=fmt,
        encoding=encoding,
        warnings=tuple(warnings),
        _starts=array("q", (b.start for b in built)),
    )


class Preload:
    """A story being loaded in a child process; :meth:`result` waits for it."""

    def __init__(self, path: Path, typography: str = "smart") -> None:
        self.path = path
        self.typography = typography
        self._pid = 0
        self._fd = -1
        if not hasattr(os, "fork"):
            return
        try:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
        except OSError:
            return
        if pid == 0:  # the child: load, send, and leave without running any cleanup
            os.close(read_fd)
            code = 1
            try:
                from nightstand.formats import load

                payload = pack(load(path, typography=typography))
                with os.fdopen(write_fd, "wb") as out:
                    out.write(payload)
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid, self._fd = pid, read_fd

    def result(self) -> Story:
        """The loaded story; raises :class:`StoryError` as ``formats.load`` would."""
        from nightstand.formats import load

        if self._fd < 0:
            return load(self.path, typography=self.typography)
        with os.fdopen(self._fd, "rb") as pipe:
            data = pipe.read()
        self._fd = -1
        _, status = os.waitpid(self._pid, 0)
        if status != 0 or not data:
            # The child could not load it: load here, to report the error properly.
            return load(self.path, typography=self.typography)
        try:
            return unpack(data)
        except (ValueError, EOFError, TypeError) as exc:
            raise StoryError(f"{self.path}: could not load ({exc})") from None

    def cancel(self) -> None:
        """Stop waiting for the child (the story is not needed after all)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
