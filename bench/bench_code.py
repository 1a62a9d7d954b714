"""Bench: lambda-lint's code layer against the bare libcst parse, over the stdlib.

    python bench/bench_code.py [--limit N]

Times, side by side in one run on one core, ``libcst.parse_module`` alone (the floor) and
``lint_python`` with every code rule (decode + parse + analysis + rules + facts) over the
running interpreter's standard library (*.py; files that fail to parse in either are
skipped). Prints files, ms/file for each, the ratio (target <= 2.0) and files/s.
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    args = ap.parse_args()

    import libcst

    from lambda_lint.code import lint_python
    from lambda_lint.code.rules import RULE_CLASSES
    from lambda_lint.errors import ParseFailure
    from lambda_lint.findings import Reporter
    from lambda_lint.run.registry import meta_from_class

    metas = {c.code: meta_from_class(c, "code") for c in RULE_CLASSES}
    enabled = frozenset(metas)
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    if args.limit:
        files = files[: args.limit]
    sources = []
    for p in files:
        try:
            sources.append((str(p), p.read_bytes()))
        except OSError:
            continue

    floor = ours = 0.0
    n = 0
    from collections import Counter

    findings: Counter = Counter()
    skipped = 0
    for path, data in sources:
        t0 = time.perf_counter()
        try:
            libcst.parse_module(data)
        except Exception:  # noqa: BLE001 - the floor skips what it can't parse
            skipped += 1
            continue
        t1 = time.perf_counter()
        reporter = Reporter(path, metas)
        try:
            lint_python(data, path, enabled=enabled, reporter=reporter, options={})
        except ParseFailure:
            skipped += 1
            continue
        t2 = time.perf_counter()
        floor += t1 - t0
        ours += t2 - t1
        n += 1
        findings.update(f.code for f in reporter.findings)
        for f in reporter.findings:
            if f.code == "LL002":
                print(f"LL002 {path}: {f.message}", file=sys.stderr)
    if not n:
        print("no files")
        return 1
    print(f"python {sys.version.split()[0]}, stdlib {root}")
    print(f"files: {n} (skipped {skipped}), findings: {dict(sorted(findings.items()))}")
    print(f"floor  libcst.parse_module: {floor / n * 1000:7.2f} ms/file  {n / floor:7.1f} files/s")
    print(f"ours   lint_python (LL1xx): {ours / n * 1000:7.2f} ms/file  {n / ours:7.1f} files/s")
    print(f"ratio: {ours / floor:.2f} (target <= 2.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
