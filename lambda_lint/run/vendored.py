"""Installed third-party code: never linted when a folder walk finds it (issue 12).

A Lambda code folder often carries its dependencies (``pip install -t src/``), a layer folder
holds nothing else, and a venv's ``site-packages`` is all libraries. Their loops and excepts
are not the user's to fix, and reporting them as handler bugs is how a linter gets switched
off. What counts as installed:

* any path with a ``site-packages`` or ``dist-packages`` folder in it (a venv, a Lambda layer's
  ``python/lib/python3.X/site-packages``);
* a top-level package or module that an installed distribution beside it owns: the
  ``RECORD`` of a sibling ``*.dist-info`` (or ``top_level.txt``), or the ``installed-files.txt``
  of a sibling ``*.egg-info``. A source tree's own ``mypkg.egg-info`` (from ``pip install -e``
  or ``setup.py egg_info``) has no ``installed-files.txt`` and does not count, so a project is
  never mistaken for its own installation;
* the ``*.dist-info``/``*.egg-info`` folders themselves;
* a Python installation's standard library (a folder holding ``os.py`` and
  ``_collections_abc.py``): ``import os`` must stop there, not pull in the stdlib.

Files named explicitly on the command line are not checked here: a user can lint a library
file on purpose. Everything is by folder listing and small metadata reads, cached per folder.
"""

from __future__ import annotations

import os
from typing import Dict, FrozenSet, Iterable

MARKER_DIRS = frozenset({"site-packages", "dist-packages"})
_META_SUFFIXES = (".dist-info", ".egg-info")


def has_marker(path: str) -> bool:
    """Is ``path`` (absolute) inside a ``site-packages``/``dist-packages`` folder?"""
    parts = os.path.normcase(os.path.abspath(path)).replace("\\", "/").split("/")
    return any(p in MARKER_DIRS for p in parts)


def _record_names(lines: Iterable[str], prefix_up: int = 0) -> set:
    """Top-level names of the paths a RECORD/installed-files.txt lists.

    RECORD paths are relative to the install folder (``requests/api.py``,
    ``six.py``); installed-files.txt paths are relative to the egg-info (``../six.py``), hence
    ``prefix_up`` leading ``..`` to drop.
    """
    out = set()
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith('"'):
            path = line[1:].split('"', 1)[0]
        else:
            path = line.split(",", 1)[0]
        parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
        for _ in range(prefix_up):
            if parts and parts[0] == "..":
                parts.pop(0)
        if not parts or parts[0] == ".." or parts[0].endswith(_META_SUFFIXES) or parts[0] == "__pycache__":
            continue
        out.add(parts[0])
    return out


def _read_lines(path: str) -> list:
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as fh:
            return fh.read(4 * 1024 * 1024).splitlines()
    except OSError:
        return []


def installed_names_in(folder: str) -> FrozenSet[str]:
    """Names (``requests``, ``six.py``) that installed distributions own in ``folder``."""
    try:
        entries = [e.name for e in os.scandir(folder) if e.name.endswith(_META_SUFFIXES)]
    except OSError:
        return frozenset()
    names: set = set()
    for meta in sorted(entries):
        mdir = os.path.join(folder, meta)
        if not os.path.isdir(mdir):
            continue
        if meta.endswith(".dist-info"):
            record = _read_lines(os.path.join(mdir, "RECORD"))
            if record:
                names |= _record_names(record)
                continue
        else:
            files = _read_lines(os.path.join(mdir, "installed-files.txt"))
            if not files:
                continue  # a source tree's own egg-info: not an installation
            names |= _record_names(files, prefix_up=1)
            continue
        top = _read_lines(os.path.join(mdir, "top_level.txt"))
        tops = [t.strip() for t in top if t.strip()] or [meta.split("-", 1)[0]]
        for t in tops:
            names.add(t)
            names.add(t + ".py")
    return frozenset(names)


def is_stdlib_folder(folder: str) -> bool:
    """Is ``folder`` the top of a Python standard library (``lib/python3.X``)?"""
    return os.path.isfile(os.path.join(folder, "os.py")) and \
        os.path.isfile(os.path.join(folder, "_collections_abc.py"))


class VendoredIndex:
    """Answers "is this installed third-party code?" for the paths of one run (cached by folder)."""

    def __init__(self) -> None:
        self._names: Dict[str, FrozenSet[str]] = {}
        self._under: Dict[str, bool] = {}
        self._std: Dict[str, bool] = {}
        self.skipped = 0  # files and folders a walk left out as installed code

    def _installed(self, folder: str) -> FrozenSet[str]:
        got = self._names.get(folder)
        if got is None:
            got = self._names[folder] = installed_names_in(folder)
        return got

    def _stdlib(self, folder: str) -> bool:
        got = self._std.get(folder)
        if got is None:
            got = self._std[folder] = is_stdlib_folder(folder)
        return got

    def entry(self, path: str, is_dir: bool) -> bool:
        """Is this directory entry (found by a walk) installed code? Counts what it skips."""
        name = os.path.basename(path)
        parent = os.path.dirname(path)
        hit = (is_dir and (name in MARKER_DIRS or name.endswith(_META_SUFFIXES))) or \
            name in self._installed(parent) or self._stdlib(parent)
        if hit:
            self.skipped += 1
        return hit

    def under(self, path: str) -> bool:
        """Is ``path`` (a walk's start, or a module an import resolves to) installed code or
        inside installed code? Checks every ancestor folder."""
        path = os.path.abspath(path)
        if path in self._under:
            return self._under[path]
        result = has_marker(path)
        if not result:
            cur = path
            while True:
                parent = os.path.dirname(cur)
                if parent == cur:
                    break
                if os.path.basename(cur) in self._installed(parent) or self._stdlib(parent) \
                        or (cur == path and self._stdlib(cur)):
                    result = True
                    break
                cur = parent
        self._under[path] = result
        return result
