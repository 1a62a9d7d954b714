"""Bench: a CDK app linted through its cdk.out vs the same templates (and code) given directly.

    python bench/bench_iac.py [--repeats 5] [--stacks 200]

For each committed CDK app (examples/seed-incident-cdk, tests/fixtures/cdk/*) and for a
generated app of ``--stacks`` copies of the seed stack, times in fresh processes, with
``--no-cache``, the median of ``--repeats`` runs of:

* ``lambda-lint <app>``: discovery through cdk.json and manifest.json, asset -> source
  mapping, construct paths;
* ``lambda-lint <every template of the assembly> <the source folders>``: the same files named.

Target: the app run within 2x the direct run. Prints one line per app and PASS/MISS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LL = [sys.executable, "-m", "lambda_lint", "--no-cache", "--format", "json", "--exit-zero"]


def timed(args: List[str], cwd: Path, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([*LL, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def direct_args(app: Path) -> List[str]:
    from lambda_lint.iac.cdk.assembly import output_dir, read_assembly

    asm = read_assembly(output_dir(str(app)))
    assert asm is not None, f"{app}: no cdk.out"
    sources = sorted({str(p.relative_to(app)) for p in app.iterdir()
                      if p.is_dir() and p.name not in ("cdk.out", "__pycache__")})
    return [os.path.relpath(t, app) for t in asm.templates] + sources


def generated_app(root: Path, stacks: int) -> Path:
    """The seed app with ``stacks`` copies of its stack in one assembly."""
    app = root / "generated-cdk"
    shutil.copytree(REPO / "examples" / "seed-incident-cdk", app)
    out = app / "cdk.out"
    seed = out / "OrdersStack.template.json"
    manifest = json.loads((out / "manifest.json").read_text())
    for i in range(stacks):
        name = f"OrdersStack{i}"
        (out / f"{name}.template.json").write_text(seed.read_text().replace("OrdersStack/", f"{name}/"))
        manifest["artifacts"][name] = {"type": "aws:cloudformation:stack",
                                       "properties": {"templateFile": f"{name}.template.json"}}
    (out / "manifest.json").write_text(json.dumps(manifest))
    return app


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--stacks", type=int, default=200)
    args = ap.parse_args()
    apps = [REPO / "examples" / "seed-incident-cdk", *sorted((REPO / "tests" / "fixtures" / "cdk").iterdir())]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        apps.append(generated_app(Path(tmp), args.stacks))
        print(f"{'app':<28} {'templates':>9} {'app (s)':>8} {'direct (s)':>10} {'ratio':>6}")
        for app in apps:
            direct = direct_args(app)
            t_app = timed(["."], app, args.repeats)
            t_direct = timed(direct, app, args.repeats)
            ratio = t_app / t_direct
            ok = ok and ratio <= 2.0
            n = sum(1 for a in direct if a.endswith(".json"))
            print(f"{app.name:<28} {n:>9} {t_app:>8.3f} {t_direct:>10.3f} {ratio:>6.2f}")
    print("target: app <= 2x direct:", "PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
