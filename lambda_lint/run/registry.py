"""One registry of rule metadata for every layer, and rule selection.

Python rules (code and project layers) register their classes; declarative template rules
register what their YAML files say. Loading metadata must stay cheap: the Python rule
modules import no parser at module level, and rule YAML files are small.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from lambda_lint.errors import UsageError
from lambda_lint.findings import RuleMeta, Severity

_META_DOCS = {
    "LL001": """\
## What it catches
A file that was selected for linting could not be read or parsed: a Python syntax error,
invalid YAML or JSON, undecodable bytes, or a template too large or too deeply nested to
load safely.

## Why it matters
A file lambda-lint cannot read is a file nobody checked. The rest of the run goes on, so
one broken file never hides the findings in the others.

## Example
```python
def handler(event, context)
    return 1
```

## Fix
Fix the syntax (the message gives the parser's reason and position), or exclude the file
with `exclude = [...]` if it is not meant to be valid (a template with Jinja placeholders).
""",
    "LL002": """\
## What it catches
A rule raised an exception on this file. The finding names the rule and the exception; the
other rules and files still run.

## Why it matters
It is a bug in lambda-lint, not in your code, but it means the rule did not check this
file.

## Fix
Please report it with the file (or a reduced version of it). Suppress it meanwhile with
`# lambda-lint: ignore[LL002]` or `--ignore LL002`.
""",
    "LL003": """\
## What it catches
A suppression comment (`# lambda-lint: ignore[...]`, `# noqa: ...`) or a resource's
`Metadata: {lambda-lint: {ignore: [...]}}` that matched no finding, or the codes of one that
matched none (`ignore[LL105, LL101]` where only LL105 fired names LL101). A suppression for a
rule that the run did not select is not reported: it may still be needed. Off by default;
enable it with `--extend-select LL003`.

## Why it matters
Stale suppressions hide the next real finding on that line.

## Fix
Delete the suppression.
""",
}

META_RULES: List[RuleMeta] = [
    RuleMeta("LL001", "parse-error", Severity.ERROR,
             "a selected file could not be read or parsed", _META_DOCS["LL001"], "meta"),
    RuleMeta("LL002", "internal-error", Severity.ERROR,
             "a rule raised on this file; the other rules and files still ran", _META_DOCS["LL002"], "meta"),
    RuleMeta("LL003", "unused-suppression", Severity.INFO,
             "a suppression comment or Metadata ignore that matched no finding", _META_DOCS["LL003"], "meta",
             default_enabled=False),
]

_CODE_RE = re.compile(r"^LL\d{0,3}$")


def builtin_rules_dir() -> Path:
    """The shipped declarative rules: inside the wheel, or the repo's top-level ``rules/``."""
    here = Path(__file__).resolve().parent.parent  # the lambda_lint package
    packaged = here / "_rules"
    if packaged.is_dir():
        return packaged
    return here.parent / "rules"


def python_rule_metas() -> List[RuleMeta]:
    """Metadata of the code (LL1xx) and project (LL3xx) rules, without importing parsers."""
    metas: List[RuleMeta] = []
    from lambda_lint.code.rules import RULE_CLASSES as code_rules
    from lambda_lint.project.rules import RULE_CLASSES as project_rules

    for layer, classes in (("code", code_rules), ("project", project_rules)):
        for cls in classes:
            metas.append(meta_from_class(cls, layer))
    return metas


def meta_from_class(cls: type, layer: str) -> RuleMeta:
    """A Python rule's metadata: class attributes, and its docstring as the documentation."""
    doc = cleandoc(cls.__doc__ or "")
    return RuleMeta(
        code=cls.code,
        name=cls.name,
        severity=Severity.parse(cls.severity),
        summary=getattr(cls, "summary", "") or doc.split("\n", 1)[0],
        docs=doc,
        layer=layer,
        origin=f"{cls.__module__}.{cls.__qualname__}",
        options=tuple(sorted(getattr(cls, "options", {}).items())),
        default_enabled=getattr(cls, "default_enabled", True),  # opt-in rules (LL307) say False
    )


def cleandoc(doc: str) -> str:
    """``inspect.cleandoc`` without importing ``inspect`` (6 ms of every start-up)."""
    lines = doc.expandtabs().split("\n")
    indent = min((len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()), default=0)
    lines = [lines[0].lstrip()] + [l[indent:] for l in lines[1:]]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


class Registry:
    """Every known rule, by code and by name, and the resolution of selectors."""

    def __init__(self, metas: Iterable[RuleMeta]) -> None:
        self.by_code: Dict[str, RuleMeta] = {}
        self.by_name: Dict[str, str] = {}
        for meta in metas:
            self.add(meta)

    def add(self, meta: RuleMeta) -> None:
        if meta.code in self.by_code:
            other = self.by_code[meta.code]
            raise UsageError(
                f"rule code {meta.code} is defined twice ({other.origin or other.name} and {meta.origin or meta.name})"
            )
        if meta.name in self.by_name:
            raise UsageError(f"rule name {meta.name!r} is used by both {self.by_name[meta.name]} and {meta.code}")
        self.by_code[meta.code] = meta
        self.by_name[meta.name] = meta.code

    def __contains__(self, code: str) -> bool:
        return code in self.by_code

    def __getitem__(self, code: str) -> RuleMeta:
        return self.by_code[code]

    def all(self) -> List[RuleMeta]:
        return [self.by_code[c] for c in sorted(self.by_code)]

    def resolve(self, selector: str, *, origin: str = "--select") -> List[str]:
        """Codes named by one selector: a code, a prefix (``LL2``, ``LL``) or a rule name."""
        sel = selector.strip()
        if not sel:
            raise UsageError(f"{origin}: empty rule selector")
        if sel.lower() == "all":
            return sorted(self.by_code)
        if sel in self.by_name:
            return [self.by_name[sel]]
        upper = sel.upper()
        if _CODE_RE.match(upper):
            if upper in self.by_code:
                return [upper]
            matched = sorted(c for c in self.by_code if c.startswith(upper))
            if matched and len(upper) < 5:
                return matched
        raise UsageError(f"{origin}: unknown rule code or name {selector!r} (see lambda-lint --list-rules)")

    def select(
        self,
        select: Optional[Sequence[str]],
        ignore: Sequence[str] = (),
        extend_select: Sequence[str] = (),
    ) -> frozenset:
        """The enabled codes. ``select`` None means every default-enabled rule."""
        if select is None:
            chosen = {m.code for m in self.by_code.values() if m.default_enabled}
        else:
            chosen = set()
            for sel in select:
                codes = self.resolve(sel, origin="select")
                # A prefix or "all" does not switch on opt-in rules; naming one does.
                if len(codes) > 1:
                    codes = [c for c in codes if self.by_code[c].default_enabled]
                chosen.update(codes)
        for sel in extend_select:
            chosen.update(self.resolve(sel, origin="extend-select"))
        # A file that could not be read or analysed is always said (issue 20): `--select LL201`
        # or the handlers hook's `--select LL1` must not turn a broken file into "No problems
        # found", as ruff reports syntax errors whatever is selected. Only an explicit ignore
        # (or a suppression, a per-file ignore) silences them.
        chosen.update(c for c in ALWAYS_REPORTED if c in self.by_code)
        for sel in ignore:
            chosen.difference_update(self.resolve(sel, origin="ignore"))
        return frozenset(chosen)


#: Findings about the run itself on a file: selection never hides them.
ALWAYS_REPORTED = ("LL001", "LL002")


def load_registry(extra_rule_dirs: Sequence[Path] = ()) -> "LoadedRules":
    """Build the registry: meta rules, Python rules, shipped and user YAML rules."""
    from lambda_lint.iac.ruleset import load_rule_dirs

    template_rules = load_rule_dirs([builtin_rules_dir(), *extra_rule_dirs])
    metas = list(META_RULES) + python_rule_metas() + [r.meta for r in template_rules]
    return LoadedRules(Registry(metas), template_rules)


class LoadedRules:
    """The registry plus the compiled declarative rules it was built from."""

    def __init__(self, registry: Registry, template_rules: list) -> None:
        self.registry = registry
        self.template_rules = template_rules
