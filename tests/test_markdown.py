"""Markdown loading: front matter, header blocks, chapters, emphasis, quotes and lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nightstand.cli import main
from nightstand.errors import StoryError
from nightstand.formats import load
from nightstand.formats.markdown import front_matter, key_block, parse_markdown

if TYPE_CHECKING:
    import pytest

    from nightstand.story import Story

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def info(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    main(["info", "--json", *extra, str(path)])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def blocks(story: Story) -> list[tuple[str, int, str]]:
    return [(b.kind.value, b.indent, story.block_text(b)) for b in story.blocks]


def md(text: str) -> Story:
    return parse_markdown(text, name="fallback")


def test_front_matter_story_info(capsys: pytest.CaptureFixture[str]) -> None:
    data = info(FIXTURES / "front_matter.md", capsys)
    assert (data["title"], data["author"], data["format"]) == (
        "Salt & Lanterns",
        "Wren Halloway",
        "markdown",
    )
    assert [(h["key"], h["spoiler"]) for h in data["headers"]] == [
        ("title", False),
        ("author", False),
        ("rating", False),
        ("fandom", False),
        ("archive warning", True),
        ("tags", True),
        ("characters", False),
        ("summary", False),
    ]
    assert data["spoiler_keys"] == ["archive warning", "tags"]
    values = {h["key"]: h["value"] for h in data["headers"]}
    assert values["characters"] == "Mara, Tobin"
    assert values["summary"] == "A keeper, a storm, and a light that must not go out."
    assert [c["title"] for c in data["chapters"]] == ["Chapter 1: The Stairs", "Chapter 2: Light"]
    assert [e["text"] for e in data["emphasis"]] == ["counted", "stop", "lamp"]
    assert data["scene_breaks"] == 1
    assert data["end_mark"] is True


def test_front_matter_story_revealed(capsys: pytest.CaptureFixture[str]) -> None:
    data = info(FIXTURES / "front_matter.md", capsys, "--reveal-spoilers")
    values = {h["key"]: h["value"] for h in data["headers"]}
    assert values["tags"] == "hurt/comfort, lighthouses, spoilers: the lamp"
    assert values["archive warning"] == "Major Character Death"


def test_front_matter_story_body() -> None:
    story = load(FIXTURES / "front_matter.md")
    assert blocks(story) == [
        ("heading", 0, "Chapter 1: The Stairs"),
        (
            "paragraph",
            0,
            "The stairs went up and up, and Mara counted every one of them. She did not "
            "stop, not once\u00a0.\u00a0.\u00a0. not even for breath.",
        ),
        # Smart typography is the default for Markdown: markdown-it curls the quotes.
        ("paragraph", 4, "\u201cYou\u2019ll be late,\u201d said the note on the door."),
        ("scene_break", 0, ""),
        ("paragraph", 0, "At the top the lamp was cold."),
        ("heading", 0, "Chapter 2: Light"),
        ("paragraph", 2, "1. Trim the wick."),
        ("paragraph", 2, "2. Strike the match."),
        ("paragraph", 0, "She kept the light."),
        ("end_mark", 0, "THE END"),
    ]
    # The "# Salt & Lanterns" heading repeats the front matter's title: no chapter of it.
    assert "Salt" not in story.text


def test_key_value_block_and_title_byline() -> None:
    story = md(
        "Title: Window Light\nRating: G\nSpoilers: season two\n\n---\n\nProse starts *here*.\n"
    )
    assert [(h.key, h.canonical, h.spoiler) for h in story.headers] == [
        ("Title", "title", False),
        ("Rating", "rating", False),
        ("Spoilers", "spoilers", True),
    ]
    assert story.title == "Window Light"
    assert blocks(story) == [("paragraph", 0, "Prose starts here.")]

    story = md("# Window Light\n\n*by R. Quill*\n\n## One\n\nText.\n\n## Two\n\nMore.\n")
    assert (story.title, story.author) == ("Window Light", "R. Quill")
    assert [c.title for c in story.chapters] == ["One", "Two"]
    assert "Quill" not in story.text


def test_several_top_headings_are_chapters() -> None:
    story = md("# One\n\nA.\n\n# Two\n\nB.\n")
    assert story.title == "fallback"
    assert [c.title for c in story.chapters] == ["One", "Two"]
    story = md("Setext Chapter\n==============\n\nText.\n")
    assert story.title == "Setext Chapter" and story.chapters == ()


def test_inline_html_breaks_code_and_html_blocks() -> None:
    story = md(
        "Some <i>tilted</i> and <b>bold</b> text,  \nhard break.\n\n"
        "```\ncode  line\n  two\n```\n\n"
        "<div><p>An <em>html</em> block.</p><script>no()</script></div>\n\n"
        "- a\n  - nested *b*\n\n"
        "__strong__ and _em_ and `code`\n\n"
        "Ends &amp; &#27;[2J done\n"
    )
    assert blocks(story) == [
        ("paragraph", 0, "Some tilted and bold text,"),
        ("paragraph", 0, "hard break."),
        ("paragraph", 4, "code line"),
        ("paragraph", 4, "two"),
        ("paragraph", 0, "An html block."),
        ("paragraph", 2, "• a"),
        ("paragraph", 4, "• nested b"),
        ("paragraph", 0, "strong and em and code"),
        ("paragraph", 0, "Ends & \ufffd[2J done"),
    ]
    first = story.blocks[0]
    assert [(story.block_text(first)[s.start : s.end], s.style) for s in first.spans] == [
        ("tilted", "emphasis"),
        ("bold", "strong"),
    ]
    assert "\x1b" not in story.text


def test_front_matter_needs_key_lines() -> None:
    # A story that opens with a thematic break is not front matter.
    text = "---\n\nIt was dark.\n\n---\n\nMorning.\n"
    assert front_matter(text) == ([], text)
    story = md(text)
    assert blocks(story) == [
        ("paragraph", 0, "It was dark."),
        ("scene_break", 0, ""),
        ("paragraph", 0, "Morning."),
    ]
    # Unclosed front matter is text too.
    assert front_matter("---\ntitle: x\n\nStory.\n")[0] == []


def test_key_block_needs_a_known_key_and_a_gap() -> None:
    assert key_block("He Said: go\n\nText.\n")[0] == []
    assert key_block("Rating: T\nThen the story began.\n")[0] == []
    headers, rest = key_block("Rating: T\nPairing: A/B\n\nText.\n")
    assert [h.key for h in headers] == ["Rating", "Pairing"] and rest.strip() == "Text."


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500))
def test_arbitrary_text_only_raises_story_error(text: str) -> None:
    try:
        story = parse_markdown(text, name="x")
    except StoryError:
        return
    for block in story.blocks:
        assert "\n" not in story.block_text(block)
        assert all(0 <= s.start < s.end <= block.end - block.start for s in block.spans)


_MD_PIECES = st.lists(
    st.sampled_from(
        [
            "---\n",
            "title: x\n",
            "# ",
            "## ",
            "*",
            "**",
            "_",
            "> ",
            "- ",
            "1. ",
            "\n",
            "\n\n",
            "word ",
            "```\n",
            "<div>",
            "</div>",
            "<i>",
            "</b>",
            "&#27;",
            "Rating: T\n",
            "* * *\n",
            "THE END\n",
            "    ",
            "[link](http://x)",
            "by Someone\n",
            "  \n",
        ]
    ),
    max_size=50,
)


@settings(max_examples=200, deadline=None)
@given(_MD_PIECES)
def test_markdown_soup_only_raises_story_error(pieces: list[str]) -> None:
    story = parse_markdown("".join(pieces), name="x")
    assert "\x1b" not in story.text


def test_text_nested_past_the_parsers_limit_is_kept_as_plain_text() -> None:
    from nightstand.formats.markdown import parse_markdown

    deep = ">" * 300 + " " + "the reader's words " * 20 + "\n\nafter\n"
    story = parse_markdown(deep, name="deep", encoding="utf-8")
    assert "the reader's words" in story.text
    assert any("plain text" in w for w in story.warnings)


def test_front_matter_value_with_brackets_inside_is_not_a_list() -> None:
    from nightstand.formats.markdown import parse_markdown

    story = parse_markdown(
        "---\ntitle: [bold]X[/bold]\ntags: [a, b]\n---\n\ntext\n", name="n", encoding="utf-8"
    )
    assert story.title == "[bold]X[/bold]"
    assert ("tags", "a, b") in [(h.key, h.value) for h in story.headers]


def test_front_matter_is_yaml_with_scalars_kept_as_written() -> None:
    headers, rest = front_matter(
        "---\ntitle: 'Quoted: yes'\ncomplete: yes\nrating: 013\nsummary: >\n  one\n  two\n"
        "characters:\n  - Ada\n  - Bo\n---\n\nText.\n"
    )
    assert [(h.key, h.value) for h in headers] == [
        ("title", "Quoted: yes"),
        ("complete", "yes"),
        ("rating", "013"),
        ("summary", "one two"),
        ("characters", "Ada, Bo"),
    ]
    assert rest.strip() == "Text."


def test_front_matter_yaml_bombs_stay_small() -> None:
    # "Billion laughs": each alias doubles the text; aliases are not read, the text stays.
    lines = ["a0: &a0 [lol, lol]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 40)]
    headers, _ = front_matter("---\n" + "\n".join(lines) + "\n---\n\nText.\n")
    assert len(headers) == 40 and max(len(h.value) for h in headers) < 40
    deep = front_matter("---\ntitle: " + "[" * 5000 + "\n---\n\nText.\n")[0]
    assert [(h.key, h.value) for h in deep] == [("title", "[" * 5000)]
    huge = "---\ntitle: " + "x" * 300_000 + "\n---\n\nText.\n"
    assert front_matter(huge)[0] == []
