"""The registry's own helpers: what --explain prints must be the docstring, cleaned."""

from __future__ import annotations

import inspect

import pytest

from lambda_lint.code.rules import RULE_CLASSES as CODE_RULES
from lambda_lint.project.rules import RULE_CLASSES as PROJECT_RULES
from lambda_lint.run.registry import cleandoc


@pytest.mark.parametrize("doc", [
    "x", "  x\n    y\n  z\n", "\n\n  a\n   b\n\n", "a\n\tb\n\t\tc", "",
    *[cls.__doc__ for cls in CODE_RULES + PROJECT_RULES],
])
def test_cleandoc_matches_inspect(doc: str) -> None:
    assert cleandoc(doc) == inspect.cleandoc(doc)
