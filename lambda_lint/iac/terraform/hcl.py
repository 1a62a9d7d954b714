"""A small HCL2 reader with positions: blocks, attributes and the expressions a linter needs.

Why our own and not python-hcl2: measured here, python-hcl2 8.1.4 takes about 7 ms a block
(Lark) and its ``with_meta`` option gave no line numbers, while RULES.md's line contract
needs the line of every attribute ("the property's key for a bad value") and every block
("the key that names the object lacking it"). This reader is one linear pass over tokens.

What it understands: bodies of attributes and blocks (with labels, one-line blocks), and
expressions made of literals, strings with ``${...}`` interpolations, heredocs, tuples,
objects, references (``aws_sqs_queue.jobs.arn``, ``var.x``, ``local.y``, ``module.m.out``,
with ``[index]`` and ``.*``), and function calls. Anything else (operators, conditionals,
``for`` expressions) is kept as :class:`Unknown` with its text: an unknown value is never a
finding by itself. A syntax error raises :class:`HclError` with a position (LL001).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

MAX_DEPTH = 200


class HclError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _shown(tok: Any) -> str:
    """A token as an error message names it (the end of the file has no value to quote)."""
    return "the end of the file" if tok.kind == "eof" else repr(tok.value)


# -- expression values ---------------------------------------------------------------------

@dataclass
class Ref:
    """A traversal: ``parts`` such as ["aws_sqs_queue", "jobs", "arn"] (indexes as ints/strs)."""
    parts: List[Union[str, int]]
    line: int = 0
    column: int = 0

    @property
    def text(self) -> str:
        out = ""
        for p in self.parts:
            out += f"[{p!r}]" if isinstance(p, int) else (("." if out else "") + str(p))
        return out


@dataclass
class Call:
    name: str
    args: List[Any]
    line: int = 0
    column: int = 0


@dataclass
class Template:
    """A string with interpolations: parts are ``str`` or expressions."""
    parts: List[Any]
    line: int = 0
    column: int = 0


@dataclass
class Unknown:
    text: str
    line: int = 0
    column: int = 0


@dataclass
class Obj:
    """An object expression: items keep their key positions."""
    items: Dict[str, Any] = field(default_factory=dict)
    kpos: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    line: int = 0
    column: int = 0


@dataclass
class Attribute:
    name: str
    value: Any
    line: int
    column: int


@dataclass
class Block:
    type: str
    labels: List[str]
    body: "Body"
    line: int
    column: int


@dataclass
class Body:
    attributes: Dict[str, Attribute] = field(default_factory=dict)
    blocks: List[Block] = field(default_factory=list)

    def blocks_of(self, kind: str) -> List[Block]:
        return [b for b in self.blocks if b.type == kind]


# -- tokens ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r]+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<nl>\n)
  | (?P<heredoc><<-?(?P<tag>[A-Za-z_][A-Za-z0-9_]*)[ \t]*\n)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<string>")
  | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|[-+*/%<>!?:=.,\[\](){}])
""", re.VERBOSE | re.DOTALL)


@dataclass
class Tok:
    kind: str
    value: Any
    line: int
    column: int


_PLAIN_RUN = re.compile(r'[^"\\\n$%]+')  # no quote, backslash, newline, ${ or %{ in it


def _lex_string(text: str, i: int, line: int, col: int) -> Tuple[List[Any], int, int, int]:
    """A quoted template starting after its opening quote: (parts, index after, line, col)."""
    parts: List[Any] = []
    buf = []
    n = len(text)
    while i < n:
        run = _PLAIN_RUN.match(text, i)
        if run is not None:  # issue 17: a run of ordinary characters at once, not one by one
            buf.append(run.group(0))
            col += run.end() - i
            i = run.end()
            continue
        ch = text[i]
        if ch == '"':
            if buf:
                parts.append("".join(buf))
            return parts, i + 1, line, col + 1
        if ch == "\n":
            raise HclError("unterminated string", line, col)
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            buf.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(nxt, nxt))
            i += 2
            col += 2
            continue
        if text.startswith("$${", i) or text.startswith("%%{", i):  # an escaped ${ or %{: literal text
            buf.append(text[i + 1:i + 3])
            i += 3
            col += 3
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            if buf:
                parts.append("".join(buf))
                buf = []
            depth, j = 1, i + 2
            while j < n and depth:
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                elif text[j] == "\n":
                    raise HclError("unterminated interpolation", line, col)
                j += 1
            if depth:
                raise HclError("unterminated interpolation", line, col)
            inner = text[i + 2:j - 1]
            if text[i] == "%":
                parts.append(Unknown("%{" + inner + "}", line, col))
            else:
                try:
                    parts.append(parse_expression(inner, line, col + 2))
                except HclError:
                    parts.append(Unknown(inner, line, col))
            col += j - i
            i = j
            continue
        buf.append(ch)
        i += 1
        col += 1
    raise HclError("unterminated string", line, col)


def tokenize(text: str, line: int = 1, column: int = 1) -> List[Tok]:
    toks: List[Tok] = []
    i, n = 0, len(text)
    col = column
    while i < n:
        m = _TOKEN.match(text, i)
        if not m:
            raise HclError(f"unexpected character {text[i]!r}", line, col)
        kind = m.lastgroup if m.lastgroup != "tag" else "heredoc"
        val = m.group(0)
        if kind == "heredoc":
            tag = m.group("tag")
            start_line, start_col = line, col
            body_start = m.end()
            end = re.compile(r"^[ \t]*" + re.escape(tag) + r"[ \t]*$", re.M).search(text, body_start)
            if end is None:
                raise HclError(f"heredoc <<{tag} is never closed", line, col)
            body = text[body_start:end.start()]
            if val.startswith("<<-"):
                lines = body.split("\n")
                indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
                body = "\n".join(x[indent:] for x in lines)
            toks.append(Tok("string", [body.rstrip("\n")], start_line, start_col))
            line += text.count("\n", i, end.end())
            i = end.end()
            col = 1
            continue
        if kind == "string":
            parts, j, line2, col2 = _lex_string(text, m.end(), line, col + 1)
            toks.append(Tok("string", parts, line, col))
            i, col = j, col2
            continue
        if kind == "comment":
            nl = val.count("\n")
            if nl:
                line += nl
                col = len(val) - val.rfind("\n")
                toks.append(Tok("nl", "\n", line, col))
            else:
                col += len(val)
            i = m.end()
            continue
        if kind == "ws":
            col += len(val)
        elif kind == "nl":
            toks.append(Tok("nl", val, line, col))
            line += 1
            col = 1
        else:
            if kind == "number":
                val = float(val) if any(c in val for c in ".eE") else int(val)
            toks.append(Tok(kind, val, line, col))
            col += len(m.group(0))
        i = m.end()
    toks.append(Tok("eof", None, line, col))
    return toks


# -- parser ---------------------------------------------------------------------------------

class _Parser:
    def __init__(self, toks: List[Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.depth = 0

    def peek(self, k: int = 0) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Tok:
        t = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return t

    def skip_nl(self) -> None:
        while self.peek().kind == "nl":
            self.i += 1

    def expect(self, kind: str, value: Any = None) -> Tok:
        t = self.next()
        if t.kind != kind or (value is not None and t.value != value):
            want = value if value is not None else kind
            raise HclError(f"expected {want!r}, got {_shown(t)}", t.line, t.column)
        return t

    def body(self, closing: Optional[str]) -> Body:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            t = self.peek()
            raise HclError("nested too deeply", t.line, t.column)
        out = Body()
        while True:
            self.skip_nl()
            t = self.peek()
            if t.kind == "eof":
                if closing is not None:
                    raise HclError("a block is never closed (missing '}')", t.line, t.column)
                break
            if closing is not None and t.kind == "op" and t.value == closing:
                break
            if t.kind != "ident" and t.kind != "string":
                raise HclError(f"expected an attribute or a block, got {_shown(t)}", t.line, t.column)
            name_tok = self.next()
            name = name_tok.value if name_tok.kind == "ident" else "".join(str(p) for p in name_tok.value)
            nxt = self.peek()
            if nxt.kind == "op" and nxt.value == "=":
                self.next()
                value = self.expression()
                out.attributes[name] = Attribute(name, value, name_tok.line, name_tok.column)
                t = self.peek()
                if not (t.kind in ("nl", "eof") or (t.kind == "op" and t.value == closing)):
                    raise HclError(f"unexpected {t.value!r} after the value of {name}", t.line, t.column)
                continue
            labels: List[str] = []
            while self.peek().kind in ("string", "ident"):
                lt = self.next()
                labels.append(lt.value if lt.kind == "ident" else "".join(str(p) for p in lt.value))
            self.expect("op", "{")
            inner = self.body("}")
            self.expect("op", "}")
            out.blocks.append(Block(name, labels, inner, name_tok.line, name_tok.column))
        self.depth -= 1
        return out

    # expressions: a primary with postfix traversals; operators make the whole thing Unknown
    def expression(self) -> Any:
        start = self.peek()
        first_index = self.i
        value = self.postfix(self.primary())
        t = self.peek()
        if t.kind == "op" and t.value in ("==", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*",
                                          "/", "%", "?"):
            self.skip_expression_rest()
            return Unknown(self.text_of(first_index), start.line, start.column)
        return value

    def text_of(self, start: int) -> str:
        return " ".join(str(t.value) if t.kind != "string" else '"..."' for t in self.toks[start:self.i])

    def skip_expression_rest(self) -> None:
        depth = 0
        while True:
            t = self.peek()
            if t.kind == "eof":
                return
            if t.kind == "op" and t.value in ("(", "[", "{"):
                depth += 1
            elif t.kind == "op" and t.value in (")", "]", "}"):
                if depth == 0:
                    return
                depth -= 1
            elif depth == 0 and (t.kind == "nl" or (t.kind == "op" and t.value == ",")):
                return
            self.next()

    def primary(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            t = self.peek()
            raise HclError("expression nested too deeply", t.line, t.column)
        try:
            return self._primary()
        finally:
            self.depth -= 1

    def _primary(self) -> Any:
        t = self.next()
        if t.kind == "number":
            return t.value
        if t.kind == "string":
            parts = t.value
            if all(isinstance(p, str) for p in parts):
                return "".join(parts)
            return Template(parts, t.line, t.column)
        if t.kind == "ident":
            if t.value in ("true", "false"):
                return t.value == "true"
            if t.value == "null":
                return None
            if self.peek().kind == "op" and self.peek().value == "(":
                self.next()
                args = self.sequence(")")
                return Call(t.value, args, t.line, t.column)
            return Ref([t.value], t.line, t.column)
        if t.kind == "op" and t.value == "[":
            if self.peek_ident("for"):
                start = self.i - 1
                self.skip_to_close("]")
                return Unknown(self.text_of(start), t.line, t.column)
            return self.sequence("]")
        if t.kind == "op" and t.value == "{":
            if self.peek_ident("for"):
                start = self.i - 1
                self.skip_to_close("}")
                return Unknown(self.text_of(start), t.line, t.column)
            return self.object(t)
        if t.kind == "op" and t.value == "(":
            self.skip_nl()
            inner = self.expression()
            self.skip_nl()
            self.expect("op", ")")
            return inner
        if t.kind == "op" and t.value in ("-", "!"):
            operand = self.postfix(self.primary())
            if t.value == "-" and isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand
            return Unknown(f"{t.value}...", t.line, t.column)
        raise HclError(f"unexpected {t.value!r} in an expression" if t.value is not None else
                       "unexpected end of file in an expression", t.line, t.column)

    def peek_ident(self, word: str) -> bool:
        j = self.i
        while self.toks[j].kind == "nl":
            j += 1
        return self.toks[j].kind == "ident" and self.toks[j].value == word

    def skip_to_close(self, closing: str) -> None:
        depth = 1
        while depth:
            t = self.next()
            if t.kind == "eof":
                raise HclError(f"missing {closing!r}", t.line, t.column)
            if t.kind == "op" and t.value in ("(", "[", "{"):
                depth += 1
            elif t.kind == "op" and t.value in (")", "]", "}"):
                depth -= 1

    def postfix(self, value: Any) -> Any:
        while True:
            t = self.peek()
            if t.kind == "op" and t.value == "." and isinstance(value, (Ref, Call)):
                self.next()
                nt = self.next()
                if nt.kind == "ident" or nt.kind == "number":
                    part = nt.value
                elif nt.kind == "op" and nt.value == "*":
                    part = "*"
                else:
                    raise HclError(f"expected an attribute name after '.', got {_shown(nt)}", nt.line, nt.column)
                value = Ref((value.parts if isinstance(value, Ref) else [f"{value.name}()"]) + [part],
                            value.line, value.column)
            elif t.kind == "op" and t.value == "[" and isinstance(value, Ref):
                self.next()
                self.skip_nl()
                if self.peek().kind == "op" and self.peek().value == "*":  # a splat: x[*].y
                    self.next()
                    self.skip_nl()
                    self.expect("op", "]")
                    value = Ref(value.parts + ["*"], value.line, value.column)
                    continue
                idx = self.expression()
                self.skip_nl()
                self.expect("op", "]")
                value = Ref(value.parts + [idx if isinstance(idx, (int, str)) else "*"], value.line, value.column)
            else:
                return value

    def sequence(self, closing: str) -> List[Any]:
        items: List[Any] = []
        while True:
            self.skip_nl()
            t = self.peek()
            if t.kind == "op" and t.value == closing:
                self.next()
                return items
            items.append(self.expression())
            self.skip_nl()
            t = self.peek()
            if t.kind == "op" and t.value == ",":
                self.next()
                continue
            if t.kind == "op" and t.value == "...":
                self.next()
                continue
            if not (t.kind == "op" and t.value == closing):
                raise HclError(f"expected ',' or {closing!r}, got {_shown(t)}", t.line, t.column)

    def object(self, open_tok: Tok) -> Obj:
        out = Obj(line=open_tok.line, column=open_tok.column)
        while True:
            self.skip_nl()
            t = self.peek()
            if t.kind == "op" and t.value == "}":
                self.next()
                return out
            key_tok = self.next()
            if key_tok.kind == "ident":
                key = key_tok.value
            elif key_tok.kind == "string":
                key = "".join(str(p) for p in key_tok.value)
            elif key_tok.kind == "number":
                key = str(key_tok.value)
            elif key_tok.kind == "op" and key_tok.value == "(":
                self.i -= 1
                self.expression()
                key = "<expression>"
            else:
                raise HclError(f"expected an object key, got {_shown(key_tok)}", key_tok.line, key_tok.column)
            sep = self.next()
            if not (sep.kind == "op" and sep.value in ("=", ":")):
                raise HclError(f"expected '=' or ':' after the key {key!r}", sep.line, sep.column)
            out.items[key] = self.expression()
            out.kpos[key] = (key_tok.line, key_tok.column)
            t = self.peek()
            if t.kind == "op" and t.value == ",":
                self.next()


def parse(text: str) -> Body:
    """Parse a ``.tf`` file's text; raises HclError with a position."""
    p = _Parser(tokenize(text))
    return p.body(None)


def parse_expression(text: str, line: int = 1, column: int = 1) -> Any:
    p = _Parser(tokenize(text, line, column))
    p.skip_nl()
    value = p.expression()
    p.skip_nl()
    if p.peek().kind != "eof":
        t = p.peek()
        raise HclError(f"unexpected {t.value!r}", t.line, t.column)
    return value
