"""Numbers, strings, kernels and confusion matrices the metadata evaluator answers beyond scalars.py.

- Number: inverse and hyperbolic trigonometry, cbrt, the gamma / error function family, bit operations,
  casts to the small integer types (truncated toward zero, clamped to the type's range), unitScale,
  firstNonZero, and Number.expression (Earth Engine's expression language over numbers: + - * / % **,
  comparisons, && || !, ?:, and the math functions).
- String.rindex.
- Kernel: the constructors and combinations of kernels.py (a kernel keeps its parameters and makes its
  weights where it is applied, from the pixel size when it is in metres).
- ConfusionMatrix: a matrix (rows actual, columns predicted) with accuracy, kappa, consumers' and producers'
  accuracy, F-score, order.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .alg_arrays import EEArray, as_array, lanczos
from .errors import EEError
from .kernels import kernel_table

Table = dict[str, Callable[..., Any]]
_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "uint16": (0, 65535),
           "int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1)}
_NUMBER_CASTS = {"int8": "int8", "toInt8": "int8", "uint8": "uint8", "toUint8": "uint8", "byte": "uint8",
                 "toByte": "uint8", "int16": "int16", "toInt16": "int16", "short": "int16", "toShort": "int16",
                 "uint16": "uint16", "toUint16": "uint16", "int32": "int32", "uint32": "uint32",
                 "toUint32": "uint32"}


def _special(name: str) -> Callable[[float], float]:
    def f(x: float) -> float:
        import scipy.special as sp  # lazily: only these few algorithms need scipy

        fn = {"digamma": sp.digamma, "trigamma": lambda v: sp.polygamma(1, v), "erfInv": sp.erfinv,
              "erfcInv": sp.erfcinv, "gamma": sp.gamma}[name]
        return float(fn(float(x)))
    return f


_UNARY: dict[str, Callable[[Any], Any]] = {
    "acos": math.acos, "asin": math.asin, "atan": math.atan, "cosh": math.cosh, "sinh": math.sinh,
    "tanh": math.tanh, "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x), "erf": math.erf,
    "erfc": math.erfc, "bitCount": lambda x: bin(int(x) & (2**64 - 1)).count("1"),
    "bitwiseNot": lambda x: ~int(x), "bitwise_not": lambda x: ~int(x), "lanczos": lambda x: lanczos(x),
    **{n: _special(n) for n in ("digamma", "trigamma", "erfInv", "erfcInv", "gamma")}}
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "bitwiseAnd": lambda a, b: int(a) & int(b), "bitwiseOr": lambda a, b: int(a) | int(b),
    "bitwiseXor": lambda a, b: int(a) ^ int(b), "leftShift": lambda a, b: int(a) << int(b),
    "rightShift": lambda a, b: int(a) >> int(b), "firstNonZero": lambda a, b: a if a != 0 else b,
    "gammainc": lambda a, b: float(__import__("scipy.special", fromlist=["gammainc"]).gammainc(a, b))}
for _a, _b in (("bitwise_and", "bitwiseAnd"), ("bitwise_or", "bitwiseOr"), ("bitwise_xor", "bitwiseXor"),
               ("left_shift", "leftShift"), ("right_shift", "rightShift"), ("first_nonzero", "firstNonZero")):
    _BINARY[_a] = _BINARY[_b]


def _num(x: Any) -> Any:
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, (int, float)):
        return x
    raise EEError(f"Number: expected a number, got {type(x).__name__}.")


def _cast(name: str) -> Callable[..., int]:
    lo, hi = _RANGES[name]
    return lambda input: int(min(max(math.trunc(_num(input)), lo), hi))  # noqa: A002


# -- Number.expression ---------------------------------------------------------------------------------------
_OPS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Mod: math.fmod, ast.Pow: operator.pow, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.USub: operator.neg,
    ast.UAdd: operator.pos}
_FUNCS = {n: getattr(math, n) for n in ("sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos",
                                        "atan", "atan2", "sinh", "cosh", "tanh", "floor", "ceil", "hypot")}
_FUNCS.update(abs=abs, min=min, max=max, round=lambda x: math.floor(x + 0.5),
              pow=math.pow, signum=lambda x: (x > 0) - (x < 0))


_MATH_CONSTANTS = {"PI": math.pi, "E": math.e, "LN2": math.log(2), "LN10": math.log(10),
                   "LOG2E": 1 / math.log(2), "LOG10E": 1 / math.log(10), "SQRT2": math.sqrt(2),
                   "SQRT1_2": math.sqrt(0.5)}


def _to_python(expression: str) -> str:
    """Earth Engine's expression syntax as a Python expression (&&, ||, !, a ? b : c)."""
    s = expression.replace("&&", " and ").replace("||", " or ")
    s = re.sub(r"!(?!=)", " not ", s)
    m = re.fullmatch(r"(.+?)\?(.+?):(.+)", s, flags=re.S)
    return f"(({m.group(2)}) if ({m.group(1)}) else ({m.group(3)}))" if m else s


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Math":
        if node.attr in _MATH_CONSTANTS:
            return _MATH_CONSTANTS[node.attr]
        raise EEError(f"Number.expression: unknown constant 'Math.{node.attr}'.")
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and isinstance(
            env.get(node.value.id), dict):  # a dictionary variable's entry: vals.x
        return _eval(ast.Name(node.attr), env[node.value.id])
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise EEError(f"Number.expression: unknown variable '{node.id}'.")
        return _num(env[node.id])
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = _eval(node.left, env), _eval(node.right, env)
        if isinstance(node.op, ast.Div) and b == 0:
            return 0
        return _OPS[type(node.op)](a, b)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, env)
        return int(not v) if isinstance(node.op, ast.Not) else _OPS[type(node.op)](v)
    if isinstance(node, ast.BoolOp):
        vals = [_eval(v, env) for v in node.values]
        return int(all(vals) if isinstance(node.op, ast.And) else any(vals))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _OPS:
        return int(_OPS[type(node.ops[0])](_eval(node.left, env), _eval(node.comparators[0], env)))
    if isinstance(node, ast.IfExp):
        return _eval(node.body, env) if _eval(node.test, env) else _eval(node.orelse, env)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS:
        return _FUNCS[node.func.id](*(_eval(a, env) for a in node.args))
    raise EEError(f"Number.expression: unsupported syntax '{ast.dump(node)[:60]}'.")


def number_expression(expression: str, vars: dict[str, Any] | None = None) -> Any:  # noqa: A002
    try:
        tree = ast.parse(_to_python(str(expression)).strip(), mode="eval")
    except SyntaxError:
        raise EEError(f"Number.expression: unable to parse '{expression}'.") from None
    return _eval(tree, dict(vars or {}))


def number_extra_table() -> Table:
    t: Table = {}
    for name, op in _UNARY.items():
        t[f"Number.{name}"] = lambda input, op=op: op(_num(input))  # noqa: A002 - EE's argument name
    for name, op2 in _BINARY.items():
        t[f"Number.{name}"] = lambda left, right, op=op2: op(_num(left), _num(right))
    for name, to in _NUMBER_CASTS.items():
        t[f"Number.{name}"] = _cast(to)
    t["Number.unitScale"] = lambda number, min, max: (_num(number) - min) / (max - min) if max != min else 0  # noqa: A002
    t["Number.expression"] = number_expression
    t["String.rindex"] = lambda target, pattern: str(target).rfind(str(pattern))
    return t


# -- ConfusionMatrix -----------------------------------------------------------------------------------------
class ConfusionMatrix(EEArray):
    """The matrix (getInfo() gives its rows) and the class values of its rows and columns."""

    order: list[int]


def confusion_matrix(array: Any, order: list[int] | None = None) -> ConfusionMatrix:
    m = as_array(array)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise EEError("ConfusionMatrix: the array must be square (rows actual, columns predicted).")
    out = ConfusionMatrix(m.tolist())
    out.dtype = "int64" if m.dtype.kind in "iu" else "float64"
    out.order = list(order) if order is not None else list(range(m.shape[0]))
    return out


def _cm(x: Any) -> np.ndarray:
    return as_array(x).astype(np.float64)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


def _kappa(confusionMatrix: Any) -> float:  # noqa: N803
    m = _cm(confusionMatrix)
    n = m.sum()
    po = np.trace(m) / n
    pe = float((m.sum(0) * m.sum(1)).sum()) / n**2
    return float((po - pe) / (1 - pe)) if pe != 1 else 0.0


def _fscore(confusionMatrix: Any, beta: Any = 1) -> EEArray:  # noqa: N803
    m = _cm(confusionMatrix)
    precision = _safe_div(np.diag(m), m.sum(0))
    recall = _safe_div(np.diag(m), m.sum(1))
    b2 = float(beta) ** 2
    return EEArray.of(_safe_div((1 + b2) * precision * recall, b2 * precision + recall))


def confusion_table() -> Table:
    return {"ConfusionMatrix": confusion_matrix,
            "ConfusionMatrix.array": lambda confusionMatrix: EEArray.of(_cm(confusionMatrix)),  # noqa: N803
            "ConfusionMatrix.order": lambda confusionMatrix: list(  # noqa: N803
                getattr(confusionMatrix, "order", range(len(confusionMatrix)))),
            "ConfusionMatrix.accuracy": lambda confusionMatrix: float(  # noqa: N803
                np.trace(_cm(confusionMatrix)) / _cm(confusionMatrix).sum()),
            "ConfusionMatrix.consumersAccuracy": lambda confusionMatrix: EEArray.of(  # noqa: N803
                _safe_div(np.diag(_cm(confusionMatrix)), _cm(confusionMatrix).sum(0))[None, :]),
            "ConfusionMatrix.producersAccuracy": lambda confusionMatrix: EEArray.of(  # noqa: N803
                _safe_div(np.diag(_cm(confusionMatrix)), _cm(confusionMatrix).sum(1))[:, None]),
            "ConfusionMatrix.kappa": _kappa, "ConfusionMatrix.fscore": _fscore}


def misc_table() -> Table:
    return {**number_extra_table(), **kernel_table(), **confusion_table()}
