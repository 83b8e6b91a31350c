"""A big plain-text story read a stretch at a time, never held whole.

Reading a million-word text file whole holds its bytes, the decoded text and its lines
at once, about 20 MiB for the 1,000,000-word book, in the loader child beside the reader
showing the first page. Read here, the file goes through in stretches of about
:data:`STRETCH_BYTES`, each cut just after a blank line, where :func:`read_body` has
nothing pending; so each stretch's blocks are the same read alone as read with the whole
file, and the story is the one :func:`parse_plaintext` builds from the whole text.

That holds only where nothing in the file depends on what lies across a cut. A first pass
checks, reading and building nothing it keeps: the file is UTF-8 throughout (a BOM
allowed); it holds no escape sequence nor C1 control (the sanitizer removes a sequence
whole, and a sequence may run over a blank line); and the header block at the top ends
inside the first stretch. Otherwise, and for a small file, :func:`read_stream` returns
None and the caller reads the file whole, as before.

The last stretch holds the END line if there is one, and at least one line of prose: a
stretch holding only blank lines and separators is read together with the one before.
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
import stat
from typing import TYPE_CHECKING, BinaryIO

from nightstand.errors import StoryError
from nightstand.formats.decode import Decoded
from nightstand.formats.plaintext import (
    PREFIX_CHARS,
    _groups,
    _key_of,
    find_end,
    is_separator,
    read_body,
    read_head,
    scan_body,
)
from nightstand.story import StoryBuilder
from nightstand.text import sanitize

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from nightstand.formats.plaintext import Head
    from nightstand.story import Story

STREAM_BYTES = 1 << 20
"""A text file this big or bigger is read in stretches (smaller ones take no time)."""
STRETCH_BYTES = 1 << 16
"""About how much of the file one stretch holds: it is cut at the next blank line after.
With 256 KiB the loader child of the 1,000,000-word book peaked 2 MiB higher (a stretch's
bytes, text, lines and paragraphs are all alive at once); the load took 2 % less."""

_C1 = re.compile(b"\xc2[\x80-\x9f]")
"""A C1 control in UTF-8 (8-bit escape sequences start with one; ESC is looked for apart)."""
_HEAD_BYTES = 1 << 20
"""How far into a file its header block may run for it to be read in stretches."""
_HEADER_GROUPS = 400
"""How many groups of lines the header block may take (``plaintext._header_block``)."""


def _raw_stretches(f: BinaryIO, start: int) -> Iterator[bytes]:
    """The file's bytes from ``start`` on, in stretches each ending just after a blank line
    but the last (a cut falls after a newline byte, so never inside a UTF-8 character)."""
    f.seek(start)
    held = b""
    while True:
        block = f.read(STRETCH_BYTES)
        data = held + block
        if not block:
            if data:
                yield data
            return
        lf, crlf = data.rfind(b"\n\n"), data.rfind(b"\n\r\n")
        cut = max(lf + 2 if lf >= 0 else -1, crlf + 3 if crlf >= 0 else -1)
        if cut < 0:
            held = data  # no blank line yet: read on (a file of one paragraph is one stretch)
            continue
        yield data[:cut]
        held = data[cut:]


def _utf8(data: bytes) -> str:
    return str(data, "utf-8")


def _first_whole(stretches: Iterator[bytes], first: int) -> Iterator[bytes]:
    """``stretches`` with the first ones joined into one of ``first`` bytes or more."""
    top = b""
    for data in stretches:
        top += data
        if len(top) >= first:
            break
    if top:
        yield top
        top = b""
    yield from stretches


class _Plan:
    """What the first pass found: where the text starts (after a BOM), how long the first
    stretch is, the head, and how many U+FFFD the text holds (counted as undecodable after
    a BOM, as ``decode`` does)."""

    def __init__(self, start: int, first: int, head: Head, replaced: int) -> None:
        self.start = start
        self.first = first  # the first stretch runs on to this many bytes, the head in it
        self.head = head
        self.replaced = replaced


def _lines(text: str, last: bool) -> list[str]:
    """A stretch's lines; a stretch but the last ends with a newline, which ends its last
    line rather than starting one."""
    lines = sanitize(text).split("\n")
    if not last:
        lines.pop()
    return lines


def _head_is_settled(lines: list[str]) -> bool:
    """Whether the header block found in ``lines`` (a file's first stretch) is the one the
    whole file has: its scan stops at a group of lines that is not a header, or at the
    most groups it takes, inside these lines."""
    groups = itertools.islice(_groups(lines, 0), _HEADER_GROUPS + 1)
    for n, (first, _) in enumerate(groups):
        if n >= _HEADER_GROUPS or not _key_of(lines[first], lenient=True):
            return True
    return False


def _plan(f: BinaryIO, suffix: str) -> _Plan | None:
    """The first pass over an open text file: None when it must be read whole."""
    from nightstand.formats import MAX_BYTES, sniff
    from nightstand.formats.decode import _BOMS, _looks_like_bomless_utf16, check_not_binary

    size = os.fstat(f.fileno()).st_size
    if not STREAM_BYTES <= size <= MAX_BYTES:
        return None
    top = f.read(1 << 16)
    try:
        check_not_binary(top)
        if sniff(top, suffix) != "text":
            return None
    except StoryError:
        return None  # reported as the whole read reports it
    bom = top.startswith(codecs.BOM_UTF8)
    other_bom = any(top.startswith(mark) for mark, codec in _BOMS if codec != "utf-8-sig")
    if not bom and (other_bom or _looks_like_bomless_utf16(top[:4096])):
        return None  # UTF-16 or UTF-32, whose newlines are not the bytes cut at
    start = len(codecs.BOM_UTF8) if bom else 0
    head: Head | None = None
    top = b""  # the first stretches, until the header block is settled in them
    replaced = 0
    seen = False
    try:
        for data in _raw_stretches(f, start):
            if b"\x1b" in data or _C1.search(data):
                return None
            if head is None:
                top += data
                if len(top) > _HEAD_BYTES:
                    return None
                lines = _lines(str(top, "utf-8"), last=False)
                if _head_is_settled(lines) and top.endswith(b"\n"):
                    head, first, top = read_head(lines), len(top), b""
            if data.isascii():  # UTF-8 for certain, and no U+FFFD: nothing to decode
                seen = seen or bool(data.strip())
                continue
            text = str(data, "utf-8")
            del data
            seen = seen or not text.isspace()
            if bom:
                replaced += text.count("\ufffd")
    except UnicodeDecodeError:
        return None
    if head is None or not seen:
        return None  # empty: the whole read says so
    return _Plan(start, first, head, replaced)


def _has_prose(lines: list[str]) -> bool:
    return any(line.strip() and not is_separator(line.strip()) for line in lines)


def _held_back(f: BinaryIO, plan: _Plan) -> Iterator[tuple[list[str], bool]]:
    """The stretches' lines and whether each is the last. The first runs on to
    ``plan.first`` bytes, as far as the first pass read to settle the header block; a
    stretch with no prose (blank lines and separators only) goes with the one before, so
    the last has some."""
    held: str | None = None
    held_lines: list[str] = []
    for text in map(_utf8, _first_whole(_raw_stretches(f, plan.start), plan.first)):
        lines = _lines(text, last=False)
        if held is not None and _has_prose(lines):
            yield held_lines, False
            held, held_lines = text, lines
        elif held is None:
            held, held_lines = text, lines
        else:
            held, held_lines = held + text, held_lines + lines
    if held is not None:
        del held_lines
        # The last stretch need not end with a newline: its last line is a line.
        yield _lines(held, last=True), True


def read_stream(
    path: Path,
    *,
    name: str,
    want: int | None = None,
    typography: str = "as-written",
) -> tuple[Story, tuple[int, ...], int] | None:
    """As :func:`~nightstand.formats.plaintext.read_plaintext_parts` on the file's text,
    read a stretch at a time; None when the file must be read whole (see the module), or
    cannot be read here (the whole read then says why)."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size < STREAM_BYTES:
            return None  # a pipe is read once, by the whole read; a small file takes no time
        with path.open("rb") as f:
            return _read(f, path.suffix.lower(), name, want, typography)
    except (OSError, UnicodeDecodeError):  # the latter: the file changed after the first pass
        return None


def _read(
    f: BinaryIO, suffix: str, name: str, want: int | None, typography: str
) -> tuple[Story, tuple[int, ...], int] | None:
    plan = _plan(f, suffix)
    if plan is None:
        return None
    smart = typography == "smart"
    builder = StoryBuilder()
    builder.part()  # part 0: the text before the first chapter
    number = 0  # the part being read
    reading = True  # whether its blocks are read (with ``want``, a part not wanted is not)
    read: list[int] = [0]
    end_mark: str | None = None
    first = True
    for lines, last in _held_back(f, plan):
        start = plan.head.body_start if first else 0
        first = False
        stop = len(lines)
        if last:
            end_line = find_end(lines, start)
            if end_line is not None:
                stop = end_line
                end_mark = " ".join(lines[end_line].split())
        if want is None:
            read_body(lines, start, stop, builder, smart=smart)
            continue
        # Parts begin at the headings: a part is read, or not, from its heading on.
        at = start
        for heading in [*scan_body(lines, start, stop)[0], stop]:
            if reading:
                read_body(lines, at, heading, builder, smart=smart)
            if heading == stop:
                break
            number += 1
            reading = number == want or builder.chars < PREFIX_CHARS
            if reading:
                read.append(number)
            at = heading
    total, numbers = number + 1, tuple(read)
    if end_mark is not None and (want is None or numbers[-1] == total - 1):
        builder.end_mark(end_mark)
    warning = Decoded("", "utf-8", plan.replaced).warning
    story = builder.build(
        title=plan.head.title or name,
        author=plan.head.author,
        headers=plan.head.headers,
        format="text",
        encoding="utf-8",
        warnings=(warning,) if warning else (),
    )
    if want is None:
        numbers, total = tuple(range(len(story.parts))), len(story.parts)
    return story, numbers, total
