"""Textual's output thread dies on the first failed write; later writes then wait for ever.

    uv run python docs/repro/textual_writer_hangup.py

Once a terminal has hung up, writing to it fails with EIO. ``WriterThread.run`` does not
catch that, so the thread ends, and its queue (30 entries) has no reader any more: the
31st ``write`` blocks in ``Queue.put`` for ever. In a real app that write is the shutdown's
``disable_input``/``stop_application_mode``/``close`` on the main thread, so the event loop
stops, and so does every worker waiting in ``App.call_from_thread``. A hang-up also sends
SIGCONT, which Textual's driver takes for a resume from Ctrl-Z and answers by starting
application mode again, with a second output thread, writing to the same dead terminal.

Prints what happened; exits 1 if the write blocked (the bug is there), 0 if it returned.
"""

from __future__ import annotations

import errno
import threading

from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread


class HungUpTerminal:
    """What a terminal looks like to a writer after the window was closed."""

    def write(self, text: str) -> int:
        raise OSError(errno.EIO, "Input/output error")

    def flush(self) -> None:
        raise OSError(errno.EIO, "Input/output error")

    def fileno(self) -> int:
        return 2


def main() -> int:
    writer = WriterThread(HungUpTerminal())  # type: ignore[arg-type]
    writer.start()
    done = threading.Event()

    def shutdown_writes() -> None:
        for _ in range(MAX_QUEUED_WRITES + 2):
            writer.write("\x1b[?1000l")
        done.set()

    threading.Thread(target=shutdown_writes, daemon=True).start()
    if done.wait(3):
        print("the writes returned: not affected")
        return 0
    print(
        f"output thread alive: {writer.is_alive()}; the writes are blocked in Queue.put "
        f"after {MAX_QUEUED_WRITES} were queued with nobody to take them"
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
