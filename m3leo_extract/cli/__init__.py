"""The `m3leo` command line. Parses, validates, delegates and renders; no pipeline logic lives here.

Each command group is a module of this package that registers itself on `app`. Library code raises
`m3leo_extract.errors.M3leoError`; `main()` turns it into one line on stderr and its exit code.
"""

from __future__ import annotations

import sys

import typer

from ..errors import M3leoError

app = typer.Typer(
    name="m3leo",
    help="Earth Engine catalog -> ML-ready 4 x 4 km chips in Zarr (M3LEO style).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
                 "export_cog", "verify"):
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # only skip the command module itself being absent
            if exc.name != f"{__name__}.{name}":
                raise


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.echo(f"m3leo: error: {message}", err=True)
    return typer.Exit(code)


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns the exit code (0 ok, 2 bad input, 3 credentials, 1 other failures)."""
    _register()
    try:
        # Without standalone mode click returns (not raises) a typer.Exit's code: keep it.
        rv = app(args=argv, standalone_mode=False)
        if isinstance(rv, int) and not isinstance(rv, bool):
            return rv
    except M3leoError as exc:
        print(f"m3leo: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        print("m3leo: aborted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("m3leo: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    except Exception as exc:
        # Click's usage errors (typer vendors click) arrive here in non-standalone mode: duck-typed on purpose.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return int(exc.exit_code)
        raise
    return 0


def run() -> None:
    sys.exit(main())
