"""lambda-lint's benchmark: every number of the README's performance table, in one run.

    pip install -e '.[bench]'          # cfn-lint + cfn-lint-serverless, fixit
    python bench/bench.py              # full: the whole corpus (takes several minutes)
    python bench/bench.py --quick      # a sample of each set (about a minute)

Side by side, each tool in a fresh process, wall-clock seconds and peak RSS (os.wait4):

* templates in bulk: ``lambda-lint`` vs ``cfn-lint -a cfn_lint_serverless.rules --`` on
  ../shared/corpus/templates (all files) and templates/apps;
* one template, fresh process, median of several repeats;
* code layer vs the bare ``libcst.parse_module`` floor on the stdlib (bench/bench_code.py);
* ``fixit lint`` vs lambda-lint on the same stdlib files (when fixit is installed);
* cold vs warm cache, ``--jobs 1`` vs all cores;
* growth with size: generated 2,500/5,000-resource templates and 15,000/30,000-line modules.

Prints a table of measurements and one of target ratios (PASS/MISS).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = Path(os.environ.get("LAMBDA_LINT_CORPUS", REPO.parent / "shared" / "corpus" / "templates"))
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
LL = [sys.executable, "-m", "lambda_lint"]
CFN = [shutil.which("cfn-lint") or "cfn-lint", "-a", "cfn_lint_serverless.rules", "--"]


def timed(cmd: Sequence[str], cwd: Optional[Path] = None) -> Tuple[float, float, int]:
    """(wall seconds, peak RSS MB of the process and its reaped children, exit code)."""
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # Installed packages carry their bytecode; a checkout run with PYTHONDONTWRITEBYTECODE
    # would recompile lambda-lint's modules on every start and bill it ~60 ms that users don't pay.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_maxrss / 1024.0, proc.returncode


def median_of(cmd: Sequence[str], repeats: int, cwd: Optional[Path] = None) -> Tuple[float, float]:
    runs = [timed(cmd, cwd) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def corpus_files(folder: Path, limit: int) -> List[str]:
    files = sorted(str(p) for p in folder.rglob("*") if p.is_file()
                   and p.suffix.lower() in (".yaml", ".yml", ".json", ".template"))
    return files[:limit] if limit else files


def stdlib_files(limit: int) -> List[str]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(str(p) for p in root.rglob("*.py")
                   if "site-packages" not in p.parts and not any("test" in part for part in p.relative_to(root).parts))
    return files[:limit] if limit else files


# -- generated inputs for the growth check -----------------------------------------------

def gen_template(path: Path, resources: int) -> Path:
    parts = ['AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n']
    for i in range(resources // 2):
        parts.append(
            f"  Queue{i}:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 60\n"
            f"  Fn{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"
            f"      Runtime: python3.12\n      CodeUri: src/\n      Timeout: 30\n      Events:\n"
            f"        Q:\n          Type: SQS\n          Properties:\n            Queue: !GetAtt Queue{i}.Arn\n"
            f"            BatchSize: 10\n")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def gen_module(path: Path, lines: int) -> Path:
    block = (
        "def handler_{n}(event, context):\n"
        "    client = boto3.client('sqs')\n"
        "    for record in event['Records']:\n"
        "        try:\n"
        "            client.send_message(QueueUrl=os.environ['URL'], MessageBody=record['body'])\n"
        "        except ValueError:\n"
        "            logger.exception('bad record %s', record)\n"
        "    return {{'n': {n}}}\n"
        "\n\n"
    )
    out = ["import os\nimport logging\n\nimport boto3\n\nlogger = logging.getLogger()\n\n\n"]
    n = 0
    while n * 10 < lines:
        out.append(block.format(n=n))
        n += 1
    path.write_text("".join(out), encoding="utf-8")
    return path


# -- the run --------------------------------------------------------------------------------

class Report:
    def __init__(self) -> None:
        self.rows: List[Tuple[str, str]] = []
        self.targets: List[Tuple[str, float, str, bool]] = []

    def row(self, name: str, value: str) -> None:
        self.rows.append((name, value))
        print(f"  {name:<58} {value}", flush=True)

    def target(self, name: str, ratio: float, goal: str, ok: bool) -> None:
        self.targets.append((name, ratio, goal, ok))
        print(f"  -> {name}: {ratio:.2f} (target {goal}) {'PASS' if ok else 'MISS'}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a sample of each set (about a minute)")
    ap.add_argument("--repeats", type=int, default=0, help="repeats for the one-template runs (default 7, quick 3)")
    ap.add_argument("--skip-cfn-lint", action="store_true")
    ap.add_argument("--skip-fixit", action="store_true")
    ap.add_argument("--python-limit", type=int, default=0, help="only the first N stdlib files (default all; quick 150)")
    ap.add_argument("--fixit-files", type=int, default=0, help="files in the fixit sample (default 24, quick 6)")
    ap.add_argument("--cfn-lint-limit", type=int, default=0,
                    help="give cfn-lint only the first N files of each set (it takes minutes on the full corpus)")
    args = ap.parse_args()
    repeats = args.repeats or (3 if args.quick else 7)
    rep = Report()
    work = Path(tempfile.mkdtemp(prefix="ll-bench-"))
    print(f"lambda-lint bench: python {sys.version.split()[0]}, {CORES} cores, corpus {CORPUS}"
          f"{' (quick)' if args.quick else ''}, load average {os.getloadavg()[0]:.1f}")
    try:
        _templates(rep, work, args, repeats)
        _code(rep, work, args)
        _growth(rep, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n| target | measured | goal | |\n|---|---|---|---|")
    for name, ratio, goal, ok in rep.targets:
        print(f"| {name} | {ratio:.2f} | {goal} | {'PASS' if ok else 'MISS'} |")
    return 0


def _ll_cold(paths: Sequence[str], cwd: Path, jobs: int = 0) -> Tuple[float, float, int]:
    # --code-scope all: the Python sets measure throughput on every file (bench_scope.py
    # measures the default scope, which parses only what may be Lambda code)
    return timed([*LL, "--no-cache", "--quiet", "--code-scope", "all", *(["--jobs", str(jobs)] if jobs else []),
                  *paths], cwd)


def _templates(rep: Report, work: Path, args, repeats: int) -> None:
    if not CORPUS.is_dir():
        print(f"  (no corpus at {CORPUS}: template benchmarks skipped; set LAMBDA_LINT_CORPUS)")
        return
    have_cfn = not args.skip_cfn_lint and shutil.which("cfn-lint") is not None
    sets = [("templates/apps", CORPUS / "apps", 120 if args.quick else 0)]
    sets.insert(0, ("templates (all)", CORPUS, 300 if args.quick else 0))
    for label, folder, limit in sets:
        files = corpus_files(folder, limit)
        listfile = files  # the same explicit files for every tool
        print(f"\n{label}: {len(files)} files")
        cwd = work / re.sub(r"\W+", "-", label)
        cwd.mkdir()
        t_all, rss_all, _ = _ll_cold(listfile, cwd)
        rep.row(f"{label}: lambda-lint, {CORES} cores, no cache", f"{t_all:7.2f} s  {rss_all:6.0f} MB")
        t_one, rss_one, _ = _ll_cold(listfile, cwd, jobs=1)
        rep.row(f"{label}: lambda-lint, --jobs 1, no cache", f"{t_one:7.2f} s  {rss_one:6.0f} MB")
        t_cold, _, _ = timed([*LL, "--quiet", *listfile], cwd)
        t_warm, rss_warm, _ = timed([*LL, "--quiet", *listfile], cwd)
        rep.row(f"{label}: lambda-lint, cache cold -> warm", f"{t_cold:7.2f} s -> {t_warm:.2f} s  {rss_warm:4.0f} MB")
        if label.startswith("templates (all)"):
            rep.target("cores: --jobs 1 / all cores, templates", t_one / t_all, ">= 1.6", t_one / t_all >= 1.6)
            rep.target("cache: cold / warm, templates", t_cold / t_warm, ">= 10", t_cold / t_warm >= 10)
            rep.target("peak RSS MB, whole corpus, --jobs 1", rss_one, "< 150", rss_one < 150)
            rep.target(f"peak RSS MB, whole corpus, largest of {CORES} processes", rss_all, "< 150", rss_all < 150)
        if have_cfn:
            sub = listfile[: args.cfn_lint_limit] if args.cfn_lint_limit else listfile
            if len(sub) < len(listfile):  # same files for both tools
                t_all, _, _ = _ll_cold(sub, cwd)
                t_one, _, _ = _ll_cold(sub, cwd, jobs=1)
                rep.row(f"{label}: first {len(sub)} files: lambda-lint all cores / --jobs 1",
                        f"{t_all:7.2f} s / {t_one:.2f} s")
            t_cfn, rss_cfn, _ = timed([*CFN, *sub], cwd)
            rep.row(f"{label}: {len(sub)} files: cfn-lint + serverless rules", f"{t_cfn:7.2f} s  {rss_cfn:6.0f} MB")
            rep.target(f"bulk vs cfn-lint+serverless, {label}", t_cfn / t_all, ">= 10", t_cfn / t_all >= 10)
            rep.target(f"bulk vs cfn-lint+serverless, {label}, --jobs 1", t_cfn / t_one, "(info)", True)
    # one template, fresh process: a template alone (what cfn-lint reads), the seed incident
    # with its handler code (lambda-lint lints the code too, which costs the libcst import),
    # and the same with a warm cache (pre-commit's steady state).
    alone = Path(corpus_files(CORPUS / "apps", 1)[0]) if CORPUS.is_dir() else None
    seed = REPO / "examples" / "seed-incident" / "template.yaml"
    cases = [(f"{alone.name} (no local code), cold", alone, ["--no-cache"])] if alone else []
    cases += [("seed-incident template + handler code, cold", seed, ["--no-cache"]),
              ("seed-incident template + handler code, warm cache", seed, [])]
    for label, one, extra in cases:
        print(f"\none template: {label} ({one.stat().st_size} bytes), fresh process, median of {repeats}")
        if not extra:
            subprocess.run([*LL, "--quiet", str(one)], cwd=work, capture_output=True)  # warm it
        t_ll, rss_ll = median_of([*LL, *extra, "--quiet", str(one)], repeats, work)
        rep.row(f"one template ({label}): lambda-lint", f"{t_ll * 1000:7.0f} ms  {rss_ll:6.0f} MB")
        if have_cfn:
            t_cfn, rss_cfn = median_of([*CFN, str(one)], repeats, work)
            rep.row(f"one template ({label}): cfn-lint + serverless rules", f"{t_cfn * 1000:7.0f} ms  {rss_cfn:6.0f} MB")
            rep.target(f"one template vs cfn-lint+serverless ({label})", t_cfn / t_ll, ">= 4", t_cfn / t_ll >= 4)
    t_ver, _ = median_of([*LL, "--version"], repeats, work)
    rep.row("lambda-lint --version", f"{t_ver * 1000:7.0f} ms")
    t_py, _ = median_of([sys.executable, "-c", "pass"], repeats, work)
    rep.row("python -c pass (interpreter floor)", f"{t_py * 1000:7.0f} ms")


def _code(rep: Report, work: Path, args) -> None:
    limit = args.python_limit or (150 if args.quick else 0)
    files = stdlib_files(limit)
    print(f"\nstdlib Python (no tests): {len(files)} files")
    bc = HERE / "bench_code.py"
    if bc.is_file():
        proc = subprocess.run([sys.executable, str(bc), *(["--limit", str(limit)] if limit else [])],
                              capture_output=True, text=True, cwd=REPO)
        m = re.search(r"ratio: ([\d.]+)", proc.stdout)
        for line in proc.stdout.splitlines():
            if line.startswith(("floor", "ours", "files")):
                rep.row("code layer (bench_code.py, 1 core): " + line.split(":")[0].strip(), line.split(":", 1)[1].strip())
        if m:
            rep.target("code layer / bare libcst parse (1 core)", float(m.group(1)), "<= 2", float(m.group(1)) <= 2)
    cwd = work / "code"
    cwd.mkdir()
    t_all, rss_all, _ = _ll_cold(files, cwd)
    rep.row(f"stdlib: lambda-lint, {CORES} cores, no cache", f"{t_all:7.2f} s  {rss_all:6.0f} MB")
    t_one, rss_one, _ = _ll_cold(files, cwd, jobs=1)
    rep.row("stdlib: lambda-lint, --jobs 1, no cache", f"{t_one:7.2f} s  {rss_one:6.0f} MB")
    rep.target("cores: --jobs 1 / all cores, Python", t_one / t_all, ">= 1.6", t_one / t_all >= 1.6)
    t_cold, _, _ = timed([*LL, "--quiet", "--code-scope", "all", *files], cwd)
    t_warm, _, _ = timed([*LL, "--quiet", "--code-scope", "all", *files], cwd)
    rep.row("stdlib: lambda-lint, cache cold -> warm", f"{t_cold:7.2f} s -> {t_warm:.2f} s")
    rep.target("cache: cold / warm, Python", t_cold / t_warm, ">= 10", t_cold / t_warm >= 10)
    fixit = shutil.which("fixit")
    if fixit and not args.skip_fixit:
        # fixit skips files under the interpreter's own prefix: both tools lint a copy. It is
        # slow enough (seconds a file here) that a sample of the same files is used.
        n = args.fixit_files or (6 if args.quick else 24)
        sample = files[:: max(1, len(files) // n)][:n]
        fx = work / "fixit"
        fx.mkdir()
        copies = []
        for k, f in enumerate(sample):
            dst = fx / f"m{k:03d}_{Path(f).name}"
            shutil.copyfile(f, dst)
            copies.append(dst.name)
        t_fx, rss_fx, _ = timed([fixit, "lint", *copies], fx)
        t_ll, rss_ll, _ = _ll_cold(copies, fx)
        rep.row(f"{len(copies)} stdlib files: fixit lint (default rules)", f"{t_fx:7.2f} s  {rss_fx:6.0f} MB")
        rep.row(f"{len(copies)} stdlib files: lambda-lint, {CORES} cores, no cache", f"{t_ll:7.2f} s  {rss_ll:6.0f} MB")
        rep.target("vs fixit lint (same files)", t_fx / t_ll, ">= 5", t_fx / t_ll >= 5)
    elif not args.skip_fixit:
        print("  fixit is not installed (pip install fixit): comparison skipped")


def _growth(rep: Report, work: Path) -> None:
    print("\ngrowth with size (one file, --jobs 1, no cache; start-up subtracted)")
    g = work / "growth"
    g.mkdir()
    tiny = gen_template(g / "tiny.yaml", 2)
    t0, _ = median_of([*LL, "--no-cache", "--quiet", str(tiny)], 3, g)
    times = {}
    for n in (2500, 5000):
        p = gen_template(g / f"t{n}.yaml", n)
        t, rss = median_of([*LL, "--no-cache", "--quiet", "--jobs", "1", str(p)], 3, g)
        times[n] = t - t0
        rep.row(f"template, {n} resources", f"{t:7.2f} s  ({times[n] / n * 1e6:6.0f} us/resource)  {rss:4.0f} MB")
    rep.target("template growth: 5,000 / 2,500 resources (2.0 = linear)", times[5000] / times[2500], "<= 2.3",
               times[5000] / times[2500] <= 2.3)
    tinypy = gen_module(g / "tiny.py", 10)
    t0, _ = median_of([*LL, "--no-cache", "--quiet", str(tinypy)], 3, g)
    times = {}
    for n in (15000, 30000):
        p = gen_module(g / f"m{n}.py", n)
        t, rss = median_of([*LL, "--no-cache", "--quiet", "--jobs", "1", str(p)], 3, g)
        times[n] = t - t0
        rep.row(f"module, {n} lines", f"{t:7.2f} s  ({times[n] / n * 1e6:6.0f} us/line)  {rss:4.0f} MB")
    rep.target("module growth: 30,000 / 15,000 lines (2.0 = linear)", times[30000] / times[15000], "<= 2.3",
               times[30000] / times[15000] <= 2.3)


if __name__ == "__main__":
    raise SystemExit(main())
