"""Shared fixtures: the real data files beside the repository, and the Earth Engine emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not there (the shared data folder must sit beside the repository)")
    return SHARED


@pytest.fixture(scope="session")
def emulator():
    """One emulator for the whole session, with the real `ee` client initialised against it."""
    from m3leo_extract.ee.session import initialize
    from m3leo_extract.emulator import start_emulator

    with start_emulator() as emu:
        initialize(url=emu.url)
        yield emu
