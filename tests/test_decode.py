"""Tests for formats.decode: encodings, newlines, binary detection and sanitizing."""

from __future__ import annotations

import codecs
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nightstand.errors import StoryError
from nightstand.formats.decode import Decoded, check_not_binary, decode
from nightstand.text import sanitize

TEXT = "Héllo, “world” — it’s… fine.\nSecond line, naïve café."
RUSSIAN = (
    "Он вышел из дома рано утром, когда город ещё спал. Улицы были пусты, и только "
    "ветер гонял по тротуарам сухие листья. Где-то далеко звонил колокол.\n"
) * 4
POLISH = (
    "Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig. Źdźbło trawy, "
    "świeże masło i miód. Łąka była żółta od kwiatów, a wiatr niósł zapach siana.\n"
) * 4
FRENCH = (
    "Le café était très chaud, et la garçonne a dit « à bientôt » avant de partir. "
    "Où est le château ? Ça, c’est ôté, naïf, Noël, œuvre, île, dûment, hôpital.\n"
) * 3


# Encodings


@pytest.mark.parametrize("prefix", [b"", codecs.BOM_UTF8])
def test_utf8_with_and_without_bom(prefix: bytes) -> None:
    decoded = decode(prefix + TEXT.encode("utf-8"))
    assert decoded == Decoded(TEXT, "utf-8", 0)
    assert decoded.warning is None


@pytest.mark.parametrize(
    ("codec", "bom", "name"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32-le"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_utf16_and_utf32_with_bom(codec: str, bom: bytes, name: str) -> None:
    decoded = decode(bom + TEXT.encode(codec))
    assert decoded.text == TEXT
    assert decoded.encoding == name
    assert decoded.replaced == 0


def test_python_utf16_and_utf32_codecs_write_a_bom_we_read() -> None:
    assert decode(TEXT.encode("utf-16")).text == TEXT
    assert decode(TEXT.encode("utf-32")).text == TEXT


def test_bomless_utf16_is_recognised_by_its_zero_bytes() -> None:
    decoded = decode("Plain words with no mark at the start.".encode("utf-16-le"))
    assert decoded.text == "Plain words with no mark at the start."
    assert decoded.encoding == "utf-16-le"


def test_cp1252_smart_quotes_dashes_and_ellipsis() -> None:
    text = "“Come in,” she said — softly – and then… ‘nothing’. Café crème."
    decoded = decode(text.encode("cp1252"))
    assert decoded == Decoded(text, "cp1252", 0)


def test_cp1252_french_with_many_accents_stays_cp1252() -> None:
    decoded = decode(FRENCH.encode("cp1252"))
    assert decoded.encoding == "cp1252"
    assert decoded.text == FRENCH


def test_koi8r_goes_through_charset_normalizer() -> None:
    decoded = decode(RUSSIAN.encode("koi8-r"))
    assert codecs.lookup(decoded.encoding).name == "koi8-r"
    assert decoded.text == RUSSIAN


def test_central_european_cp1250_is_not_taken_for_cp1252() -> None:
    decoded = decode(POLISH.encode("cp1250"))
    assert codecs.lookup(decoded.encoding).name == "cp1250"
    assert decoded.text == POLISH


def test_a_few_bad_bytes_in_utf8_become_replacement_characters_with_a_warning() -> None:
    good = "Crème brûlée, déjà vu, naïve façade. " * 3
    data = good.encode("utf-8") + b"\xff\xfe" + b" end"
    decoded = decode(data)
    assert decoded.encoding == "utf-8"
    assert decoded.replaced == 2
    assert decoded.text.endswith("\ufffd\ufffd end")
    assert decoded.warning is not None
    assert "2 undecodable" in decoded.warning


def test_odd_length_utf16_reports_the_damage() -> None:
    decoded = decode(codecs.BOM_UTF16_LE + "abc".encode("utf-16-le") + b"x")
    assert decoded.text == "abc\ufffd"
    assert decoded.replaced == 1
    assert decoded.warning is not None


@given(st.binary(max_size=600))
@settings(max_examples=200, deadline=None)
def test_decoding_never_fails_and_never_leaves_a_control(data: bytes) -> None:
    decoded = decode(data)
    assert isinstance(decoded.text, str)
    controls = [c for c in decoded.text if unicodedata.category(c) == "Cc" and c != "\n"]
    assert controls == []


# Newlines and tabs


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_become_newlines(newline: str) -> None:
    data = newline.join(["one", "two", "", "three"]).encode("utf-8")
    assert decode(data).text == "one\ntwo\n\nthree"


def test_mixed_line_endings() -> None:
    assert decode(b"a\r\nb\rc\nd").text == "a\nb\nc\nd"


def test_unicode_line_and_paragraph_separators() -> None:
    assert sanitize("a\u2028b\u2029c") == "a\nb\n\nc"


def test_tabs_become_spaces() -> None:
    assert sanitize("\tIndented\tword") == "    Indented    word"


def test_clean_text_is_returned_unchanged() -> None:
    text = "Nothing to do here . . . at all.\n"
    assert sanitize(text) is text


# Controls and escape sequences


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x1b[31mred\x1b[0m b", "ared b"),  # CSI colours
        ("x\x1b[2J\x1b[1;1Hy", "xy"),  # clear screen, cursor home
        ("x\x1b[?1049hy", "xy"),  # private mode (alternate screen)
        ("x\x1b]0;evil title\x07y", "xy"),  # OSC window title, BEL-terminated
        ("\x1b]8;;http://example.com\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink
        ("x\x1b]52;c;aGVsbG8=\x07y", "xy"),  # OSC 52 clipboard write
        ("x\x1bPq#0;2;0;0;0#0~~@@\x1b\\y", "xy"),  # DCS (sixel)
        ("x\x1b_hidden payload\x1b\\y", "xy"),  # APC
        ("x\x1bcy", "xy"),  # RIS: reset the terminal
        ("x\x1b(0y", "xy"),  # charset designation
        ("x\x1b", "x"),  # lone ESC at the end
        ("x\x9b31my", "xy"),  # 8-bit CSI
        ("x\x9d0;title\x9cy", "xy"),  # 8-bit OSC ... ST
        ("x\x90q payload\x9cy", "xy"),  # 8-bit DCS ... ST
        ("x\x85y\x80z", "xyz"),  # other C1 controls
        ("ring\x07ring", "ringring"),  # BEL
        ("n\x00u\x00l", "nul"),  # NUL
        ("back\x08space\x7fdel", "backspacedel"),  # BS, DEL
        ("form\x0cfeed\x0bvt", "formfeedvt"),
        ("\u202egnp.exe\u202c", "gnp.exe"),  # RLO / PDF
        ("a\u2066b\u2067c\u2068d\u2069e", "abcde"),  # BiDi isolates
        ("a\u200eb\u200fc", "abc"),  # LRM / RLM
        ("\ufeffzero width no-break", "zero width no-break"),  # stray BOM
    ],
)
def test_controls_and_sequences_are_removed_with_their_parameters(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean


def test_decode_sanitizes() -> None:
    decoded = decode(b"Title\x1b[31m: x\x07\r\n\tgo")
    assert decoded.text == "Title: x\n    go"


def test_markup_is_ordinary_text() -> None:
    text = "[bold red]loud[/] and [link=https://example.com]here[/link]"
    assert sanitize(text) == text


# Binary detection


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(200),
        b"\xff\xd8\xff\xe0" + bytes(100),
        b"GIF89a" + bytes(50),
        b"%PDF-1.7\n",
        b"\x7fELF\x02\x01\x01" + bytes(50),
        b"PK\x03\x04" + bytes(30),
    ],
    ids=["png", "jpeg", "gif", "pdf", "elf", "zip"],
)
def test_known_binary_signatures_are_refused(data: bytes) -> None:
    with pytest.raises(StoryError, match="binary"):
        check_not_binary(data)


@pytest.mark.parametrize(
    "data",
    [
        b"".join(i.to_bytes(4, "little") for i in range(2000)),  # a table of integers
        bytes(4096),  # nothing but NULs
        b"header\x00\x00\x00\x00\x01\x00\x00\x00" * 300,
    ],
    ids=["integers", "zeros", "records"],
)
def test_nul_heavy_data_is_refused(data: bytes) -> None:
    with pytest.raises(StoryError, match=r"not a story \(binary data\)"):
        check_not_binary(data)


def test_text_with_a_stray_nul_is_accepted() -> None:
    check_not_binary(b"A story that has one\x00 NUL byte in it and goes on and on." * 3)


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
        "No BOM here, but UTF-16 all the same.".encode("utf-16-be"),
    ],
)
def test_utf16_and_utf32_are_not_binary(data: bytes) -> None:
    check_not_binary(data)
