"""The tree every front-end produces: CloudFormation-shaped data that keeps its positions.

Why one shape: the normalized model (:mod:`lambda_lint.iac.model`) is built over it, so a
front-end for a new format (Serverless, CDK output, Terraform) lowers its input into this
tree and every template rule, the join and the output work unchanged. :class:`Map` (a
``dict``) and :class:`Seq` (a ``list``) carry the 1-based ``line``/``column`` of themselves,
of every key and of every value, in the file the front-end read; scalars stay plain Python
values. See docs/CONTRIBUTING-internals.md, "Writing a front-end".
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

Pos = Tuple[int, int]


class Map(dict):
    """A mapping that remembers where it and its keys and values are (1-based)."""

    __slots__ = ("line", "column", "kpos", "vpos")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.column = 0
        self.kpos: Dict[Any, Pos] = {}
        self.vpos: Dict[Any, Pos] = {}

    def key_pos(self, key: Any, default: Optional[Pos] = None) -> Optional[Pos]:
        return self.kpos.get(key, default)

    def value_pos(self, key: Any, default: Optional[Pos] = None) -> Optional[Pos]:
        return self.vpos.get(key, default)


class Seq(list):
    """A sequence that remembers where it and each item are (1-based)."""

    __slots__ = ("line", "column", "ipos")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 0
        self.column = 0
        self.ipos: List[Pos] = []
