"""Bad input: one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "m3leo_extract", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


CASES = {
    "missing AOI file": (lambda d: ["--aoi", str(d / "nope.geojson")], "does not exist"),
    "unknown AOI name": (lambda d: ["--aoi", "atlantis"], "unknown AOI"),
    "invalid JSON": (lambda d: ["--aoi", _write(d / "bad.geojson", '{"type": "FeatureCollection", "features": [')],
                     "not valid JSON"),
    "empty geometry": (lambda d: ["--aoi", _write(d / "empty.geojson", json.dumps(
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": []}}]}))],
        "empty geometry|no geometry"),
    "unknown collection": (lambda d: ["--aoi", "demo", "--collections", "s1,sentinel9"], "sentinel9"),
    "bad period": (lambda d: ["--aoi", "demo", "--period", "2020-13"], "2020-13"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(case: str, tmp_path: Path) -> None:
    make_args, message = CASES[case]
    args = {"--collections": "s1,s2,esa_worldcover", "--period": "2020", "--store": str(tmp_path / "store")}
    extra = make_args(tmp_path)
    for k, v in zip(extra[::2], extra[1::2], strict=True):
        args[k] = v
    flat = [x for kv in args.items() for x in kv]
    res = _run("extract", *flat, "--ee-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("m3leo: error: "), res.stderr
    import re

    assert re.search(message, lines[0]), lines[0]
    assert not (tmp_path / "store").exists()


def test_unknown_command_option_is_a_usage_error(tmp_path: Path) -> None:
    res = _run("grid", "--aoi", "demo", "--no-such-flag", cwd=tmp_path)
    assert res.returncode == 2


OTHER_CASES = {
    "plan with an unknown mode": (["plan", "--aoi", "demo", "--collections", "s2", "--period", "2020", "--mode",
                                   "teleport"], "teleport"),
    "export mode without a bucket": (["extract", "--aoi", "demo", "--collections", "s2", "--period", "2020",
                                      "--mode", "export", "--store", "{store}"], "--bucket"),
    "grid without an AOI": (["grid", "--out", "{store}/g.parquet"], "--aoi"),
    "emulator with bad latency": (["emulator", "--port", "0", "--latency-ms", "fast"], "latency"),
    "cancel without a dataset": (["cancel", "--store", "{store}"], "state database"),
    "refresh with a bad date": (["refresh", "--store", "{store}", "--today", "2024-13-45"], "--today"),
    "refresh without a dataset file": (["refresh", "--store", "{store}"], "m3leo.toml"),
}


@pytest.mark.parametrize("case", sorted(OTHER_CASES))
def test_other_commands_refuse_bad_input_with_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    args, message = OTHER_CASES[case]
    store = tmp_path / "store"
    res = _run(*[a.replace("{store}", str(store)) for a in args], cwd=tmp_path)
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert not store.exists()
