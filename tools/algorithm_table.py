"""Rewrite docs/emulator.md's algorithm table from the evaluator's table and Earth Engine's signatures.

    python tools/algorithm_table.py [--check]

One row per family with at least one implemented algorithm: the implemented names, the signatures Earth Engine
publishes that the emulator does not answer (all of them up to 25, else a count and the first 8), and the tests
column as the document already has it (new families get tests/test_emulator_arrays.py); then the families with
none, and the totals. `--check` exits 1 when the document is not what this would write.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "emulator.md"
HEADER = "| family | implemented | not implemented (answer `Unknown algorithm`) | tests |"
NEW_TESTS = {"Array": "test_emulator_arrays.py", "PixelType": "test_emulator_arrays.py",
             "Kernel": "test_emulator_arrays.py", "ConfusionMatrix": "test_emulator_arrays.py"}


def _split(name: str) -> tuple[str, str]:
    family, _, short = name.partition(".")
    return (family, short) if short else ("(top level)", name)


def _cell(names: list[str]) -> str:
    if not names:
        return "-"
    if len(names) > 25:
        return f"{len(names)} others, e.g. " + ", ".join(names[:8])
    return ", ".join(names)


def table(old_tests: dict[str, str]) -> list[str]:
    from ee_emulator.discovery import algorithms
    from ee_emulator.evaluate import Evaluator

    doc = algorithms()
    sigs = {s["name"].removeprefix("algorithms/") for s in doc.get("algorithms", doc)}
    impl = set(Evaluator().fns)
    fams: dict[str, tuple[set[str], set[str]]] = {}
    for name in sigs | impl:
        fam, short = _split(name)
        done, todo = fams.setdefault(fam, (set(), set()))
        (done if name in impl else todo).add(short)
    order = [f for f in old_tests if f in fams] + sorted(f for f in fams if f not in old_tests)
    rows = [HEADER, "|---|---|---|---|"]
    rows += [f"| {f} | {', '.join(sorted(fams[f][0]))} | {_cell(sorted(fams[f][1]))} | "
             f"{old_tests.get(f) or NEW_TESTS.get(f, 'test_emulator_rest.py')} |" for f in order if fams[f][0]]
    empty = sorted(f for f, (done, _) in fams.items() if not done)
    rows += ["", f"Families with no implemented algorithm ({len(empty)}, all answer `Unknown algorithm`): "
             + ", ".join(empty) + ".", "",
             f"In all: {len(impl)} algorithms implemented, {len(sigs - impl)} of the {len(sigs)} signatures Earth "
             "Engine publishes are not."]
    return rows


def rewrite(text: str) -> str:
    lines = text.splitlines()
    start = lines.index(HEADER)
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("In all: "))
    old_tests = {}
    for ln in lines[start + 2:end]:
        cells = [c.strip() for c in ln.split("|")]
        if len(cells) > 4:
            old_tests[cells[1]] = cells[4]
    return "\n".join(lines[:start] + table(old_tests) + lines[end + 1:]) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    text = DOC.read_text()
    new = rewrite(text)
    if a.check:
        sys.exit(0 if new == text else 1)
    DOC.write_text(new)


if __name__ == "__main__":
    main()
