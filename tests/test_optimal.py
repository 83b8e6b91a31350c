"""Total-fit line breaking: properties against the greedy breaker, and what it buys."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from nightstand.layout import LayoutSettings, Paginator
from nightstand.layout.lines import HYPHEN, TEXT, break_lines, hyphenator
from nightstand.layout.optimal import HYPHEN_PENALTY_JUSTIFIED, break_optimal
from nightstand.story import NBSP, StoryBuilder

ELLIPSIS = f"so{NBSP}.{NBSP}.{NBSP}."
words = st.one_of(
    st.sampled_from(["a", "the", "night", "reader's", "well-known", "—", "漢字", "😀", ELLIPSIS]),
    st.sampled_from(["extraordinary", "hyphenation", "typographer", "conversation"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=9),
)
PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def greedy(text: str, width: int, first: int, hyph: bool) -> tuple[list[int], list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    codes: list[int] = []
    h = hyphenator() if hyph else None
    break_lines(text, 0, len(text), width, first, starts, ends, codes, TEXT, h)
    return starts, ends, codes


def stretch(text: str, lines: list[tuple[int, int, bool]], width: int, first: int) -> float:
    """The sum of squared stretch over a paragraph's lines but its last, with the penalty of
    each hyphenated line: the cost optimal breaking minimises."""
    total = 0.0
    for n, (s, e, hy) in enumerate(lines[:-1]):
        piece = text[s:e]
        slack = (first if n == 0 else width) - cell_len(piece) - hy
        gaps = piece.count(" ")
        total += (slack / gaps if gaps else slack) ** 2 + (HYPHEN_PENALTY_JUSTIFIED if hy else 0)
    return total


@PROPS
@given(
    st.lists(words, min_size=1, max_size=60),
    st.integers(18, 60),
    st.integers(0, 4),
    st.booleans(),
)
def test_optimal_lines_fit_keep_words_whole_and_match_greedy(
    ws: list[str], width: int, indent: int, hyph: bool
) -> None:
    text = " ".join(ws)
    first = width - indent
    found = break_optimal(text, 0, len(text), width, first, hyphenator() if hyph else None)
    g_starts, g_ends, g_codes = greedy(text, width, first, hyph)
    assert found is not None  # every word fits the column here
    starts, ends, hyphens = found
    # Never over the measure (an added hyphen counts).
    for n, (s, e, hy) in enumerate(zip(starts, ends, hyphens, strict=True)):
        assert cell_len(text[s:e]) + hy <= (first if n == 0 else width)
    # Breaks only at spaces, or at a hyphenation point when hyphenating: a word (and a
    # spaced ellipsis, tied with no-break spaces) is never split otherwise.
    for e, s in zip(ends[:-1], starts[1:], strict=True):
        if e == s:
            assert hyph and text[e - 1] != " " and text[s] != " "
        else:
            assert text[e:s] == " "
    # The same text as greedy's once the lines are joined, in as many lines.
    assert len(starts) == len(g_starts)
    joined = "".join(
        text[s:e] + ("" if e == s2 else " ")
        for s, e, s2 in zip(starts, ends, [*starts[1:], -1], strict=True)
    )
    g_joined = "".join(
        text[s:e] + ("" if e == s2 else " ")
        for s, e, s2 in zip(g_starts, g_ends, [*g_starts[1:], -1], strict=True)
    )
    assert joined.rstrip() == g_joined.rstrip() == text
    # And never looser than greedy's.
    mine = stretch(text, list(zip(starts, ends, hyphens, strict=True)), width, first)
    theirs = stretch(
        text,
        [(s, e, bool(c & HYPHEN)) for s, e, c in zip(g_starts, g_ends, g_codes, strict=True)],
        width,
        first,
    )
    assert mine <= theirs + 1e-9


def test_a_word_wider_than_the_line_leaves_it_to_greedy() -> None:
    text = "a " + "x" * 30 + " b"
    assert break_optimal(text, 0, len(text), 20, 20) is None
    assert break_optimal("   ", 0, 3, 20, 20) is None


# Greedy fills the first two lines and leaves the third six cells short (gaps of four when
# justified, so it stays ragged); breaking the paragraph as a whole evens them out.
EVEN = "It was a dark and stormy night the rain fell in torrents except at occasional intervals."


def test_optimal_evens_out_what_greedy_leaves_loose() -> None:
    width = 24
    g_starts, g_ends, _ = greedy(EVEN, width, width, False)
    starts, ends, hyphens = break_optimal(EVEN, 0, len(EVEN), width, width) or ([], [], [])
    g_lines = [EVEN[s:e] for s, e in zip(g_starts, g_ends, strict=True)]
    lines = [EVEN[s:e] for s, e in zip(starts, ends, strict=True)]
    assert g_lines == [
        "It was a dark and stormy",
        "night the rain fell in",
        "torrents except at",
        "occasional intervals.",
    ]
    assert lines == [
        "It was a dark and stormy",
        "night the rain fell",
        "in torrents except at",
        "occasional intervals.",
    ]
    assert not any(hyphens)


def test_the_reader_shows_optimal_lines_and_greedy_when_asked() -> None:
    builder = StoryBuilder()
    builder.paragraph(EVEN)
    builder.paragraph("Second paragraph.")
    story = builder.build(title="Even")
    texts = {}
    for mode in ("optimal", "greedy"):
        layout = LayoutSettings(measure=24, justify=True, line_breaking=mode)
        page = Paginator(story, 28, 20, layout).first()
        texts[mode] = [line.text for line in page.lines]
        assert page.start == 0
    # Justified to 24 cells: greedy's third line would need gaps of four and stays ragged.
    assert texts["greedy"][1:3] == ["night the rain  fell  in", "torrents except at"]
    assert texts["optimal"][1:3] == ["night  the   rain   fell", "in  torrents  except  at"]
