"""Loading declarative rule files (stub until issue 4)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence


def load_rule_dirs(dirs: Sequence[Path]) -> List:
    return []
