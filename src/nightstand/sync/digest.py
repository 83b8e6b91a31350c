"""The document ids KOReader's progress sync uses.

KOReader names a document, by default, by a *partial* MD5 of its file: 1 KiB samples taken
at offset 0 and at 1024·4^i for i = 0..10, as long as the file lasts, hashed together.
Its other mode hashes the file's name (without the folder). Either id is all a sync server
ever learns about the book.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathlib import Path

SAMPLE: Final = 1024
OFFSETS: Final = (0, *(SAMPLE << (2 * i) for i in range(11)))
"""Where the samples start: 0, 1 KiB, 4 KiB, 16 KiB … 1 GiB."""


def partial_md5(path: Path) -> str:
    """KOReader's ``partialMD5`` of a file, as 32 lowercase hex digits.

    Sampling stops at the first offset at or past the end of the file; a short last sample
    counts as it is.
    """
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        for offset in OFFSETS:
            f.seek(offset)
            sample = f.read(SAMPLE)
            if not sample:
                break
            digest.update(sample)
    return digest.hexdigest()


def filename_md5(path: Path) -> str:
    """KOReader's other document id: the MD5 of the file's name (UTF-8, folder left out)."""
    name = path.name.encode("utf-8", "surrogateescape")
    return hashlib.md5(name, usedforsecurity=False).hexdigest()


def password_key(password: str) -> str:
    """The key KOReader sends for a password (``x-auth-key``): its MD5 in hex."""
    return hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest()
