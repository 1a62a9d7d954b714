"""Bench: the code scope (issue 12), side by side with ruff, in one run.

    python bench/bench_scope.py [--site-packages DIR] [--corpus DIR] [--skip-ruff]

Three sets, every tool in a fresh process, no cache, wall-clock seconds and peak RSS (from
``os.wait4``: the largest single process among the tool and its workers):

1. ``site-packages``: a Python installation's third-party packages as they are (default: the
   base interpreter's ``purelib``, e.g. pyenv's ``lib/python3.11/site-packages``). Targets: cold run <= 10 s on 2 cores,
   RSS < 150 MB, 0 findings. ``ruff check --no-cache`` on the same folder for comparison.
2. the same ``.py`` files through a tree of symlinks with no ``site-packages`` folder and no
   ``*.dist-info`` (an unmarked vendored tree, or a very large code-only repository): the
   byte scan and the rounds of planned parsing do the work here. Reports how many files were
   parsed with libcst.
3. ``../shared/corpus/code`` (13 real repositories): lambda-lint's code layer
   (``lint_python``, timed inside the run, 1 core) against a bare ``libcst.parse_module`` of
   the files it actually parsed. Target: ratio <= 2.0. Also the whole run and ruff.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sysconfig
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(cmd: List[str], cwd: Optional[Path] = None) -> Tuple[float, float, str]:
    """(seconds, peak RSS MB of the largest process among the tool and its workers, stdout).

    Through GNU time when it is there: a child of this (long-running, forking) benchmark
    process was seen reporting the benchmark's earlier peaks in ``os.wait4``'s ru_maxrss."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as rss_file:
        full = [gnu_time, "-f", "%M", "-o", rss_file.name, *cmd] if gnu_time else cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        _, _status, ru = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        rss = ru.ru_maxrss / 1024
        if gnu_time:
            try:
                rss = int(rss_file.read().strip().splitlines()[-1]) / 1024
            except (ValueError, IndexError):
                pass
    return dt, rss, text


def lambda_lint(*args: str) -> List[str]:
    return [sys.executable, "-m", "lambda_lint", "--no-cache", "--format", "json", "--exit-zero", *args]


def ruff(path: Path) -> Optional[List[str]]:
    exe = shutil.which("ruff")
    return [exe, "check", "--no-cache", "--exit-zero", "--quiet", str(path)] if exe else None


def unmarked_tree(src: Path, dest: Path) -> int:
    """Symlinks to every .py file of ``src`` under ``dest``, without the dist-info folders."""
    n = 0
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if not d.endswith((".dist-info", ".egg-info")) and d != "__pycache__"]
        rel = os.path.relpath(root, src)
        for name in files:
            if name.endswith(".py"):
                target = dest / rel / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(os.path.join(root, name), target)
                n += 1
    return n


_INNER = r"""
import json, sys, time
from lambda_lint import code as code_layer
from lambda_lint.config import Config
from lambda_lint.run.engine import Session, run

spent = [0.0]
real = code_layer.lint_python
def timed(*a, **k):
    t0 = time.perf_counter()
    try:
        return real(*a, **k)
    finally:
        spent[0] += time.perf_counter() - t0
code_layer.lint_python = timed
cfg = Config(cache=False, jobs=int(sys.argv[2]), code_scope=sys.argv[3])
t0 = time.perf_counter()
result = run([sys.argv[1]], cfg, Session(cfg))
total = time.perf_counter() - t0
parsed = sorted(r.path for r in result.files if r.kind == "python" and r.parsed)
print(json.dumps({"total": total, "code_layer": spent[0], "parsed": parsed,
                  "python_files": sum(1 for r in result.files if r.kind in ("python", "unreached")),
                  "findings": len(result.findings),
                  "code_findings": sum(1 for f in result.findings if f.code.startswith("LL1"))}))
"""


_RATIO = r"""
import json, sys, time
from pathlib import Path
import libcst
from lambda_lint.code import lint_python
from lambda_lint.code.rules import RULE_CLASSES
from lambda_lint.findings import Reporter
from lambda_lint.run.registry import meta_from_class

metas = {c.code: meta_from_class(c, "code") for c in RULE_CLASSES}
files = json.loads(sys.stdin.read())
srcs = [(p, Path(p).read_bytes()) for p in files]
floors, ours = [], []
for _ in range(3):  # interleaved, best of 3: other load on the machine hits both alike
    t = time.perf_counter()
    for p, s in srcs:
        try:
            libcst.parse_module(s)
        except Exception:
            pass
    floors.append(time.perf_counter() - t)
    t = time.perf_counter()
    for p, s in srcs:
        try:
            lint_python(s, p, enabled=frozenset(metas), reporter=Reporter(p, metas), options={})
        except Exception:
            pass
    ours.append(time.perf_counter() - t)
print(json.dumps({"floor": min(floors), "ours": min(ours)}))
"""


def ratio_run(paths: List[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", _RATIO], input=json.dumps(paths), capture_output=True,
                          text=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def inner_run(path: Path, jobs: int, scope: str = "handlers") -> Tuple[dict, float, float]:
    dt, rss, out = timed([sys.executable, "-c", _INNER, str(path), str(jobs), scope], cwd=ROOT)
    return json.loads(out.strip().splitlines()[-1]), dt, rss


def main() -> int:
    ap = argparse.ArgumentParser()
    # the base interpreter's: a venv made with --system-site-packages holds almost nothing itself
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})["purelib"]
    ap.add_argument("--site-packages", type=Path, default=Path(base))
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "code")
    ap.add_argument("--skip-ruff", action="store_true")
    ap.add_argument("--skip-unmarked", action="store_true")
    args = ap.parse_args()
    print(f"# lambda-lint code scope bench; {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          f"Python {sys.version.split()[0]}")
    rows = []

    sp = args.site_packages
    n_py = sum(1 for _ in sp.rglob("*.py"))
    dt, rss, out = timed(lambda_lint(str(sp)))
    found = len(json.loads(out or "[]"))
    rows.append(("site-packages", f"{n_py} .py files", f"{dt:.2f} s, {rss:.0f} MB, {found} findings",
                 "PASS" if dt <= 10 and rss < 150 and found == 0 else "MISS"))
    if not args.skip_ruff and ruff(sp):
        rdt, rrss, _ = timed(ruff(sp))
        rows.append(("  ruff check (same folder)", "", f"{rdt:.2f} s, {rrss:.0f} MB", ""))

    if not args.skip_unmarked:
        with tempfile.TemporaryDirectory(prefix="ll-unmarked-") as tmp:
            dest = Path(tmp) / "libs"
            n = unmarked_tree(sp, dest)
            data, dt, rss = inner_run(dest, 2)
            rows.append(("same files, unmarked (symlinks, no dist-info)", f"{n} .py files",
                         f"{dt:.2f} s, {rss:.0f} MB, parsed {len(data['parsed'])} with libcst, "
                         f"{data['code_findings']} LL1xx findings", "PASS" if dt <= 10 and rss < 150 else "MISS"))
            if not args.skip_ruff and ruff(dest):
                rdt, rrss, _ = timed(ruff(dest))
                rows.append(("  ruff check (same folder)", "", f"{rdt:.2f} s, {rrss:.0f} MB", ""))

    if args.corpus.is_dir():
        data, dt, rss = inner_run(args.corpus, 1)
        r = ratio_run(data["parsed"])
        ratio = r["ours"] / r["floor"] if r["floor"] else float("nan")
        rows.append(("corpus/code, 1 core: code layer vs bare libcst.parse_module",
                     f"{data['python_files']} .py files, {len(data['parsed'])} parsed",
                     f"{r['ours']:.2f} s vs {r['floor']:.2f} s = {ratio:.2f}x (interleaved, best of 3)",
                     "PASS" if ratio <= 2 else "MISS"))
        rows.append(("  code layer timed inside the whole run", "",
                     f"{data['code_layer']:.2f} s (the run's other work and GC share the core)", ""))
        rows.append(("  whole run, 1 core (handlers scope)", "", f"{dt:.2f} s, {rss:.0f} MB, "
                     f"{data['code_findings']} LL1xx findings", ""))
        all_data, adt, arss = inner_run(args.corpus, 1, "all")
        rows.append(("  whole run, 1 core, --code-scope all", f"{len(all_data['parsed'])} parsed",
                     f"{adt:.2f} s, {arss:.0f} MB, {all_data['code_findings']} LL1xx findings", ""))
        data2, dt2, rss2 = inner_run(args.corpus, 2)
        rows.append(("  whole run, 2 cores (handlers scope)", "", f"{dt2:.2f} s, {rss2:.0f} MB", ""))
        if not args.skip_ruff and ruff(args.corpus):
            rdt, rrss, _ = timed(ruff(args.corpus))
            rows.append(("  ruff check (same folder)", "", f"{rdt:.2f} s, {rrss:.0f} MB", ""))

    width = max(len(r[0]) for r in rows)
    for name, size, result, verdict in rows:
        print(f"{name:<{width}}  {size:<28}  {result}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
