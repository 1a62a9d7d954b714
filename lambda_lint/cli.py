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
        "Rules: lambda-lint --list-rules; docs of one: lambda-lint --explain LL201. "
        "The event graph: lambda-lint graph [PATH ...] --format mermaid|dot|json.",
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=34, width=100),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to lint (default: .)")
    p.add_argument("--format", "--output-format", dest="format",
                   choices=("full", "concise", "text", "json", "sarif", "github"),
                   help="output format (default: full on a terminal, concise otherwise; text = concise)")
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
    p.add_argument("--posture-scope", choices=("runaway", "all"),
                   help="functions the posture rules LL208-LL211 cover: runaway (default: those with a "
                        "stream, queue or async trigger) or all")
    p.add_argument("--external-alarms", action="store_true",
                   help="alarms are managed outside the templates (LL209-LL211 off)")
    p.add_argument("--explain", metavar="CODE", help="print a rule's documentation and exit")
    p.add_argument("--list-rules", action="store_true", help="list every rule (code, name, severity, summary)")
    p.add_argument("--sort", choices=("path", "impact"),
                   help="order of text output: by path (default), or most expensive worst case first")
    # -- fixes (lambda_lint.fix) --
    p.add_argument("--fix", action="store_true",
                   help="apply the safe template fixes (comments and layout kept), then report what is left")
    p.add_argument("--diff", action="store_true",
                   help="print the fixes --fix would apply as a unified diff; change nothing")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}", help="print the version and exit")
    # -- #19 (first-run experience): subcommands; new flags of this issue go here ----------
    p.epilog += " Editor diagnostics: lambda-lint server (a language server over stdio, extra [lsp])."
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
        # `lambda-lint | head`: the reader went away; not our failure. As ruff does: exit 0,
        # quietly (with --exit-zero this returned 1, issue 20). stdout is pointed at devnull
        # so the interpreter's final flush does not raise again.
        try:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, sys.stdout.fileno())
            os.close(fd)
        except (OSError, ValueError, AttributeError):
            pass
        return 0
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
    if argv[:1] == ["graph"]:
        return _graph(argv[1:])
    if argv[:1] == ["server"]:
        # ``lambda-lint server``: the language server (a folder named server: ./server).
        from lambda_lint.lsp import main as server_main

        return server_main(argv[1:])
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
        "posture_scope": args.posture_scope,
        "external_alarms": True if args.external_alarms else None,
    }
    from lambda_lint.fileio import exists, is_dir

    for d in cli["rule_dirs"] or ():
        if not is_dir(d):
            raise UsageError(f"--rules: no such folder: {d}")
    search_from = Path(args.paths[0]) if args.paths else Path.cwd()
    if not exists(search_from):
        search_from = Path.cwd()
    config = load_config(
        config_file=Path(args.config) if args.config else None,
        search_from=search_from,
        cli=cli,
    )

    from lambda_lint.run.engine import Session

    session = Session(config)

    if args.explain:
        return _explain(args.explain, session)
    if args.list_rules:
        return _list_rules(session, config.output_format)

    if not config.quiet:
        for warning in config.warnings:
            sys.stderr.write(f"{PROG}: warning: {warning}\n")
    paths = args.paths or ["."]
    from lambda_lint.run.guards import SKIPPED, split_non_templates

    paths, skipped = split_non_templates(paths)
    if not config.quiet:
        for arg in skipped:
            sys.stderr.write(f"{PROG}: warning: {arg}: {SKIPPED}\n")
    if not paths:
        return 0

    from lambda_lint.run.engine import run

    if args.fix or args.diff:
        from lambda_lint.fix import settings

        settings(config)  # a bad [tool.lambda-lint.fix] is a usage error before any work
    if config.impact:
        from lambda_lint.cost.impact import settings as impact_settings

        impact_settings(config)  # likewise [tool.lambda-lint.impact]
    from lambda_lint.report.progress import for_run

    progress = for_run(sys.stderr, bool(config.quiet))
    session.on_progress = progress
    try:
        result = run(paths, config, session)
    finally:
        if progress is not None:
            progress.stop()
    for note in result.notes:  # issue 16: a CDK app without (or with a stale) cdk.out
        sys.stderr.write(f"{PROG}: {note}\n")
    if result.files_checked == 0 and result.cdk_missing:
        return 2  # nothing else could be linted: the note above says what to do
    if args.diff:
        return _diff(result, config, session)
    if args.fix:
        result = _fix(result, args, config, session)
    if not config.quiet:
        from lambda_lint.run.engine import skipped_notes

        for note in skipped_notes(result.files):
            sys.stderr.write(f"{PROG}: note: {note}\n")
    for arg in getattr(result, "vendored_args", ()):
        if not config.quiet:
            sys.stderr.write(f"{PROG}: note: {arg} is installed Python code (site-packages, a "
                             f"*.dist-info package, a standard library); not linted (name files explicitly to lint them)\n")
    if result.files_checked == 0 and not config.quiet and not getattr(result, "vendored_args", ()):
        sys.stderr.write(f"{PROG}: warning: no Python files or templates found under the given paths "
                         f"(.gitignore and excludes apply when walking folders)\n")

    if config.write_baseline is not None:
        from lambda_lint.report.baseline import write_baseline

        n = write_baseline(config.write_baseline, result)
        if not config.quiet:
            sys.stderr.write(f"{PROG}: wrote {n} finding{'s' if n != 1 else ''} to {config.write_baseline}\n")
        return 0
    if config.baseline is not None:
        from lambda_lint.report.baseline import apply_baseline

        result = apply_baseline(config.baseline, result)

    from lambda_lint.cost.impact import annotate

    result = annotate(result, config)
    if (args.sort or config.sort) == "impact":
        from dataclasses import replace

        cost = lambda f: -(f.impact or {}).get("cost_per_day_usd", -1.0)  # noqa: E731
        result = replace(result, findings=sorted(result.findings, key=lambda f: (cost(f), f.sort_key)))

    from lambda_lint.report import render

    render(config.output_format, result, config, sys.stdout)
    sys.stdout.flush()
    if result.findings and not config.exit_zero:
        return 1
    return 0


def _graph(argv: List[str]) -> int:
    """``lambda-lint graph [PATH ...] --format mermaid|dot|json``: the event graph."""
    from lambda_lint.config import load_config

    p = _Parser(prog=f"{PROG} graph",
                description="Draw the event graph lambda-lint reasons about: functions, their triggers "
                "(with retry settings), what their code writes to (solid) or may write to by permission "
                "(dashed), failure destinations (dotted); cycles in red, labelled with their rule.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    p.add_argument("--format", choices=("mermaid", "dot", "json"), default="mermaid",
                   help="mermaid (default; pastes into GitHub), dot (Graphviz) or json")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: nearest pyproject.toml)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the results cache")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes (default: all cores)")
    args = p.parse_args(argv)
    missing = [a for a in args.paths if not os.path.lexists(a)]
    if missing:  # a picture has no LL001 to carry a typo: an empty graph and exit 0 hid it
        sys.stderr.write(f"{PROG} graph: error: no such file or folder: {missing[0]}\n")
        return 2
    search_from = Path(args.paths[0]) if args.paths else Path.cwd()
    config = load_config(config_file=Path(args.config) if args.config else None,
                         search_from=search_from if search_from.exists() else Path.cwd(),
                         cli={"cache": False if args.no_cache else None, "jobs": args.jobs})
    from lambda_lint.graph import collect
    from lambda_lint.graph.render import render

    data = collect(args.paths or ["."], config)
    sys.stdout.write(render(data, args.format))
    if not data.sections:
        sys.stderr.write(f"{PROG} graph: no templates found under the given paths\n")
    return 0


def _diff(result, config, session) -> int:
    """--diff: the unified diff of every fix, nothing else on stdout; exit 1 when there is one."""
    from lambda_lint.fix import plan_fixes

    fixes = plan_fixes(result, config, session.options)
    for fx in fixes:
        sys.stdout.write(fx.diff())
    if not config.quiet:
        n = len(fixes)
        sys.stderr.write(f"{PROG}: {n} file{'s' if n != 1 else ''} would be fixed"
                         f"{' (run with --fix to apply)' if n else ''}\n")
    return 1 if fixes and not config.exit_zero else 0


def _fix(result, args, config, session):
    """--fix: write the fixes, then lint again so the report shows what is left."""
    from lambda_lint.fix import fixable_codes, plan_fixes, write_fixes
    from lambda_lint.run.engine import Session, run

    fixes = plan_fixes(result, config, session.options)
    written = write_fixes(fixes)
    if not written:
        return result
    fresh = Session(config)
    after = run(args.paths or ["."], config, fresh)
    codes = fixable_codes()
    fixed = sum(1 for f in result.findings if f.code in codes) - sum(1 for f in after.findings if f.code in codes)
    if not config.quiet:
        sys.stderr.write(f"{PROG}: fixed {max(fixed, 0)} finding{'s' if fixed != 1 else ''} in "
                         f"{len(written)} file{'s' if len(written) != 1 else ''}: {', '.join(written)}\n")
    return after


def _explain(selector: str, session) -> int:
    from lambda_lint.errors import UsageError

    codes = session.registry.resolve(selector, origin="--explain")
    if len(codes) != 1:
        raise UsageError(f"--explain: {selector!r} names {len(codes)} rules; give one code or name")
    meta = session.registry[codes[0]]
    out = sys.stdout
    out.write(f"# {meta.code} {meta.name} [{meta.severity.value}]\n\n{meta.summary}\n\n")
    out.write(meta.docs.strip() + "\n")
    from lambda_lint.cost import RUNAWAY

    if meta.code in RUNAWAY:
        from lambda_lint.cost.pricing import FORMULA

        out.write("\n" + FORMULA)
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
