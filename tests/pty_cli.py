"""Run the real CLI on a pseudo-terminal, as a user at a terminal runs it.

``run_pty`` gives the child a pty for stdout and stderr (a TTY for both, or only stderr),
collects what the terminal would show, and can interrupt the child (Ctrl-C) once some text
appears, the way a user does when a run takes too long.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest

needs_pty = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX only")


def run_pty(*args: str, cwd: Path, env: Optional[Dict[str, str]] = None, stdout_tty: bool = True,
            interrupt_on: Optional[bytes] = None, timeout: float = 120) -> Tuple[int, bytes, bytes]:
    """``(exit code, bytes on the terminal, bytes on the pipe)``; stdout goes to the pipe when
    ``stdout_tty`` is false (stderr is always the terminal)."""
    master, slave = os.openpty()
    environ = dict(os.environ)
    for k in ("NO_COLOR", "FORCE_COLOR"):
        environ.pop(k, None)
    environ.update({"TERM": "xterm-256color", "COLUMNS": "120", **(env or {})})
    proc = subprocess.Popen(
        [sys.executable, "-m", "lambda_lint", *args], cwd=str(cwd), env=environ,
        stdin=slave, stdout=slave if stdout_tty else subprocess.PIPE, stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    tty = bytearray()
    piped = bytearray()
    interrupted = False
    deadline = time.monotonic() + timeout
    fds = [master] + ([proc.stdout.fileno()] if proc.stdout else [])
    try:
        while fds and time.monotonic() < deadline:
            ready, _, _ = select.select(fds, [], [], 0.1)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    fds.remove(fd)
                    continue
                if fd == master:
                    tty += chunk
                else:
                    piped += chunk
                if interrupt_on is not None and not interrupted and interrupt_on in tty:
                    proc.send_signal(signal.SIGINT)
                    interrupted = True
            if not ready and proc.poll() is not None and fds == [master] and not stdout_tty:
                # the child is gone; its terminal may stay open (nothing holds it): drain and stop
                break
        rc = proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return rc, bytes(tty), bytes(piped)
