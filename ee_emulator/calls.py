"""The algorithm calls of a serialised expression, as the client sent it (the request log records them).

Each `functionInvocationValue` node of the expression's `values` (function definitions' bodies included, as
they live in `values` too) is one call of its `functionName`; a call through a `functionReference` names no
algorithm and is not counted.
"""

from __future__ import annotations

from typing import Any


def algorithm_calls(expression: Any) -> list[str]:
    """The functionName of every algorithm invocation in `expression` ({"result", "values"}), in graph order."""
    names: list[str] = []
    stack: list[Any] = [expression.get("values", {})] if isinstance(expression, dict) else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            fi = node.get("functionInvocationValue")
            if isinstance(fi, dict) and isinstance(fi.get("functionName"), str):
                names.append(fi["functionName"])
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return names
