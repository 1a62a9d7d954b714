"""Serverless Framework variables (``${...}``), resolved where the answer is static.

What the Framework would know at ``sls package`` time and we know too: ``${self:path}``
(this file), ``${sls:stage}`` / ``${opt:stage, 'dev'}`` (the stage: the given default, else
``provider.stage``, else ``dev``, as the Framework does), ``${env:X, 'default'}`` (the default:
the environment of the linting machine is not the deploy's), ``${file(./x.yml):path}`` of a
local YAML/JSON file, and literal fallbacks (``${ssm:/a, 10}`` is 10). Everything else
(``ssm``, ``cf``, ``s3``, ``aws``, ``param``, a variable without a default, a plugin's own
sources) is :data:`UNKNOWN`: the lowering turns it into a CloudFormation value the model
resolves as unknown, so an unknown value never produces a finding by itself.

Values keep their containers (:class:`Map`/:class:`Seq` with positions) so findings still
point into ``serverless.yml``; a value that comes from a variable takes the position of the
string that named it.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional, Tuple

from lambda_lint.iac.tree import Map, Seq


class _Unknown:
    """A value the Framework would know only at deploy time."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:  # pragma: no cover
        return f"<unknown {self.text}>"


UNKNOWN_TYPE = _Unknown
_INNER_RE = re.compile(r"\$\{([^${}]*)\}")
_MAX_ROUNDS = 50
# a Framework variable names a source: ``self:``, ``env:``, ``file(``...; ``AWS::Region`` does not
_FRAMEWORK_VAR_RE = re.compile(r"\s*[A-Za-z][\w-]*\s*(?:\(|:(?!:))")


def _restore(text: str, kept: List[str]) -> str:
    for i, original in enumerate(kept):
        text = text.replace(f"\x00{i}\x00", original)
    return text


def is_unknown(value: Any) -> bool:
    return isinstance(value, _Unknown)


class Variables:
    """Resolves the variables of one ``serverless.yml`` (its tree and its folder)."""

    def __init__(self, tree: Map, folder: str) -> None:
        self.tree = tree
        self.folder = folder
        self._files: Dict[str, Any] = {}
        self._depth = 0
        provider = tree.get("provider")
        stage = provider.get("stage") if isinstance(provider, Map) else None
        self.stage: Any = "dev"
        if isinstance(stage, str) and "${" not in stage:
            self.stage = stage
        elif isinstance(stage, str):
            resolved = self.resolve(stage)
            self.stage = resolved if isinstance(resolved, str) else _Unknown(stage)

    # -- public ----------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """``value`` with every variable inside it resolved (containers are copied)."""
        if self._depth > 30:
            return _Unknown(str(value))
        self._depth += 1
        try:
            if isinstance(value, str):
                return self._string(value) if "${" in value else value
            if isinstance(value, Map):
                out = Map()
                out.line, out.column = value.line, value.column
                for k, v in value.items():
                    vpos = value.vpos.get(k, (value.line, value.column))
                    out[k] = _here(v, self.resolve(v), vpos)
                    out.kpos[k] = value.kpos.get(k, (value.line, value.column))
                    out.vpos[k] = vpos
                return out
            if isinstance(value, Seq):
                seq = Seq()
                seq.line, seq.column = value.line, value.column
                for i, v in enumerate(value):
                    ipos = value.ipos[i] if i < len(value.ipos) else (value.line, value.column)
                    seq.append(_here(v, self.resolve(v), ipos))
                    seq.ipos.append(ipos)
                return seq
            return value
        finally:
            self._depth -= 1

    # -- strings ---------------------------------------------------------------------------
    def _string(self, text: str) -> Any:
        """Innermost variables first (``${self:custom.${sls:stage}.x}``).

        ``${AWS::Region}``, ``${MyQueue.Arn}`` (CloudFormation ``Fn::Sub`` references, no
        source prefix) are not Framework variables: they are kept as written."""
        kept: List[str] = []
        for _ in range(_MAX_ROUNDS):
            m = _INNER_RE.search(text)
            if m is None:
                return _restore(text, kept)
            if not _FRAMEWORK_VAR_RE.match(m.group(1)):
                kept.append(m.group(0))
                text = text[: m.start()] + f"\x00{len(kept) - 1}\x00" + text[m.end():]
                continue
            value = self._variable(m.group(1))
            if m.start() == 0 and m.end() == len(text):
                # the whole string is one variable: its value keeps its type (a number, a map)
                return value
            if is_unknown(value) or isinstance(value, (Map, Seq, dict, list)):
                return _Unknown(_restore(text, kept))
            if value is None:
                value = ""
            if isinstance(value, bool):
                value = "true" if value else "false"
            text = text[: m.start()] + str(value) + text[m.end():]
        return _Unknown(_restore(text, kept))

    def _variable(self, body: str) -> Any:
        """One ``${...}`` body: a source and its fallbacks, tried in order."""
        for part in _split_fallbacks(body):
            value = self._one(part.strip())
            if value is not None and not is_unknown(value):
                return value
        return _Unknown("${" + body + "}")

    def _one(self, part: str) -> Any:
        if not part:
            return None
        if part[0] in "'\"" and part[-1:] == part[0] and len(part) >= 2:
            return part[1:-1]
        if re.fullmatch(r"-?\d+", part):
            return int(part)
        if re.fullmatch(r"-?\d+\.\d+", part):
            return float(part)
        if part in ("true", "false"):
            return part == "true"
        if part.startswith("self:"):
            return self._path(self.tree, part[5:])
        if part in ("sls:stage", "opt:stage", "self:provider.stage", "provider:stage"):
            return self.stage
        if part.startswith("opt:"):
            return None  # a CLI option we were not given: only its default can be known
        if part.startswith("env:"):
            return None  # the deploy machine's environment, not ours: only the default counts
        if part.startswith("file(") or part.startswith("file ("):
            return self._file(part)
        if part.startswith("sls:"):
            return None
        return None  # ssm, cf, s3, aws, param, a plugin's source: deploy-time only

    def _path(self, root: Any, path: str) -> Any:
        value: Any = root
        for key in [p for p in re.split(r"\.", path.strip()) if p != ""]:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            else:
                return None
        if isinstance(value, str) and "${" in value:
            return self.resolve(value)
        if isinstance(value, (Map, Seq)):
            return self.resolve(value)
        return value

    def _file(self, part: str) -> Any:
        m = re.match(r"file\s*\(\s*([^)]*?)\s*\)\s*(?::(.*))?$", part)
        if m is None:
            return None
        rel, sub = m.group(1).strip("'\" "), (m.group(2) or "").strip()
        if not rel or "${" in rel:
            return None
        path = os.path.normpath(os.path.join(self.folder, rel))
        if path not in self._files:
            self._files[path] = _load_file(path)
        data = self._files[path]
        if data is None:
            return None
        if not sub:
            return self.resolve(data) if isinstance(data, (Map, Seq, str)) else data
        return self._path(data, sub)


def _here(raw: Any, value: Any, pos: Tuple[int, int]) -> Any:
    """A structure read from another file (``${file(./functions.yml)}``) carries that file's
    line numbers: every position in it becomes the position of the variable that named it,
    so findings never point at unrelated lines of serverless.yml."""
    if not (isinstance(raw, str) and "${file" in raw and isinstance(value, (Map, Seq))):
        return value
    return _restamp(value, pos)


def _restamp(value: Any, pos: Tuple[int, int]) -> Any:
    if isinstance(value, Map):
        out = Map()
        out.line, out.column = pos
        for k, v in value.items():
            out[k] = _restamp(v, pos)
            out.kpos[k] = pos
            out.vpos[k] = pos
        return out
    if isinstance(value, Seq):
        seq = Seq()
        seq.line, seq.column = pos
        for v in value:
            seq.append(_restamp(v, pos))
            seq.ipos.append(pos)
        return seq
    return value


def _load_file(path: str) -> Any:
    """A local YAML/JSON file, or None (missing, unreadable, a .js/.ts file: unknown)."""
    from lambda_lint.errors import ParseFailure
    from lambda_lint.iac.cloudformation.loader import load

    if not path.lower().endswith((".yml", ".yaml", ".json")):
        return None
    try:
        with open(path, "rb") as fh:
            source = fh.read(2 * 1024 * 1024 + 1)
        if len(source) > 2 * 1024 * 1024:
            return None
        return load(source, path)
    except (OSError, ParseFailure, RecursionError):
        return None


def _split_fallbacks(body: str) -> List[str]:
    """``opt:stage, 'dev'`` -> [``opt:stage``, ``'dev'``]; commas inside quotes or () stay."""
    parts: List[str] = []
    buf: List[str] = []
    quote: Optional[str] = None
    depth = 0
    for ch in body:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


def position_of(container: Any, key: Any, default: Tuple[int, int]) -> Tuple[int, int]:
    if isinstance(container, Map):
        return container.kpos.get(key, default)
    return default
