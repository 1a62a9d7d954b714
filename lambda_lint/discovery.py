"""Which files a run looks at, what they are, and which template gives each its context.

Walking honours ``.gitignore`` (every level, from the repository root down), the default
excludes and ``exclude``/``extend-exclude``. Files named on the command line are always
processed; excludes apply only to what a folder walk finds, as in ruff. Templates are
recognised by content, with a cheap text sniff, so workflow files, compose files and
``package.json`` found by walking are skipped silently.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from lambda_lint.template.sniff import looks_like_template

PYTHON_SUFFIXES = (".py",)
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
SNIFF_BYTES = 256 * 1024

def sniff_file(path: Path) -> bool:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False  # a FIFO would block the open; devices and sockets are not templates
        with open(path, "rb") as fh:
            return looks_like_template(fh.read(SNIFF_BYTES).decode("utf-8", errors="replace"))
    except OSError:
        return False


@dataclass(frozen=True)
class SourceFile:
    """A file the run processes. ``display`` is the path as the user would write it."""

    display: str
    path: Path  # absolute, not resolved through symlinks
    kind: str  # "python" | "template"
    requested: bool = True


@dataclass
class Discovery:
    files: List[SourceFile] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    vendored: List[str] = field(default_factory=list)  # folder arguments that are installed code


class _IgnoreStack:
    """gitignore specs by folder, loaded lazily, asked from the repository root down."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._specs: Dict[Path, object] = {}

    def _spec_for(self, folder: Path):
        if folder in self._specs:
            return self._specs[folder]
        spec = None
        gi = folder / ".gitignore"
        if self.enabled and gi.is_file():
            try:
                lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            if lines:
                import pathspec

                spec = pathspec.GitIgnoreSpec.from_lines(lines)
        self._specs[folder] = spec
        return spec

    def ignored(self, path: Path, is_dir: bool, chain: Sequence[Path]) -> bool:
        if not self.enabled:
            return False
        for folder in chain:
            spec = self._spec_for(folder)
            if spec is None:
                continue
            try:
                rel = path.relative_to(folder).as_posix()
            except ValueError:
                continue
            if is_dir:
                rel += "/"
            if spec.match_file(rel):
                return True
        return False


def _git_root(start: Path) -> Optional[Path]:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _ancestors_down(root: Optional[Path], folder: Path) -> List[Path]:
    """Folders from the git root (inclusive) down to ``folder`` (inclusive)."""
    if root is None:
        return [folder]
    chain = [folder]
    cur = folder
    while cur != root and cur.parent != cur:
        cur = cur.parent
        chain.append(cur)
    return list(reversed(chain))


_GLOB_CHARS = frozenset("/*?[]!\\#")


class _Excludes:
    def __init__(self, patterns: Sequence[str], base: Path) -> None:
        self.base = base
        self.spec = None
        # A plain name (the default excludes: ``.git``, ``node_modules``...) matches a file or
        # folder of that name at any depth: a set lookup, and no pathspec import (~40 ms) when
        # every pattern is one.
        self.names = frozenset(p for p in patterns if p and p == p.strip() and not (_GLOB_CHARS & set(p)))
        rest = [p for p in patterns if p not in self.names]
        if rest:
            import pathspec

            self.spec = pathspec.GitIgnoreSpec.from_lines(rest)

    def excluded(self, path: Path, is_dir: bool) -> bool:
        if path.name in self.names:
            return True
        if self.spec is None:
            return False
        try:
            rel = path.relative_to(self.base).as_posix()
        except ValueError:
            rel = path.name
        if is_dir:
            rel += "/"
        return self.spec.match_file(rel) or self.spec.match_file(path.name + ("/" if is_dir else ""))


def _classify(path: Path, explicit: bool, sniff: Callable[[Path], bool] = sniff_file) -> Optional[str]:
    suffix = path.suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix in TEMPLATE_SUFFIXES:
        if explicit or sniff(path):
            return "template"
        return None
    if explicit:
        # Named on the command line with an unusual suffix: a template if it looks like
        # one, else Python (as ruff lints any file it is given).
        return "template" if sniff(path) else "python"
    return None


def _join_display(arg: str, rel: str) -> str:
    if arg in (".", "./", ""):
        return rel
    return os.path.join(arg, rel)


def discover(
    paths: Sequence[str],
    *,
    exclude: Sequence[str],
    respect_gitignore: bool = True,
    base: Optional[Path] = None,
    sniff: Callable[[Path], bool] = sniff_file,
    vendored: Any = None,
) -> Discovery:
    """Expand the command line's paths into classified files, in a stable order.

    ``vendored`` (a :class:`lambda_lint.project.vendored.VendoredIndex`) leaves installed
    third-party code out of folder walks (issue 12); files named explicitly are kept."""
    cwd = Path.cwd()
    base = base or cwd
    excludes = _Excludes(exclude, base)
    ignores = _IgnoreStack(respect_gitignore)
    result = Discovery()
    seen: set = set()

    def add(display: str, path: Path, kind: str) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            return
        seen.add(key)
        result.files.append(SourceFile(display=display, path=Path(os.path.abspath(path)), kind=kind))

    for arg in paths or ["."]:
        p = Path(arg)
        if not p.exists() and not p.is_symlink():
            result.missing.append(arg)
            continue
        if p.is_dir():
            top = Path(os.path.abspath(p))
            if vendored is not None and vendored.under(str(top)):
                result.vendored.append(arg)
                continue
            root = _git_root(top)
            for file_path, rel in _walk(top, excludes, ignores, root, vendored):
                kind = _classify(file_path, explicit=False, sniff=sniff)
                if kind:
                    add(_join_display(arg, rel), file_path, kind)
        else:
            kind = _classify(p, explicit=True, sniff=sniff)
            if kind:
                add(arg, p, kind)
    return result


def _walk(top: Path, excludes: _Excludes, ignores: _IgnoreStack, root: Optional[Path],
          vendored: Any = None) -> Iterator[Tuple[Path, str]]:
    """Yield (file, path relative to top) depth-first in sorted order; never follows dir links."""
    start_chain = _ancestors_down(root, top)
    # (folder, its path relative to top with a trailing "/", the .gitignore chain)
    stack: List[Tuple[Path, str, List[Path]]] = [(top, "", start_chain)]
    while stack:
        folder, prefix, chain = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subdirs: List[Tuple[Path, str, List[Path]]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()  # follows file symlinks
            except OSError:
                continue
            if not (is_dir or is_file):
                continue
            path = Path(entry.path)
            if excludes.excluded(path, is_dir) or ignores.ignored(path, is_dir, chain):
                continue
            if vendored is not None and vendored.entry(entry.path, is_dir):
                continue
            if is_dir:
                subdirs.append((path, prefix + entry.name + "/", chain + [path]))
            else:
                yield path, prefix + entry.name
        stack.extend(reversed(subdirs))


def find_context_template(file_path: Path, stop_at: Optional[Path] = None,
                          memo: Optional[Dict[Tuple[str, str], Optional[Path]]] = None) -> Optional[Path]:
    """The template that gives a handler file its context: nearest enclosing folder first.

    Looks for ``template.yaml``/``.yml``/``.json`` first, then any YAML/JSON in that
    folder that sniffs as a template; stops at the repository root (or the filesystem root).
    ``memo`` (one dict per run) remembers each folder's answer, so a tree of 1,000 folders
    scans each folder once instead of once per folder below it.
    """
    folder = Path(os.path.abspath(file_path)).parent
    root = stop_at or _git_root(folder)
    if root is None:
        # Outside a repository, never wander above the working folder (a stray template in
        # /tmp or $HOME must not become the context of every file below it).
        cwd = Path.cwd()
        root = cwd if folder == cwd or cwd in folder.parents else folder
    visited: List[Tuple[str, str]] = []
    answer: Optional[Path] = None
    while True:
        key = (str(folder), str(root))
        if memo is not None and key in memo:
            answer = memo[key]
            break
        visited.append(key)
        answer = _template_in(folder)
        if answer is not None or folder == root or folder.parent == folder:
            break
        folder = folder.parent
    if memo is not None:
        for key in visited:
            memo[key] = answer
    return answer


def _template_in(folder: Path) -> Optional[Path]:
    for name in TEMPLATE_NAMES:
        candidate = folder / name
        if candidate.is_file() and sniff_file(candidate):
            return candidate
    try:
        others = sorted(
            e.path for e in os.scandir(folder)
            if e.is_file() and Path(e.name).suffix.lower() in TEMPLATE_SUFFIXES
            and e.name not in TEMPLATE_NAMES
        )
    except OSError:
        others = []
    for other in others:
        if sniff_file(Path(other)):
            return Path(other)
    return None


def relative_display(path: Path) -> str:
    """A display path for a file the user did not name (a context template)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def iter_unique(items: Iterable[Path]) -> List[Path]:
    out, seen = [], set()
    for item in items:
        key = os.path.normcase(str(item))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
