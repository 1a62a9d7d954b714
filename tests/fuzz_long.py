"""The long fuzz campaign (issue 8): the properties of tests/test_fuzz.py with many more examples.

    python -m tests.fuzz_long                      # every target, 20,000 examples each
    python -m tests.fuzz_long --examples 200000 template_tree python_lines
    python -m tests.fuzz_long --random             # a fresh random seed (CI runs derandomized)

Run from the repository root. A failure prints the shrunk input and the hypothesis
reproduction blob (``@reproduce_failure``); turn it into a case in tests/test_robustness.py.
With ``--random`` hypothesis' example database (.hypothesis/fuzz_long) is used, so a failure
found once is replayed first next time. See docs/robustness.md.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests import test_fuzz as T

TARGETS = {
    "python_bytes": T.prop_python_bytes,
    "python_lines": T.prop_python_lines,
    "template_bytes": T.prop_template_bytes,
    "template_lines": T.prop_template_lines,
    "template_tree": T.prop_template_tree,
    "project_run": T.prop_project_run,
    "python_hostile": T.prop_python_hostile,
    "template_deep_json_string": T.prop_template_deep_json_string,
    "non_utf8_names": T.prop_non_utf8_names,
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz_long", description=__doc__.split("\n\n")[0])
    ap.add_argument("targets", nargs="*", metavar="TARGET", help=f"default: all of {', '.join(TARGETS)}")
    ap.add_argument("--examples", type=int, default=20_000, help="examples per target (default 20,000)")
    ap.add_argument("--random", action="store_true", help="random seed instead of the derandomized CI one")
    args = ap.parse_args(argv)
    from hypothesis.database import DirectoryBasedExampleDatabase

    cfg = dict(T.CI, max_examples=args.examples, derandomize=not args.random,
               database=DirectoryBasedExampleDatabase(".hypothesis/fuzz_long") if args.random else None)
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        ap.error(f"unknown target(s) {unknown}; choose from {list(TARGETS)}")
    failed = []
    for name in args.targets or list(TARGETS):
        t = time.monotonic()
        print(f"{name}: {args.examples} examples ...", flush=True)
        try:
            TARGETS[name](cfg)()
        except Exception as exc:  # noqa: BLE001 - report every target, then fail
            failed.append(name)
            print(f"{name}: FAILED after {time.monotonic() - t:.0f} s: {type(exc).__name__}: {exc}", flush=True)
        else:
            print(f"{name}: ok in {time.monotonic() - t:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
