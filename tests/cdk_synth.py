"""Regenerate the committed ``cdk.out`` of the CDK fixture apps (the tests never run the CDK).

    pip install aws-cdk-lib constructs      # the app's Python side
    npm install -g aws-cdk                  # the `cdk` CLI (or: CDK=/path/to/cdk)
    python tests/cdk_synth.py               # every app; or name app folders

Each app is synthesized into its own ``cdk.out`` (old output removed first, so no stale
asset folder survives), with version checks and notices off (no network, same bytes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [ROOT / "examples" / "seed-incident-cdk", *sorted((ROOT / "tests" / "fixtures" / "cdk").iterdir())]


def synth(app: Path, cdk: str) -> None:
    out = app / "cdk.out"
    if out.exists():
        shutil.rmtree(out)
    env = dict(os.environ, CDK_DISABLE_VERSION_CHECK="1", CDK_DISABLE_CLI_TELEMETRY="1",
               JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION="1")
    # the app runs with this interpreter (the one that has aws-cdk-lib)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    subprocess.run([cdk, "synth", "--quiet", "--no-notices", "--no-version-reporting"],
                   cwd=app, env=env, check=True)
    # the CLI's own bookkeeping (timings change on every run): not what lambda-lint reads
    for name in ("cdk.context.json", "cdk.out/performance-counters.json"):
        p = app / name
        if p.exists():
            p.unlink()


def main(argv: list) -> int:
    cdk = os.environ.get("CDK") or shutil.which("cdk")
    if not cdk:
        print("cdk_synth: the `cdk` CLI is not installed (npm install -g aws-cdk, or set CDK=)", file=sys.stderr)
        return 2
    apps = [Path(a).resolve() for a in argv] or [a for a in APPS if (a / "cdk.json").is_file()]
    for app in apps:
        print(f"cdk synth: {app.relative_to(ROOT)}")
        synth(app, cdk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
