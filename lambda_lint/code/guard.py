"""A linear pre-parse guard for Python source: what libcst must never be handed.

libcst's native parser overflows its C stack on a few thousand unclosed brackets (a
segfault that kills the process, not an exception), is super-linear on long operator and
trailer chains when the file also has a syntax error (a 20,000-term sum followed by
``def broken(:`` never ends), and costs about 4.5 KB of memory per token (a 1 MB
generated ``x = [1, 1, ...]`` took 79 s and 2.25 GB). CPython's parser cannot be the guard:
it says nothing about a file it rejects, and a rejected file is exactly the dangerous one.

So this module reads the text once with one regular expression (strings and comments
skipped, so brackets and operators inside them do not count) and measures, whether or not
the file is valid Python:

* the token count (the memory and time libcst would spend),
* the deepest bracket nesting, counting unclosed brackets too,
* the longest chain of operators and trailers (``+``, ``.``, ``(``/``[`` after a value) in
  one expression (between commas, colons, semicolons and statement ends),
* how much of the file is plain data (literals and punctuation), to tell a generated data
  module from handler code.

The scan stops as soon as the token budget is spent, so its own cost is bounded whatever
the file's size. Everything here is pure and fast (a 1 MB file takes ~0.1 s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Over this many tokens a module is not analysed (libcst would need ~250 MB and ~15 s).
#: The largest module of CPython's standard library has about 60,000 tokens.
MAX_TOKENS = 120_000
#: CPython itself refuses more than 200 nested brackets; libcst crashes long before 3,000.
MAX_BRACKET_DEPTH = 200
#: Operators and trailers in one expression. CPython-valid files get the exact AST check as
#: well (code/__init__.py); this bound is the one that holds for files CPython rejects.
MAX_CHAIN = 500
#: A module over the budget whose tokens are at least this share data is a data module.
DATA_SHARE = 0.9

_STRING = (
    r"(?:[rRbBuUfF]{0,3})"  # prefix (at most "rb"/"Rb"/"fr"...; 3 covers legacy "ur" forms)
    r"(?:'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*(?:"""|\Z)'
    r"|'[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*'?"
    r'|"[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"?)'
)

# One alternative per token class; anything unmatched (whitespace) is skipped by finditer
# at C speed. Group names are read with ``lastgroup``.
_TOKEN = re.compile(
    r"(?P<s>" + _STRING + r")"
    r"|(?P<c>#[^\r\n]*)"
    r"|(?P<o>[(\[{])"
    r"|(?P<x>[)\]}])"
    r"|(?P<n>\r\n|\n|\r)"
    r"|(?P<j>\\(?:\r\n|\n|\r))"
    r"|(?P<d>[0-9][0-9a-zA-Z_.]*(?:[eE][-+][0-9_]+)?[jJ]?|\.[0-9][0-9_]*(?:[eE][-+]?[0-9_]+)?[jJ]?)"
    r"|(?P<w>[^\W\d]\w*)"
    r"|(?P<p>[,;:])"
    r"|(?P<b>\*\*=?|//=?|>>=?|<<=?|->|:=|!=|[-+*/%@&|^<>=]=?|[~.])"
)

# Words that continue an expression chain as operators do (libcst nests them as binary nodes).
_WORD_OPS = frozenset({"and", "or", "not", "in", "is", "if", "else", "await", "lambda"})
# Words after which a "(" or "[" is not a call/subscript trailer.
_KEYWORDS = frozenset({
    "and", "or", "not", "in", "is", "if", "else", "elif", "while", "for", "return", "yield",
    "lambda", "await", "assert", "del", "import", "from", "as", "with", "raise", "except",
    "case", "match",
})


@dataclass
class GuardReport:
    tokens: int = 0
    data_tokens: int = 0
    depth: int = 0
    depth_line: int = 1
    chain: int = 0
    chain_line: int = 1
    over_budget: bool = False

    @property
    def data_like(self) -> bool:
        return self.tokens > 0 and self.data_tokens >= DATA_SHARE * self.tokens


def scan(text: str, max_tokens: int = MAX_TOKENS) -> GuardReport:
    """Measure ``text`` in one pass; stops early once ``max_tokens`` is exceeded."""
    rep = GuardReport()
    depth = 0
    chain = 0
    chain_start_line = 1
    line = 1
    after_value = False  # the previous token ends a value (so "(" / "[" is a trailer)
    tokens = 0
    data = 0
    lambdas = 0  # lambdas whose colon is still to come
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "n":
            line += 1
            if depth == 0:
                chain = 0
                chain_start_line = line
            after_value = False
            continue
        if kind == "c":
            continue
        if kind == "j":
            line += 1
            continue
        tokens += 1
        if tokens > max_tokens:
            rep.over_budget = True
            break
        if kind == "s":
            data += 1
            newlines = m.group().count("\n")
            if newlines:
                line += newlines
            after_value = True
        elif kind == "d":
            data += 1
            after_value = True
        elif kind == "p":
            data += 1
            if lambdas and m.group() == ":":
                lambdas -= 1  # the colon of a lambda: its body continues the expression
            else:
                chain = 0
                chain_start_line = line
            after_value = False
        elif kind == "o":
            data += 1
            if after_value:
                chain += 1
                if chain > rep.chain:
                    rep.chain, rep.chain_line = chain, chain_start_line
            depth += 1
            if depth > rep.depth:
                rep.depth, rep.depth_line = depth, line
            after_value = False
        elif kind == "x":
            data += 1
            if depth:
                depth -= 1
            after_value = True
        elif kind == "b":
            if not after_value and m.group() in ("-", "+"):
                data += 1  # the sign of a number in a data literal
            if m.group() in ("=", "->", ":=") or m.group()[-1:] == "=" and m.group() not in ("==", "<=", ">=", "!="):
                # an assignment starts a new expression
                chain = 0
                chain_start_line = line
            else:
                chain += 1
                if chain > rep.chain:
                    rep.chain, rep.chain_line = chain, chain_start_line
            after_value = False
        else:  # a word
            word = m.group()
            if word in _WORD_OPS:
                if word == "lambda":
                    lambdas += 1
                chain += 1
                if chain > rep.chain:
                    rep.chain, rep.chain_line = chain, chain_start_line
                after_value = False
            else:
                if word in ("True", "False", "None"):
                    data += 1
                after_value = word not in _KEYWORDS
    rep.tokens = tokens
    rep.data_tokens = data
    return rep
