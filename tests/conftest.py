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
def emulator(ee_emulator):
    """The `ee_emulator` plugin's server, with the client initialised through m3leo's own session code."""
    from m3leo_extract.ee.session import initialize

    initialize(url=ee_emulator.url)
    return ee_emulator
