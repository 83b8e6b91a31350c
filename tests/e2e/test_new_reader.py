"""End to end (#13): the seed opened directly, L lists it, Esc returns to the same page;
% 50 goes half way, the end page marks it finished, a tiny window says so, an empty
folder says what to do. The real program in tmux at 100x30."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from nightstand.formats import load
from waiting import status_page

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Tmux

pytestmark = pytest.mark.e2e


def _status(screen: str) -> str:
    """The status line (the one that says which page)."""
    for line in screen.splitlines():
        if re.search(r"\bpage \d+ of \d+", line):
            return line
    return ""


def _page(screen: str) -> str:
    found = re.search(r"page \d+ of \d+", _status(screen))
    return found.group(0) if found else ""


def _percent(screen: str) -> int | None:
    found = re.search(r"(\d+)%", _status(screen))
    return int(found.group(1)) if found else None


def _set_up(tmux: Tmux, tmp_path: Path) -> Path:
    tmux.width, tmux.height = 100, 30
    library = tmp_path / "library"
    library.mkdir()
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text(f'library = "{library}"\n', encoding="utf-8")
    return library


def _list_json(tmux: Tmux) -> list[dict[str, object]]:
    out = subprocess.run(
        [sys.executable, "-m", "nightstand", "list", "--json"],
        capture_output=True,
        text=True,
        env=tmux.env,
        check=True,
        timeout=60,
    ).stdout
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def test_the_seed_opened_directly_is_in_the_library_and_esc_returns(
    tmux: Tmux, tmp_path: Path, seed_path: Path
) -> None:
    _set_up(tmux, tmp_path)
    title = load(seed_path).title
    tmux.start(str(seed_path))
    screen = tmux.wait_for(lambda s: status_page(s) is not None, timeout=60)
    number = status_page(screen)
    assert number is not None
    for _ in range(3):
        # Wait for the page the key leads to, not for any change: a frame can be caught
        # half drawn, and a page recorded before its key took effect is the wrong page.
        tmux.send("Space")
        number += 1
        before = tmux.wait_for_page(number)
    page = _page(before)
    tmux.send("L")
    listed = tmux.wait_for(lambda s: "Library" in s and title[:20] in s, timeout=60)
    assert title[:20] in listed
    tmux.send("Escape")
    back = tmux.wait_for(lambda s: _page(s) == page, timeout=30)
    assert _page(back) == page

    # % then 50 Enter: the status line says about half way.
    tmux.send("%")
    tmux.wait_for(lambda s: "percentage" in s)
    tmux.send("5", "0", "Enter")
    half = tmux.wait_for(lambda s: 49 <= (_percent(s) or 0) <= 51, timeout=30)
    assert 49 <= (_percent(half) or 0) <= 51, _status(half)

    # The last page, then Space: the end page; list --json has it finished.
    tmux.send("G")
    tmux.wait_for(lambda s: (_percent(s) or 0) >= 90, timeout=30)
    tmux.send("Space")
    tmux.wait_for(lambda s: "Finished" in s, timeout=30)
    tmux.send("Escape")
    tmux.wait_for(lambda s: "Finished" not in s and bool(_page(s)))

    # A window of 10x5 says it is too small.
    tmux._tmux("resize-window", "-t", tmux.session, "-x", "10", "-y", "5")
    tiny = tmux.wait_for(lambda s: "too small" in s.lower(), timeout=30)
    assert "too small" in tiny.lower()
    tmux._tmux("resize-window", "-t", tmux.session, "-x", "100", "-y", "30")
    tmux.wait_for(lambda s: bool(_page(s)), timeout=30)
    tmux.send("q")
    tmux.wait_for(lambda s: not _page(s), timeout=30)

    rows = _list_json(tmux)
    seed = next(r for r in rows if r["path"] == str(seed_path.resolve()))
    assert seed["finished"] is True
    assert seed["missing"] is False


def test_an_empty_folder_names_the_formats(tmux: Tmux, tmp_path: Path) -> None:
    library = _set_up(tmux, tmp_path)
    tmux.start(str(library))
    screen = tmux.wait_for(lambda s: "No stories yet" in s, timeout=60)
    assert ".epub" in screen and ".txt" in screen


def test_exported_columns_and_lines_do_not_fix_the_readers_size(
    tmux: Tmux, tmp_path: Path, seed_path: Path
) -> None:
    # Seen in tmux panes: COLUMNS=80 LINES=24 in the environment of a 100x30 window. The
    # reader drew 80x24 and never followed a resize (the 10x5 step above waited in vain).
    _set_up(tmux, tmp_path)
    tmux.start(str(seed_path), extra_env={"COLUMNS": "80", "LINES": "24"})
    # The keys fill the footer just after the page is drawn: wait for them.
    screen = tmux.wait_for(
        lambda s: status_page(s) is not None and s.rstrip().endswith("palette"), timeout=60
    )
    footer = screen.rstrip("\n").splitlines()[-1]
    assert len(footer.rstrip()) > 90, footer
    tmux._tmux("resize-window", "-t", tmux.session, "-x", "10", "-y", "5")
    tiny = tmux.wait_for(lambda s: "too small" in s.lower(), timeout=30)
    assert "too small" in tiny.lower()
