"""The reader's process starts without OpenSSL, and loads it only when it is asked for.

asyncio, which Textual runs on, imports ``ssl`` for TLS connections, which the reader never
makes on its event loop; hashlib prefers OpenSSL's digests to Python's own, and the reader
hashes a kilobyte of a story's opening. Loading and starting OpenSSL's libraries costs the
reader 5.5 MiB of memory (3.5 MiB of it libcrypto's pages), with any book.

:func:`openssl_held_back` marks the OpenSSL modules missing while the reader starts, so
asyncio and hashlib come in without them. The marks go afterwards: ``ssl`` still loads when
something asks for it later (urllib, for a kosync server over https), and hashlib's own
digests give the same fingerprints as OpenSSL's. Where Python has no digests of its own,
or asyncio or hashlib are in already, nothing is held back.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

OPENSSL_MODULES = ("ssl", "_ssl", "_hashlib")
"""The modules that load OpenSSL's libraries (``_ssl`` and ``_hashlib`` are linked to them)."""


def builtin_digests() -> bool:
    """Whether Python has MD5 and SHA-256 of its own (``_sha2`` from 3.12, ``_sha256``
    before): hashlib falls back to them without OpenSSL."""
    from importlib.util import find_spec

    sha2 = find_spec("_sha2") or find_spec("_sha256")
    return find_spec("_md5") is not None and sha2 is not None


@contextlib.contextmanager
def openssl_held_back() -> Iterator[None]:
    """Inside, importing a module of :data:`OPENSSL_MODULES` fails as if it did not exist."""
    if "asyncio" in sys.modules or "hashlib" in sys.modules or not builtin_digests():
        yield
        return
    marked = [name for name in OPENSSL_MODULES if name not in sys.modules]
    for name in marked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in marked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
