"""Image.expression (Image.parseExpression): Earth Engine's band-maths expression language.

`Image.parseExpression(expression, argName, vars)` is an algorithm whose result is another algorithm: the
client calls it with the images named in `vars`. Here it returns an evaluator function (`Func`) whose body
calls the hidden algorithm `Image.parseExpression.apply` with the expression text and the named images.

The grammar is the guides': numbers, variables (`NIR`, an image of the map; `image.B4` / `image[0]` /
`image['B4']` for a band of it), `b('B4')` / `b(0)` (bands of the primary image), the math functions
(abs, sqrt, exp, log, log10, sin, cos, tan, asin, acos, atan, atan2, floor, ceil, round, min, max, pow,
hypot), unary `- + !`, `** * / % + -`, `< <= > >= == !=`, `&& ||` and the ternary `c ? a : b`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .errors import EEError
from .graph import Func, Img, as_image, binary, select
from .images import unary, where

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z_0-9]*)"
                    r"|('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(\*\*|<=|>=|==|!=|&&|\|\||[-+*/%<>!?:().,\[\]^]))")
_BIN = {"||": (1, lambda a, b: binary(lambda x, y: (x != 0) | (y != 0), "uint8")(a, b)),
        "&&": (2, lambda a, b: binary(lambda x, y: (x != 0) & (y != 0), "uint8")(a, b)),
        "==": (3, binary(np.equal, "uint8")), "!=": (3, binary(np.not_equal, "uint8")),
        "<": (4, binary(np.less, "uint8")), "<=": (4, binary(np.less_equal, "uint8")),
        ">": (4, binary(np.greater, "uint8")), ">=": (4, binary(np.greater_equal, "uint8")),
        "+": (5, binary(np.add)), "-": (5, binary(np.subtract)),
        "*": (6, binary(np.multiply)), "/": (6, binary(np.divide, "float64")), "%": (6, binary(np.fmod)),
        "**": (8, binary(np.power, "float64"))}
_UNARY_FNS = {"abs": np.abs, "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log10": np.log10, "sin": np.sin,
              "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
              "floor": np.floor, "ceil": np.ceil, "round": np.rint}
_BINARY_FNS = {"min": binary(np.minimum), "max": binary(np.maximum), "pow": binary(np.power, "float64"),
               "atan2": binary(np.arctan2, "float64"), "hypot": binary(np.hypot, "float64")}


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise EEError(f"Image.parseExpression: cannot parse the expression at '{text[pos:pos + 20]}'.")
        num, name, string, op = m.groups()
        out.append(("num", float(num)) if num else ("name", name) if name else
                   ("str", string[1:-1]) if string else ("op", op))
        pos = m.end()
    return out + [("end", None)]


class _Parser:
    """A precedence-climbing parser that evaluates as it parses (the operands are lazy band images)."""

    def __init__(self, text: str, images: dict[str, Img], default: str) -> None:
        self.toks, self.i, self.images, self.default = _tokens(text), 0, images, default

    def peek(self) -> tuple[str, Any]:
        return self.toks[self.i]

    def take(self, op: str | None = None) -> tuple[str, Any]:
        t = self.toks[self.i]
        if op is not None and t != ("op", op):
            raise EEError(f"Image.parseExpression: expected '{op}', found '{t[1]}'.")
        self.i += 1
        return t

    def parse(self) -> Img:
        v = self.ternary()
        if self.peek()[0] != "end":
            raise EEError(f"Image.parseExpression: unexpected '{self.peek()[1]}'.")
        return v

    def ternary(self) -> Img:
        cond = self.binary(1)
        if self.peek() == ("op", "?"):
            self.take()
            a = self.ternary()
            self.take(":")
            b = self.ternary()
            return where(b, cond, a)
        return cond

    def binary(self, min_prec: int) -> Any:
        left = self.unary()
        while True:
            kind, op = self.peek()
            if kind != "op" or op not in _BIN or _BIN[op][0] < min_prec:
                return left
            prec, fn = _BIN[op]
            self.take()
            right = self.binary(prec if op == "**" else prec + 1)  # ** is right-associative
            left = fn(as_image(left), as_image(right))

    def unary(self) -> Any:
        kind, op = self.peek()
        if kind == "op" and op in ("-", "+", "!"):
            self.take()
            v = as_image(self.unary())
            if op == "-":
                return unary(np.negative, None)(v)
            if op == "!":
                return unary(lambda x: (x == 0).astype(np.float64), "uint8")(v)
            return v
        return self.postfix(self.atom())

    def postfix(self, v: Any) -> Any:
        while True:
            t = self.peek()
            if t == ("op", "."):
                self.take()
                v = select(v, [self.take()[1]])
            elif t == ("op", "["):
                self.take()
                key = self.take()
                self.take("]")
                v = select(v, [int(key[1]) if key[0] == "num" else key[1]])
            else:
                return v

    def args(self) -> list[Any]:
        self.take("(")
        out: list[Any] = []
        while self.peek() != ("op", ")"):
            t = self.peek()
            out.append(self.take()[1] if t[0] == "str" else self.ternary())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        return out

    def atom(self) -> Any:
        kind, v = self.take()
        if kind == "num":
            return int(v) if float(v).is_integer() else v
        if kind == "op" and v == "(":
            r = self.ternary()
            self.take(")")
            return r
        if kind != "name":
            raise EEError(f"Image.parseExpression: unexpected '{v}'.")
        if self.peek() == ("op", "("):
            return self._call(v, self.args())
        if v in self.images:
            return self.images[v]
        if v in ("PI", "pi"):
            return float(np.pi)
        if v == "E":
            return float(np.e)
        raise EEError(f"Image.parseExpression: Variable '{v}' is not defined.")

    def _call(self, name: str, args: list[Any]) -> Any:
        if name == "b":
            img = self.images[self.default]
            if not args:
                return img
            return select(img, [int(a) if isinstance(a, float) else a if isinstance(a, (str, int)) else
                                _const(a) for a in args])
        if name in _UNARY_FNS and len(args) == 1:
            return unary(_UNARY_FNS[name])(as_image(args[0]))
        if name in _BINARY_FNS and len(args) == 2:
            return _BINARY_FNS[name](as_image(args[0]), as_image(args[1]))
        raise EEError(f"Image.parseExpression: Unknown function '{name}' with {len(args)} arguments.")


def _const(a: Any) -> int:
    raise EEError("Image.parseExpression: b() takes band names or indices.")


def parse_expression(expression: str, argName: str = "DEFAULT_EXPRESSION_IMAGE",  # noqa: N803
                     vars: list[str] | None = None) -> Func:  # noqa: A002 - EE's argument name
    names = list(vars or [argName])
    body = {"functionInvocationValue": {"functionName": "Image.parseExpression.apply", "arguments": {
        "expression": {"constantValue": expression}, "argName": {"constantValue": argName},
        "names": {"constantValue": names},
        "images": {"arrayValue": {"values": [{"argumentReference": n} for n in names]}}}}}
    return Func(names, body, {})


def apply_expression(expression: str, argName: str, names: list[str], images: list[Any]) -> Img:  # noqa: N803
    imgs = {n: as_image(i) for n, i in zip(names, images, strict=True)}
    out = as_image(_Parser(expression, imgs, argName).parse())
    base = imgs.get(argName)
    return Img(out.bands, dict(base.props) if base is not None else {})


def expression_table() -> dict[str, Any]:
    return {"Image.parseExpression": parse_expression, "Image.parseExpression.apply": apply_expression}
