"""Counting words and folding punctuation in C: the same answers as the plain Python ways."""

from __future__ import annotations

import re
import sys
import tracemalloc
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nightstand import words
from nightstand.story import count_words as story_count_words
from nightstand.typography import fold
from nightstand.words import count_words

_WORD = re.compile(r"\w")


def reference_count(text: str) -> int:
    """The definition: tokens of ``str.split()`` holding a word character."""
    return sum(1 for token in text.split() if _WORD.search(token))


# Every kind of character the counter treats apart: ASCII white space (with the four
# separators str.split() knows), non-ASCII white space, ASCII and non-ASCII letters and
# digits, marks, punctuation, an emoji and a lone surrogate.
_TRICKY = list(
    " \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000\u202f"
    "aZ_09-.*'\"/…“”—–éß\u0301ж٣½😀,\ud800"
)


@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=80) | st.text(max_size=80))
@settings(max_examples=400, deadline=None)
def test_the_count_is_the_definition(text: str) -> None:
    assert count_words(text) == reference_count(text)
    assert story_count_words(text) == count_words(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("one two  three\n", 3),
        ("- . . . -- * _", 1),  # "_" is a word character, as for \w
        ("word\u00a0. . .\u00a0next", 2),  # a no-break space separates
        ("“Quoted,” she said — twice…", 4),
        ("co-operate re/write a*b", 3),
        ("\u3000全角\u3000スペース", 2),
    ],
)
def test_counts(text: str, words: int) -> None:
    assert count_words(text) == words == reference_count(text)


def test_many_distinct_characters_are_counted_by_splitting() -> None:
    # Cyrillic and Greek letters beside many kinds of punctuation: the split path.
    letters = "абвгдежзийклмнопрстуфхцчшщыэюяαβγδεζηθικλμνξοπρστυφχψω"
    marks = "«»„“”‘’‚‹›—–…·•¡¿§¶†‡°±×÷"
    text = " ".join(letters[i : i + 3] + marks[i % len(marks)] for i in range(len(letters)))
    text += " " + " ".join(marks)
    assert count_words(text) == reference_count(text) == len(letters)


def test_a_long_token_is_one_word() -> None:
    assert count_words("x" * 200_000 + " y") == 2


@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=200))
@settings(max_examples=300, deadline=None)
def test_a_long_text_counted_in_stretches_counts_the_same(text: str) -> None:
    # Stretches of a few characters: every cut falls somewhere a token could be cut in two.
    with mock.patch.object(words, "_CHUNK", 5):
        assert count_words(text) == reference_count(text)


def test_counting_a_book_never_copies_it_whole() -> None:
    # A script with many distinct characters is counted by splitting: a book's worth of
    # tokens at once cost many times the book (the reader's peak grew 30 MiB counting the
    # Mahabharata). Counted in stretches, what counting allocates stays below the text's size.
    letters = "абвгдежзийклмнопрстуфхцчшщыэюя«»„“”‘’‚‹›—–…·•¡¿§¶†‡°±×÷"
    text = " ".join(letters[i % 40 : i % 40 + 4] for i in range(600_000))
    tracemalloc.start()
    try:
        counted = count_words(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert counted == reference_count(text)
    assert peak < sys.getsizeof(text) // 2


_FOLDED = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2014": "--",
        "\u2013": "--",
        "\u2026": "...",
    }
)


@given(st.text(alphabet=st.sampled_from(list("ab -.\"'\u00a0“”‘’—–…é")), max_size=60) | st.text())
@settings(max_examples=300, deadline=None)
def test_fold_is_the_table(text: str) -> None:
    assert fold(text) == text.translate(_FOLDED)
