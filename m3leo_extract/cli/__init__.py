"""The `m3leo` command line. Parses, validates, delegates and renders; no pipeline logic lives here.

Each command group is a module of this package that registers itself on `app`. Library code raises
`m3leo_extract.errors.M3leoError`; `main()` turns it into one line on stderr and its exit code.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from typing import Annotated

import typer

from ..errors import M3leoError

app = typer.Typer(
    name="m3leo",
    help="Earth Engine catalog -> ML-ready 4 x 4 km chips in Zarr (M3LEO style).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich panels print every flag as `--json <bool>`, as if it took a value.
    rich_markup_mode=None,
)


@app.command()
def version() -> None:
    """Print the m3leo-extract version."""
    from .. import __version__

    typer.echo(__version__)


def _register() -> None:
    # Imported for their side effect of adding commands to `app`. A module that is not written yet is skipped,
    # so the CLI keeps working while command groups land one by one.
    import importlib

    for name in ("aoi", "grid", "catalog", "extract", "tile", "store", "train", "emulator", "ops", "shift",
                 "export_cog", "verify", "publish"):
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # only skip the command module itself being absent
            if exc.name != f"{__name__}.{name}":
                raise


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.echo(f"m3leo: error: {message}", err=True)
    return typer.Exit(code)


DEBUG_ENV = "M3LEO_DEBUG"  # M3LEO_DEBUG=1: show the traceback of a failure (same as --debug)


def _debug(args: list[str]) -> tuple[bool, list[str]]:
    """`--debug` anywhere on the line (it is not a command's option) or M3LEO_DEBUG=1."""
    on = os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")
    if "--debug" in args:
        args = [a for a in args if a != "--debug"]
        on = True
    return on, args


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of a failure (or set "
                                                                 "M3LEO_DEBUG=1).")] = False) -> None:
    """Earth Engine catalog -> ML-ready 4 x 4 km chips in Zarr (M3LEO style)."""


def _usage_line(exc: Exception) -> str:
    """A click usage error as one line, naming the command's --help."""
    ctx = getattr(exc, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    return f"m3leo: error: {exc.format_message()}{where}"  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns the exit code (docs/operations.md lists them; `errors.EXIT_*`)."""
    from ..errors import EXIT_INTERNAL, EXIT_INTERRUPTED

    debug, args = _debug(list(sys.argv[1:] if argv is None else argv))
    _register()
    try:
        # Without standalone mode click returns (not raises) a typer.Exit's code: keep it.
        rv = app(args=args, prog_name="m3leo", standalone_mode=False)
        if isinstance(rv, int) and not isinstance(rv, bool):
            return _interrupted(debug) if rv == EXIT_INTERRUPTED else rv  # typer turns Ctrl-C into exit 130
    except M3leoError as exc:
        if debug:
            traceback.print_exc()
        print(f"m3leo: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return _interrupted(debug) if exc.exit_code == EXIT_INTERRUPTED else exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted(debug)
    except Exception as exc:
        # Click's usage errors (typer vendors click) arrive here in non-standalone mode: duck-typed on purpose.
        if hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int):
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # type: ignore[attr-defined]  # the help text itself
            else:
                print(_usage_line(exc), file=sys.stderr)
            return int(exc.exit_code)  # type: ignore[attr-defined]
        from ..failures import translate

        if debug:
            traceback.print_exc()
        known = translate(exc)
        if known is not None:
            print(f"m3leo: error: {known}", file=sys.stderr)
            return known.exit_code
        first = (str(exc).splitlines() or [""])[0][:200]
        print(f"m3leo: internal error: {type(exc).__name__}: {first}; rerun with --debug (or M3LEO_DEBUG=1) for "
              "the traceback and report it", file=sys.stderr)
        return EXIT_INTERNAL
    return 0


def _interrupted(debug: bool) -> int:
    from ..errors import EXIT_INTERRUPTED

    if debug:
        traceback.print_exc()
    print("m3leo: interrupted; rerun the same command to resume (done units are kept)", file=sys.stderr)
    return EXIT_INTERRUPTED


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (kill, systemd, a cron timeout): stop like Ctrl-C, state consistent


def run() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    if code == 130:
        # Threads still waiting on Earth Engine would hold the interpreter up to a request timeout: the state
        # is already consistent (units in flight are back to planned), so leave at once.
        os._exit(code)
    sys.exit(code)
