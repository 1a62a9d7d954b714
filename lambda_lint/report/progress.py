"""Progress on a terminal: ``linting 812/2132 files`` on stderr while a long run works.

The run only calls ``on_progress(done, total, phase)``; this module decides whether and when
to draw. Nothing is drawn unless stderr is a terminal and ``--quiet`` is off, nor during the
first second (a quick run never flickers). A daemon thread redraws a few times a second, so
a phase that reports nothing for a while (the join of code and templates) still shows, and
``stop()`` erases the line before the report is printed (or on Ctrl-C).
"""

from __future__ import annotations

import os
import threading
from typing import IO, Optional

DELAY = 1.0  # seconds before the first draw
INTERVAL = 0.1


class Progress:
    def __init__(self, stream: IO[str], delay: float = DELAY, interval: float = INTERVAL) -> None:
        self.stream = stream
        self.delay = delay
        self.interval = interval
        self.done = 0
        self.total = 0
        self.phase = "starting"
        self._drawn = 0  # length of the line on screen
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def on_progress(self, done: int, total: int, phase: str) -> None:
        """The hook the run calls (cheap: it only records)."""
        self.done, self.total, self.phase = done, total, phase

    __call__ = on_progress

    def start(self) -> "Progress":
        self._thread = threading.Thread(target=self._loop, name="lambda-lint-progress", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            self._draw()
            self._stop.wait(self.interval)

    def line(self) -> str:
        if self.total:
            done = min(self.done, self.total)
            pct = 100 * done // self.total
            return f"lambda-lint: {self.phase} {done}/{self.total} files ({pct}%)"
        return f"lambda-lint: {self.phase}..."

    def _draw(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            try:
                line = self.line()
                # \r and spaces, not an erase escape: any terminal (and NO_COLOR) takes it
                self.stream.write("\r" + line.ljust(self._drawn))
                self.stream.flush()
                self._drawn = len(line)
            except (OSError, ValueError):
                self._stop.set()

    def stop(self) -> None:
        """Stop drawing and erase the line (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        with self._lock:
            if self._drawn:
                try:
                    self.stream.write("\r" + " " * self._drawn + "\r")
                    self.stream.flush()
                except (OSError, ValueError):
                    pass
                self._drawn = 0


def for_run(stream: IO[str], quiet: bool) -> Optional[Progress]:
    """A started Progress when stderr is a terminal and the run is not quiet, else None."""
    if quiet or os.environ.get("TERM") == "dumb":
        return None
    isatty = getattr(stream, "isatty", None)
    try:
        if not (isatty and isatty()):
            return None
    except (OSError, ValueError):
        return None
    return Progress(stream).start()
