"""The smaller points of #13: binary files named, dates as people read them."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from nightstand.cli import main
from nightstand.dates import human_iso, human_time


def test_a_binary_file_is_named_and_called_binary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "ls"
    binary.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(4000))
    with pytest.raises(SystemExit):
        main(["info", str(binary)])
    assert capsys.readouterr().err.strip() == (
        f"nightstand: error: {binary}: not a story (binary data)"
    )


def test_real_bin_ls_when_there() -> None:
    ls = Path("/bin/ls")
    if not ls.is_file():
        pytest.skip("no /bin/ls")
    from nightstand.errors import StoryError
    from nightstand.formats import load

    with pytest.raises(StoryError, match=r"^/bin/ls: not a story \(binary data\)$"):
        load(ls)


def test_dates_as_people_read_them() -> None:
    now = datetime(2026, 12, 5, 22, 30).timestamp()
    assert human_time(datetime(2026, 12, 5, 22, 7).timestamp(), now) == "today 22:07"
    assert human_time(datetime(2026, 12, 4, 8, 15).timestamp(), now) == "yesterday 08:15"
    assert human_time(datetime(2026, 12, 2, 9, 0).timestamp(), now) == "3 days ago"
    assert human_time(datetime(2026, 6, 1, 9, 0).timestamp(), now) == "1 Jun 2026"
    iso = datetime.fromtimestamp(time.time()).astimezone().isoformat(timespec="seconds")
    assert human_iso(iso).startswith("today ")
    assert human_iso("not a date") == "not a date"


def test_info_and_cat_follow_the_saved_consent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nightstand.formats import load
    from nightstand.state import StateStore

    path = tmp_path / "tale.txt"
    path.write_text(
        "Title: Tale\n\nArchive Warning: Major Character Death\n\n"
        "Spoilers: the butler did it\n\n= = =\n\nOnce upon a time.\n",
        encoding="utf-8",
    )
    main(["info", str(path)])
    out = capsys.readouterr().out
    assert "Major Character Death" not in out and "the butler did it" not in out
    story = load(path)
    with StateStore.open() as store:
        key = store.story_key(story, path)
        store.set_spoiler_consent(key, False, warnings_only=True)
    main(["info", str(path)])
    out = capsys.readouterr().out
    assert "Major Character Death" in out and "the butler did it" not in out
    main(["cat", "--width", "60", "--height", "20", str(path)])
    out = capsys.readouterr().out
    assert "Major Character Death" in out and "the butler did it" not in out
    with StateStore.open() as store:
        store.set_spoiler_consent(key, True)
    main(["info", str(path)])
    assert "the butler did it" in capsys.readouterr().out
