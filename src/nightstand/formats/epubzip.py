"""The zip container of an EPUB, read in memory and within limits.

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
from typing import Final

from rich import filesize

from nightstand.errors import StoryError

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
    """A zip archive held in memory, read only within limits."""

    def __init__(self, data: bytes) -> None:
        self.warnings: list[str] = []
        self._read = 0
        entries = declared_entries(data)
        if entries is not None and entries > MAX_ENTRIES:
            raise StoryError(
                f"the EPUB holds {entries:,} files (the limit is {MAX_ENTRIES:,}); "
                "refusing what looks like a zip bomb"
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
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
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    (count,) = struct.unpack_from("<H", data, end + 10)
    if count != 0xFFFF:
        return int(count)
    locator = end - 20
    if locator < 0 or data[locator : locator + 4] != b"PK\x06\x07":
        return None
    (offset,) = struct.unpack_from("<Q", data, locator + 8)
    if offset + 40 > len(data) or data[offset : offset + 4] != b"PK\x06\x06":
        return None
    (count64,) = struct.unpack_from("<Q", data, offset + 32)
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
