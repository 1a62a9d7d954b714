"""The default set and the slow set.

``python -m pytest`` (no paths, no ``-m``) runs the default set: tests marked ``slow`` are
deselected, and the summary says how to run them. ``-m slow`` runs only them; naming test
files or node ids runs what was named, slow or not. CI runs the default set (the README's
command) and then ``-m slow`` (``.ci/run``).
"""

from __future__ import annotations

import pytest

_DESELECTED = []


def pytest_collection_modifyitems(config, items) -> None:
    if config.option.markexpr:
        return  # -m decides
    if getattr(config, "args_source", None) != pytest.Config.ArgsSource.TESTPATHS:
        return  # paths or node ids were named: run them
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
        _DESELECTED.extend(slow)


def pytest_terminal_summary(terminalreporter) -> None:
    if _DESELECTED:
        terminalreporter.write_line(
            f"{len(_DESELECTED)} slow tests not run by default: python -m pytest -m slow (CI runs both)")
