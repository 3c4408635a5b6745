"""A small, safe evaluator for hook conditions (the subset of antonmedv/expr BCS uses).

Upstream evaluates ``successCondition`` / ``failureCondition`` with expr, in an environment holding
``result``, ``asInt`` and ``asFloat`` (``pkg/util/evaluate``). This module parses the expression
itself — Python's ``eval`` never sees user input — and supports: numbers, 'single' and "double"
quoted strings, ``true``/``false``/``nil``, list literals, ``result[0]``, ``result.field``,
``+ - * / %``, comparisons, ``in`` / ``not in``, ``contains`` / ``startsWith`` / ``endsWith``,
``!``/``not``, ``&&``/``and``, ``||``/``or``, parentheses, and the calls ``asInt``, ``asFloat``,
``len``. Anything else (another function, a type mismatch) is an ``ExprError``, which makes the
measurement an Error, as upstream.

Example: ``asInt(result) > 30 && result != '99'`` with result ``"42"`` is true.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+\.\d*(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?|\.\d+)"
    r"|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\|\||&&|==|!=|<=|>=|[-+*/%<>!()\[\],.]))"
)
_KEYWORDS = {"and": "&&", "or": "||", "not": "!"}
_INFIX_WORDS = ("in", "contains", "startsWith", "endsWith")


class ExprError(ValueError):
    pass


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, str, name, op, end
    value: str


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExprError(f"unexpected character {text[pos:pos + 1]!r} at {pos}")
        kind = m.lastgroup or "op"
        value = m.group(kind)
        if kind == "name" and value in _KEYWORDS:
            kind, value = "op", _KEYWORDS[value]
        out.append(_Tok(kind, value))
        pos = m.end()
    out.append(_Tok("end", ""))
    return out


def as_int(value: Any) -> int:
    """``asInt``: Go's ``strconv.ParseInt(s, 10, 64)``; a number is taken as it is."""
    if isinstance(value, bool):
        raise ExprError(f"asInt: invalid value {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    raise ExprError(f'strconv.ParseInt: parsing "{value}": invalid syntax')


def as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ExprError(f"asFloat: invalid value {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ExprError(f'strconv.ParseFloat: parsing "{value}": invalid syntax')


def _len(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise ExprError(f"invalid argument for len (type {type(value).__name__})")


FUNCTIONS: Mapping[str, Callable[[Any], Any]] = {"asInt": as_int, "asFloat": as_float, "len": _len}


Node = Callable[[], Any]  # a parsed sub-expression, evaluated on demand (so && and || short-circuit)


class _Parser:
    def __init__(self, text: str, env: Mapping[str, Any]) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.env = env

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, value: str | None = None) -> _Tok:
        tok = self.toks[self.i]
        if value is not None and tok.value != value:
            raise ExprError(f"expected {value!r}, got {tok.value or 'end of expression'!r}")
        self.i += 1
        return tok

    def at(self, *values: str) -> bool:
        tok = self.peek()
        return tok.kind in ("op", "name") and tok.value in values

    # precedence climbing, loosest first
    def expression(self) -> Node:
        left = self.conjunction()
        while self.at("||"):
            self.take()
            left = _or(left, self.conjunction())
        return left

    def conjunction(self) -> Node:
        left = self.comparison()
        while self.at("&&"):
            self.take()
            left = _and(left, self.comparison())
        return left

    def comparison(self) -> Node:
        left = self.additive()
        while True:
            if self.at("==", "!=", "<", "<=", ">", ">=", *_INFIX_WORDS):
                op = self.take().value
            elif self.at("!") and self.toks[self.i + 1].value == "in":
                self.take()
                self.take()
                op = "not in"
            else:
                return left
            left = _binary(_compare, op, left, self.additive())

    def additive(self) -> Node:
        left = self.term()
        while self.at("+", "-"):
            op = self.take().value
            left = _binary(_arith, op, left, self.term())
        return left

    def term(self) -> Node:
        left = self.unary()
        while self.at("*", "/", "%"):
            op = self.take().value
            left = _binary(_arith, op, left, self.unary())
        return left

    def unary(self) -> Node:
        if self.at("!"):
            self.take()
            inner = self.unary()
            return lambda: not _truth(inner())
        if self.at("-", "+"):
            op = self.take().value
            operand = self.unary()
            return lambda: _sign(op, operand())
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            if self.at("["):
                self.take()
                key = self.expression()
                self.take("]")
                node = _indexed(node, key)
            elif self.at(".") and self.toks[self.i + 1].kind == "name":
                self.take()
                name = self.take().value
                node = _indexed(node, lambda name=name: name)  # type: ignore[misc]
            else:
                return node

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            number = float(tok.value) if any(c in tok.value for c in ".eE") else int(tok.value)
            return lambda: number
        if tok.kind == "str":
            string = re.sub(r"\\(.)", r"\1", tok.value[1:-1])
            return lambda: string
        if tok.kind == "name":
            return self.name(tok.value)
        if tok.value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if tok.value == "[":
            items: list[Node] = []
            while not self.at("]"):
                items.append(self.expression())
                if not self.at("]"):
                    self.take(",")
            self.take("]")
            return lambda: [item() for item in items]
        raise ExprError(f"unexpected {tok.value or 'end of expression'!r}")

    def name(self, name: str) -> Node:
        if name in ("true", "false", "nil"):
            constant = None if name == "nil" else name == "true"
            return lambda: constant
        if self.at("("):
            fn = FUNCTIONS.get(name)
            if fn is None:
                raise ExprError(f"unknown function {name}")
            self.take("(")
            arg = self.expression()
            self.take(")")
            return lambda: fn(arg())
        if name not in self.env:
            raise ExprError(f"unknown name {name}")
        value = self.env[name]
        return lambda: value


def _or(left: Node, right: Node) -> Node:
    return lambda: _truth(left()) or _truth(right())


def _and(left: Node, right: Node) -> Node:
    return lambda: _truth(left()) and _truth(right())


def _binary(fn: Callable[[str, Any, Any], Any], op: str, left: Node, right: Node) -> Node:
    return lambda: fn(op, left(), right())


def _indexed(node: Node, key: Node) -> Node:
    return lambda: _index(node(), key())


def _sign(op: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"invalid operation: {op}{value!r}")
    return -value if op == "-" else value


def _truth(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ExprError(f"expected a bool, got {value!r}")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return bool(a == b) if _number(a) == _number(b) else False
    if op == "!=":
        return not _compare("==", a, b)
    if op in ("in", "not in"):
        if not isinstance(b, (list, dict, str)):
            raise ExprError(f"invalid operation: in {b!r}")
        if isinstance(b, str) and not isinstance(a, str):
            raise ExprError(f"invalid operation: {a!r} in {b!r}")
        found = a in b
        return found if op == "in" else not found
    if op in ("contains", "startsWith", "endsWith"):
        if not (isinstance(a, str) and isinstance(b, str)):
            raise ExprError(f"invalid operation: {a!r} {op} {b!r}")
        return b in a if op == "contains" else a.startswith(b) if op == "startsWith" else a.endswith(b)
    if not ((_number(a) and _number(b)) or (isinstance(a, str) and isinstance(b, str))):
        raise ExprError(f"invalid operation: {a!r} {op} {b!r} (mismatched types)")
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if not (_number(a) and _number(b)):
        raise ExprError(f"invalid operation: {a!r} {op} {b!r} (mismatched types)")
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            return math.inf if a > 0 else -math.inf if a < 0 else math.nan
        return a / b
    if not (isinstance(a, int) and isinstance(b, int)):
        raise ExprError("invalid operation: % needs integers")
    if b == 0:
        raise ExprError("integer divide by zero")
    return int(math.fmod(a, b))


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        if not -len(value) <= key < len(value):
            raise ExprError(f"index out of range: {key} (array length is {len(value)})")
        return value[key]
    if isinstance(value, dict):
        return value.get(key)
    raise ExprError(f"cannot fetch {key!r} from {value!r}")


def evaluate(text: str, env: Mapping[str, Any]) -> Any:
    """The value of ``text`` with the names in ``env``; raises ``ExprError``."""
    parser = _Parser(text, env)
    node = parser.expression()
    if parser.peek().kind != "end":
        raise ExprError(f"unexpected {parser.peek().value!r}")
    return node()


def condition(text: str, env: Mapping[str, Any]) -> bool:
    value = evaluate(text, env)
    if not isinstance(value, bool):
        raise ExprError(f"condition {text!r} evaluated to {value!r}, not a bool")
    return value
