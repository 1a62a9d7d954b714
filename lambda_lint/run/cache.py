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

The cache is input too (issue 20): a folder shipped inside a repository, or edited by hand,
could erase or invent findings, and an emptied ``rules-*.json`` dropped LL201-LL213. So
every file the cache writes is signed: a first line ``{"key", "salt", "mac"}`` where ``mac``
is an HMAC-SHA256 of the entry's key and body, keyed by a per-machine secret (see
:func:`machine_secret`) and the salt (tool version, rule files' bytes, options). On load an
entry is read with the bounded reader, its MAC checked, then its shape (cache_schema.py);
anything wrong is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

from lambda_lint.fileio import digest_bytes  # noqa: F401 - part of the cache's API

FORMAT = 2  # 2: signed entries (issue 20)
CACHE_DIR_NAME = ".lambda-lint-cache"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by lambda-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


_SECRET: Optional[bytes] = None


def machine_secret() -> bytes:
    """A random key kept outside every project, so a cache folder that arrives with a
    repository (or is edited) cannot carry entries this machine will believe.

    ``$LAMBDA_LINT_SECRET_DIR``, else ``$XDG_CACHE_HOME/lambda-lint``, else
    ``~/.cache/lambda-lint``: file ``secret-key`` (mode 0600), created once, atomically (a
    link of a complete temporary file, so concurrent first runs agree). When none can be
    read or made, a key for this process only: the cache is then written but never reused,
    which is slower and still right.
    """
    global _SECRET
    if _SECRET is not None:
        return _SECRET
    from lambda_lint.fileio import read_bytes

    base = os.environ.get("LAMBDA_LINT_SECRET_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "lambda-lint")
    path = os.path.join(base, "secret-key")
    secret = None
    for _ in range(2):
        try:
            data = read_bytes(path, 1024).strip()
            if len(data) == 64:
                secret = data
                break
        except OSError:
            pass
        try:
            os.makedirs(base, mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=base, prefix=".secret-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(os.urandom(32).hex().encode())
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    pass  # another run made it first: read theirs
            finally:
                os.unlink(tmp)
        except OSError:
            break
    _SECRET = secret if secret is not None else os.urandom(32)
    return _SECRET


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
        from lambda_lint.fileio import is_dir, is_file

        d = Path(d)
        if is_file(d):
            out.append(d)
        elif is_dir(d):
            out.extend(sorted(list(d.glob("*.yaml")) + list(d.glob("*.yml"))))
        else:
            out.append(d)  # missing: hashed as such; the loader reports the error
    return out


def rules_hash(rule_dirs: Sequence[Path]) -> str:
    from lambda_lint.fileio import CONFIG_LIMIT, read_bytes

    h = hashlib.sha256()
    for p in rule_files(rule_dirs):
        h.update(str(p).encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(read_bytes(p, CONFIG_LIMIT))
        except OSError as exc:
            h.update(f"<unreadable: {exc}>".encode("utf-8", "surrogateescape"))
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
        # the signing key: this machine's secret bound to everything the salt covers
        self._mac_key = hashlib.sha256(machine_secret() + b"\0" + self.salt.encode()).digest()
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

    # -- signed files ------------------------------------------------------------------
    def _mac(self, key: str, body: bytes) -> str:
        return hmac.new(self._mac_key, key.encode("utf-8", "surrogateescape") + b"\0" + body,
                        hashlib.sha256).hexdigest()

    def _signed(self, key: str, body: str) -> str:
        mac = self._mac(key, body.encode("utf-8", "surrogateescape"))
        header = json.dumps({"key": key, "salt": self.salt, "mac": mac}, ensure_ascii=True)
        return header + "\n" + body

    def _load_signed(self, path: str, key: str) -> Any:
        """The body of a signed file as JSON data; ValueError/OSError when it is not ours."""
        from lambda_lint.fileio import DATA_LIMIT, read_bytes

        raw = read_bytes(path, DATA_LIMIT)
        head, sep, body = raw.partition(b"\n")
        if not sep:
            raise ValueError("unsigned")
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("salt") != self.salt or header.get("key") != key:
            raise ValueError("stale")
        mac = header.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, self._mac(key, body)):
            raise ValueError("bad signature")
        return json.loads(body)

    # -- results ----------------------------------------------------------------------
    def get(self, key: str) -> Optional[Dict[str, Any]]:
        from lambda_lint.run import cache_schema

        try:
            data = self._load_signed(self._entry_str(key), key)
            if not cache_schema.entry(data):
                raise ValueError("bad entry")
        except (OSError, ValueError, KeyError, TypeError, RecursionError, MemoryError):
            self.misses += 1
            return None
        self.hits += 1
        return data

    def put(self, key: str, result_json: str) -> None:
        """Store one result, given as its JSON text (what the workers send back)."""
        path = self._entry_path(key)
        if self._write(path, self._signed(key, result_json)):
            self.writes += 1

    # -- what we know of files by their stat (a warm run reads no file twice) ----------
    # path -> [mtime_ns, size, inode, sha256 or None, looks-like-template or None]. Only a
    # hint: an entry counts while the file's stat is unchanged (as ruff's and mypy's caches
    # trust mtimes); a file edited within the same nanosecond to the same size is the risk.
    def _index(self) -> Dict[str, list]:
        if self._stat_index is None:
            self._stat_index = {}
            try:
                data = self._load_signed(str(self.folder / "stat-index.json"), "stat-index")
                if isinstance(data, dict) and isinstance(data.get("files"), dict):
                    self._stat_index = data["files"]
            except (OSError, ValueError, TypeError, RecursionError, MemoryError):
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
        if (not isinstance(entry, list) or len(entry) != 6 or entry[:4] != sig
                or not (entry[4] is None or isinstance(entry[4], str))
                or not (entry[5] is None or isinstance(entry[5], bool))):
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
        text = json.dumps({"files": self._stat_index}, separators=(",", ":"))
        if self._write(self.folder / "stat-index.json", self._signed("stat-index", text)):
            self._index_dirty = False

    # -- compiled rules -----------------------------------------------------------------
    def get_rules(self) -> Optional[list]:
        from lambda_lint.run import cache_schema

        name = f"rules-{self.rules_digest}.json"
        try:
            data = self._load_signed(str(self.folder / name), name)
            if data.get("fingerprint") != self.fingerprint or not cache_schema.compiled_rules(data["rules"]):
                return None
            return list(data["rules"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, MemoryError):
            return None

    def put_rules(self, rules: list) -> None:
        name = f"rules-{self.rules_digest}.json"
        text = json.dumps({"fingerprint": self.fingerprint, "rules": rules})
        self._write(self.folder / name, self._signed(name, text))

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
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
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
