"""From an asset folder in ``cdk.out`` back to the source folder it was copied from.

``cdk synth`` copies (or bundles) a function's code into ``cdk.out/asset.<hash>/``; users
edit the original. We match file contents: each ``.py`` file of the asset votes for the
source folder under the app whose file at the same relative path has the same bytes; the
folder with most votes wins. When nothing matches by content but files of the same relative
paths exist, the assembly is older than the code (stale): we still map to that folder and
say so. No match at all (generated code, a Docker build): the caller reports at the asset.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

_SKIP = frozenset({".git", ".venv", "venv", "node_modules", ".aws-sam", "__pycache__", ".tox", "cdk.out",
                   "build", "dist", "site-packages", ".mypy_cache", ".pytest_cache", ".lambda-lint-cache"})
MAX_INDEX_FILES = 20000
MAX_ASSET_FILES = 300


@dataclass(frozen=True)
class SourceMatch:
    folder: Optional[str]  # the source folder, or None: report at the asset
    exact: bool  # contents match (False: matched by file names only: cdk.out is stale)
    example: Optional[Tuple[str, str]] = None  # (asset file, source file) that differ, when stale


_INDEX: Dict[Tuple[str, str], Dict[str, List[str]]] = {}
_MATCHES: Dict[Tuple[str, str], SourceMatch] = {}


def _index(app_dir: str, skip_dir: str) -> Dict[str, List[str]]:
    """Every ``.py`` under the app (not the assembly, not environments), by file name."""
    key = (app_dir, skip_dir)
    if key in _INDEX:
        return _INDEX[key]
    by_name: Dict[str, List[str]] = {}
    count = 0
    for root, dirs, files in os.walk(app_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and os.path.join(root, d) != skip_dir
                         and not d.endswith(".dist-info"))
        for f in files:
            if f.endswith(".py"):
                by_name.setdefault(f, []).append(os.path.join(root, f))
                count += 1
        if count > MAX_INDEX_FILES:
            break
    _INDEX[key] = by_name
    return by_name


def _asset_files(asset_dir: str) -> List[str]:
    """Relative paths of the asset's own ``.py`` files (bundled dependencies left out)."""
    out: List[str] = []
    for root, dirs, files in os.walk(asset_dir):
        rel_root = os.path.relpath(root, asset_dir)
        if rel_root == "." and any(d.endswith(".dist-info") for d in dirs):
            # pip-installed dependencies sit beside the code: keep top-level files only
            dirs[:] = []
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.endswith(".dist-info"))
        for f in sorted(files):
            if f.endswith(".py"):
                out.append(os.path.normpath(os.path.join(rel_root, f)))
        if len(out) >= MAX_ASSET_FILES:
            break
    return out


def _digest(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha1(fh.read()).hexdigest()
    except OSError:
        return None


def _is_cdk_code(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return True
    return b"aws_cdk" in head or b"from constructs import" in head


def source_for(asset_dir: str, app_dir: Optional[str]) -> SourceMatch:
    """The source folder of ``asset_dir`` under ``app_dir`` (see the module docstring)."""
    asset_dir = os.path.abspath(asset_dir)
    if app_dir is None or not os.path.isdir(asset_dir):
        return SourceMatch(None, False)
    key = (asset_dir, app_dir)
    if key in _MATCHES:
        return _MATCHES[key]
    assembly = os.path.dirname(asset_dir)
    index = _index(app_dir, assembly)
    exact: Dict[str, int] = {}
    named: Dict[str, int] = {}
    differs: Dict[str, Tuple[str, str]] = {}
    for rel in _asset_files(asset_dir):
        parts = rel.split(os.sep)
        cands = index.get(parts[-1], ())
        if not cands:
            continue
        mine = _digest(os.path.join(asset_dir, rel))
        for cand in cands:
            cparts = cand.split(os.sep)
            if cparts[-len(parts):] != parts:
                continue
            root = os.sep.join(cparts[: -len(parts)]) or os.sep
            if mine is not None and _digest(cand) == mine:
                exact[root] = exact.get(root, 0) + 1
            elif not _is_cdk_code(cand):  # the app's own app.py is never a function's code
                named[root] = named.get(root, 0) + 1
                differs.setdefault(root, (os.path.join(asset_dir, rel), cand))
    roots = set(exact) | set(named)
    if roots:
        # most matching files first; a folder where some differ is the source of a stale copy
        best = sorted(roots, key=lambda r: (-exact.get(r, 0), -named.get(r, 0), len(r), r))[0]
        stale = named.get(best, 0) > 0
        match = SourceMatch(best, not stale, differs.get(best) if stale else None)
    else:
        match = SourceMatch(None, False)
    _MATCHES[key] = match
    return match
