"""Earth Engine's own public Python samples against the emulator (tools/run_samples.py): the share that runs and
the share of their algorithm calls answered stay at least what was measured, and the counting itself reads
the graphs the client sends (not names in the source)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import run_samples  # noqa: E402 - tools/ is not a package

# Measured on this branch (docs/emulator.md, "Judged by Earth Engine's samples"), less a small margin. Raise
# them as algorithms land; the targets are 0.9 of the samples running and 0.95 of the calls answered.
MIN_SAMPLES_RUN = 0.90
MIN_CALLS_ANSWERED = 0.94


def test_the_vendored_samples_carry_their_licence_and_list() -> None:
    samples = ROOT / "tools" / "samples"
    assert "Apache License" in (samples / "LICENSE").read_text()
    notice = (samples / "NOTICE").read_text()
    assert "google/earthengine-community" in notice and "commit" in notice
    kept = run_samples.kept_samples()
    assert len(kept) >= 600 and all((samples / k).is_file() for k in kept)
    listed = {ln.split("\t")[0] for ln in (samples / "SAMPLES.txt").read_text().splitlines() if "\t" in ln}
    on_disk = {p.relative_to(samples).as_posix() for p in samples.rglob("*.py")}
    assert on_disk == set(kept) and on_disk <= listed  # only the kept ones are vendored; every one is listed


def test_calls_are_counted_from_the_graph_the_client_sends(emulator) -> None:
    """The request log's algorithm names are the functionInvocationValues of the client's own serialisation."""
    import ee

    from ee_emulator.calls import algorithm_calls

    obj = ee.List.sequence(1, 5).map(lambda x: ee.Number(x).multiply(2)).reduce(ee.Reducer.sum())
    expected = algorithm_calls(ee.serializer.encode(obj, for_cloud_api=True))
    assert sorted(expected) == sorted(["List.sequence", "List.map", "Number.multiply", "List.reduce",
                                       "Reducer.sum"])
    seen = len(emulator.request_log)
    assert obj.getInfo() == 30
    logged = [r for r in emulator.request_log[seen:] if r.get("method") == "value:compute"]
    assert sorted(logged[-1]["algorithms"]) == sorted(expected)


@pytest.mark.timeout(300)
def test_the_samples_run_and_their_calls_are_answered() -> None:
    """Every kept sample, each in isolation with a time limit, against its worker's own emulator."""
    from ee_emulator.evaluate import Evaluator

    results = run_samples.run_all(run_samples.kept_samples(), jobs=2, timeout=60)
    summary = run_samples.summarise(results, set(Evaluator().fns))
    assert summary["samples"] == len(run_samples.kept_samples())
    assert summary["calls"] > 5000  # the graphs were read
    assert summary["samples_run_share"] >= MIN_SAMPLES_RUN, summary
    assert summary["calls_answered_share"] >= MIN_CALLS_ANSWERED, summary
    ran = {r["sample"] for r in results if r["ok"]}
    assert {"apidocs/ee_array_accum.py", "apidocs/ee_kernel_octagon.py", "guides/sentinel1.py"} <= ran


def test_the_runner_prints_its_summary_as_the_last_json_line() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "run_samples.py"), "--only", "ee_number_add",
                          "ee_array_cat"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    import json

    last = json.loads(out.strip().splitlines()[-1])
    assert last["samples"] == 2 and last["samples_run_share"] == 1.0 and last["calls_answered_share"] == 1.0
    assert set(last) >= {"samples", "samples_run_share", "calls_answered_share", "missing"}


def test_the_algorithm_table_in_the_docs_is_current() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "algorithm_table.py"), "--check"], cwd=ROOT)
    assert proc.returncode == 0, "docs/emulator.md's algorithm table is stale: run python tools/algorithm_table.py"
