"""Write a deterministic synthetic book in the seed's plain-text layout, for benchmarks.

    uv run python benchmarks/novel.py OUT [--words N] [--seed S]

The book has what a real fan-fiction file has: a header block (Title, Author, Rating,
Disclaimers, Spoilers) closed by a ``= = = =`` line, ``Chapter N`` headings, narration and
dialogue, ``-emphasis-``, spaced ``. . .`` ellipses, interrupted speech ending ``-"``, scene
separators and a closing ``END``. Same arguments, same bytes, on every machine, so figures
measured on it can be compared. It stands in for ../shared/tools/make_novel.py when that is
not available.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

_VOCABULARY_TEXT = """
after again against air almost alone along already always answer apple arm around asked
autumn away back bell below bench beside bird blue boat book bread breath bridge bright
brother brought busy candle careful carried chair change church clock close cloud coat cold
corner could country crossed cup dark daughter dawn day deep door down dream dust each early
earth edge empty end enough even evening every eyes face far father field fire floor flower
found friend garden gate gentle glass gold grass green grey hair half hall hand happy harbour
heard heart heavy held hill home hope house hour kitchen knew lamp land last late laugh leaf
letter light listened little long looked lost low made many market maybe meant mill minute
moon morning mother moved narrow near never night nothing now old once open orchard other
over paper path patient perhaps place quiet rain reached read remember river road roof room
rope round sat sea season seemed shadow shore shoulder silence silver sister sky sleep slowly
small smile snow softly something soon sound spring stairs star still stone stood story
street summer sun table tea thought through tide time together told tomorrow took tower town
tree turned under village voice waited walked wall warm watched water wave went while white
whole wind window winter within without woke wood word world wrote year yellow young
"""
_GLUE_TEXT = "the a and of to in on at for with as but so then when it was had her his their"
VOCABULARY = _VOCABULARY_TEXT.split()
GLUE = _GLUE_TEXT.split()
NAMES = ["Ada", "Bram", "Cass", "Dov", "Esme", "Finch", "Greer", "Hale", "Iona", "Jem"]
VERBS = ["said", "asked", "whispered", "answered", "called", "murmured"]
SEPARATOR = "= = = = = = = = = = = = = = = = = = = = = = = = = ="
HEADER = (
    ("Title", "The Long Way Round"),
    ("Author", "nightstand benchmarks"),
    ("Rating", "G"),
    ("Disclaimers", "Made by a generator, for measuring; nobody in it is real."),
    ("Spoilers", "Everyone gets home in the last chapter."),
)


def _sentence(rng: random.Random) -> str:
    n = rng.randint(5, 20)
    words = [rng.choice(VOCABULARY) if rng.random() < 0.6 else rng.choice(GLUE) for _ in range(n)]
    if rng.random() < 0.25:
        words[rng.randrange(n)] = rng.choice(NAMES)
    if rng.random() < 0.1:
        i = rng.randrange(n)
        words[i] = f"-{words[i]}-"
    if rng.random() < 0.1:
        words.insert(rng.randrange(1, n), ". . .")
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice("......?!")


def _paragraph(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return f'"{_sentence(rng)}" {rng.choice(NAMES)} {rng.choice(VERBS)}.'
    if roll < 0.23:
        return f'"{_sentence(rng)[:-1]} -"'
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 9)))


def make_novel(words: int, seed: int = 1) -> str:
    """The text of a book of about ``words`` words (never fewer)."""
    rng = random.Random(seed)
    out = [f"{key}: {value}\n\n" for key, value in HEADER]
    out.append(f"{SEPARATOR}\n\n")
    count = 0
    chapter = 0
    while count < words:
        chapter += 1
        out.append(f"Chapter {chapter}\n\n")
        target = min(words - count, rng.randint(3000, 6000))
        got = 0
        while got < target:
            if got and rng.random() < 0.03:
                out.append(f"{SEPARATOR}\n\n")
            paragraph = _paragraph(rng)
            out.append(paragraph + "\n\n")
            got += len(paragraph.split())
        count += got
    out.append("END\n")
    return "".join(out)


def main() -> None:
    """Write the book to the path given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path)
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.out.write_text(make_novel(args.words, args.seed), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
