"""``nightstand.libc.give_back_memory`` returns freed memory to the system (glibc).

Its other call, ``die_with_parent``, is tried by ``test_shutdown.py``: the loader child
does not outlive its parent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from nightstand import libc

# Frees 24 MiB of 40 KiB blocks (under the C library's mmap threshold, so they come from
# the heap) while the last block stays: free() cannot shrink a heap whose top is in use,
# so the memory stays the process's until malloc_trim gives it back.
_PROGRAM = textwrap.dedent(
    """
    import sys
    from nightstand.libc import give_back_memory

    def anonymous_kib():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])

    blocks = [bytearray(40 << 10) for _ in range(600)]
    last = blocks.pop()
    del blocks
    held = anonymous_kib()
    give_back_memory()
    print(held, anonymous_kib())
    """
)


@pytest.mark.skipif(
    libc._TRIM is None, reason="the C library has no malloc_trim (not glibc, or not Linux)"
)
def test_freed_memory_goes_back_to_the_system() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROGRAM], capture_output=True, text=True, check=True
    )
    held, after = map(int, result.stdout.split())
    assert held - after > 16 << 10, (held, after)
