"""The results cache: per-file results keyed by content, stored as JSON (never pickle).

Layout (default ``.lambda-lint-cache/`` under the project root, ``cache-dir`` to move it)::

    .lambda-lint-cache/
      CACHEDIR.TAG  .gitignore (``*``)
      <tool fingerprint>/
        rules-<hash>.json           compiled declarative rules + rule metadata (no YAML at start-up)
        ab/cdef0123....json         one file's result

An entry's key is the sha256 of: the cache format, the tool fingerprint (version, the
package's own files, the Python and parser versions), the rule-set salt (hash of every loaded
rule file's bytes, the options), the file's kind and display path, its enabled rules, the
handler names the project layer asked for, and the sha256 of the file's bytes. An entry also
records the salt it was made with and is ignored unless it matches. Writes go to a temporary
file in the same folder and are moved in place with ``os.replace``, so two runs can share
the folder; any entry that can't be read or decoded is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

from lambda_lint.fileio import digest_bytes  # noqa: F401 - part of the cache's API

FORMAT = 1
CACHE_DIR_NAME = ".lambda-lint-cache"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by lambda-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def _stat_sig(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path}:-"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def tool_fingerprint() -> str:
    """Which lambda-lint (and parsers) made an entry: the version plus the size and mtime of
    every module of the package, so an edited checkout never reuses stale results."""
    from importlib.util import find_spec

    from lambda_lint import __version__

    pkg = Path(__file__).resolve().parent.parent  # the whole lambda_lint package
    parts: List[str] = [__version__, sys.version, str(FORMAT)]
    for root, dirs, files in os.walk(pkg):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                parts.append(_stat_sig(Path(root) / name))
    for dep in ("libcst", "yaml"):
        try:
            spec = find_spec(dep)
        except (ImportError, ValueError):
            spec = None
        origin = getattr(spec, "origin", None)
        parts.append(f"{dep}={_stat_sig(Path(origin)) if origin else '-'}")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:20]


def rule_files(rule_dirs: Sequence[Path]) -> List[Path]:
    """The rule files a run loads (built-in then user), in the order they are listed."""
    from lambda_lint.run.registry import builtin_rules_dir

    out: List[Path] = []
    for d in [builtin_rules_dir(), *rule_dirs]:
        d = Path(d)
        if d.is_file():
            out.append(d)
        elif d.is_dir():
            out.extend(sorted(list(d.glob("*.yaml")) + list(d.glob("*.yml"))))
        else:
            out.append(d)  # missing: hashed as such; the loader reports the error
    return out


def rules_hash(rule_dirs: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in rule_files(rule_dirs):
        h.update(str(p).encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")
    return h.hexdigest()


CACHE_DIR_ENV = "LAMBDA_LINT_CACHE_DIR"


def default_cache_dir(config: Any) -> Path:
    """Where the cache lives: ``LAMBDA_LINT_CACHE_DIR``, else ``cache-dir``, else the project
    root (the config file's folder, else the git root of the working folder, else the working
    folder), so a run never leaves a cache beside a template it linted somewhere else.
    (#19: env var and git-root fallback added; the rest of this module is unchanged.)"""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).resolve()
    if config.cache_dir is not None:
        return Path(config.cache_dir)
    if config.project_root is not None:
        return Path(config.project_root) / CACHE_DIR_NAME
    from lambda_lint.run.discovery import _git_root

    cwd = Path.cwd()
    return (_git_root(cwd) or cwd) / CACHE_DIR_NAME


class ResultCache:
    """One run's view of the cache folder. Every failure to read or write is silent."""

    def __init__(self, root: Path, fingerprint: str, rules_digest: str, options: Any) -> None:
        self.root = Path(root)
        self.fingerprint = fingerprint
        self.rules_digest = rules_digest
        self.folder = self.root / fingerprint
        opts = json.dumps(options, sort_keys=True, default=repr)
        self.salt = hashlib.sha256(f"{FORMAT}\0{fingerprint}\0{rules_digest}\0{opts}".encode()).hexdigest()
        self._ready = False
        self._made: set = set()
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self._stat_index: Optional[Dict[str, list]] = None
        self._folder_str: Optional[str] = None
        self._index_dirty = False

    @classmethod
    def for_config(cls, config: Any, options: Any = None, rules_digest: Optional[str] = None) -> "ResultCache":
        opts = options if options is not None else config.options
        # issue 14: the template settings change template results; salted only when not the
        # defaults, so existing cache entries stay valid
        settings = getattr(config, "template_settings", None)
        if settings and settings != {"posture_scope": "runaway", "external_alarms": False}:
            opts = {"options": opts, "template": settings}
        return cls(default_cache_dir(config), tool_fingerprint(),
                   rules_digest if rules_digest is not None else rules_hash(config.rule_dirs), opts)

    # -- keys -------------------------------------------------------------------------
    def key(self, kind: str, display: str, enabled: Iterable[str], handler_names: Optional[Iterable[str]],
            digest: str) -> str:
        hn = "-" if handler_names is None else ",".join(sorted(handler_names))
        text = "\0".join((self.salt, kind, display, ",".join(sorted(enabled)), hn, digest))
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()

    def _entry_path(self, key: str) -> Path:
        return Path(self._entry_str(key))

    def _entry_str(self, key: str) -> str:
        # Plain string joins: pathlib costs more than the read on a warm run of 2,000 files.
        if self._folder_str is None:
            self._folder_str = str(self.folder)
        return os.path.join(self._folder_str, key[:2], key[2:] + ".json")

    # -- results ----------------------------------------------------------------------
    def get(self, key: str) -> Optional[Dict[str, Any]]:
        try:
            with open(self._entry_str(key), "rb") as fh:
                entry = json.loads(fh.read())
            if not isinstance(entry, dict) or entry.get("salt") != self.salt or entry.get("key") != key:
                raise ValueError("stale")
            data = entry["result"]
            if not isinstance(data, dict):
                raise ValueError("bad entry")
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return data

    def put(self, key: str, result_json: str) -> None:
        """Store one result, given as its JSON text (what the workers send back)."""
        text = '{"key": %s, "salt": %s, "result": %s}' % (json.dumps(key), json.dumps(self.salt), result_json)
        path = self._entry_path(key)
        if self._write(path, text):
            self.writes += 1

    # -- what we know of files by their stat (a warm run reads no file twice) ----------
    # path -> [mtime_ns, size, inode, sha256 or None, looks-like-template or None]. Only a
    # hint: an entry counts while the file's stat is unchanged (as ruff's and mypy's caches
    # trust mtimes); a file edited within the same nanosecond to the same size is the risk.
    def _index(self) -> Dict[str, list]:
        if self._stat_index is None:
            self._stat_index = {}
            try:
                with open(self.folder / "stat-index.json", "rb") as fh:
                    data = json.loads(fh.read())
                if isinstance(data, dict) and data.get("salt") == self.salt and isinstance(data.get("files"), dict):
                    self._stat_index = data["files"]
            except (OSError, ValueError, TypeError, RecursionError):
                pass
        return self._stat_index

    def _stat_entry(self, path: str) -> Optional[list]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        # ctime too: a same-size edit whose mtime was put back (touch -d, tar, rsync -a) moves it
        sig = [st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns]
        entry = self._index().get(path)
        if not isinstance(entry, list) or len(entry) != 6 or entry[:4] != sig:
            entry = sig + [None, None]
            self._index()[path] = entry
            self._index_dirty = True
        return entry

    def file_digest(self, path: str, compute: Any) -> Optional[str]:
        """The file's sha256, from the index when its stat is unchanged, else ``compute(path)``."""
        entry = self._stat_entry(path)
        if entry is not None and isinstance(entry[4], str):
            return entry[4]
        digest = compute(path)
        if entry is not None and digest is not None:
            entry[4] = digest
            self._index_dirty = True
        return digest

    def sniff(self, path: str, compute: Any) -> bool:
        """Does the file look like a template? From the index when its stat is unchanged."""
        entry = self._stat_entry(path)
        if entry is not None and isinstance(entry[5], bool):
            return entry[5]
        answer = bool(compute(path))
        if entry is not None:
            entry[5] = answer
            self._index_dirty = True
        return answer

    def save_index(self) -> None:
        if not self._index_dirty or self._stat_index is None:
            return
        text = json.dumps({"salt": self.salt, "files": self._stat_index}, separators=(",", ":"))
        if self._write(self.folder / "stat-index.json", text):
            self._index_dirty = False

    # -- compiled rules -----------------------------------------------------------------
    def get_rules(self) -> Optional[list]:
        try:
            with open(self.folder / f"rules-{self.rules_digest}.json", "rb") as fh:
                data = json.loads(fh.read())
            if data.get("fingerprint") != self.fingerprint:
                return None
            return list(data["rules"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put_rules(self, rules: list) -> None:
        text = json.dumps({"fingerprint": self.fingerprint, "rules": rules})
        self._write(self.folder / f"rules-{self.rules_digest}.json", text)

    # -- files --------------------------------------------------------------------------
    def _prepare(self) -> bool:
        if self._ready:
            return True
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for name, content in (("CACHEDIR.TAG", _TAG), (".gitignore", "# created by lambda-lint\n*\n")):
                p = self.root / name
                if not p.exists():
                    self._atomic(p, content)
            self.folder.mkdir(exist_ok=True)
        except OSError:
            return False
        self._ready = True
        return True

    def _write(self, path: Path, text: str) -> bool:
        if not self._prepare():
            return False
        try:
            parent = path.parent
            if parent not in self._made:
                parent.mkdir(parents=True, exist_ok=True)
                self._made.add(parent)
            self._atomic(path, text)
            return True
        except OSError:
            return False

    @staticmethod
    def _atomic(path: Path, text: str) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


# -- compiled declarative rules as plain data ------------------------------------------

def rules_to_data(template_rules: list) -> Optional[list]:
    """The compiled rules as JSON data, or None when they don't survive a JSON round trip."""
    out = []
    for r in template_rules:
        m = r.meta
        item = {
            "meta": {"code": m.code, "name": m.name, "severity": m.severity.value, "summary": m.summary,
                     "docs": m.docs, "layer": m.layer, "origin": m.origin, "default_enabled": m.default_enabled,
                     "options": [[k, v] for k, v in m.options], "url": m.url},
            "subject": r.subject, "where": r.where, "require": r.require, "message": r.message,
            "points_to": r.points_to, "help": getattr(r, "help", ""),
        }
        try:
            if json.loads(json.dumps(item)) != item:
                return None
        except (TypeError, ValueError):
            return None
        out.append(item)
    return out


def rules_from_data(data: list) -> list:
    from lambda_lint.findings import RuleMeta, Severity
    from lambda_lint.iac.ruleset import TemplateRule

    rules = []
    for item in data:
        m = dict(item["meta"])
        m["severity"] = Severity(m["severity"])
        m["options"] = tuple((k, v) for k, v in m.get("options", ()))
        rules.append(TemplateRule(RuleMeta(**m), item["subject"], item["where"], item["require"],
                                  item["message"], item["points_to"], item.get("help", "")))
    return rules
