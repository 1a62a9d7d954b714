"""The vocabulary every layer speaks: severities, rule metadata and findings.

Everything here is plain data (frozen dataclasses, JSON-friendly) so that results can
cross a process pool and be written to the cache without pickling arbitrary objects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Optional, Tuple


class Severity(str, enum.Enum):
    """Ordered severities; the value is what users write and what we print."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls(str(text).lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r} (expected info, warning or error)") from None

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True)
class RuleMeta:
    """What the registry knows of a rule, whichever layer implements it.

    ``docs`` is the full documentation (What it catches / Why it matters / Example / Fix /
    References) that ``--explain`` prints; ``summary`` is its one-line form.
    ``layer`` is one of ``meta``, ``code``, ``template``, ``project``; it decides which
    parsers a run needs. ``default_enabled`` is False only for opt-in rules (LL003).
    ``options`` lists what ``[tool.lambda-lint.options.CODE]`` may set, with the defaults.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    docs: str = ""
    layer: str = "meta"
    origin: str = ""
    default_enabled: bool = True
    options: Tuple[Tuple[str, Any], ...] = ()  # (name, default) of each option the rule takes
    url: str = ""  # the rule's docs; "" = the built-in docs for built-in rules (report.messages.rule_url)


def _span(where: Any) -> Dict[str, Any]:
    """The place of a Location or a Finding as JSON; a missing end is the start."""
    return {
        "path": where.path,
        "line": where.line,
        "column": where.column,
        "end_line": where.end_line if where.end_line is not None else where.line,
        "end_column": where.end_column if where.end_column is not None else where.column,
        "message": where.message,
    }


@dataclass(frozen=True)
class Location:
    """A place in a file; 1-based lines and columns. ``end_column`` is the column just past
    the last character (SARIF's convention); None means "the start position"."""

    path: str
    line: int
    column: int = 1
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    message: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return _span(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Location":
        return cls(
            path=data["path"],
            line=data["line"],
            column=data.get("column", 1),
            end_line=data.get("end_line"),
            end_column=data.get("end_column"),
            message=data.get("message", ""),
        )


@dataclass(frozen=True)
class Finding:
    """One reported problem.

    ``anchor`` is a line-independent description of what the finding is about (a logical
    ID and property path, or the normalized source of a node); baselines and SARIF
    fingerprints use it so that moving unrelated lines does not resurface old findings.
    ``related`` holds the other end of a cross finding (the trigger of a loop).
    """

    path: str
    line: int
    column: int
    code: str
    name: str
    severity: Severity
    message: str
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    resource: Optional[str] = None
    function: Optional[str] = None
    related: Tuple[Location, ...] = field(default_factory=tuple)
    anchor: str = ""
    construct: Optional[str] = None  # CDK construct path (aws:cdk:path), when known
    #: worst case of a runaway-class finding (lambda_lint.cost): duration, concurrency, cost
    impact: Optional[Dict[str, Any]] = None
    # The why and the fix, when the rule wrote them apart from ``message`` (``help:`` in a
    # YAML rule, ``help=`` to ``Reporter.report``); else ``report.messages`` splits the
    # one-line message at its first "; " when rendering.
    help: Optional[str] = None

    @property
    def sort_key(self) -> Tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)

    def with_severity(self, severity: Severity) -> "Finding":
        return replace(self, severity=severity)

    def to_dict(self) -> Dict[str, Any]:
        """The public JSON shape (DESIGN.md); key order is part of the contract."""
        out: Dict[str, Any] = {
            "rule": self.code,
            "name": self.name,
            "severity": self.severity.value,
            **_span(self),
        }
        if self.resource is not None:
            out["resource"] = self.resource
        if self.function is not None:
            out["function"] = self.function
        if self.construct is not None:
            out["construct"] = self.construct
        if self.related:
            out["related"] = [loc.to_dict() for loc in self.related]
        if self.impact is not None:
            out["impact"] = self.impact
        if self.help is not None:
            out["help"] = self.help
        return out

    def to_cache(self) -> Dict[str, Any]:
        data = self.to_dict()
        data["anchor"] = self.anchor
        return data

    @classmethod
    def from_cache(cls, data: Dict[str, Any]) -> "Finding":
        return cls(
            path=data["path"],
            line=data["line"],
            column=data["column"],
            code=data["rule"],
            name=data["name"],
            severity=Severity(data["severity"]),
            message=data["message"],
            end_line=data.get("end_line"),
            end_column=data.get("end_column"),
            resource=data.get("resource"),
            function=data.get("function"),
            related=tuple(Location.from_dict(d) for d in data.get("related", ())),
            anchor=data.get("anchor", ""),
            construct=data.get("construct"),
            help=data.get("help"),
        )


def _mapped(loc: "Location", own: str, position_map: Callable[[int], Tuple[Optional[str], int]]) -> "Location":
    if loc.path != own:
        return loc  # a place in another file (the handler's code) is already where it is
    path, line = position_map(loc.line)
    return replace(loc, path=path or loc.path, line=line,
                   end_line=None if loc.end_line is None else position_map(loc.end_line)[1])


class Reporter:
    """Collects findings for one file on behalf of the rules that run on it.

    Rules call :meth:`report` with a code and a position; the reporter fills in the path,
    the rule's name and its severity from the registry, so a rule never hard-codes them.
    ``line_offset``/``column_offset`` map positions of inline code (``Code.ZipFile``,
    ``InlineCode``) onto the template that contains it.
    """

    def __init__(
        self,
        path: str,
        metas: Dict[str, RuleMeta],
        *,
        line_offset: int = 0,
        column_offset: int = 0,
    ) -> None:
        self.path = path
        self.metas = metas
        self.line_offset = line_offset
        self.column_offset = column_offset
        self.findings: list = []
        #: a front-end whose unit spans files (Terraform) maps a line to (path, line)
        self.position_map: Optional[Callable[[int], Tuple[Optional[str], int]]] = None

    def report(
        self,
        code: str,
        line: int,
        column: int,
        message: str,
        *,
        end_line: Optional[int] = None,
        end_column: Optional[int] = None,
        resource: Optional[str] = None,
        function: Optional[str] = None,
        related: Tuple[Location, ...] = (),
        anchor: str = "",
        path: Optional[str] = None,
        help: Optional[str] = None,
    ) -> Finding:
        if self.position_map is not None:
            mapped, line = self.position_map(line)
            path = path or mapped
            if end_line is not None:
                end_line = self.position_map(end_line)[1]
            related = tuple(_mapped(loc, self.path, self.position_map) for loc in related)
        meta = self.metas.get(code)
        name = meta.name if meta else code
        severity = meta.severity if meta else Severity.ERROR
        shift_col = self.column_offset
        finding = Finding(
            path=path or self.path,
            line=line + self.line_offset,
            column=column + shift_col,
            code=code,
            name=name,
            severity=severity,
            message=message,
            end_line=None if end_line is None else end_line + self.line_offset,
            end_column=None if end_column is None else end_column + shift_col,
            resource=resource,
            function=function,
            related=tuple(related),
            anchor=anchor,
            help=help or None,
        )
        self.findings.append(finding)
        return finding
