"""HTML loading: AO3 downloads, FanFicFare pages, plain pages, hostile pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nightstand.cli import main
from nightstand.errors import StoryError
from nightstand.formats import load
from nightstand.formats.html import fold, inline_text, parse_html
from nightstand.formats.plaintext import prose
from nightstand.story import BlockKind, Story

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def info(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    main(["info", "--json", *extra, str(path)])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def texts(story: Story) -> list[tuple[str, int, str]]:
    return [(b.kind.value, b.indent, story.block_text(b)) for b in story.blocks]


def page(tmp_path: Path, html: str, name: str = "story.html") -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- AO3


def test_ao3_download_info(capsys: pytest.CaptureFixture[str]) -> None:
    data = info(FIXTURES / "ao3_work.html", capsys)
    assert (data["title"], data["author"], data["format"]) == (
        "The Lantern Keeper",
        "Wren_Halloway",
        "html",
    )
    assert [h["key"] for h in data["headers"]] == [
        "Title",
        "Author",
        "Rating",
        "Archive Warning",
        "Category",
        "Fandom",
        "Relationships",
        "Characters",
        "Additional Tags",
        "Language",
        "Series",
        "Stats",
        "Summary",
        "Notes",
    ]
    # Warnings and tags always; the summary because it mentions spoilers.
    assert data["spoiler_keys"] == ["Archive Warning", "Additional Tags", "Summary"]
    values = {h["key"]: h["value"] for h in data["headers"]}
    assert values["Archive Warning"] is None and values["Additional Tags"] is None
    assert values["Relationships"] == "Mara & Tobin, Elsie/Corwin"
    assert (
        values["Stats"] == "Published: 2021-03-01 Completed: 2021-04-12 Words: 1,204 Chapters: 3/3"
    )
    assert values["Notes"] == "Written for a friend."
    assert [c["title"] for c in data["chapters"]] == [
        "Chapter 1: The Stairs",
        "Chapter 2",
        "Chapter 3: Keeper",
    ]
    assert [e["text"] for e in data["emphasis"]] == [
        "Chapter Summary",
        "Chapter Notes",
        "counted",
        "late",
        "lamp",
        "Light.",
        "Chapter End Notes",
        "End Notes",
    ]
    assert data["scene_breaks"] == 2
    assert data["warnings"] == []


def test_ao3_download_revealed(capsys: pytest.CaptureFixture[str]) -> None:
    data = info(FIXTURES / "ao3_work.html", capsys, "--reveal-spoilers")
    values = {h["key"]: h["value"] for h in data["headers"]}
    assert values["Archive Warning"] == "Major Character Death"
    assert values["Additional Tags"] == "Hurt/Comfort, Lighthouses, The Lantern Goes Out"
    assert values["Summary"] == (
        "A keeper, a storm, and a light that must not go out. "
        "Spoilers for the end of Harbour Lights."
    )


def test_ao3_download_body() -> None:
    story = load(FIXTURES / "ao3_work.html")
    blocks = texts(story)
    assert blocks[:5] == [
        ("heading", 0, "Chapter 1: The Stairs"),
        ("paragraph", 0, "Chapter Summary"),
        ("paragraph", 4, "Mara climbs."),
        ("paragraph", 0, "Chapter Notes"),
        ("paragraph", 4, "Thanks to my beta."),
    ]
    assert (
        "paragraph",
        0,
        '"You\'ll be late," Tobin said\u00a0.\u00a0.\u00a0. and then he was gone.',
    ) in blocks
    # Entities decoded; the escape sequence an entity smuggled in is gone.
    assert ("paragraph", 0, "At the top the lamp was cold. Evil escape and & an entity.") in blocks
    # Chapter end notes close their chapter; the work's end notes close the book.
    chapter3 = blocks.index(("heading", 0, "Chapter 3: Keeper"))
    assert blocks[chapter3 - 2 : chapter3] == [
        ("paragraph", 0, "Chapter End Notes"),
        ("paragraph", 4, "One more to go."),
    ]
    assert blocks[-3:] == [
        ("end_mark", 0, "THE END"),
        ("paragraph", 0, "End Notes"),
        ("paragraph", 4, "Thank you for reading!"),
    ]
    for gone in (
        "script",
        "never",
        "comment",
        "Preface",
        "Afterword",
        "Posted originally",
        "endnote",
        "See the end",
        "drop by the Archive",
        "font-family",
    ):
        assert gone not in story.text
    assert "\x1b" not in story.text


def test_ao3_single_chapter_work(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><title>One Shot</title></head><body>
    <div id="preface"><div class="meta"><dl class="tags">
    <dt>Rating:</dt><dd>General Audiences</dd>
    <dt>Archive Warning:</dt><dd>No Archive Warnings Apply</dd>
    <dt>Additional Tags:</dt><dd>Fluff</dd></dl>
    <h1>One Shot</h1><div class="byline">by <a href="#">Someone</a>, <a href="#">Other</a></div>
    </div></div>
    <div id="chapters" class="userstuff"><div class="userstuff">
    <p>Title: not a header here</p><h3>A scene title</h3><p>Tea was <em>had</em>.</p>
    </div></div></body></html>"""
    story = load(page(tmp_path, html))
    assert story.title == "One Shot" and story.author == "Someone, Other"
    assert story.spoiler_keys == ("Archive Warning", "Additional Tags")
    # No chapter headings in a one-chapter work; headings inside the text are not chapters.
    assert story.chapters == ()
    assert texts(story) == [
        ("paragraph", 0, "Title: not a header here"),
        ("paragraph", 0, "A scene title"),
        ("paragraph", 0, "Tea was had."),
    ]
    assert story.blocks[1].spans[0].style == "strong"


# --------------------------------------------------------------------------- other pages


def test_fanficfare_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = """<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Salt and Iron by quillfeather</title>
<style type="text/css">body{}</style></head><body>
<h1><a href="https://www.fanfiction.net/s/1/1/">Salt and Iron</a> by <a href="https://www.fanfiction.net/u/2/">quillfeather</a></h1>
<table class="full">
<tr><td><b>Category:</b></td><td>Supernatural</td></tr>
<tr><td><b>Rating:</b></td><td>T</td></tr>
<tr><td><b>Warnings:</b></td><td>Character death</td></tr>
<tr><td colspan="2"><b>Summary:</b> Two brothers.</td></tr>
</table>
<a name="TOCTOP"><h2>Table of Contents</h2></a>
<p>
<a href="#section0001">Chapter 1: Road</a><br />
<a href="#section0002">Chapter 2: Motel</a><br />
</p>
<a name="section0001"><h2>Chapter 1: Road</h2></a>
<p>The car <i>purred</i>.</p><p>XxXxX</p><p>Rain.</p>
<a name="section0002"><h2>Chapter 2: Motel</h2></a>
<p>They <strong>slept</strong>.</p><p>~Fin~</p>
</body></html>"""
    data = info(page(tmp_path, html, "fff.html"), capsys)
    assert (data["title"], data["author"]) == ("Salt and Iron", "quillfeather")
    assert [h["key"] for h in data["headers"]] == ["Category", "Rating", "Warnings", "Summary"]
    assert data["spoiler_keys"] == ["Warnings"]
    assert [c["title"] for c in data["chapters"]] == ["Chapter 1: Road", "Chapter 2: Motel"]
    assert [e["text"] for e in data["emphasis"]] == ["purred", "slept"]
    assert data["scene_breaks"] == 1
    assert data["end_mark"] is True
    story = load(tmp_path / "fff.html")
    assert "Table of Contents" not in story.text


def test_plain_page(tmp_path: Path) -> None:
    html = """<html><head><title>Window Light</title>
<meta name="author" content="R. Quill"></head><body>
<p>Rating: G</p><p>Spoilers: none really</p>
<h2>Prologue</h2>
<p>First line<br><br>second
   paragraph, <em>leaning <strong>hard</strong></em> on it.</p>
<center>* * *</center>
<blockquote><p>A letter.</p><p>Two lines.</p></blockquote>
<ul><li>milk</li><li><p>eggs</p><ol start="3"><li>three</li><li>four</li></ol></li></ul>
<pre>  line one
line   two</pre>
<p><span style="font-style: italic">slanted</span> and <u>underlined</u></p>
<form><input value="no"><select><option>opt</option></select><button>press</button></form>
<nav><a href="/">Home</a></nav>
<p>Left&nbsp;alone . . . together</p>
</body></html>"""
    story = load(page(tmp_path, html))
    assert (story.title, story.author) == ("Window Light", "R. Quill")
    assert [(h.key, h.value, h.spoiler) for h in story.headers] == [
        ("Rating", "G", False),
        ("Spoilers", "none really", True),
    ]
    assert texts(story) == [
        ("heading", 0, "Prologue"),
        ("paragraph", 0, "First line"),
        ("paragraph", 0, "second paragraph, leaning hard on it."),
        ("scene_break", 0, ""),
        ("paragraph", 4, "A letter."),
        ("paragraph", 4, "Two lines."),
        ("paragraph", 2, "• milk"),
        ("paragraph", 2, "• eggs"),
        ("paragraph", 4, "3. three"),
        ("paragraph", 4, "4. four"),
        ("paragraph", 0, "line one"),
        ("paragraph", 0, "line two"),
        ("paragraph", 0, "slanted and underlined"),
        ("paragraph", 0, "Left alone\u00a0.\u00a0.\u00a0. together"),
    ]
    second = story.blocks[2]
    assert [(story.block_text(second)[s.start : s.end], s.style) for s in second.spans] == [
        ("leaning", "emphasis"),
        ("hard", "strong"),
    ]
    slanted = story.blocks[12]
    assert [story.block_text(slanted)[s.start : s.end] for s in slanted.spans] == [
        "slanted",
        "underlined",
    ]


def test_headings_without_markup_and_fragments(tmp_path: Path) -> None:
    # A bare fragment, no <html>: still HTML by its tags, loaded even as .txt.
    story = load(page(tmp_path, "<h1>Only Title</h1><p>by Someone</p><p>Body.</p>", "x.txt"))
    assert story.format == "html"
    assert (story.title, story.author, story.chapters) == ("Only Title", "Someone", ())
    assert texts(story) == [("paragraph", 0, "Body.")]
    story = load(page(tmp_path, "<h1>One</h1><p>a</p><h1>Two</h1><p>b</p>", "y.html"))
    # Two top headings are two chapters; the title falls back to the file's name.
    assert [c.title for c in story.chapters] == ["One", "Two"]
    assert story.title.casefold() == "y"


def test_chapter_lines_in_pages_without_heading_markup(tmp_path: Path) -> None:
    html = (
        "<p><strong>Chapter 1</strong></p><p>Text.</p><p>Chapter Two: Away</p>"
        "<p>Chapter 3 was <b>long</b>.</p><blockquote><p>Prologue</p></blockquote>"
    )
    story = load(page(tmp_path, html))
    assert [c.title for c in story.chapters] == ["Chapter 1", "Chapter Two: Away"]
    # With heading markup in the page, such lines stay paragraphs.
    story = load(page(tmp_path, "<h2>Part A</h2>" + html, "b.html"))
    assert [c.title for c in story.chapters] == ["Part A"]


# --------------------------------------------------------------------------- hostile


def _error_line(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(["info", "--json", str(path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


HOSTILE_PAGES = {
    "100,000 nested <div>": "<div>" * 100_000 + "deep" + "</div>" * 100_000,
    "100,000 open <blockquote>": "<blockquote>" * 100_000 + "deep",
    "100,000 nested <b> then blocks": "<b>" * 100_000 + "deep" + "<div></div>" * 100_000,
    "100,000 <span> then paragraphs": "<span>" * 100_000 + "<p>deep</p>" * 100_000,
    "nested lists": "<ul><li>" * 50_000 + "deep",
    # Each paragraph re-opens every earlier <b>: a minute of lexbor for 100 KB.
    "10,000 distinct open <b>": "".join(f"<p><b id={i}>deep" for i in range(10_000)),
    "misnested formatting": "<b><i><u><s>" * 25_000 + "deep",
}


@pytest.mark.parametrize("html", HOSTILE_PAGES.values(), ids=HOSTILE_PAGES.keys())
def test_hostile_nesting_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], html: str
) -> None:
    path = page(tmp_path, "<script>while(1){}</script>" + html)
    err = _error_line(path, capsys)
    assert "too many tags to be a story" in err


@pytest.mark.parametrize(
    "html",
    [
        "<p>" + "<i>" * 3_000 + "deep text" + "</i>" * 3_000 + "</p>",
        "<p>deep text" * 100_000,
        "<b>bold<p>deep text</p>" * 2_000,
        "<p><font face=x>deep text" * 50_000,
        "<table><tr><td>deep text" * 3_000,
        "<p><a href=x>deep text" * 30_000,
        "<li>deep text" * 50_000,
    ],
    ids=[
        "3000 nested <i>",
        "unclosed <p>",
        "<b> around blocks",
        "unclosed <font>",
        "nested tables",
        "unclosed links",
        "loose <li>",
    ],
)
def test_odd_but_harmless_pages_load(tmp_path: Path, html: str) -> None:
    story = load(page(tmp_path, "<script>alert(1)</script>" + html + "<hr><p>after</p>"))
    assert "deep text" in story.text and "alert" not in story.text


def test_many_unclosed_paragraphs_are_not_deep(tmp_path: Path) -> None:
    # Old pages leave every <p> open; the parser closes them, so the nesting check must too.
    html = "<html><body>" + "<p>para" * 40_000
    story = load(page(tmp_path, html))
    assert len(story.blocks) == 40_000


def test_nothing_but_scripts(tmp_path: Path) -> None:
    story = load(page(tmp_path, "<html><script>x</script><style>y</style><!-- z --></html>"))
    assert story.text == "" and story.blocks == ()


# --------------------------------------------------------------------------- properties

_MARK_FREE = st.text(alphabet=st.sampled_from(list("ab .,!?\n\t\u00a0\u2003'\"")), max_size=80)


@settings(max_examples=200, deadline=None)
@given(_MARK_FREE)
def test_fold_is_prose_without_marks(text: str) -> None:
    assert fold(text) == prose(text)[0]


_WORDY = st.text(alphabet=st.sampled_from(list("ab. ")), min_size=1, max_size=12).filter(
    lambda s: any(c.isalpha() for c in s)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORDY, st.sampled_from([None, "emphasis", "strong"])), max_size=8))
def test_inline_runs_fold_like_their_concatenation(runs: list[tuple[str, str | None]]) -> None:
    text, spans = inline_text(list(runs))
    assert text == fold("".join(r for r, _ in runs))
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert text[span.start : span.end] == text[span.start : span.end].strip()
    # Every styled run's words lie inside a span (ellipsis ties aside).
    styled = [" ".join(r.split()) for r, s in runs if s]
    joined = " ".join(text[s.start : s.end] for s in spans).replace("\u00a0", " ")
    for piece in styled:
        assert piece in joined


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=600))
def test_arbitrary_text_only_raises_story_error(text: str) -> None:
    try:
        story = parse_html(text, name="x")
    except StoryError:
        return
    assert "\n" not in "".join(story.block_text(b) for b in story.blocks)
    for block in story.blocks:
        assert all(0 <= s.start < s.end <= block.end - block.start for s in block.spans)
        if block.kind is BlockKind.PARAGRAPH:
            assert story.block_text(block).strip() == story.block_text(block)


_TAGGY = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<i>",
            "</i>",
            "<b>",
            "</b>",
            "<br>",
            "<hr>",
            "<h2>",
            "</h2>",
            "<div id=chapters>",
            "<div class='meta group'>",
            "<div class=userstuff>",
            "</div>",
            "<blockquote>",
            "</blockquote>",
            "<ul>",
            "<li>",
            "</ul>",
            "<dl class=tags>",
            "<dt>",
            "<dd>",
            "</dl>",
            "<pre>",
            "</pre>",
            "<script>",
            "</script>",
            "&amp;",
            "&#27;",
            "&nbsp;",
            " . . . ",
            "Key: value",
            "END",
            "words ",
            "* * *",
            "<!--",
            "-->",
            "<div id=preface>",
            "<h1>",
            "</h1>",
            "<table><tr><td>",
        ]
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_TAGGY)
def test_tag_soup_only_raises_story_error(pieces: list[str]) -> None:
    story = parse_html("".join(pieces), name="x")
    assert "\x1b" not in story.text
    assert all(b.kind is not BlockKind.HEADING or story.block_text(b) for b in story.blocks)
