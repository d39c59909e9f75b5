"""Run Earth Engine's public Python samples against the emulator and say how much of them it answers.

    python tools/run_samples.py [--jobs 2] [--timeout 30] [--only SUBSTRING ...] [--every K] [--json-only]

Runs every sample listed as kept in tools/samples/SAMPLES.txt (picked by tools/select_samples.py from
google/earthengine-community's samples/python: those using only assets the emulator serves, or none), each in
a fresh namespace with a time limit, in worker processes that each start their own emulator and initialise the
unmodified `ee` client against it (m3leo_extract.ee.session.initialize). Map display calls are replaced by
getInfo() on the object: `display(x)`, `print(x)`, `m.add_layer(x, ...)`, `m.center_object(x)`,
`geemap.ee_to_df(x)` (geemap is replaced by a stand-in whose Map draws nothing); `ee.Initialize` /
`ee.Authenticate` lines are dropped. A display call that fails is recorded and the sample goes on.

Algorithm calls are counted from the graphs the client itself sent: the emulator's request log records the
functionName of every functionInvocationValue of each request's expression (ee_emulator/calls.py). A call is
answered when the emulator implements its algorithm (ee_emulator.evaluate.Evaluator().fns). A sample runs when
it ends within its time limit with no exception, display calls included.

Prints the share of samples that run, the share of algorithm calls answered, the missing algorithms ranked by
calls, the commonest other errors; the last line is one JSON object
{"samples", "samples_run", "samples_run_share", "calls", "calls_answered_share", "missing": [[name, calls], ...]}.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
ROOT = HERE.parent


def kept_samples() -> list[str]:
    lines = (SAMPLES / "SAMPLES.txt").read_text().splitlines()
    return [ln.split("\t")[0] for ln in lines if not ln.startswith("#") and ln.endswith("\tkept")]


# -- worker: one process, its own emulator, samples one after another --------------------------------------------
class SampleTimeout(BaseException):  # noqa: N818 - a BaseException, so a sample's `except Exception` lets it by
    pass


class _Noop:
    """Stands in for anything a sample draws with (a map, a widget): every attribute is a no-op callable."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return _Noop()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _Noop()


class Session:
    """The display stand-ins of one sample: each evaluates what it is shown with getInfo() and keeps errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def show(self, *objs: Any) -> None:
        import ee

        for obj in objs:
            if isinstance(obj, (list, tuple)):
                self.show(*obj)
            elif isinstance(obj, dict):
                self.show(*obj.values())
            elif isinstance(obj, ee.ComputedObject):
                try:
                    obj.getInfo()
                except SampleTimeout:
                    raise
                except Exception as exc:  # noqa: BLE001 - recorded; the sample goes on as a notebook would
                    self.errors.append(f"{type(exc).__name__}: {exc}")

    def print(self, *objs: Any, **kwargs: Any) -> None:
        self.show(*objs)

    def geemap(self) -> Any:
        session = self

        class Map(_Noop):
            def add_layer(self, obj: Any = None, *args: Any, **kwargs: Any) -> None:
                session.show(obj)

            addLayer = add_ee_layer = add_layer  # noqa: N815

            def center_object(self, obj: Any = None, *args: Any, **kwargs: Any) -> None:
                session.show(obj)

            centerObject = center_object  # noqa: N815

        class Geemap(_Noop):
            def __getattr__(self, name: str) -> Any:
                return {"Map": Map, "core": self, "ee_to_df": session.show, "ee_to_pandas": session.show}.get(
                    name, _Noop())

        return Geemap()


class _Strip(ast.NodeTransformer):
    """Drops `import geemap...` (a stand-in is in the namespace) and ee.Initialize / ee.Authenticate calls."""

    def visit_Import(self, node: ast.Import) -> Any:  # noqa: N802
        return ast.Pass() if any(a.name.split(".")[0] == "geemap" for a in node.names) else node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:  # noqa: N802
        return ast.Pass() if (node.module or "").split(".")[0] == "geemap" else node

    def visit_Expr(self, node: ast.Expr) -> Any:  # noqa: N802
        f = node.value.func if isinstance(node.value, ast.Call) else None
        if isinstance(f, ast.Attribute) and f.attr in ("Initialize", "Authenticate"):
            return ast.Pass()
        return node


def run_one(path: Path, timeout: float) -> dict[str, Any]:
    import contextlib
    import io
    import signal

    import ee

    session = Session()
    ns = {"__name__": "__main__", "__file__": str(path), "ee": ee, "display": session.show,
          "print": session.print, "geemap": session.geemap(), "Map": session.geemap().Map()}
    res: dict[str, Any] = {"sample": str(path.relative_to(SAMPLES)), "ok": False}

    def _alarm(*_: Any) -> None:
        raise SampleTimeout

    t0 = time.time()
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        tree = ast.fix_missing_locations(_Strip().visit(ast.parse(path.read_text())))
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(tree, str(path), "exec"), ns)  # noqa: S102 - the vendored public samples
        res["ok"] = not session.errors
    except SampleTimeout:
        res["timed_out"] = True
        session.errors.append(f"timed out after {timeout:g} s")
    except BaseException as exc:  # noqa: BLE001 - any failure of the sample is its result
        session.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    res["seconds"] = round(time.time() - t0, 3)
    res["errors"] = [e[:300] for e in session.errors[:5]]
    return res


def worker(timeout: float) -> None:
    """Read sample paths from stdin; print one JSON line per sample; exit 3 after a timeout (fresh process)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from ee_emulator import start_emulator
    from m3leo_extract.ee.session import initialize

    out = sys.stdout
    paths = [p for p in sys.stdin.read().splitlines() if p]
    with start_emulator() as emu:
        initialize(url=emu.url)
        for rel in paths:
            seen = len(emu.request_log)
            res = run_one(SAMPLES / rel, timeout)
            log = emu.request_log[seen:]
            res["calls"] = dict(Counter(n for r in log for n in r.get("algorithms", [])))
            res["requests"] = len(log)
            out.write(json.dumps(res) + "\n")
            out.flush()
            if res.get("timed_out"):
                out.close()
                os._exit(3)  # the emulator's thread may still be computing the abandoned request


# -- parent: workers, aggregation, report ------------------------------------------------------------------------
def run_chunk(paths: list[str], timeout: float) -> list[dict[str, Any]]:
    """Run `paths` in worker processes, starting a fresh one after a timeout or a crash."""
    results: list[dict[str, Any]] = []
    todo = list(paths)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    while todo:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", "--timeout", str(timeout)],
                              input="\n".join(todo), capture_output=True, text=True, env=env, cwd=str(ROOT))
        got = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
        results += got
        done = {r["sample"] for r in got}
        todo = [p for p in todo if p not in done]
        if todo and proc.returncode != 3:  # the worker died inside todo[0]
            tail = proc.stderr.strip().splitlines()[-1:] or [""]
            results.append({"sample": todo[0], "ok": False, "calls": {}, "requests": 0,
                            "errors": [f"worker exited {proc.returncode}: {tail[0][:300]}"]})
            todo = todo[1:]
    return results


def run_all(paths: list[str], jobs: int, timeout: float) -> list[dict[str, Any]]:
    chunks = [paths[i::jobs] for i in range(jobs)]
    with ThreadPoolExecutor(jobs) as pool:
        parts = list(pool.map(lambda c: run_chunk(c, timeout), [c for c in chunks if c]))
    return sorted((r for part in parts for r in part), key=lambda r: r["sample"])


def summarise(results: list[dict[str, Any]], implemented: set[str], top: int = 20) -> dict[str, Any]:
    calls: Counter[str] = Counter()
    for r in results:
        calls.update(r.get("calls", {}))
    total = sum(calls.values())
    answered = sum(n for name, n in calls.items() if name in implemented)
    missing = Counter({name: n for name, n in calls.items() if name not in implemented})
    run = sum(1 for r in results if r["ok"])
    return {"samples": len(results), "samples_run": run,
            "samples_run_share": round(run / len(results), 4) if results else 0.0,
            "calls": total, "calls_answered_share": round(answered / total, 4) if total else 0.0,
            "missing": [[name, n] for name, n in missing.most_common(top)]}


def _error_kind(err: str) -> str:
    return "Unknown algorithm" if "Unknown algorithm" in err else err[:120]


def report(results: list[dict[str, Any]], summary: dict[str, Any], missing_all: list[tuple[str, int]]) -> None:
    print(f"samples run: {summary['samples_run']} of {summary['samples']} ({summary['samples_run_share']:.1%})")
    print(f"algorithm calls answered: {summary['calls_answered_share']:.1%} of {summary['calls']}")
    print(f"missing algorithms ({len(missing_all)}), by calls:")
    for name, n in missing_all:
        print(f"  {n:5d}  {name}")
    errs = Counter(_error_kind(e) for r in results for e in r.get("errors", [])[:1])
    print("first errors of failing samples, commonest:")
    for err, n in errs.most_common(15):
        print(f"  {n:4d}  {err}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (each with its own emulator)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds a sample may take")
    ap.add_argument("--only", nargs="*", default=[], help="run only samples whose path holds one of these")
    ap.add_argument("--every", type=int, default=1, help="run every K-th sample (a representative subset)")
    ap.add_argument("--missing-out", help="write the ranked missing algorithms here, one 'count name' a line")
    ap.add_argument("--results-out", help="write every sample's result here (JSON)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        worker(a.timeout)
        return {}
    paths = [p for p in kept_samples() if not a.only or any(s in p for s in a.only)][:: max(1, a.every)]
    from ee_emulator.evaluate import Evaluator

    implemented = set(Evaluator().fns)
    results = run_all(paths, max(1, a.jobs), a.timeout)
    summary = summarise(results, implemented)
    missing_all = [tuple(m) for m in summarise(results, implemented, top=10_000)["missing"]]
    report(results, summary, missing_all)  # type: ignore[arg-type]
    if a.missing_out:
        Path(a.missing_out).write_text("".join(f"{n} {name}\n" for name, n in missing_all))
    if a.results_out:
        Path(a.results_out).write_text(json.dumps(results, indent=1))
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
