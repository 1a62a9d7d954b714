"""Command line: parse arguments, build the config, run, print, choose the exit code.

Exit codes: 0 nothing reported, 1 findings reported, 2 usage/config error or a failure of
the tool itself. Every exit-2 path prints one line to stderr, never a traceback (set
``LAMBDA_LINT_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from lambda_lint import __version__

PROG = "lambda-lint"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2."""

    def error(self, message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
        sys.stderr.write(f"{PROG}: error: {message} (see lambda-lint --help)\n")
        sys.exit(2)


def _codes(value: str) -> List[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Find the AWS Lambda mistakes that run up the bill (unbounded retries, "
        "trigger loops, swallowed errors, missing limits and alarms) in handler code and "
        "SAM/CloudFormation templates, before they are deployed.",
        epilog="Exit codes: 0 nothing reported, 1 findings reported, 2 usage/config error. "
        "Rules: lambda-lint --list-rules; docs of one: lambda-lint --explain LL201.",
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=34, width=100),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to lint (default: .)")
    p.add_argument("--format", "--output-format", dest="format", choices=("text", "json", "sarif", "github"),
                   help="output format (default: text)")
    p.add_argument("--select", type=_codes, action="append", metavar="CODES",
                   help="only these rules: comma-separated codes, prefixes (LL2) or names")
    p.add_argument("--ignore", type=_codes, action="append", metavar="CODES", help="skip these rules")
    p.add_argument("--extend-select", type=_codes, action="append", metavar="CODES",
                   help="add rules to the selection (e.g. LL003, which is off by default)")
    p.add_argument("--min-severity", choices=("info", "warning", "error"),
                   help="report only findings at least this severe (default: info)")
    p.add_argument("--code-scope", choices=("handlers", "all"),
                   help="handlers (default): code rules report only in code reachable from a Lambda "
                   "entry point; all: in every Python file (installed third-party code is skipped either way)")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: nearest pyproject.toml)")
    p.add_argument("--rules", action="append", metavar="DIR", help="extra folder of declarative rule files (repeatable)")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes (default: all cores)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the results cache")
    p.add_argument("--baseline", metavar="FILE", help="report only findings that are not in this baseline")
    p.add_argument("--write-baseline", metavar="FILE", help="record today's findings as the baseline and exit 0")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    p.add_argument("--statistics", action="store_true", help="print the number of findings per rule")
    p.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary line")
    p.add_argument("--explain", metavar="CODE", help="print a rule's documentation and exit")
    p.add_argument("--list-rules", action="store_true", help="list every rule (code, name, severity, summary)")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="print the version and exit")
    return p


def _flatten(groups: Optional[List[List[str]]]) -> Optional[tuple]:
    if groups is None:
        return None
    return tuple(c for g in groups for c in g)


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        # `lambda-lint | head`: the reader went away; not our failure.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except Exception as exc:  # noqa: BLE001
        from lambda_lint.errors import UsageError

        if os.environ.get("LAMBDA_LINT_DEBUG"):
            raise
        if isinstance(exc, UsageError):
            sys.stderr.write(f"{PROG}: error: {exc}\n")
        else:
            sys.stderr.write(f"{PROG}: internal error: {type(exc).__name__}: {exc} "
                             f"(set LAMBDA_LINT_DEBUG=1 for a traceback)\n")
        return 2


def _main(argv: List[str]) -> int:
    args = build_parser().parse_args(argv)

    from lambda_lint.config import load_config
    from lambda_lint.errors import UsageError
    from lambda_lint.findings import Severity

    if args.jobs is not None and args.jobs < 0:
        raise UsageError("--jobs must be 0 (all cores) or more")
    cli = {
        "select": _flatten(args.select),
        "ignore": _flatten(args.ignore),
        "extend_select": _flatten(args.extend_select),
        "rule_dirs": tuple(Path(d).resolve() for d in args.rules) if args.rules else None,
        "output_format": args.format,
        "min_severity": Severity.parse(args.min_severity) if args.min_severity else None,
        "jobs": args.jobs,
        "code_scope": args.code_scope,
        "cache": False if args.no_cache else None,
        "baseline": Path(args.baseline) if args.baseline else None,
        "write_baseline": Path(args.write_baseline) if args.write_baseline else None,
        "exit_zero": True if args.exit_zero else None,
        "statistics": True if args.statistics else None,
        "quiet": True if args.quiet else None,
    }
    for d in cli["rule_dirs"] or ():
        if not d.is_dir():
            raise UsageError(f"--rules: no such folder: {d}")
    search_from = Path(args.paths[0]) if args.paths else Path.cwd()
    if not search_from.exists():
        search_from = Path.cwd()
    config = load_config(
        config_file=Path(args.config) if args.config else None,
        search_from=search_from,
        cli=cli,
    )

    from lambda_lint.engine import Session

    session = Session(config)

    if args.explain:
        return _explain(args.explain, session)
    if args.list_rules:
        return _list_rules(session, config.output_format)

    from lambda_lint.engine import run

    result = run(args.paths or ["."], config, session)
    for arg in getattr(result, "vendored_args", ()):
        if not config.quiet:
            sys.stderr.write(f"{PROG}: note: {arg} is installed Python code (site-packages, a "
                             f"*.dist-info package, a standard library); not linted (name files explicitly to lint them)\n")
    if result.files_checked == 0 and not config.quiet and not getattr(result, "vendored_args", ()):
        sys.stderr.write(f"{PROG}: warning: no Python files or templates found under the given paths "
                         f"(.gitignore and excludes apply when walking folders)\n")

    if config.write_baseline is not None:
        from lambda_lint.baseline import write_baseline

        n = write_baseline(config.write_baseline, result)
        if not config.quiet:
            sys.stderr.write(f"{PROG}: wrote {n} finding{'s' if n != 1 else ''} to {config.write_baseline}\n")
        return 0
    if config.baseline is not None:
        from lambda_lint.baseline import apply_baseline

        result = apply_baseline(config.baseline, result)

    from lambda_lint.report import render

    render(config.output_format, result, config, sys.stdout)
    sys.stdout.flush()
    if result.findings and not config.exit_zero:
        return 1
    return 0


def _explain(selector: str, session) -> int:
    from lambda_lint.errors import UsageError

    codes = session.registry.resolve(selector, origin="--explain")
    if len(codes) != 1:
        raise UsageError(f"--explain: {selector!r} names {len(codes)} rules; give one code or name")
    meta = session.registry[codes[0]]
    out = sys.stdout
    out.write(f"# {meta.code} {meta.name} [{meta.severity.value}]\n\n{meta.summary}\n\n")
    out.write(meta.docs.strip() + "\n")
    return 0


def _list_rules(session, fmt: str) -> int:
    metas = session.registry.all()
    if fmt == "json":
        import json

        data = [
            {"code": m.code, "name": m.name, "severity": m.severity.value, "layer": m.layer,
             "enabled": m.code in session.enabled, "summary": m.summary}
            for m in metas
        ]
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max((len(m.name) for m in metas), default=10)
    for m in metas:
        flag = "" if m.code in session.enabled else "  (off)"
        sys.stdout.write(f"{m.code}  {m.name:<{width}}  {m.severity.value:<7}  {m.summary}{flag}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
