"""Loader fuzzing: whatever bytes a file holds, ``formats.load`` ends in a Story or in one of
the app's own errors, within a time bound, and never reads past the 256 MiB limit.

Inputs are arbitrary bytes, bytes behind a format's opening signs, text full of controls and
markup, tag soup, Markdown soup, and EPUBs built from random parts and then damaged byte by
byte; each is loaded under every file extension nightstand knows. A loaded story keeps the
model's invariants (no control character, blocks and chapters inside the text).

``NIGHTSTAND_FUZZ_EXAMPLES`` scales the number of examples (see SECURITY.md).
"""

from __future__ import annotations

import io
import os
import random
import re
import time
import tracemalloc
import zipfile
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile.corpus import Doc, to_epub
from nightstand.errors import NightstandError, StoryError
from nightstand.formats import MAX_BYTES, load

if TYPE_CHECKING:
    from pathlib import Path

    from nightstand.story import Story

# The totals test counts what the other tests of this module did: they share one worker.
pytestmark = pytest.mark.xdist_group("hostile_loaders")

SCALE = max(int(os.environ.get("NIGHTSTAND_FUZZ_EXAMPLES", "30")) / 30, 0.1)
SUFFIXES = (".txt", ".md", ".html", ".epub", ".xhtml", "")
TIME_BOUND = 2.0
"""CPU seconds one load of a fuzz input may take (they are all under 64 KiB); CPU time, so
that other processes on a busy machine do not count."""

_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_COUNTS = {"inputs": 0, "loads": 0, "stories": 0, "refused": 0}


def _examples(n: int) -> int:
    return max(int(n * SCALE), 5)


def _invariants(story: Story) -> None:
    text = story.text
    assert not _UNSAFE.search(text)
    for value in (story.title, story.author or "", *(h.value for h in story.headers)):
        assert not _UNSAFE.search(value) and "\n" not in value, value
    for block in story.blocks:
        assert 0 <= block.start <= block.end <= len(text)
        assert "\n" not in text[block.start : block.end]
    for chapter in story.chapters:
        assert 0 <= chapter.offset <= len(text)


def _load_everywhere(data: bytes, tmp: Path) -> None:
    """Load ``data`` under every extension; only the app's errors, each within the bound."""
    _COUNTS["inputs"] += 1
    for suffix in SUFFIXES:
        path = tmp / f"fuzz{suffix}"
        path.write_bytes(data)
        start = time.process_time()
        try:
            story = load(path)
        except NightstandError:
            _COUNTS["refused"] += 1
        else:
            _COUNTS["stories"] += 1
            _invariants(story)
        finally:
            _COUNTS["loads"] += 1
        elapsed = time.process_time() - start
        assert elapsed < TIME_BOUND, f"{suffix}: {elapsed:.2f} s for {len(data)} bytes"


def _fuzz(n: int) -> settings:
    """Hypothesis settings for ``n`` examples (scaled), no deadline: the bound is ours."""
    return settings(
        max_examples=_examples(n),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


_PREFIXES = (
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xff\xfe\x00\x00",
    b"<!DOCTYPE html><html><body>",
    b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>',
    b"---\ntitle: x\n---\n",
    b"# Title\n\nby Someone\n\n",
    b"Title: x\n\nAuthor: y\n\n= = = = =\n\n",
    b"PK\x03\x04",
    b"PK\x03\x04\x14\x00\x00\x00\x00\x00"
    + b"\x00" * 16
    + b"\x08\x00\x00\x00mimetypeapplication/epub+zip",
)

_PIECES = (
    "\x1b",
    "\x1b[",
    "\x1b]0;",
    "\x07",
    "\x1b\\",
    "\x9b",
    "\x9d",
    "\x9c",
    "\x00",
    "\r",
    "\r\n",
    "\u2028",
    "\u202e",
    "\ufeff",
    "\ud800",
    "[bold]",
    "[/]",
    "[@click=app.quit]",
    "&#27;",
    "&#x9b;",
    "&#155;",
    "&#0;",
    "&#xD800;",
    "&#x110000;",
    "&amp;",
    "&lol;",
    "<p>",
    "</p>",
    "<h1>",
    "<h2>",
    "<b>",
    "<i>",
    "</i>",
    "<br>",
    "<hr>",
    "<div>",
    "<table><tr><td>",
    "<script>",
    "</script>",
    "<style>",
    "<svg>",
    "<template>",
    "<!--",
    "-->",
    "<![CDATA[",
    "<title>",
    "<meta charset=utf-16>",
    "Chapter 1",
    "Title: ",
    "Spoilers: ",
    "= = = =",
    "* * *",
    "END",
    "---",
    "# ",
    "## ",
    "*",
    "_",
    "-",
    "/",
    ". . .",
    "```",
    "> ",
    "1. ",
    "[a](http://x)",
    "<http://x>",
    "\n",
    "\n\n",
    " ",
    "word",
    "漢字",
    "🏳️‍🌈",
    "z\u0301\u0336",
)
_SOUP = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=20)), max_size=200).map(
    "".join
)
_ENCODINGS = ("utf-8", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1")


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="surrogatepass" if "utf" in encoding else "replace")


@_fuzz(60)
@given(data=st.binary(max_size=8192))
def test_arbitrary_bytes(data: bytes, tmp_path: Path) -> None:
    _load_everywhere(data, tmp_path)


@_fuzz(60)
@given(prefix=st.sampled_from(_PREFIXES), rest=st.binary(max_size=4096))
def test_bytes_behind_format_signs(prefix: bytes, rest: bytes, tmp_path: Path) -> None:
    _load_everywhere(prefix + rest, tmp_path)


@_fuzz(80)
@given(prefix=st.sampled_from(_PREFIXES), soup=_SOUP, encoding=st.sampled_from(_ENCODINGS))
def test_markup_and_control_soup(prefix: bytes, soup: str, encoding: str, tmp_path: Path) -> None:
    _load_everywhere(prefix + _encode(soup, encoding), tmp_path)


_WORDS = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=12)), max_size=12).map(
    "".join
)


@_fuzz(50)
@given(
    title=_WORDS,
    author=_WORDS,
    headers=st.lists(st.tuples(_WORDS, _WORDS), max_size=4),
    chapters=st.lists(st.tuples(_WORDS, st.lists(_WORDS, max_size=4)), max_size=4),
    per_file=st.integers(1, 3),
    damage=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=6),
    seed=st.integers(0, 1000),
)
def test_epubs_from_random_parts_then_damaged(
    title: str,
    author: str,
    headers: list[tuple[str, str]],
    chapters: list[tuple[str, list[str]]],
    per_file: int,
    damage: list[tuple[int, int]],
    seed: int,
    tmp_path: Path,
) -> None:
    doc = Doc(title, author, headers, chapters)
    data = bytearray(to_epub(doc, chapters_per_file=per_file, raw_metadata=seed % 2 == 0))
    for where, value in damage:
        data[where % len(data)] = value
    if seed % 5 == 0:
        # Cut the archive short, as an interrupted download does.
        data = data[: random.Random(seed).randrange(1, len(data))]
    _load_everywhere(bytes(data), tmp_path)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@_fuzz(30)
@given(
    members=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "mimetype",
                    "META-INF/container.xml",
                    "OEBPS/content.opf",
                    "content.opf",
                    "OEBPS/c.xhtml",
                    "../../etc/passwd",
                    "/abs.xhtml",
                    "META-INF/encryption.xml",
                    "toc.ncx",
                ]
            ),
            st.one_of(
                _SOUP.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=512)
            ),
        ),
        max_size=8,
    )
)
def test_zips_of_random_members(members: list[tuple[str, bytes]], tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        for name, content in members:
            z.writestr(name, content, zipfile.ZIP_DEFLATED)
    _load_everywhere(buffer.getvalue(), tmp_path)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_file_past_256_mib_is_refused_without_reading_it(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"sparse{suffix}"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: no disk is used
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(StoryError, match="too large"):
            load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.process_time() - start < TIME_BOUND
    assert peak < 1024 * 1024


def test_a_file_at_the_limit_is_not_refused_for_its_size(tmp_path: Path) -> None:
    path = tmp_path / "sparse.txt"
    with path.open("wb") as f:
        f.write(b"Title: Sparse\n\nA story of nothing.\n\n")
        f.truncate(MAX_BYTES)
    with pytest.raises(StoryError) as caught:
        load(path)  # all NUL bytes past the first line: refused, but not as too large
    assert "too large" not in str(caught.value)


def test_fuzz_totals() -> None:
    """Runs last in this module: the loaders were really exercised."""
    print(f"\nloader fuzz: {_COUNTS}")
    if not _COUNTS["inputs"]:
        pytest.skip("the loader fuzz did not run (deselected or run alone)")
    assert _COUNTS["loads"] == _COUNTS["inputs"] * len(SUFFIXES)
    assert _COUNTS["stories"] > 0
    assert _COUNTS["refused"] > 0
