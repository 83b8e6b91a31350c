"""Dashes tied to their word, smart punctuation, and what stays stable across the setting."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from nightstand.cli import main
from nightstand.formats import load
from nightstand.formats.markdown import parse_markdown
from nightstand.formats.plaintext import parse_plaintext, prose
from nightstand.layout import LayoutSettings, Paginator
from nightstand.search import search
from nightstand.state import StateStore, resolve_offset
from nightstand.story import NBSP
from nightstand.typography import fold, smarten, tie_dashes

if TYPE_CHECKING:
    from pathlib import Path

# A line may not open with the dash of interrupted speech, in any of its spellings.
_DASH_START = re.compile("^ *(?:-|\u2014|\u2013)")


@pytest.mark.parametrize("typography", ["smart", "as-written"])
def test_cat_of_the_seed_never_starts_a_line_with_a_dash(
    seed_path: Path, capsys: pytest.CaptureFixture[str], typography: str
) -> None:
    for width in range(20, 121):
        main(["cat", str(seed_path), "--width", str(width), "--typography", typography])
        out = capsys.readouterr().out
        bad = [line for line in out.splitlines() if _DASH_START.match(line)]
        assert not bad, (width, bad)
        # The speech is all there: the dash stays, with its word.
        flat = " ".join(out.split())
        assert re.search('You need to -["\u201d]', flat), width


INTERRUPTED = (
    '"We could always go back to the lighthouse and wait for the tide to turn, '
    'unless you think we need to -"\n\n'
    '"No." She shook her head -- hard -- and the lamp swung. "Don\'t even --"\n\n'
    "He went on anyway, past the nets and the boats, until the shingle ran out and "
    "there was nowhere left to go but back to her \u2014\n"
)


def test_a_lone_dash_and_its_quote_stay_with_the_word_before(tmp_path: Path) -> None:
    for typography in ("smart", "as-written"):
        story = parse_plaintext(INTERRUPTED, name="dashes", typography=typography)
        for measure in range(12, 90):
            pag = Paginator(story, measure + 4, 200, LayoutSettings(measure=measure))
            page = pag.first()
            while page is not None:
                for line in page.lines:
                    assert not _DASH_START.match(line.text), (typography, measure, line.text)
                page = pag.next(page)


def test_tie_dashes_ties_only_dashes_standing_alone() -> None:
    assert tie_dashes('to -"') == f'to{NBSP}-"'
    assert tie_dashes("head -- hard -- and") == f"head{NBSP}-- hard{NBSP}-- and"
    assert tie_dashes("back to her \u2014") == f"back to her{NBSP}\u2014"
    for kept in ("well-known", "a -word- here", "-5 degrees", "x - y"[:1], "2 - 1"):
        assert tie_dashes(kept) == kept or kept == "2 - 1"
    assert tie_dashes("2 - 1") == f"2{NBSP}- 1"


def test_smart_typography_curls_quotes_and_sets_dashes_and_ellipses() -> None:
    text = "\"Don't,\" she said -- and stopped... 'Why?' A <b> & it's fine."
    smart = smarten(text)
    assert smart == (
        "\u201cDon\u2019t,\u201d she said \u2014 and stopped\u2026 "
        "\u2018Why?\u2019 A <b> & it\u2019s fine."
    )
    assert fold(smart) == text
    # The dash of interrupted speech and its closing quote, at the end of a paragraph.
    assert smarten(f'"You need to{NBSP}-"') == f"\u201cYou need to{NBSP}-\u201d"
    story = parse_plaintext(INTERRUPTED, name="x", typography="smart")
    assert "\u201cNo.\u201d She shook her head\u00a0\u2014 hard\u00a0\u2014 and" in story.text
    assert '"' not in story.text
    written = parse_plaintext(INTERRUPTED, name="x", typography="as-written")
    assert 'need to\u00a0-"' in written.text
    assert "\u201c" not in written.text


def test_emphasis_spans_stay_on_their_words_when_smartened() -> None:
    text, spans = prose('He said -- *this...* and "you" _then_ -- ok.', smart=True)
    assert [text[s.start : s.end] for s in spans] == ["this\u2026", "then"]


def test_markdown_uses_its_own_typographer_and_leaves_code_alone() -> None:
    source = 'Para with "quotes" -- and dots... and `code "x" -- y...`.\n\n    block "x" --\n'
    smart = parse_markdown(source, name="md", typography="smart").text
    assert "\u201cquotes\u201d" in smart
    assert "\u2026" in smart
    assert 'code "x"\u00a0-- y...' in smart
    assert 'block "x"\u00a0--' in smart
    written = parse_markdown(source, name="md", typography="as-written").text
    assert '"quotes"' in written and "\u201c" not in written


def test_search_finds_quotes_and_dashes_as_typed_in_smart_text() -> None:
    story = parse_plaintext(INTERRUPTED, name="x", typography="smart")
    text = story.text
    for query, found in [
        ('"No."', "\u201cNo.\u201d"),
        ("head -- hard", "head\u00a0\u2014 hard"),
        ("Don't", "Don\u2019t"),
        ("\u201cno.\u201d", "\u201cNo.\u201d"),
    ]:
        matches = search(text, query)
        assert [text[a:b] for a, b in matches.spans] == [found], query
    written = parse_plaintext(INTERRUPTED, name="x", typography="as-written").text
    matches = search(written, "head \u2014 hard")
    assert [written[a:b] for a, b in matches.spans] == ["head\u00a0-- hard"]


LONG = "\n\n".join(
    f'"Paragraph {n} -- or so..." she said. "Isn\'t it?" He shrugged... and went on -- '
    "walking along the quay where the boats lay drawn up on the shingle, "
    "waiting for the tide."
    for n in range(60)
)


def same_words(a: str, b: str) -> bool:
    """Whether two texts start with the same 60 characters once their punctuation is folded."""
    return fold(a[:80])[:60] == fold(b[:80])[:60]


@pytest.mark.parametrize(("saved", "opened"), [("smart", "as-written"), ("as-written", "smart")])
def test_saved_positions_hold_across_the_typography_setting(
    tmp_path: Path, saved: str, opened: str
) -> None:
    path = tmp_path / "quay.txt"
    path.write_text("Title: The Quay\nAuthor: Someone\n\n" + LONG, encoding="utf-8")
    before = load(path, typography=saved)
    after = load(path, typography=opened)
    assert len(before.text) != len(after.text)  # the offsets really move
    pag = Paginator(before, 60, 20)
    page = pag.first()
    for _ in range(6):
        nxt = pag.next(page)
        assert nxt is not None
        page = nxt
    anchor = page.start
    with StateStore.open(tmp_path / "state") as store:
        key = store.story_key(before, path)
        store.save_position(key, path, before, anchor)
        bookmark = store.add_bookmark(key, before, anchor + 40)
    with StateStore.open(tmp_path / "state") as store:
        assert store.story_key(after, path) == key
        saved_pos = store.position(key)
        assert saved_pos is not None
        place = store.resolve(after, saved_pos)
        assert same_words(after.text[place:], before.text[anchor:])
        assert place != anchor
        marks = store.bookmarks(key)
        assert [m.name for m in marks] == [bookmark.name]
        at = resolve_offset(after, marks[0].offset, marks[0].quote)
        assert same_words(after.text[at:], before.text[anchor + 40 :])
    # The reader opens on the page that holds the same words.
    new_page = Paginator(after, 60, 20).page_at(place)
    assert new_page.start <= place < new_page.end
