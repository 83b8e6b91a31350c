"""The zip container of an EPUB, read within limits, from memory or from its open file.

The archive is distrusted: the entry count is checked before the central directory is read,
the sizes it declares (and the compression ratios) are bounded, every read is capped, and
names that climb out of the book (``../``) are never followed. Names stored as UTF-8 without
the zip's UTF-8 flag (common in the wild) are read as UTF-8.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING, Final

from rich import filesize

from nightstand.errors import StoryError

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO

MAX_ENTRIES: Final = 10_000
"""More files than any book has; a zip with more is refused before its directory is read."""
MAX_DECLARED: Final = 2 * 1024**3
"""The total uncompressed size an EPUB may declare (2 GiB, pictures included)."""
MAX_READ: Final = 512 * 1024**2
"""The total of everything read from one EPUB."""
MAX_RATIO: Final = 200
"""The highest compression ratio believed for a large entry; text deflates about 3-10x."""
RATIO_FROM: Final = 1024**2
SIZE_UNITS: Final = ["bytes", "KiB", "MiB", "GiB", "TiB"]


class MemberError(Exception):
    """An entry of the archive cannot be read (missing, too large, damaged)."""


class Archive:
    """A zip archive, read only within limits: its bytes, or its file open for reading (a
    book read from its file is not held in memory whole; its members are read as needed)."""

    def __init__(self, source: bytes | BinaryIO) -> None:
        self.warnings: list[str] = []
        self._read = 0
        if isinstance(source, bytes):
            entries = declared_entries(source)
            stream: BinaryIO = io.BytesIO(source)
        else:
            entries = declared_entries_in(source)
            stream = source
        if entries is not None and entries > MAX_ENTRIES:
            raise StoryError(
                f"the EPUB holds {entries:,} files (the limit is {MAX_ENTRIES:,}); "
                "refusing what looks like a zip bomb"
            )
        try:
            self._zip = zipfile.ZipFile(stream)
            infos = self._zip.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            NotImplementedError,
            EOFError,
            OSError,
            ValueError,
            struct.error,
            IndexError,
            KeyError,
        ) as exc:
            # zipfile reports a damaged directory in many ways; all mean the same to a reader.
            raise StoryError(f"the EPUB is damaged or incomplete: {exc}") from None
        if len(infos) > MAX_ENTRIES:
            raise StoryError(f"the EPUB holds {len(infos):,} files (the limit is {MAX_ENTRIES:,})")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_DECLARED:
            raise StoryError(
                f"the EPUB declares {size_text(declared)} of content (the limit is "
                f"{size_text(MAX_DECLARED)}); refusing what looks like a zip bomb"
            )
        self.members: dict[str, zipfile.ZipInfo] = {}
        unsafe: list[str] = []
        for info in infos:
            info.filename = utf8_name(info)
            if not safe_name(info.filename):
                unsafe.append(info.filename)
            elif info.filename not in self.members and not info.is_dir():
                self.members[info.filename] = info
        if unsafe:
            self.warnings.append(
                f"ignored {len(unsafe)} file(s) whose names leave the book, like {unsafe[0]!r}"
            )

    def read(self, name: str, limit: int) -> bytes:
        """The bytes of one entry, or :class:`MemberError` saying why not."""
        info = self.members.get(name)
        if info is None:
            raise MemberError(f"{name} is missing from the EPUB")
        if info.file_size > limit:
            raise MemberError(f"{name} is too large ({size_text(info.file_size)})")
        if info.file_size > RATIO_FROM and info.file_size > info.compress_size * MAX_RATIO:
            raise MemberError(f"{name} is compressed suspiciously well (a zip bomb?)")
        if info.flag_bits & 0x1:
            raise MemberError(f"{name} is encrypted")
        if self._read + info.file_size > MAX_READ:
            raise MemberError(f"{name} is past the {size_text(MAX_READ)} this EPUB may use")
        try:
            with self._zip.open(info) as f:
                data = f.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
            raise MemberError(f"{name} is damaged ({exc})") from None
        except NotImplementedError:
            raise MemberError(f"{name} uses a compression method nightstand cannot read") from None
        if len(data) > limit:
            raise MemberError(f"{name} is too large")
        self._read += len(data)
        return data


def declared_entries(data: bytes) -> int | None:
    """The entry count the zip's end record declares, read without parsing the directory."""
    return _declared(data, 0, lambda at, n: data[at : at + n])


def declared_entries_in(f: BinaryIO) -> int | None:
    """:func:`declared_entries` of an open zip file, from its tail (and the zip64 record)."""
    try:
        size = f.seek(0, io.SEEK_END)
        start = max(0, size - _TAIL - 20)  # the zip64 locator sits 20 bytes before the end
        f.seek(start)
        tail = f.read()
    except OSError:
        return None  # zipfile reports the file as it finds it

    def read_at(at: int, n: int) -> bytes:
        f.seek(at)
        return f.read(n)

    return _declared(tail, start, read_at)


_TAIL = 65_557
"""The end record (22 bytes) and the longest comment after it."""


def _declared(tail: bytes, start: int, read_at: Callable[[int, int], bytes]) -> int | None:
    """The count from the end record in ``tail`` (which begins ``start`` bytes into the zip)."""
    end = tail.rfind(b"PK\x05\x06", max(0, len(tail) - _TAIL))
    if end < 0 or end + 22 > len(tail):
        return None
    (count,) = struct.unpack_from("<H", tail, end + 10)
    if count != 0xFFFF:
        return int(count)
    locator = end - 20
    if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
        return None
    (offset,) = struct.unpack_from("<Q", tail, locator + 8)
    try:
        record = read_at(offset, 40)
    except (OSError, ValueError, OverflowError):
        return None
    if len(record) < 40 or record[:4] != b"PK\x06\x06":
        return None
    (count64,) = struct.unpack_from("<Q", record, 32)
    return int(count64)


def utf8_name(info: zipfile.ZipInfo) -> str:
    """An entry's name, read as UTF-8 even when the zip's UTF-8 flag (bit 11) is unset.

    Many EPUB tools store UTF-8 names without setting the flag; zipfile then decodes them as
    cp437, and ``一.xhtml`` would no longer match the manifest's href. Names that are not
    valid UTF-8 either way stay as zipfile read them.
    """
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except UnicodeError:
        return name


def safe_name(name: str) -> bool:
    """Whether an entry name stays inside the book: relative, no ``..``, no drive."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    return ".." not in parts and ":" not in parts[0]


def size_text(n: int) -> str:
    """A byte count for an error line, in binary units (rich picks the unit)."""
    unit, suffix = filesize.pick_unit_and_suffix(n, SIZE_UNITS, 1024)
    return f"{n:,} bytes" if unit == 1 else f"{n / unit:.1f} {suffix}"
