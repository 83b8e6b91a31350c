"""Tests for `nightstand info`: the seed acceptance, the bundled library, and bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nightstand.cli import format_info, info_data
from nightstand.formats import load

LIBRARY = Path(__file__).resolve().parents[1] / "library"


def run(*args: str | Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh interpreter."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "nightstand", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def info_json(*args: str | Path) -> dict[str, Any]:
    result = run("info", "--json", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nightstand: error: ")
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


# The seed (../shared), the acceptance check of issue 2


def test_seed_info_json(seed_path: Path) -> None:
    data = info_json(seed_path)
    assert [h["key"] for h in data["headers"]] == ["Disclaimers", "Spoilers"]
    disclaimers, spoilers = data["headers"]
    assert not disclaimers["spoiler"]
    assert disclaimers["value"]
    assert spoilers == {"key": "Spoilers", "value": None, "spoiler": True}
    assert data["spoiler_keys"] == ["Spoilers"]
    assert data["scene_breaks"] == 1
    assert data["end_mark"] is True
    assert data["chapters"] == []
    assert data["format"] == "text"
    assert data["encoding"] == "utf-8"
    emphasis = [e["text"] for e in data["emphasis"]]
    assert {"bitch", "alone", "this", "killed", "man"} <= set(emphasis)
    assert 1000 < data["words"] < 1500


def test_seed_spoilers_stay_hidden_everywhere(seed_path: Path) -> None:
    secret = "Sleeper"
    assert secret in seed_path.read_text(encoding="utf-8")
    plain = run("info", seed_path)
    as_json = run("info", "--json", seed_path)
    assert plain.returncode == as_json.returncode == 0
    assert secret not in plain.stdout + plain.stderr
    assert secret not in as_json.stdout + as_json.stderr
    assert "Spoilers: hidden" in plain.stdout


def test_seed_reveal_spoilers(seed_path: Path) -> None:
    data = info_json("--reveal-spoilers", seed_path)
    spoilers = data["headers"][1]
    assert spoilers["spoiler"] is True
    assert "Sleeper" in spoilers["value"]
    plain = run("info", "--reveal-spoilers", seed_path)
    assert "Sleeper" in plain.stdout


def test_seed_body_keeps_speech_and_drops_marks(seed_path: Path) -> None:
    story = load(seed_path, typography="as-written")
    # The dash of interrupted speech is kept and tied to its word.
    assert 'You need to\u00a0-"' in story.text
    assert "You need to\u00a0-\u201d" in load(seed_path).text
    assert "-bitch-" not in story.text
    assert "give that bitch what she deserves" in story.text
    assert "\u00a0.\u00a0.\u00a0." in story.text
    assert " . . . " not in story.text
    assert "= = =" not in story.text
    assert story.text.endswith("END")


# The bundled library

LIBRARY_SHAPES: dict[str, dict[str, Any]] = {
    "the-lamplighters-daughter.txt": {
        "title": "The Lamplighter's Daughter",
        "encoding": "utf-8",
        "header_keys": ["Title", "Author", "Rating", "Disclaimers", "Spoilers"],
        "spoiler_keys": ["Spoilers"],
        "chapters": [],
        "scene_breaks": 1,
        "end_mark": True,
    },
    "the-clockmakers-apprentice.txt": {
        "title": "The Clockmaker's Apprentice",
        "encoding": "utf-8",
        "header_keys": ["Title", "Author", "Rating", "Summary"],
        "spoiler_keys": [],
        "chapters": [
            "Chapter One: The Shop on Fennel Street",
            "Chapter Two",
            "Chapter Three: Noon",
            "Epilogue",
        ],
        "scene_breaks": 1,
        "end_mark": True,
    },
    "snow-on-the-night-train.txt": {
        "title": "Snow on the night train",
        "encoding": "utf-8",
        "header_keys": [],
        "spoiler_keys": [],
        "chapters": [],
        "scene_breaks": 3,
        "end_mark": False,
    },
    "letters-from-the-lighthouse.txt": {
        "title": "Letters from the Lighthouse",
        "encoding": "cp1252",
        "header_keys": ["Title", "Author", "Rating", "Warnings"],
        "spoiler_keys": ["Warnings"],
        "chapters": [],
        "scene_breaks": 4,
        "end_mark": True,
    },
    "the-night-gardener.txt": {
        "title": "The Night Gardener",
        "encoding": "utf-8",
        "header_keys": [],
        "spoiler_keys": [],
        "chapters": [],
        "scene_breaks": 2,
        "end_mark": True,
    },
}


def test_every_bundled_story_is_described() -> None:
    assert sorted(p.name for p in LIBRARY.glob("*.txt")) == sorted(LIBRARY_SHAPES)


@pytest.mark.parametrize("name", sorted(LIBRARY_SHAPES))
def test_bundled_story_shape(name: str) -> None:
    expected = LIBRARY_SHAPES[name]
    story = load(LIBRARY / name)
    data = info_data(story, reveal=False)
    assert data["title"] == expected["title"]
    assert data["author"] == (None if name.startswith("snow") else "The nightstand team")
    assert data["encoding"] == expected["encoding"]
    assert [h["key"] for h in data["headers"]] == expected["header_keys"]
    assert data["spoiler_keys"] == expected["spoiler_keys"]
    assert [c["title"] for c in data["chapters"]] == expected["chapters"]
    assert data["scene_breaks"] == expected["scene_breaks"]
    assert data["end_mark"] is expected["end_mark"]
    assert 600 <= data["words"] <= 1500
    assert data["warnings"] == []
    # No layout mark leaks into the prose.
    for block in story.blocks:
        text = story.block_text(block)
        assert not text.startswith(("= =", "* * *", "~*~", "oOo")), text
        assert "\r" not in text
    assert " . . . " not in story.text


def test_bundled_cp1252_story_is_cp1252_with_crlf() -> None:
    data = (LIBRARY / "letters-from-the-lighthouse.txt").read_bytes()
    assert b"\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1252")
    assert {"“", "”", "’", "—", "…"} <= set(text)
    story = load(LIBRARY / "letters-from-the-lighthouse.txt")
    assert "“Wind the clockwork at dusk." in story.text


@pytest.mark.parametrize("name", sorted(LIBRARY_SHAPES))
def test_info_command_on_each_bundled_story(name: str) -> None:
    result = run("info", LIBRARY / name)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"Title:        {LIBRARY_SHAPES[name]['title']}" in result.stdout
    assert "words a minute" in result.stdout


# Output shape


def test_json_keys_are_stable(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(
        "Title: A Test\nAuthor: Someone\nSpoilers: she lives\n\n= = =\n\n"
        "Chapter 1\n\nOne two three.\n\n* * *\n\nFour five.\n\nEND\n",
        encoding="utf-8",
    )
    data = info_json(path)
    for key in ("title", "author", "format", "encoding", "headers", "spoiler_keys"):
        assert key in data
    for key in ("chapters", "scene_breaks", "words", "end_mark"):
        assert key in data
    assert (data["title"], data["author"]) == ("A Test", "Someone")
    assert data["headers"][2] == {"key": "Spoilers", "value": None, "spoiler": True}
    assert data["spoiler_keys"] == ["Spoilers"]
    assert data["chapters"] == [{"title": "Chapter 1", "offset": 0}]
    assert data["scene_breaks"] == 1
    assert data["words"] == 8  # the heading and the end mark count too
    assert data["end_mark"] is True
    assert "she lives" not in json.dumps(data)


def test_text_output_reading_time() -> None:
    builder_text = "word " * 30_000
    from nightstand.formats.plaintext import parse_plaintext

    story = parse_plaintext(builder_text, name="long")
    shown = format_info(info_data(story, reveal=False))
    assert "30,000" in shown
    assert "2 h 00 min" in shown
    assert "Author:       unknown" in shown


def test_info_never_prints_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b[31m.txt"
    path.write_bytes(b"Title: \x1b]0;pwned\x07Nice\n\n= = =\n\nText \x1b[2J here.\n")
    result = run("info", path)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "\x07" not in result.stdout
    assert "Title:        Nice" in result.stdout


def test_undecodable_bytes_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "damaged.txt"
    path.write_bytes("Crème brûlée, déjà vu, naïve façade. ".encode() * 5 + b"\xff\xfe end\n")
    data = info_json(path)
    assert data["encoding"] == "utf-8"
    assert len(data["warnings"]) == 1
    assert "undecodable" in data["warnings"][0]
    plain = run("info", path)
    assert "Warning:" in plain.stdout


# Bad input: one line on stderr, exit status 2, never a traceback


def test_missing_path(tmp_path: Path) -> None:
    assert_one_line_error(run("info", tmp_path / "nope.txt"), "no such file")


def test_directory(tmp_path: Path) -> None:
    assert_one_line_error(run("info", tmp_path), "folder")


@pytest.mark.parametrize("content", [b"", b"   \n\n\t \r\n"], ids=["empty", "blank"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert_one_line_error(run("info", path), "empty")


def test_png(tmp_path: Path) -> None:
    path = tmp_path / "picture.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert_one_line_error(run("info", path), "binary")


def test_nul_heavy_file(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"".join(i.to_bytes(4, "little") for i in range(5000)))
    assert_one_line_error(run("info", path), "binary")


def test_file_over_256_mib(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(257 * 2**20)  # sparse: takes no disk space
    assert_one_line_error(run("info", path), "too large")


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("You may not read this.\n", encoding="utf-8")
    path.chmod(0)
    if os.geteuid() != 0:
        prefix: tuple[str, ...] = ()
    elif shutil.which("setpriv"):
        # Root reads anything; without these two capabilities it is bound by the mode bits.
        prefix = ("setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search")
    else:
        pytest.skip("running as root without setpriv: the file stays readable")
    assert_one_line_error(run("info", path, prefix=prefix), "permission denied")


def test_permission_error_while_opening(tmp_path: Path) -> None:
    """Whatever the user, an OS refusal at open() becomes the one-line error."""
    path = tmp_path / "story.txt"
    path.write_text("Text.\n", encoding="utf-8")
    code = (
        "import pathlib, sys\n"
        "def refuse(self, *a, **k):\n"
        "    raise PermissionError(13, 'Permission denied', str(self))\n"
        "pathlib.Path.open = refuse\n"
        "from nightstand.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "info", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_one_line_error(result, "permission denied")
