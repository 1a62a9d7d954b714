"""Guard rails for a first run: say what was not linted instead of a silent "no problems".

A YAML/JSON file named on the command line is linted whatever it holds, so a workflow or
``package.json`` given by mistake used to pass as "No problems found". Here such a file is
skipped with a warning when it *parses* but looks like no known template format (the same
sniff that a folder walk uses); a file that does not parse is still linted, so the user
gets its LL001 (a broken template must never be skipped as "not a template").
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import List, Sequence, Tuple

SKIPPED = "not a CloudFormation/SAM template: skipped"


def split_non_templates(paths: Sequence[str]) -> Tuple[List[str], List[str]]:
    """``(paths to lint, files named explicitly that are not templates)``."""
    from lambda_lint.run.discovery import TEMPLATE_SUFFIXES, sniff_file

    keep: List[str] = []
    skipped: List[str] = []
    for arg in paths:
        p = Path(arg)
        if p.suffix.lower() in TEMPLATE_SUFFIXES and _regular(p) and not sniff_file(p) and _parses(p):
            skipped.append(arg)
        else:
            keep.append(arg)
    return keep, skipped


def _regular(p: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(p).st_mode)
    except OSError:
        return False


def _parses(p: Path) -> bool:
    from lambda_lint.run.engine import read_source
    from lambda_lint.errors import ParseFailure

    try:
        source = read_source(str(p))
        from lambda_lint.iac.cloudformation.loader import load

        load(source, str(p))
    except ParseFailure:
        return False
    except Exception:  # noqa: BLE001 - whatever the loader thinks, the run will report it
        return False
    return True
