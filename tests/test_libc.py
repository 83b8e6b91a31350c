"""``nightstand.libc``: freed memory goes back to the system, and threads share one heap
(glibc).

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


# Threads allocate 64 KiB blocks (from a heap, not mmap) at the same time, then the C
# library lists its heaps: without one_heap each of those threads gets a heap of its own.
_THREADS = textwrap.dedent(
    """
    import ctypes, sys, tempfile, threading
    from nightstand.libc import one_heap

    if sys.argv[1] == "one":
        one_heap()
    ready = threading.Barrier(4)

    def allocate():
        held = [bytearray(64 << 10) for _ in range(8)]
        ready.wait()
        ready.wait()

    threads = [threading.Thread(target=allocate) for _ in range(3)]
    for thread in threads:
        thread.start()
    ready.wait()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    with tempfile.NamedTemporaryFile() as out:
        stream = libc.fopen(out.name.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        print(open(out.name).read().count("<heap nr="))
    ready.wait()
    """
)


@pytest.mark.skipif(libc._TRIM is None, reason="the C library is not glibc (or this is not Linux)")
def test_threads_share_one_heap() -> None:
    def heaps(mode: str) -> int:
        result = subprocess.run(
            [sys.executable, "-c", _THREADS, mode], capture_output=True, text=True, check=True
        )
        return int(result.stdout)

    assert heaps("many") > 1  # the test would see the difference
    assert heaps("one") == 1
