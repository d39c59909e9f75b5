"""ee.Array, ee.PixelType, the extra ee.Number algorithms, ee.Kernel and ee.ConfusionMatrix through the real
`ee` client against the emulator, each checked against an independent computation: numpy / scipy / math on
the same inputs, or the outputs Google documents in its own samples (tools/samples/apidocs, quoted here)."""

from __future__ import annotations

import math

import ee
import numpy as np
import pytest

scipy_special = pytest.importorskip("scipy.special")

X = [[0.5, -1.25, 2.0], [3.5, 0.0, -0.75]]
Y = [[2.0, 0.5, -3.0], [1.0, 4.0, 0.0]]


def _info(obj):
    return np.asarray(obj.getInfo(), dtype=float)


UNARY = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
         "tanh": np.tanh, "exp": np.exp, "abs": np.abs, "floor": np.floor, "ceil": np.ceil, "cbrt": np.cbrt,
         "signum": np.sign, "erf": scipy_special.erf, "erfc": scipy_special.erfc,
         "gamma": scipy_special.gamma, "digamma": scipy_special.digamma}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_array_unary_matches_numpy(emulator, name) -> None:
    x = np.asarray(X)
    x = x + 3.1 if name in ("gamma", "digamma") else x  # away from the poles
    got = _info(getattr(ee.Array(x.tolist()), name)())
    np.testing.assert_allclose(got, UNARY[name](x), rtol=1e-9, atol=1e-12)


def test_array_binary_broadcasting_and_division_by_zero(emulator) -> None:
    a, b = np.asarray(X), np.asarray(Y)
    ea, eb = ee.Array(X), ee.Array(Y)
    np.testing.assert_allclose(_info(ea.add(eb)), a + b)
    np.testing.assert_allclose(_info(ea.subtract(2)), a - 2)
    np.testing.assert_allclose(_info(ea.multiply(eb)), a * b)
    np.testing.assert_allclose(_info(ea.max(eb)), np.maximum(a, b))
    np.testing.assert_allclose(_info(ea.atan2(eb)), np.arctan2(a, b))
    assert ea.gt(eb).getInfo() == (a > b).astype(int).tolist()
    # Google's documented outputs (ee_array_divide): 2 / 0 is 0, [3, 4] / [2, 4] is [1.5, 1]
    assert ee.Array(2).divide(0).getInfo() == [0]
    assert ee.Array([3, 4]).divide([2, 4]).getInfo() == [1.5, 1]
    np.testing.assert_allclose(_info(ea.divide(eb)), np.where(b != 0, a / np.where(b == 0, 1, b), 0))
    ints = np.array([5, 12, -7])
    assert ee.Array(ints.tolist()).bitwiseAnd(6).getInfo() == (ints & 6).tolist()
    assert ee.Array(ints.tolist()).bitwiseXor([1, 2, 3]).getInfo() == (ints ^ [1, 2, 3]).tolist()
    assert ee.Array(ints.tolist()).leftShift(2).getInfo() == (ints << 2).tolist()


def test_array_casts_and_pixel_types(emulator) -> None:
    # ee_array_byte: clamps at 0 and 255 and rounds: [0, 0, 1, 127, 255, 255]
    assert ee.Array([-0.1, 0.1, 0.5, 127.1, 255.1, 255.9]).byte().getInfo() == [0, 0, 1, 127, 255, 255]
    assert ee.Array([-200, 3.4, 200]).int8().getInfo() == [-128, 3, 127]
    assert ee.Array([], ee.PixelType.int8()).getInfo() == []
    assert ee.Array([[], []], ee.PixelType.float()).getInfo() == [[], []]
    assert ee.PixelType.int8().getInfo() == {"type": "PixelType", "precision": "int", "min": -128, "max": 127}
    assert ee.PixelType.uint16().maxValue().getInfo() == np.iinfo(np.uint16).max
    assert ee.PixelType.double().precision().getInfo() == "double"
    with pytest.raises(ee.EEException, match="PixelType"):
        ee.Array([]).getInfo()


def test_array_structure_matches_numpy(emulator) -> None:
    a = np.arange(12).reshape(3, 4)
    ea = ee.Array(a.tolist())
    assert ea.slice(1, 1, 3).getInfo() == a[:, 1:3].tolist()
    assert ea.slice(0, 0, None, 2).getInfo() == a[::2].tolist()
    assert ee.Array.cat([ea, ea], 1).getInfo() == np.concatenate([a, a], 1).tolist()
    assert ee.Array.cat([[1, 2], [3, 4]], 1).getInfo() == [[1, 3], [2, 4]]  # 1-D arrays as columns
    assert ea.cut([-1, 2]).getInfo() == a[:, 2:3].tolist()
    assert ea.get([2, 1]).getInfo() == a[2, 1]
    assert ea.reshape([4, 3]).getInfo() == a.reshape(4, 3).tolist()
    assert ea.transpose().getInfo() == a.T.tolist()
    assert ea.repeat(0, 2).getInfo() == np.concatenate([a, a], 0).tolist()
    assert ea.length().getInfo() == [3, 4]
    assert ea.argmax().getInfo() == list(np.unravel_index(np.argmax(a), a.shape))
    assert ee.Array([3, 1, 2]).sort().getInfo() == [1, 2, 3]
    assert ee.Array([3, 1, 2]).sort([0, 2, 1]).getInfo() == [3, 2, 1]
    assert ee.Array([1, 2]).pad([4], 9).getInfo() == [1, 2, 9, 9]
    assert ee.Array([[1, 2, 3, 4]]).mask([[1, 0, 1, 1]]).getInfo() == [[1, 3, 4]]  # ee_array_mask
    assert ee.Array([0, 1, 2, 3]).mask([0, 4, -1, 1.2]).getInfo() == [1, 2, 3]
    assert ee.Array([[1], [2], [3]]).project([0]).getInfo() == [1, 2, 3]
    assert ee.Array.identity(3).getInfo() == np.eye(3).tolist()
    assert ee.Array.bitsToArray(5).getInfo() == [1, 0, 1]
    assert ee.Array([1, 2, 3]).dotProduct([4, 5, 6]).getInfo() == 32
    assert ee.Array(a.tolist()).toList().getInfo() == a.tolist()


def test_array_accum_and_reduce(emulator) -> None:
    v = np.array([2, -2, 3, 1])
    assert ee.Array(v.tolist()).accum(0).getInfo() == np.cumsum(v).tolist()
    assert ee.Array(v.tolist()).accum(0, ee.Reducer.max()).getInfo() == np.maximum.accumulate(v).tolist()
    assert ee.Array(v.tolist()).accum(0, ee.Reducer.min()).getInfo() == np.minimum.accumulate(v).tolist()
    means = [np.mean(v[: k + 1]) for k in range(len(v))]
    np.testing.assert_allclose(_info(ee.Array(v.tolist()).accum(0, ee.Reducer.mean())), means)
    m = np.array([[1, 3], [5, 7]])
    assert ee.Array(m.tolist()).accum(1).getInfo() == np.cumsum(m, 1).tolist()
    np.testing.assert_allclose(_info(ee.Array(m.tolist()).reduce(ee.Reducer.sum(), [0])), m.sum(0, keepdims=True))
    np.testing.assert_allclose(_info(ee.Array(m.tolist()).reduce(ee.Reducer.max(), [1])), m.max(1, keepdims=True))


def test_matrix_algorithms_match_numpy(emulator) -> None:
    rng = np.random.default_rng(3)
    m = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    em = ee.Array(m.tolist())
    np.testing.assert_allclose(_info(em.matrixMultiply(em)), m @ m, rtol=1e-12)
    np.testing.assert_allclose(_info(em.matrixInverse()), np.linalg.inv(m), rtol=1e-9)
    np.testing.assert_allclose(_info(em.matrixPseudoInverse()), np.linalg.pinv(m), rtol=1e-9)
    assert em.matrixDeterminant().getInfo() == pytest.approx(np.linalg.det(m))
    assert em.matrixTrace().getInfo() == pytest.approx(np.trace(m))
    assert em.matrixFnorm().getInfo() == pytest.approx(np.sqrt((m**2).sum()))
    rhs = rng.normal(size=(3, 1))
    np.testing.assert_allclose(m @ _info(em.matrixSolve(ee.Array(rhs.tolist()))), rhs, atol=1e-9)
    sym = m + m.T
    rows = _info(ee.Array(sym.tolist()).eigen())
    for lam, *vec in rows:  # each row: an eigenvalue and its eigenvector, eigenvalues descending
        np.testing.assert_allclose(sym @ np.array(vec), lam * np.array(vec), atol=1e-9)
    assert list(rows[:, 0]) == sorted(rows[:, 0], reverse=True)
    np.testing.assert_allclose(rows[:, 0], sorted(np.linalg.eigvalsh(sym), reverse=True), rtol=1e-9)
    spd = m @ m.T
    low = _info(ee.Array(spd.tolist()).matrixCholeskyDecomposition().get("L"))
    np.testing.assert_allclose(low @ low.T, spd, rtol=1e-9)
    svd = ee.Array(m.tolist()).matrixSingularValueDecomposition().getInfo()
    u, s, v = (np.asarray(svd[k], dtype=float) for k in ("U", "S", "V"))
    np.testing.assert_allclose(u @ s @ v.T, m, atol=1e-9)
    qr = ee.Array(m.tolist()).matrixQRDecomposition().getInfo()
    np.testing.assert_allclose(np.asarray(qr["Q"]) @ np.asarray(qr["R"]), m, atol=1e-9)


def test_number_extras_match_math_and_scipy(emulator) -> None:
    x = 0.3
    for name, ref in {"acos": math.acos, "asin": math.asin, "atan": math.atan, "cosh": math.cosh,
                      "sinh": math.sinh, "tanh": math.tanh, "erf": math.erf, "erfc": math.erfc,
                      "gamma": math.gamma, "digamma": scipy_special.digamma,
                      "trigamma": lambda v: scipy_special.polygamma(1, v), "erfInv": scipy_special.erfinv,
                      "cbrt": lambda v: v ** (1 / 3)}.items():
        assert getattr(ee.Number(x), name)().getInfo() == pytest.approx(float(ref(x)), rel=1e-12), name
    assert ee.Number(0.4).gammainc(1.5).getInfo() == pytest.approx(float(scipy_special.gammainc(0.4, 1.5)))
    assert ee.Number(-1).bitCount().getInfo() == 64
    assert ee.Number(0b101101).bitCount().getInfo() == 4
    assert ee.Number(12).bitwiseAnd(10).getInfo() == 12 & 10
    assert ee.Number(12).bitwiseOr(3).getInfo() == 12 | 3
    assert ee.Number(12).rightShift(2).getInfo() == 12 >> 2
    assert ee.Number(0).firstNonZero(7).getInfo() == 7
    assert ee.Number(5).unitScale(0, 20).getInfo() == 0.25
    # ee_number_int8: 1.7 loses its decimals, out-of-range values clamp to the type's range
    assert [ee.Number(v).int8().getInfo() for v in (100, 1.7, 127 + 12345, -128 - 12345)] == [100, 1, 127, -128]
    assert ee.Number(70000).toUint16().getInfo() == 65535
    assert ee.String("a.b.c").rindex(".").getInfo() == "a.b.c".rindex(".")


def test_lanczos_gives_the_gamma_function(emulator) -> None:
    # Gamma(x + 1) = sqrt(2 pi) t^(x + 1/2) e^-t A(x), t = x + 607/128 + 1/2 (the Lanczos form of Gamma)
    for x in (0.0, 0.5, 3.0, 10.0):
        a = ee.Number(x).lanczos().getInfo()
        t = x + 607 / 128 + 0.5
        assert math.sqrt(2 * math.pi) * t ** (x + 0.5) * math.exp(-t) * a == pytest.approx(math.gamma(x + 1), 1e-12)
    assert ee.Number(0).lanczos().getInfo() == pytest.approx(32.946318679)  # ee_number_lanczos's comments
    assert ee.Number(10).lanczos().getInfo() == pytest.approx(2.281783181)


def test_number_expression_matches_python(emulator) -> None:
    v = {"x": 5, "y": 10}
    for expr, py in [("x + y", 15), ("x - y * 2", 5 - 20), ("x / y", 0.5), ("x ** 2 % 7", 25 % 7),
                     ("x > y", 0), ("x != y", 1), ("x && 0", 0), ("x || 0", 1), ("!(x)", 0),
                     ("sqrt(y) + abs(-x)", math.sqrt(10) + 5), ("x < y ? x : y", 5)]:
        assert ee.Number.expression(expr, v).getInfo() == pytest.approx(py), expr
    assert ee.Number.expression("Math.PI", None).getInfo() == pytest.approx(math.pi)
    assert ee.Number.expression("vals.x * vals.y", {"vals": v}).getInfo() == 50


def _weights(kernel) -> np.ndarray:
    return np.asarray(kernel.getInfo()["weights"])


def test_kernels_match_googles_documented_weights(emulator) -> None:
    # The weight matrices Google prints in its ee_kernel_* samples (radius 3 unless said)
    assert np.allclose(_weights(ee.Kernel.square(3)), np.full((7, 7), 1 / 49))
    circle = _weights(ee.Kernel.circle(3))
    assert (circle > 0).sum() == 29 and np.isclose(circle.max(), 0.0345, atol=5e-4)
    assert circle[0].tolist().count(0) == 6 and circle[1, 1] > 0 and circle[1, 0] == 0
    cross, plus = _weights(ee.Kernel.cross(3)), _weights(ee.Kernel.plus(3))
    assert np.array_equal(cross > 0, np.eye(7, dtype=bool) | np.fliplr(np.eye(7, dtype=bool)))
    assert (plus > 0).sum() == 13 and np.all(plus[3] > 0) and np.all(plus[:, 3] > 0)
    octagon = _weights(ee.Kernel.octagon(3))
    assert (octagon > 0).sum() == 37 and octagon[0, 2] > 0 and octagon[0, 1] == 0 and octagon[1, 0] == 0
    dy, dx = np.mgrid[-3:4, -3:4]
    np.testing.assert_allclose(_weights(ee.Kernel.euclidean(3)), np.hypot(dx, dy))
    np.testing.assert_allclose(_weights(ee.Kernel.manhattan(2)), (np.abs(dx) + np.abs(dy))[1:-1, 1:-1])
    fixed = [[4, 3, 2, 1, 2, 3, 4]] * 3
    assert _weights(ee.Kernel.fixed(weights=fixed)).tolist() == fixed
    g = _weights(ee.Kernel.gaussian(3, 1.5))
    ref = np.exp(-(dx**2 + dy**2) / (2 * 1.5**2))
    np.testing.assert_allclose(g, ref / ref.sum())
    assert _weights(ee.Kernel.sobel()).tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert np.array_equal(_weights(ee.Kernel.sobel().rotate(1)), np.rot90(_weights(ee.Kernel.sobel()), -1))
    assert _weights(ee.Kernel.rectangle(2, 1)).shape == (3, 5)
    both = _weights(ee.Kernel.square(1, "pixels", False).add(ee.Kernel.plus(2, "pixels", False)))
    assert both.shape == (5, 5) and both[2, 2] == 2 and both[0, 2] == 1 and both[1, 1] == 1 and both[0, 0] == 0


def test_confusion_matrix_matches_label_counts(emulator) -> None:
    rng = np.random.default_rng(5)
    actual = rng.integers(0, 4, 400)
    predicted = np.where(rng.random(400) < 0.7, actual, rng.integers(0, 4, 400))
    m = np.zeros((4, 4), int)
    np.add.at(m, (actual, predicted), 1)
    cm = ee.ConfusionMatrix(ee.Array(m.tolist()))
    assert cm.accuracy().getInfo() == pytest.approx(np.mean(actual == predicted))
    pa = [np.mean(predicted[actual == k] == k) for k in range(4)]  # of each actual class, the share found
    ua = [np.mean(actual[predicted == k] == k) for k in range(4)]  # of each predicted class, the share right
    np.testing.assert_allclose(np.ravel(cm.producersAccuracy().getInfo()), pa)
    np.testing.assert_allclose(np.ravel(cm.consumersAccuracy().getInfo()), ua)
    chance = sum(np.mean(actual == k) * np.mean(predicted == k) for k in range(4))
    observed = np.mean(actual == predicted)
    assert cm.kappa().getInfo() == pytest.approx((observed - chance) / (1 - chance))
    f1 = [2 * p * u / (p + u) for p, u in zip(pa, ua, strict=True)]
    np.testing.assert_allclose(np.ravel(cm.fscore().getInfo()), f1)
    assert cm.order().getInfo() == [0, 1, 2, 3]
    assert cm.array().getInfo() == m.tolist()
