"""Terraform: lambda-lint against checkov on the same 200 .tf files, in one run, side by side.

    python bench/bench_terraform.py [--checkov PATH] [--files 200]

Builds a tree of Terraform root modules from the repository's Terraform fixtures (each copied
under its own folder until there are --files .tf files), then times, cold and in fresh
processes: lambda-lint (no cache) on the tree, ``checkov -d TREE --framework terraform``, and
the parse alone (our HCL reader vs python-hcl2, when installed) to show the parser's share.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "project").glob("terraform_*"))


def build_tree(dest: Path, files: int) -> int:
    n = 0
    k = 0
    while n < files:
        for fx in FIXTURES:
            target = dest / f"m{k:03d}-{fx.name}"
            # what checkov -d reads: the Terraform files (the handler code would be lambda-lint's
            # extra work, measured separately by bench.py)
            shutil.copytree(fx, target, ignore=lambda d, names: [n for n in names if n.endswith(".py")])
            n += sum(1 for _ in target.rglob("*.tf"))
            k += 1
            if n >= files:
                break
    return n


def timed(cmd, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def parse_only(paths) -> dict:
    from lambda_lint.iac.terraform import hcl

    out = {}
    t = time.perf_counter()
    for p in paths:
        hcl.parse(p.read_text())
    out["lambda-lint HCL reader"] = time.perf_counter() - t
    try:
        import hcl2  # noqa: F401
    except ImportError:
        return out
    t = time.perf_counter()
    for p in paths:
        hcl2.loads(p.read_text())
    out["python-hcl2"] = time.perf_counter() - t
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkov", default=shutil.which("checkov"))
    ap.add_argument("--files", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        n = build_tree(tree, args.files)
        tfs = sorted(tree.rglob("*.tf"))
        print(f"{n} .tf files in {len(list(tree.iterdir()))} root modules")
        # a pip install compiles the package; an editable one (and PYTHONDONTWRITEBYTECODE)
        # leaves it to every run, which is 0.3 s of bytecode compilation the timing is not about
        import compileall

        import lambda_lint

        compileall.compile_dir(os.path.dirname(lambda_lint.__file__), quiet=1)
        exe = [sys.executable, "-m", "lambda_lint", "--no-cache", "--exit-zero", "--quiet", str(tree)]
        ours = timed(exe)
        print(f"lambda-lint (all rules, no cache, {os.cpu_count()} cores): {ours:.2f} s")
        for name, secs in parse_only(tfs).items():
            print(f"parse only, {name}: {secs:.2f} s ({secs / n * 1000:.1f} ms a file)")
        if args.checkov:
            theirs = timed([args.checkov, "-d", str(tree), "--framework", "terraform", "--quiet", "--compact",
                            "--skip-download"], runs=1)
            print(f"checkov -d --framework terraform: {theirs:.2f} s")
            print(f"ratio: lambda-lint is {theirs / ours:.1f}x faster")
        else:
            print("checkov not found (pip install checkov, or --checkov PATH): no ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
