"""Which files a run looks at, what they are, and which template gives each its context.

Walking honours ``.gitignore`` (every level, from the repository root down), the default
excludes and ``exclude``/``extend-exclude``. Files named on the command line are always
processed; excludes apply only to what a folder walk finds, as in ruff. Templates are
recognised by content, with a cheap text sniff, so workflow files, compose files and
``package.json`` found by walking are skipped silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from lambda_lint.iac.frontends import SUFFIXES, front_end_for

PYTHON_SUFFIXES = (".py",)
TEMPLATE_SUFFIXES = SUFFIXES  # every suffix an infrastructure front-end reads
TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
SNIFF_BYTES = 256 * 1024

def sniff_file(path: Path) -> bool:
    from lambda_lint.fileio import read_prefix

    try:
        # refuses FIFOs (an open would block), devices and sockets: none is a template
        head = read_prefix(path, SNIFF_BYTES).decode("utf-8", errors="replace")
        return front_end_for(str(path), head) is not None
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
    # issue 16: one stderr line each (a CDK app without cdk.out, a stale cdk.out, asset code
    # linted in place); ``cdk_missing``: exit 2 when nothing else could be linted
    notes: List[str] = field(default_factory=list)
    cdk_missing: bool = False
    # folders the walk could not list (permission denied...): (display, reason). Reported as
    # LL001 by the engine: their files were not linted, and silence would say they were clean.
    unreadable: List[Tuple[str, str]] = field(default_factory=list)
    vendored: List[str] = field(default_factory=list)  # folder arguments that are installed code


class _IgnoreStack:
    """gitignore specs by folder, loaded lazily, asked from the repository root down."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._specs: Dict[Path, object] = {}

    def _spec_for(self, folder: Path):
        if folder in self._specs:
            return self._specs[folder]
        from lambda_lint.fileio import is_file

        spec = None
        gi = folder / ".gitignore"
        if self.enabled and is_file(gi):
            try:
                from lambda_lint.fileio import read_text

                lines = read_text(gi).splitlines()
            except OSError:
                lines = []
            if lines:
                spec = _gitignore_spec(lines)
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


def _gitignore_spec(lines: List[str]):
    """A repository's .gitignore is input: git skips a line it cannot use (``!`` alone), and so
    do we (pathspec raised, and the run exited 2)."""
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # noqa: BLE001 - GitIgnorePatternError and friends
        good = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:  # noqa: BLE001
                continue
            good.append(line)
        return pathspec.GitIgnoreSpec.from_lines(good) if good else None


def _git_root(start: Path) -> Optional[Path]:
    from lambda_lint.fileio import exists

    for folder in (start, *start.parents):
        if exists(folder / ".git"):
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

    ``vendored`` (a :class:`lambda_lint.run.vendored.VendoredIndex`) leaves installed
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

    from lambda_lint.fileio import access_denied, exists, is_dir

    for arg in paths or ["."]:
        p = Path(arg)
        if not exists(p):
            if access_denied(p):
                # inside a folder we may not search: a file named here is linted (and its
                # read says "permission denied"), never reported as missing
                kind = _classify(p, explicit=True, sniff=sniff)
                if kind:
                    add(arg, p, kind)
                continue
            result.missing.append(arg)
            continue
        if is_dir(p):
            top = Path(os.path.abspath(p))
            if vendored is not None and vendored.under(str(top)):
                result.vendored.append(arg)
                continue
            if _is_cloud_assembly(top):  # issue 16: `lambda-lint cdk.out` lints its stacks
                _add_cdk(_cdk().scan_assembly(str(top), _cdk_app_of(top), relative_display), arg, top, add, result)
                continue
            root = _git_root(top)
            for file_path, rel in _walk(top, excludes, ignores, root, result.unreadable, arg, vendored):
                if file_path.name == "cdk.json":  # issue 16: a CDK app: lint its synthesized stacks
                    _add_cdk(_cdk().scan_app(str(file_path.parent), relative_display), arg, top, add, result)
                kind = _classify(file_path, explicit=False, sniff=sniff)
                if kind:
                    add(_join_display(arg, rel), file_path, kind)
        else:
            kind = _classify(p, explicit=True, sniff=sniff)
            if kind:
                add(arg, p, kind)
    return result


# --- issue 16: CDK apps (the lead moves this behind the front-end registry on merge) ---------
def _cdk():
    import lambda_lint.iac.cdk as cdk

    return cdk


def _is_cloud_assembly(folder: Path) -> bool:
    from lambda_lint.fileio import is_file

    # fileio.is_file never raises (Path.is_file does on a folder we may not search)
    return is_file(folder / "manifest.json") and (folder.name == "cdk.out" or is_file(folder.parent / "cdk.json"))


def _cdk_app_of(assembly: Path) -> Optional[str]:
    from lambda_lint.iac.cdk.assembly import app_dir_of

    return app_dir_of(str(assembly))


def _add_cdk(scan, arg: str, top: Path, add: Callable[[str, Path, str], None], result: Discovery) -> None:
    """The templates of a CDK app (and asset code that has no source folder), as if named."""
    for template in scan.templates:
        add(_join_display(arg, os.path.relpath(template, top)), Path(template), "template")
    for code in scan.asset_code:
        add(_join_display(arg, os.path.relpath(code, top)), Path(code), "python")
    result.notes.extend(scan.notes)
    result.cdk_missing = result.cdk_missing or scan.missing_output


def _walk(top: Path, excludes: _Excludes, ignores: _IgnoreStack, root: Optional[Path],
          unreadable: Optional[List[Tuple[str, str]]] = None, arg: str = ".",
          vendored: Any = None) -> Iterator[Tuple[Path, str]]:
    """Yield (file, path relative to top) depth-first in sorted order; never follows dir links.
    A folder that cannot be listed is added to ``unreadable`` (display, reason); installed
    third-party code (``vendored``) is never entered."""
    start_chain = _ancestors_down(root, top)
    # (folder, its path relative to top with a trailing "/", the .gitignore chain)
    stack: List[Tuple[Path, str, List[Path]]] = [(top, "", start_chain)]
    while stack:
        folder, prefix, chain = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            if unreadable is not None and not isinstance(exc, (FileNotFoundError, NotADirectoryError)):
                display = _join_display(arg, prefix.rstrip("/")) if prefix else arg
                unreadable.append((display, exc.strerror or str(exc)))
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
        answer = _template_in(folder, file_path)
        if answer is not None or folder == root or folder.parent == folder:
            break
        folder = folder.parent
    if memo is not None:
        for key in visited:
            memo[key] = answer
    return answer


def _template_in(folder: Path, file_path: Any = None) -> Optional[Path]:
    from lambda_lint.fileio import is_file

    if is_file(folder / "cdk.json"):  # issue 16: a CDK app: the stack that deploys this code
        found = _cdk().context_template(str(folder), str(file_path))
        if found is not None:
            return Path(found)
    for name in TEMPLATE_NAMES:
        candidate = folder / name
        if sniff_file(candidate):  # False for a missing or unreadable file
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
