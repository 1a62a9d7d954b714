"""Reading the files a run lints: one bounded reader, so no input can stall or exhaust a run.

Ground layer: every analyzer, the join and the run read sources through :func:`read_source`,
which refuses what would block (a FIFO, a device) or exhaust memory (anything over
:data:`MAX_FILE_BYTES`), and turns every OS error into a :class:`ParseFailure` (LL001).
"""

from __future__ import annotations

import hashlib
import os
import stat
from typing import Dict

from lambda_lint.errors import ParseFailure

MAX_FILE_BYTES = 20 * 1024 * 1024


def digest_bytes(data: bytes) -> str:
    """The content key of a file: what the cache and the join's dependency records compare."""
    return hashlib.sha256(data).hexdigest()


# #19 language server: the editor's unsaved buffers by absolute path, served by read_source
# instead of the disk (every layer reads through it). Empty, and free, outside the server.
OVERLAYS: Dict[str, bytes] = {}


def read_source(path: str) -> bytes:
    """Read a file with a size limit; OSError and oversize become ParseFailure (LL001)."""
    if OVERLAYS:
        data = OVERLAYS.get(os.path.abspath(path))
        if data is not None:
            return data
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(st.st_mode):
            # a FIFO would block the run forever, a device never end: refuse before opening
            raise ParseFailure("not a regular file (a FIFO, socket or device); not linted")
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise ParseFailure(
                f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit; not linted"
            )
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ParseFailure("file vanished before it could be read") from None
    except IsADirectoryError:
        raise ParseFailure("is a directory, not a file") from None
    except PermissionError:
        raise ParseFailure("cannot read file: permission denied") from None
    except OSError as exc:
        raise ParseFailure(f"cannot read file: {exc.strerror or exc}") from None
