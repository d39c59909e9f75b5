"""Earth Engine's errors told apart by HTTP status and error structure, through the real client and the emulator.

A message that merely *contains* "500", "timeout" or "try again" (an asset id, a band name, a parameter) is not
a transient failure: a recipe whose band does not exist is bad input (exit 2), tried once, not eight times.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import ee
import pytest
from affine import Affine

from m3leo_extract.ee.pixels import EEPixelsGetter, PixelRequest, classify, http_failure
from m3leo_extract.errors import QuotaError
from m3leo_extract.state import ErrorKind

BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
SMALL = [[4.80, 45.70], [4.83, 45.70], [4.83, 45.72], [4.80, 45.72], [4.80, 45.70]]


def _request(image: ee.Image, band: str = "b") -> PixelRequest:
    return PixelRequest(image, "EPSG:32631", Affine(10, 0, 640000, 0, -10, 5065000), (8, 8), (band,), "float32")


def _raised(emulator, image: ee.Image, band: str = "b") -> BaseException:
    with pytest.raises(Exception) as info:
        ee.data.computePixels(_request(image, band).body())
    return info.value


def test_asset_not_found_with_500_in_its_name_is_invalid_not_retried(emulator) -> None:
    exc = _raised(emulator, ee.Image("USERS/nobody/TILE_500_timeout"))
    assert isinstance(exc, ee.EEException) and "not found" in str(exc)
    http = http_failure(exc)
    assert http is not None and http.code == 400 and http.status == "INVALID_ARGUMENT"
    err = classify(exc)
    assert not err.retryable and err.invalid and not err.too_large and not err.too_heavy
    assert ErrorKind.of(err) is ErrorKind.INVALID


def test_band_pattern_b500_is_invalid(emulator) -> None:
    exc = _raised(emulator, ee.Image.constant(1).rename("b").select("B500"), band="B500")
    assert "B500" in str(exc)
    err = classify(exc)
    assert not err.retryable and err.invalid


def test_injected_429_5xx_and_dropped_connections_are_transient(emulator) -> None:
    emulator.knobs.error_rate, emulator.knobs.seed = 1.0, 11
    seen = set()
    try:
        for _ in range(40):
            with pytest.raises(Exception) as info:
                EEPixelsGetter()(_request(ee.Image.constant(1).rename("b")))
            err = info.value
            assert err.retryable and not err.invalid, (type(err), str(err))  # type: ignore[attr-defined]
            seen.add((type(err).__name__, err.status))  # type: ignore[attr-defined]
            if ("QuotaError", 429) in seen and any(code in (500, 503) for _, code in seen):
                break
    finally:
        emulator.knobs.error_rate = 0.0
    assert ("QuotaError", 429) in seen and any(code in (500, 503) for _, code in seen), seen


def test_computation_timed_out_is_too_heavy(emulator) -> None:
    from ee_emulator import limits

    old = emulator.knobs.load
    emulator.knobs.load = limits.Load(work_budget=1.0)
    try:
        exc = _raised(emulator, ee.Image.constant(1).rename("b"))
    finally:
        emulator.knobs.load = old
    err = classify(exc)
    assert err.too_heavy and not err.retryable and not err.invalid


def test_only_documented_phrases_count_without_a_status() -> None:
    """An EEException with no HTTP answer behind it (raised by the client itself): the text alone decides, and
    only Earth Engine's documented phrases make it transient."""
    assert isinstance(classify(ee.EEException("Too many concurrent aggregations.")), QuotaError)
    assert classify(ee.EEException("Quota exceeded for quota metric 'Requests'.")).retryable
    for text in ("Parameter 'timeout' is required.", "Image asset 'X/500' not found",
                 "Band pattern 'B502' did not match any bands.", "Please try again with a date"):
        err = classify(ee.EEException(text))
        assert not err.retryable and not err.too_heavy and not err.too_large, text


def _write(tmp: Path) -> tuple[Path, Path]:
    (tmp / "aoi.geojson").write_text(json.dumps({"type": "Feature", "properties": {},
                                                 "geometry": {"type": "Polygon", "coordinates": [SMALL]}}))
    (tmp / "bad.toml").write_text('[badband]\ntitle = "bad band"\nasset = "ESA/WorldCover/v100"\n'
                                  'builder = "single_image_collection"\nkind = "continuous"\n'
                                  'dtype = "uint8"\nnodata = 0\nresolution = 10\ntemporal = "single"\n'
                                  'reducer = "first"\nversion = 1\n'
                                  'bands = [{ name = "map", source = "B500" }]\n')
    return tmp / "aoi.geojson", tmp / "bad.toml"


def test_a_recipe_whose_band_does_not_exist_exits_2_after_one_request(emulator, tmp_path: Path) -> None:
    aoi, bad = _write(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("M3LEO_")}
    n0 = len(emulator.pixel_requests())
    res = subprocess.run([BIN, "extract", "--aoi", str(aoi), "--collections", "badband", "--period", "2020",
                          "--store", str(tmp_path / "ds"), "--ee-url", emulator.url, "--catalog", str(bad)],
                         capture_output=True, text=True, env=env, timeout=180)
    err = res.stderr.strip()
    assert res.returncode == 2, (res.returncode, err)
    assert "Traceback" not in err and "B500" in err and "recipe" in err and "--retry-failed" in err, err
    assert "rerun the same command" not in err
    calls = emulator.pixel_requests()[n0:]
    assert len(calls) == 1 and calls[0]["status"] == 400, calls  # one unit, one block: tried once, not 8 times
    from m3leo_extract.state import StateDB

    db = StateDB(tmp_path / "ds" / "state.sqlite")
    try:
        kinds = [u.error_kind for u in db.units(status="failed")]
    finally:
        db.close()
    assert kinds == [ErrorKind.INVALID]
