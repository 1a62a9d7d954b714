"""The one way lambda-lint reads a file: bounded, and only regular files.

Every input can be hostile: a rule file that is a FIFO blocked the run forever, and a rule
file, cache entry or ``--baseline`` symlinked to ``/dev/zero`` was read until the OOM killer
ended the process (23.5 GB). So every read (sources, templates, configuration, rule files,
cache entries, baselines, ``.gitignore``) goes through :func:`read_bytes`:

* the file is opened with ``O_NONBLOCK`` (opening a FIFO never waits for a writer) and
  checked with ``fstat`` on the open descriptor (no window to swap the file after a check);
* anything but a regular file (FIFO, socket, device, folder) is refused;
* at most ``limit`` bytes are read, whatever ``st_size`` says (``/proc`` files say 0), and a
  longer file is refused rather than cut.

Errors are :class:`ReadError`, an ``OSError`` with a one-line human message, so every
existing ``except OSError`` keeps working.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]

MiB = 1024 * 1024
#: Python files and templates (the engine's limit since issue 8).
SOURCE_LIMIT = 20 * MiB
#: pyproject.toml, --config, rule files, .gitignore: text a person wrote.
CONFIG_LIMIT = 8 * MiB
#: One cache entry, a baseline.
DATA_LIMIT = 128 * MiB


class ReadError(OSError):
    """A file that cannot or must not be read; ``str()`` is the whole story, for a finding."""

    def __init__(self, message: str, err: int = errno.EIO) -> None:
        super().__init__(err, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _describe(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a regular file; not read"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file; not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file; not read"
    return "is not a regular file; not read"


def read_bytes(path: PathLike, limit: int = SOURCE_LIMIT) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; else :class:`ReadError`."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ReadError("file not found", errno.ENOENT) from None
    except IsADirectoryError:
        raise ReadError("is a directory, not a file", errno.EISDIR) from None
    except PermissionError:
        raise ReadError("cannot read file: permission denied", errno.EACCES) from None
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}", exc.errno or errno.EIO) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(_describe(st.st_mode), errno.EINVAL)
        if st.st_size > limit:
            raise ReadError(f"file is {st.st_size / 1e6:.1f} MB, over the {_mib(limit)} limit; not read",
                            errno.EFBIG)
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 * MiB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise ReadError(f"file is over the {_mib(limit)} limit; not read", errno.EFBIG)
        return data
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}", exc.errno or errno.EIO) from None
    finally:
        os.close(fd)


def read_prefix(path: PathLike, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (a sniff); :class:`ReadError` as above."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}", exc.errno or errno.EIO) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(_describe(st.st_mode), errno.EINVAL)
        return os.read(fd, size)
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}", exc.errno or errno.EIO) from None
    finally:
        os.close(fd)


def read_text(path: PathLike, limit: int = CONFIG_LIMIT) -> str:
    """UTF-8 text (bad bytes replaced) of a bounded regular file."""
    return read_bytes(path, limit).decode("utf-8", errors="replace")


def _mib(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n:,} bytes"


# -- questions about paths that never raise ------------------------------------------------
# pathlib's is_file()/is_dir()/exists() raise PermissionError (a path inside a folder that
# cannot be searched, mode 644 or 000): for a non-root user that made the whole run exit 2.
# "Cannot tell" answers False, and reading the file later says why.

def is_file(path: PathLike) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_dir(path: PathLike) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def exists(path: PathLike) -> bool:
    try:
        os.lstat(path)
        return True
    except (OSError, ValueError):
        return False


def access_denied(path: PathLike) -> bool:
    """Is ``path`` there but hidden by permissions (so "no such file" would be a lie)?"""
    try:
        os.lstat(path)
        return False
    except PermissionError:
        return True
    except (OSError, ValueError):
        return False


# -- the analyzers' reader (issue 11: read_source lives in the ground, not in the run) --------

from lambda_lint.errors import ParseFailure  # noqa: E402 - the ground's own vocabulary

MAX_FILE_BYTES = SOURCE_LIMIT

# #19 language server: the editor's unsaved buffers by absolute path, served by read_source
# instead of the disk (every layer reads through it). Empty, and free, outside the server.
OVERLAYS: "dict" = {}


# issue 17: memos that live for one run. A run reads a file once as far as it is concerned
# (the disk and the editor's buffers hold still while it runs), so a result derived from
# files may be reused within the run; ``new_run`` (called by ``engine.run`` before any work,
# and before a pool forks) forgets them, so ``--fix``'s second run or the next keystroke in
# the language server never sees a stale one.
_RUN_MEMOS: "dict" = {}


def run_memo(name: str) -> "dict":
    """A dict that is emptied at the start of every run (see :func:`new_run`)."""
    return _RUN_MEMOS.setdefault(name, {})


def new_run() -> None:
    for memo in _RUN_MEMOS.values():
        memo.clear()


def digest_bytes(data: bytes) -> str:
    """The content key of a file: what the cache and the join's dependency records compare."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


def read_source(path: str) -> bytes:
    """Read a file with a size limit (read_bytes); every refusal becomes ParseFailure (LL001)."""
    if OVERLAYS:
        data = OVERLAYS.get(os.path.abspath(path))
        if data is not None:
            return data
    try:
        return read_bytes(path, MAX_FILE_BYTES)
    except ReadError as exc:
        if exc.errno == errno.ENOENT:
            raise ParseFailure("file vanished before it could be read") from None
        raise ParseFailure(exc.message.replace("; not read", "; not linted")) from None
