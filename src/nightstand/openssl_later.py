"""The reader's process starts without OpenSSL, and loads it only when it is asked for.

asyncio, which Textual runs on, imports ``ssl`` for TLS connections, which the reader never
makes on its event loop; hashlib prefers OpenSSL's digests to Python's own, and the reader
hashes a kilobyte of a story's opening. OpenSSL's libraries are 4 MiB of the reader's
mapped memory (libcrypto 3.5 MiB); without them the reader's peak with the 1,000,000-word
book is 5.5 MiB lower in Pss, 5.6 MiB in VmHWM (side by side).

:func:`openssl_held_back` marks the OpenSSL modules missing while the reader starts, so
asyncio and hashlib come in without them. The marks go afterwards: ``ssl`` still loads when
something asks for it later (urllib, for a kosync server over https), and hashlib's own
digests give the same fingerprints as OpenSSL's. Two things stay as they were imported,
for the life of the process: asyncio cannot open TLS connections (``ssl=`` raises), and
hashlib has only Python's own digests (no ``scrypt``, a pure-Python ``pbkdf2_hmac``, no
``hashlib.new`` for OpenSSL-only names). The reader needs neither, and must not start
to without lifting the hold.

Where Python lacks any digest hashlib always offers, or asyncio or hashlib are in already
(imported by a ``.pth`` file, or a test), nothing is held back.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

OPENSSL_MODULES = ("ssl", "_ssl", "_hashlib")
"""The modules that load OpenSSL's libraries (``_ssl`` and ``_hashlib`` are linked to them)."""

_OWN_DIGESTS = (
    ("_md5",),
    ("_sha1",),
    ("_sha2", "_sha256"),
    ("_sha2", "_sha512"),
    ("_blake2",),
    ("_sha3",),
)
"""Python's own digest modules hashlib falls back to, each with its older name (``_sha2``
from 3.12; ``_sha256`` and ``_sha512`` before). Without one, hashlib logs an error for each
digest it cannot make."""


def builtin_digests() -> bool:
    """Whether Python has its own module for every digest hashlib always offers.

    They are imported, not looked up: hashlib, imported next, takes them from
    ``sys.modules`` (looking each up first cost the start-up a millisecond)."""
    for names in _OWN_DIGESTS:
        for name in names:
            try:
                importlib.import_module(name)
            except ImportError:
                continue
            break
        else:
            return False
    return True


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
