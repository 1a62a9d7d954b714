"""The installed `lambda-lint` executable, and the mark that skips a test without it."""

from __future__ import annotations

import shutil

import pytest

EXE = shutil.which("lambda-lint")
needs_exe = pytest.mark.skipif(EXE is None, reason="lambda-lint is not installed (pip install -e .)")
