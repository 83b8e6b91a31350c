"""The command line's own surface: help, version, the default verb."""

from __future__ import annotations

import subprocess
import sys

from nightstand import __version__


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nightstand", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def test_help_lists_every_command() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for command in ("read", "info", "cat", "list", "forget"):
        assert command in result.stdout


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"nightstand {__version__}"


def test_a_path_alone_means_read_and_a_missing_one_is_one_error_line() -> None:
    result = _run("/no/such/story.txt")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "nightstand: error: /no/such/story.txt: no such file"
    ]
    assert "Traceback" not in result.stderr


def test_an_unknown_option_is_a_usage_error_not_a_traceback() -> None:
    result = _run("info", "--bogus", "x.txt")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unrecognized arguments" in result.stderr


def test_a_plain_read_is_what_the_parser_would_read() -> None:
    # `nightstand FILE` skips building the parser; whatever it takes, it reads as the parser.
    from nightstand.cli import _plain_read, build_parser

    taken = 0
    for argv in (
        ["read"],
        ["read", "story.txt"],
        ["read", "-"],
        ["read", "my stories/a b.epub"],
        ["read", "--help"],
        ["read", "-x"],
        ["read", ""],
        ["read", "a", "b"],
        ["info", "story.txt"],
    ):
        fast = _plain_read(argv)
        if fast is None:
            continue
        taken += 1
        parsed = build_parser().parse_args(argv)
        assert (fast.command, fast.path) == (parsed.command, parsed.path), argv
    assert taken == 4
