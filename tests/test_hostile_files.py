"""Every file of the hostile corpus loads cleanly or is refused with one of the app's errors.

A loaded story holds no control character, escape sequence or BiDi override anywhere a
reader could see it (body, title, author, headers, chapter titles, warnings), shows markup
as the text it is, keeps text that only looks like a header block in the body, and typesets
into pages whose lines fit the column at any size.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from hostile.corpus import FORMATS, LOOKALIKE, MARKUP, corpus
from nightstand.errors import NightstandError
from nightstand.formats import load
from nightstand.layout import LayoutSettings, Paginator

if TYPE_CHECKING:
    from hostile.corpus import HostileFile
    from nightstand.layout import Page
    from nightstand.story import Story

UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What must never reach the screen: controls (``\\n`` aside), C1, BiDi overrides/isolates."""
UNSAFE_LINE = re.compile(UNSAFE.pattern[:-1] + "\n]")

SIZES = ((1, 1), (3, 2), (20, 5), (80, 24), (500, 200))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[HostileFile]:
    """The hostile corpus, written once per session."""
    return corpus(tmp_path_factory)


_STORIES: dict[str, Story] = {}


def _load(f: HostileFile) -> Story:
    if f.name not in _STORIES:
        _STORIES[f.name] = load(f.path)
    return _STORIES[f.name]


def _strings(story: Story) -> list[tuple[str, str]]:
    out = [("title", story.title), ("author", story.author or "")]
    out += [(f"header key {h.key!r}", h.key) for h in story.headers]
    out += [(f"header {h.key!r}", h.value) for h in story.headers]
    out += [("chapter title", c.title) for c in story.chapters]
    out += [("warning", w) for w in story.warnings]
    return out


def test_the_corpus_covers_every_format_and_attack(files: list[HostileFile]) -> None:
    kinds = {(f.fmt, f.kind) for f in files}
    for fmt in FORMATS:
        for kind in (
            "escapes",
            "markup",
            "huge-line",
            "many-paragraphs",
            "many-chapters",
            "header-block",
            "empty",
            "nul-bytes",
            "utf16-surrogates",
            "invalid-utf8",
        ):
            assert (fmt, kind) in kinds, (fmt, kind)
    assert {("md", "entities"), ("html", "entities"), ("epub", "entities")} <= kinds
    huge = next(f for f in files if f.kind == "huge-line" and f.fmt == "txt")
    assert b"\n" not in huge.path.read_bytes()[200:-100]  # one line after the headers
    assert huge.path.stat().st_size >= 10 * 1024 * 1024


@pytest.mark.slow
def test_every_file_loads_or_is_refused_with_the_apps_error(files: list[HostileFile]) -> None:
    loaded = refused = 0
    for f in files:
        try:
            story = _load(f)
        except NightstandError as exc:
            assert f.loads is not True, f"{f.name} was refused: {exc}"
            assert not UNSAFE_LINE.search(str(exc)) or f.kind == "empty", f.name
            refused += 1
            continue
        assert f.loads is not False, f"{f.name} loaded but must be refused"
        loaded += 1
        assert not UNSAFE.search(story.text), f"{f.name}: a control character in the body"
        for what, value in _strings(story):
            assert not UNSAFE_LINE.search(value), f"{f.name}: {what} {value[:80]!r}"
    assert loaded >= 40
    assert refused >= 5


def test_the_text_around_every_attack_is_kept(files: list[HostileFile]) -> None:
    for f in files:
        if not f.loads:
            continue
        story = _load(f)
        seen = " ".join([story.text, *(v for _, v in _strings(story))])
        for token in (*f.visible, *f.end_visible):
            assert token in seen, f"{f.name}: {token!r} is gone"


@pytest.mark.parametrize("fmt", FORMATS)
def test_markup_is_text_and_a_false_header_block_stays_in_the_body(
    files: list[HostileFile], fmt: str
) -> None:
    f = next(f for f in files if f.kind == "markup" and f.fmt == fmt)
    story = _load(f)
    for markup in MARKUP:
        assert markup in story.text, markup
    for line in LOOKALIKE:
        if "LOOKALIKE" in line:
            assert line.split(": ")[-1] in story.text, line
    assert "LOOKALIKE" not in story.title
    assert "LOOKALIKE" not in (story.author or "")
    assert not any("LOOKALIKE" in h.value for h in story.headers)
    # A false END in the middle is not the end: what follows it is still read.
    assert "LOOKALIKE-LAST" in story.text


def _check_page(f: HostileFile, story: Story, page: Page) -> None:
    assert 0 <= page.start <= page.end <= len(story.text), f.name
    for line in page.lines:
        assert line.cell_length() <= page.column_width, (f.name, line.text[:40])
        for segment in line.segments:
            assert not UNSAFE_LINE.search(segment.text), (f.name, segment.text[:40])


def test_every_loaded_file_typesets_to_fitting_pages_at_any_size(
    files: list[HostileFile],
) -> None:
    checked = 0
    for f in files:
        if not f.loads:
            continue
        story = _load(f)
        for width, height in SIZES:
            paginator = Paginator(story, width, height, LayoutSettings())
            page: Page | None = paginator.first()
            for _ in range(4):
                if page is None:
                    break
                _check_page(f, story, page)
                checked += 1
                page = paginator.next(page)
            last = paginator.last()
            _check_page(f, story, last)
            before = paginator.previous(last)
            if before is not None:
                _check_page(f, story, before)
            _check_page(f, story, paginator.page_at(len(story.text) // 2))
            checked += 3
    assert checked > 500
