"""ee.Array's structural and matrix algorithms (slice, cat, accum, reduce, reshape, eigen, matrix*...) and the
one table of every Array / PixelType algorithm (`array_table`), computed with numpy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .alg_arrays import EEArray, as_array, elementwise_table, make_array, pixel_type_table
from .errors import EEError
from .reducers import as_reducer

Table = dict[str, Callable[..., Any]]


def _out(a: Any, dtype: str | None = None) -> EEArray:
    a = np.asarray(a)
    return EEArray.of(a.astype(np.int64) if a.dtype.kind == "b" else a, dtype)


def _like(src: Any, a: np.ndarray) -> EEArray:
    """A result of the same values as `src`: an empty one keeps its PixelType."""
    return _out(a, src.dtype if isinstance(src, EEArray) and not a.size else None)


def _axis(a: np.ndarray, axis: Any) -> int:
    ax = int(axis or 0)
    if not -a.ndim <= ax < max(a.ndim, 1):
        raise EEError(f"Array: axis {ax} is out of range for an array of {a.ndim} dimensions.")
    return ax % max(a.ndim, 1)


def _reduce_1d(reducer: Any, values: np.ndarray) -> float:
    red = as_reducer(reducer)
    return next(iter(red.reduce_values([values.tolist()]).values()))


def accum(array: Any, axis: Any, reducer: Any = None) -> EEArray:
    a = as_array(array)
    ax = _axis(a, axis)
    if reducer is None:
        return _like(array, np.cumsum(a, axis=ax))
    moved = np.moveaxis(a.astype(np.float64), ax, -1)
    out = np.empty(moved.shape)
    for idx in np.ndindex(moved.shape[:-1]):
        for k in range(moved.shape[-1]):
            out[idx + (k,)] = _reduce_1d(reducer, moved[idx][: k + 1])
    return _like(array, np.moveaxis(out, -1, ax))


def reduce(array: Any, reducer: Any, axes: list[int], fieldAxis: Any = None) -> EEArray:  # noqa: N803
    a = as_array(array).astype(np.float64)
    out = a
    for ax in sorted({_axis(a, x) for x in axes}):
        moved = np.moveaxis(out, ax, -1)
        red = np.empty(moved.shape[:-1] + (1,))
        for idx in np.ndindex(moved.shape[:-1]):
            red[idx + (0,)] = _reduce_1d(reducer, moved[idx])
        out = np.moveaxis(red, -1, ax)
    return _out(out)


def array_slice(array: Any, axis: Any = 0, start: Any = 0, end: Any = None, step: Any = 1) -> EEArray:
    a = as_array(array)
    ax = _axis(a, axis)
    sl = [slice(None)] * a.ndim
    sl[ax] = slice(int(start or 0), None if end is None else int(end), int(step or 1))
    return _like(array, a[tuple(sl)])


def cat(arrays: list[Any], axis: Any = 0) -> EEArray:
    parts = [as_array(x) for x in arrays]
    ax = int(axis or 0)
    parts = [p.reshape(p.shape + (1,) * (ax + 1 - p.ndim)) if p.ndim <= ax else p for p in parts]
    try:
        return _out(np.concatenate(parts, axis=ax))
    except ValueError as exc:
        raise EEError(f"Array.cat: {exc}.") from None


def cut(array: Any, position: list[int]) -> EEArray:
    a = as_array(array)
    idx = tuple(slice(None) if int(p) == -1 else slice(int(p), int(p) + 1) for p in position)
    return _like(array, a[idx])


def get(array: Any, position: list[int]) -> Any:
    a = as_array(array)
    try:
        return a[tuple(int(p) for p in position)].item()
    except IndexError:
        raise EEError(f"Array.get: position {list(position)} is out of bounds for shape {list(a.shape)}.") from None


def mask(input: Any, mask: Any) -> EEArray:  # noqa: A002
    """Keep the positions along the one axis the mask varies on where the mask is non-zero."""
    a, m = as_array(input), as_array(mask)
    if a.size == 0:
        return _like(input, a)
    if m.shape != a.shape:
        raise EEError(f"Array.mask: mask shape {list(m.shape)} does not match the input's {list(a.shape)}.")
    ax = next((i for i in range(a.ndim - 1, -1, -1) if a.shape[i] > 1), 0)
    keep = np.moveaxis(m, ax, 0).reshape(a.shape[ax], -1)[:, 0] != 0
    return _like(input, np.compress(keep, a, axis=ax))


def repeat(array: Any, axis: Any = 0, copies: Any = 2) -> EEArray:
    a = as_array(array)
    if a.ndim <= int(axis or 0):
        a = a.reshape(a.shape + (1,) * (int(axis) + 1 - a.ndim))
    return _like(array, np.concatenate([a] * int(copies), axis=int(axis or 0)))


def pad(array: Any, lengths: list[int], pad: Any = 0) -> EEArray:
    a = as_array(array)
    widths = [(0, max(0, int(n) - s)) for n, s in zip(lengths, a.shape, strict=False)]
    return _like(array, np.pad(a, widths, constant_values=pad or 0))


def sort(array: Any, keys: Any = None) -> EEArray:
    a = as_array(array)
    k = as_array(keys) if keys is not None else a
    order = np.argsort(k, axis=-1, kind="stable")
    return _like(array, np.take_along_axis(a, order, axis=-1))


def eigen(input: Any) -> EEArray:  # noqa: A002
    """Rows [eigenvalue, eigenvector...], eigenvalues in descending order (Earth Engine's layout)."""
    a = as_array(input).astype(np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise EEError("Array.eigen: the input must be a square 2-D array.")
    vals, vecs = np.linalg.eig(a)
    order = np.argsort(-vals.real, kind="stable")
    return _out(np.column_stack([vals.real[order], vecs.real[:, order].T]))


def _decompositions() -> Table:
    def lu(array: Any) -> dict[str, Any]:
        import scipy.linalg as sl  # lazily: only this decomposition needs scipy

        p, low, up = sl.lu(as_array(array).astype(np.float64))
        return {"L": _out(low), "U": _out(up), "P": _out(p.T)}

    def qr(array: Any) -> dict[str, Any]:
        q, r = np.linalg.qr(as_array(array).astype(np.float64), mode="complete")
        return {"Q": _out(q), "R": _out(r)}

    def svd(array: Any) -> dict[str, Any]:
        u, s, vt = np.linalg.svd(as_array(array).astype(np.float64), full_matrices=False)
        return {"U": _out(u), "S": _out(np.diag(s)), "V": _out(vt.T)}

    return {"Array.matrixLUDecomposition": lu, "Array.matrixQRDecomposition": qr,
            "Array.matrixSingularValueDecomposition": svd,
            "Array.matrixCholeskyDecomposition": lambda array: {
                "L": _out(np.linalg.cholesky(as_array(array).astype(np.float64)))}}


def _matrix() -> Table:
    f64 = lambda x: as_array(x).astype(np.float64)  # noqa: E731
    return {
        "Array.matrixMultiply": lambda left, right: _out(f64(left) @ f64(right)),
        "Array.matrixInverse": lambda input: _out(np.linalg.inv(f64(input))),  # noqa: A002
        "Array.matrixPseudoInverse": lambda input: _out(np.linalg.pinv(f64(input))),  # noqa: A002
        "Array.matrixDeterminant": lambda input: float(np.linalg.det(f64(input))),  # noqa: A002
        "Array.matrixTrace": lambda input: float(np.trace(f64(input))),  # noqa: A002
        "Array.matrixFnorm": lambda input: float(np.linalg.norm(f64(input))),  # noqa: A002
        "Array.matrixDiagonal": lambda input: _out(np.diag(as_array(input))[:, None]),  # noqa: A002
        "Array.matrixToDiag": lambda input: _out(np.diag(as_array(input).ravel())),  # noqa: A002
        "Array.matrixSolve": lambda left, right: _out(np.linalg.lstsq(f64(left), f64(right), rcond=None)[0]),
        "Array.matrixTranspose": lambda array, axis1=0, axis2=1: _like(
            array, np.swapaxes(as_array(array), int(axis1), int(axis2))),
        "Array.transpose": lambda array, axis1=0, axis2=1: _like(
            array, np.swapaxes(as_array(array), int(axis1), int(axis2))),
        **_decompositions()}


def _bits(input: Any) -> EEArray:  # noqa: A002
    v = int(input) & (2**64 - 1)
    return _out([int(b) for b in reversed(bin(v)[2:])] if v else [0])


def array_table() -> Table:
    """Every ee.Array and ee.PixelType algorithm the emulator answers."""
    t: Table = {"Array": make_array, **pixel_type_table(), **elementwise_table(), **_matrix(),
                "Array.accum": accum, "Array.reduce": reduce, "Array.slice": array_slice, "Array.cat": cat,
                "Array.cut": cut, "Array.get": get, "Array.mask": mask, "Array.repeat": repeat, "Array.pad": pad,
                "Array.sort": sort, "Array.eigen": eigen, "Array.bitsToArray": _bits,
                "Array.identity": lambda size: _out(np.eye(int(size))),
                "Array.length": lambda array: _out(list(as_array(array).shape)),
                "Array.toList": lambda array: as_array(array).tolist(),
                "Array.dotProduct": lambda array1, array2: float(np.dot(
                    as_array(array1).ravel().astype(np.float64), as_array(array2).ravel())),
                "Array.argmax": lambda array: [int(i) for i in np.unravel_index(
                    int(np.argmax(as_array(array))), as_array(array).shape)] if as_array(array).size else None,
                "Array.reshape": lambda array, shape: _like(array, as_array(array).reshape(
                    [int(s) for s in as_array(shape).ravel()])),
                "Array.project": lambda array, axes: _like(array, _project(as_array(array), axes))}
    return t


def _project(a: np.ndarray, axes: list[int]) -> np.ndarray:
    keep = [int(x) for x in axes]
    drop = [i for i in range(a.ndim) if i not in keep]
    if any(a.shape[i] != 1 for i in drop):
        raise EEError("Array.project: the dropped axes must have length 1.")
    return np.transpose(a, keep + drop).reshape([a.shape[i] for i in keep])
