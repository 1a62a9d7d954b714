"""Inline suppressions: ``# lambda-lint: ignore[CODES]`` and ``# noqa: CODES``.

The same comments work in Python and YAML (JSON has no comments; use the resource's
``Metadata: {lambda-lint: {ignore: [...]}}`` there). A comment suppresses findings on its
own line; in templates also every finding of the resource whose logical-ID line it is on.
Scanning is a line regex over the raw text, not a parse, so it works on files that fail
to parse and costs next to nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

_LL_RE = re.compile(r"#\s*lambda-lint\s*:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_\-]+(?:\s*,\s*[A-Za-z0-9_\-]+)*))?", re.IGNORECASE)


# A quoted YAML scalar starts a value: at the line start or after a blank or a flow/indicator
# character (an apostrophe inside a plain scalar, as in `it's`, opens nothing).
_QUOTED = re.compile(r"""(?:^|(?<=[\s:,\[{-]))(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')""")
_OPEN_QUOTE = re.compile(r"""(?:^|(?<=[\s:,\[{-]))["']""")


@dataclass(frozen=True)
class Suppression:
    """One comment: ``codes`` None means every rule."""

    line: int
    column: int
    codes: Optional[Tuple[str, ...]]
    text: str


def looks_like_json(text: str) -> bool:
    """A JSON (flow-style) template: it has no comments, so no inline suppressions. A minified
    JSON template whose Description said "# noqa" suppressed every finding (issue 20)."""
    body = text.lstrip("\ufeff \t\r\n")
    return body.startswith("{") and body.rstrip().endswith("}")


def _yaml_comment(line: str, start: int) -> bool:
    """Is the ``#`` at ``start`` a YAML comment? It must follow a blank (or start the line)
    and stand outside a quoted scalar (judged by the quotes before it on the line)."""
    if start > 0 and line[start - 1] not in " \t":
        return False
    prefix = _QUOTED.sub("", line[:start])  # closed quoted scalars are text, whatever they hold
    return _OPEN_QUOTE.search(prefix) is None  # a quoted scalar still open: the # is inside it


def scan(text: str, template: bool = False) -> List[Suppression]:
    """The suppression comments of a file. ``template``: YAML rules (a ``#`` inside a quoted
    scalar is text, not a comment; JSON has no comments at all)."""
    out: List[Suppression] = []
    if "lambda-lint" not in text and "noqa" not in text and "NOQA" not in text:
        return out
    if template and looks_like_json(text):
        return out
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        m = _LL_RE.search(line)
        if m and template and not _yaml_comment(line, m.start()):
            m = None
        if m:
            raw = m.group("codes")
            codes = _split(raw) if raw is not None else None
            out.append(Suppression(lineno, m.start() + 1, codes, m.group(0)))
            continue
        m = _NOQA_RE.search(line)
        if m and template and not _yaml_comment(line, m.start()):
            m = None
        if m:
            raw = m.group("codes")
            if raw is None:
                out.append(Suppression(lineno, m.start() + 1, None, m.group(0)))
            else:
                codes = tuple(c for c in _split(raw) if c.upper().startswith("LL") or "-" in c)
                # `# noqa: E501` is flake8's business, not ours.
                if codes:
                    out.append(Suppression(lineno, m.start() + 1, codes, m.group(0)))
    return out


def _split(raw: str) -> Tuple[str, ...]:
    return tuple(c.strip() for c in raw.split(",") if c.strip())


def to_json(sups: Sequence[Suppression]) -> List[list]:
    return [[s.line, s.column, list(s.codes) if s.codes is not None else None, s.text] for s in sups]


def from_json(data: Iterable[list]) -> List[Suppression]:
    return [Suppression(d[0], d[1], tuple(d[2]) if d[2] is not None else None, d[3]) for d in data]


def matches(sup_codes: Optional[Tuple[str, ...]], code: str, name: str) -> bool:
    if sup_codes is None:
        return True
    for c in sup_codes:
        cu = c.upper()
        if cu == code or c == name or (cu.startswith("LL") and len(cu) < 5 and code.startswith(cu)):
            return True
    return False


class FileSuppressions:
    """Everything that can silence a finding in one file, and which of it was used."""

    def __init__(
        self,
        comments: Sequence[Suppression],
        resource_lines: Optional[Dict[str, int]] = None,
        resource_ignores: Optional[Dict[str, Sequence[str]]] = None,
    ) -> None:
        self.by_line: Dict[int, List[Suppression]] = {}
        for s in comments:
            self.by_line.setdefault(s.line, []).append(s)
        self.resource_lines = resource_lines or {}
        self.resource_ignores = {k: tuple(v) for k, v in (resource_ignores or {}).items()}
        # What matched: (id of a Suppression, or ("meta", resource)), and per selector.
        self.used: set = set()
        self.used_selectors: set = set()

    def _match(self, key: object, codes: Optional[Tuple[str, ...]], code: str, name: str) -> bool:
        if codes is None:
            self.used.add(key)
            return True
        hit = False
        for sel in codes:
            if matches((sel,), code, name):
                self.used.add(key)
                self.used_selectors.add((key, sel))
                hit = True
        return hit

    def suppressed(self, code: str, name: str, line: int, resource: Optional[str]) -> bool:
        lines = [line]
        if resource and resource in self.resource_lines:
            lines.append(self.resource_lines[resource])
        hit = False
        for ln in lines:
            for s in self.by_line.get(ln, ()):
                hit = self._match(id(s), s.codes, code, name) or hit
        if resource and resource in self.resource_ignores:
            hit = self._match(("meta", resource), self.resource_ignores[resource], code, name) or hit
        return hit

    def unused(self, ran: Callable[[str], bool] = lambda sel: True) -> List[Tuple[int, int, str]]:
        """(line, column, message) of every suppression, or code of one, that matched
        nothing. ``ran(selector)`` says whether that selector's rules ran at all: a
        suppression for a rule this run did not select is not evidence of anything."""
        out = []
        for line, sups in self.by_line.items():
            for s in sups:
                if s.codes is None:
                    if id(s) not in self.used:
                        out.append((s.line, s.column, f"suppression {s.text!r} matched no finding; remove it"))
                    continue
                stale = [c for c in s.codes if (id(s), c) not in self.used_selectors and ran(c)]
                if stale and len(stale) == len(s.codes):
                    out.append((s.line, s.column, f"suppression {s.text!r} matched no finding; remove it"))
                elif stale:
                    out.append((s.line, s.column, f"suppression {s.text!r}: {', '.join(stale)} matched no "
                                                  f"finding; remove {'it' if len(stale) == 1 else 'them'}"))
        for resource, codes in self.resource_ignores.items():
            key = ("meta", resource)
            stale = [c for c in codes if (key, c) not in self.used_selectors and ran(c)]
            if stale:
                out.append((self.resource_lines.get(resource, 1), 1,
                            f"Metadata lambda-lint ignore of {', '.join(stale)} on {resource} matched no "
                            f"finding; remove {'it' if len(stale) == 1 else 'them'}"))
        return sorted(out)
