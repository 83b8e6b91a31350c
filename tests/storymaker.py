"""Small deterministic stories for the state and library tests, written as plain text."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_VOCABULARY = """
amber lantern river cottage orchard silver window morning letter garden harbour quiet
distant careful golden winter candle meadow thunder sparrow kettle ribbon pocket whisper
wander gather linger borrow follow answer remember forgive promise travel bright narrow
hollow gentle restless patient sudden tender weary
"""
WORDS = _VOCABULARY.split()
NAMES = ["Ines", "Bram", "Odile", "Caspar", "Maud", "Teodor"]


def sentence(rng: random.Random) -> str:
    """One sentence of plausible nonsense."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(5, 14))]
    if rng.random() < 0.4:
        words[rng.randrange(len(words))] = rng.choice(NAMES)
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice("..?!")


def paragraph(rng: random.Random) -> str:
    """A paragraph of two to six sentences."""
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))


def chapter(number: int, rng: random.Random, paragraphs: int = 8) -> list[str]:
    """A chapter: its heading and paragraphs."""
    return [f"Chapter {number}", *(paragraph(rng) for _ in range(paragraphs))]


def story_text(
    *,
    title: str | None = "The Glass Orchard",
    author: str | None = "Wren Halloway",
    chapters: int = 3,
    paragraphs: int = 8,
    seed: int = 0,
    end: bool = True,
    extra_headers: tuple[str, ...] = (),
) -> str:
    """The text of a story file; the same arguments give the same text."""
    rng = random.Random(seed)
    head = [f"Title: {title}"] if title else []
    head += [f"Author: {author}"] if author else []
    head += list(extra_headers)
    blocks = [b for n in range(1, chapters + 1) for b in chapter(n, rng, paragraphs)]
    parts = ["\n\n".join(head), "= = = = = = = =", *blocks] if head else blocks
    if end:
        parts.append("END")
    return "\n\n".join(parts) + "\n"


def write_story(path: Path, **kwargs: object) -> Path:
    """Write :func:`story_text` to ``path`` (folders created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(story_text(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path


def append_chapter(path: Path, number: int, seed: int = 99) -> None:
    """Append a chapter to a story file, before its END mark if it has one."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    ending = ""
    if text.endswith("\n\nEND"):
        text, ending = text[: -len("\n\nEND")], "\n\nEND"
    new = "\n\n".join(chapter(number, random.Random(seed)))
    path.write_text(f"{text}\n\n{new}{ending}\n", encoding="utf-8")


#: A story in plain text with every punctuation the loader makes smart, and scene marks.
PUNCTUATED = """Title: "Don't Look Back" -- a Story
Author: Wren 'Wry' Halloway

Chapter 1: It's "Here"...

"Wait," she said. "You need to -"

He didn't -- couldn't -- answer... not 'yet', not "now". It was 1990's style --- all
of it, the "quote"s and the -- dashes -- and . . . the rest.

oOo

"Go on..."

xXx

END

* * *
"""
