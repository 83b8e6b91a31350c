"""Bytes to clean text: byte-order marks, UTF-8/16/32, legacy encodings, newlines, controls.

Everything a story file says passes through :func:`nightstand.text.sanitize` once, here,
so nothing downstream ever holds a control character or a terminal escape sequence.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from nightstand.errors import StoryError
from nightstand.text import sanitize

# (BOM, codec name) longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# cp1252 is tried before charset-normalizer, which on short samples takes French cp1252
# for cp1250 and Polish latin-2 for latin-6. A file is taken for cp1252 when it uses no byte
# cp1252 leaves undefined, its accented letters are a minority of its letters (Cyrillic or
# Greek read as cp1252 is nearly all accented letters), and no cp1252 symbol sits inside a
# word ("Za¿ó³æ" is Polish "Zażółć" read wrongly; "it’s" and "yes—no" are fine).
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"
_CP1252_HIGH_LETTERS = bytes(
    b for b in range(0x80, 0x100) if bytes([b]).decode("cp1252", errors="replace").isalpha()
)
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CP1252_SYMBOLS_IN_WORDS = "¡¢£¤¥¦§¨©«¬®¯°±²³¶¸¹»¼½¾¿×÷‚„†‡ˆ‰‹›˜™€•".encode("cp1252")
_LETTER_BYTES = re.escape(_ASCII_LETTERS + _CP1252_HIGH_LETTERS)
_SYMBOL_IN_WORD = re.compile(
    b"[%s][%s][%s]" % (_LETTER_BYTES, re.escape(_CP1252_SYMBOLS_IN_WORDS), _LETTER_BYTES)
)
_LEGACY_SAMPLE = 1_000_000

_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"\x7fELF",
    b"BM",
    b"RIFF",
    b"\x1f\x8b",
    b"PK\x03\x04",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x00\x00\x01\x00",
    b"OggS",
    b"ID3",
    b"\xca\xfe\xba\xbe",
    b"MZ",
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from a file, the encoding used, and how many bytes were unreadable."""

    text: str
    encoding: str
    replaced: int = 0

    @property
    def warning(self) -> str | None:
        """A reader-facing note when some bytes could not be decoded, else None."""
        if not self.replaced:
            return None
        return f"{self.replaced} undecodable byte sequence(s) shown as \ufffd ({self.encoding})"


def check_not_binary(data: bytes) -> None:
    """Raise :class:`StoryError` when ``data`` is evidently not text (an image, NUL-heavy)."""
    if any(data.startswith(sig) for sig in _BINARY_SIGNATURES):
        raise StoryError("not a story (binary data)")
    head = data[:65536]
    if head and not any(head.startswith(bom) for bom, _ in _BOMS):
        nuls = head.count(0)
        if nuls > len(head) // 10 and not _looks_like_bomless_utf16(head):
            raise StoryError("not a story (binary data)")


def _looks_like_bomless_utf16(head: bytes) -> bool:
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) > len(odd) * 0.9) != (even.count(0) > len(even) * 0.9)


def decode(data: bytes) -> Decoded:
    """Decode a file's bytes to sanitized text; never fails (bad bytes become U+FFFD)."""
    raw, encoding, replaced = _decode_raw(data)
    return Decoded(sanitize(raw), encoding, replaced)


def _decode_raw(data: bytes) -> tuple[str, str, int]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(codec.replace("-sig", ""), errors="replace")
            name = codec.removesuffix("-sig")
            return text, name, text.count("\ufffd")
    if _looks_like_bomless_utf16(data[:4096]) and len(data) >= 4:
        codec = "utf-16-le" if data[1] == 0 else "utf-16-be"
        text = data.decode(codec, errors="replace")
        return text, codec, text.count("\ufffd")
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    multibyte = len(lenient) - len(lenient.encode("ascii", errors="ignore")) - bad
    if multibyte > bad * 4:
        # Mostly good UTF-8 with a few damaged bytes: keep UTF-8, mark the damage.
        return lenient, "utf-8", bad
    if _plausible_cp1252(data[:_LEGACY_SAMPLE]):
        return data.decode("cp1252", errors="replace"), "cp1252", 0
    guessed = _guess_legacy(data)
    if guessed:
        text = data.decode(guessed, errors="replace")
        return text, guessed, text.count("\ufffd")
    text = data.decode("cp1252", errors="replace")
    return text, "cp1252", text.count("\ufffd")


def _plausible_cp1252(sample: bytes) -> bool:
    """Whether legacy bytes read as cp1252 look like a Latin-script text."""
    if any(b in sample for b in _CP1252_UNDEFINED):
        return False
    ascii_letters = len(sample) - len(sample.translate(None, _ASCII_LETTERS))
    high_letters = len(sample) - len(sample.translate(None, _CP1252_HIGH_LETTERS))
    if high_letters * 2 > ascii_letters:
        return False
    return not _SYMBOL_IN_WORD.search(sample)


def _guess_legacy(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:262144]).best()
    if best is None:
        return None
    name = best.encoding
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name
