"""`nightstand cat`: the typeset pages on stdout, separated by form feeds."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from rich.cells import cell_len

from nightstand.cli import main
from nightstand.formats import load
from nightstand.story import NBSP

if TYPE_CHECKING:
    from pathlib import Path

STORY = """Title: A Small Story
Author: Someone
Spoilers: the butler did it

= = = = = = = = = =

Chapter 1

It was -dark- and the house was quiet . . . too quiet.

* * *

She waited.

Chapter 2

Morning came.

END
"""


def run_cat(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main(["cat", *args])
    out = capsys.readouterr().out
    assert not re.search(r"[\x00-\x09\x0b-\x0b\x0d-\x1f\x7f-\x9f]", out)
    return out


def check_pages(out: str, width: int, height: int) -> list[list[str]]:
    pages = [page.removesuffix("\n").split("\n") for page in out.split("\f")]
    for page in pages:
        assert len(page) <= height
        assert all(cell_len(line) <= width for line in page)
    return pages


def test_cat_prints_a_title_page_then_chapters_on_their_own_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "small.txt"
    path.write_text(STORY, encoding="utf-8")
    out = run_cat(capsys, str(path), "--width", "40", "--height", "12")
    pages = check_pages(out, 40, 12)
    assert len(pages) == 3
    assert "A Small Story" in pages[0][1] and "by Someone" in pages[0][2]
    assert "  Spoilers: hidden" in pages[0]
    assert "butler" not in out
    assert pages[1][1].strip() == "Chapter 1"
    assert pages[1][3:5] == ["  It was dark and the house was", "  quiet . . . too quiet."]
    assert pages[2][1].strip() == "Chapter 2" and pages[2][-1].strip() == "END"
    shown = run_cat(capsys, str(path), "--width", "40", "--height", "12", "--reveal-spoilers")
    assert "Spoilers: the butler did it" in shown


def test_cat_defaults_to_80_by_24_when_stdout_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join(["word " * 300] * 20), encoding="utf-8")
    pages = check_pages(run_cat(capsys, str(path)), 80, 24)
    assert len(pages) > 5
    assert max(len(line) for page in pages for line in page) > 60
    assert max(len(page) for page in pages) > 20


def test_cat_refuses_a_page_too_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.txt"
    path.write_text("Text.", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["cat", str(path), "--width", "5"])
    assert exc.value.code == 2
    assert "at least 20 cells wide" in capsys.readouterr().err


def test_cat_on_the_seed_story(seed_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = load(seed_path)
    out = run_cat(capsys, str(seed_path), "--width", "60", "--height", "20")
    pages = check_pages(out, 60, 20)
    assert len(pages) > 2
    spoilers = story.header("spoilers")
    assert spoilers is not None and spoilers.value
    assert spoilers.value not in out
    assert "Spoilers: hidden" in out
    # Ellipses are whole: as many on the pages as in the story, none split over lines.
    ellipsis = f".{NBSP}.{NBSP}."
    assert out.count(". . .") == story.text.count(ellipsis) > 0
    assert not re.search(r"\. ?\n *\.", out)
    # Emphasised words are there, without the dashes that marked them.
    flowing = " ".join(" ".join(out.replace("\f", "\n").split("\n")).split())
    spans = [story.text[b.start + s.start : b.start + s.end] for b in story.blocks for s in b.spans]
    assert spans
    for text in spans:
        shown = " ".join(text.replace(NBSP, " ").split())
        assert shown in flowing
        assert f"-{shown}-" not in flowing


def test_cat_follows_the_settings_file_and_its_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "two.txt"
    path.write_text("First paragraph here.\n\nSecond paragraph here.\n", encoding="utf-8")
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text('paragraph_style = "indent"\n', encoding="utf-8")
    monkeypatch.setenv("NIGHTSTAND_CONFIG_DIR", str(config))
    body = run_cat(capsys, str(path), "--width", "40", "--height", "10").split("\f")[1]
    assert body.split("\n")[1:3] == ["  First paragraph here.", "     Second paragraph here."]
    flagged = run_cat(capsys, str(path), "--width", "40", "--height", "10", "--paragraphs", "blank")
    assert flagged.split("\f")[1].split("\n")[1:4] == [
        "  First paragraph here.",
        "",
        "  Second paragraph here.",
    ]
    path.write_text("One two three four five six seven eight nine ten.\n", encoding="utf-8")
    justified = run_cat(
        capsys, str(path), "--width", "30", "--height", "10", "--measure", "20", "--justify"
    )
    assert justified.split("\f")[1].split("\n")[1:4] == [
        "     One  two  three four",
        "     five six seven eight",
        "     nine ten.",
    ]
