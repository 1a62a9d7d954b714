"""The shell commands the README shows, and a copy of the repository as a fresh clone has it.

Commands are the lines of the README's first code block and of its ``sh`` blocks (``text``,
``yaml``, ``toml``, ``json`` and ``lua`` blocks are examples, not commands). Each command
must be classified in :data:`COMMANDS` (tests/test_readme_commands.py checks it), so a new
README command is either run by a test or skipped with a written reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```", re.S | re.M)


def readme_commands() -> List[str]:
    text = README.read_text(encoding="utf-8")
    out: List[str] = []
    for i, m in enumerate(_FENCE.finditer(text)):
        lang = m.group(1).strip()
        if not (i == 0 or lang == "sh"):
            continue
        for line in m.group(2).splitlines():
            cmd = strip_comment(line).strip()
            if cmd:
                out.append(cmd)
    return out


def strip_comment(line: str) -> str:
    """The command without its trailing ``# comment`` (a ``#`` inside quotes stays)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line


# command -> (how, detail): "fast" (run by the default set, detail = where), "install" (run in
# a fresh virtualenv by the slow set), or "skip" (detail = why it is not run by a test).
COMMANDS: Dict[str, Tuple[str, str]] = {
    "pip install . && lambda-lint examples/seed-incident": ("install", "clone root; exits 1 (findings)"),
    "pip install '.[test]' && python -m pytest": ("install", "the install part; the suite is this run itself"),
    "pip install .": ("install", ""),
    "pip install '.[cfn-lint]'": ("install", ""),
    "pip install '.[lsp]'": ("install", ""),
    "pip install -e '.[test]'": ("install", ""),
    "pip install 'lambda-lint @ git+https://github.com/lambda-lint/lambda-lint'":
        ("skip", "needs the network and the published repository"),
    "cfn-lint -a lambda_lint.cfnlint_plugin -- template.yaml": ("fast", "examples/seed-incident"),
    "lambda-lint --write-baseline .lambda-lint-baseline.json": ("fast", "examples/seed-incident"),
    "git add .lambda-lint-baseline.json": ("fast", "examples/seed-incident"),
    "lambda-lint --baseline .lambda-lint-baseline.json": ("fast", "examples/seed-incident"),
    "python -m tests.fuzz_long": ("skip", "a long campaign run by hand (tests/test_fuzz.py runs its targets)"),
    "python -m tests.fuzz_long --random --examples 200000": ("skip", "a long campaign run by hand"),
    "python -m pytest": ("skip", "the default test set: this run itself"),
    "python -m pytest -m slow": ("skip", "the slow test set: CI runs it after the default set (.ci/run)"),
    "python -m pytest tests/test_fixtures.py -k LL102": ("fast", "."),
}


def fresh_clone(dest: Path) -> Path:
    """The files a clone has (tracked, and new files not ignored), copied to ``dest``."""
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=str(ROOT),
                                capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
    except (OSError, subprocess.SubprocessError):
        listed = None
    if not listed:
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
            ".git", "__pycache__", ".lambda-lint-cache", "*.egg-info", ".pytest_cache", "build", "dist"))
        return dest
    for rel in listed:
        if not rel:
            continue
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest
