"""Errors that end a run with exit code 2 and one line on stderr (never a traceback).

Anything wrong with *input files* is a finding (LL001/LL002) instead; these are for what
the user asked for: flags, configuration, rule files.
"""

from __future__ import annotations


class UsageError(Exception):
    """A bad flag, selector, configuration key or value. The message is the whole story."""


class ConfigError(UsageError):
    """``[tool.lambda-lint]`` (or ``--config``) holds an unknown key or a bad value."""


class RuleFileError(UsageError):
    """A declarative rule file is malformed; names the file and the offending key."""

    def __init__(self, path: str, key: str, message: str) -> None:
        self.path = path
        self.key = key
        super().__init__(f"{path}: rule key {key!r}: {message}")


class ParseFailure(Exception):
    """An input file could not be read or parsed; becomes an LL001 finding.

    ``line``/``column`` are 1-based and point at the problem where the parser knows it.
    """

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = max(1, int(line or 1))
        self.column = max(1, int(column or 1))


class SkippedModule(ParseFailure):
    """Not handler code (a generated data module): skipped with a note on stderr, no finding.

    A subclass of ParseFailure so that any caller that does not know it (inline code in a
    template) still treats the file as unparsed; the engine turns it into a note instead.
    """
