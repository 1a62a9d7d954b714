"""``--format json``: a list of finding objects with a stable key order, nothing else."""

from __future__ import annotations

import json
from typing import IO


def render(result, config, out: IO[str]) -> None:
    json.dump([f.to_dict() for f in result.findings], out, indent=2, ensure_ascii=False)
    out.write("\n")
