"""pytest plugin: an `ee_emulator` fixture for anyone's tests (registered through the `pytest11` entry point).

    def test_mean(ee_emulator):          # the real earthengine-api, initialised against a loopback emulator
        import ee
        assert ee.Number(2).add(3).getInfo() == 5

The fixture is session-scoped: one server for the whole run, the `ee` client initialised against it with
anonymous credentials (the same call a user makes against any endpoint: `ee.Initialize(opt_url=...)`).
Per-test faults go through `ee_emulator.knobs` (restore them after the test).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import EmulatorHandle, start_emulator

PROJECT = "m3leo-emulator"


def initialize_client(url: str, project: str = PROJECT) -> None:
    """Point the unmodified `ee` client at an emulator url (anonymous credentials, no Google round trip)."""
    import ee
    from google.auth.credentials import AnonymousCredentials

    ee.Initialize(credentials=AnonymousCredentials(), project=project, opt_url=url)


@pytest.fixture(scope="session")
def ee_emulator() -> Iterator[EmulatorHandle]:
    """A running emulator (`.url`, `.knobs`, `.request_log`) with the `ee` client initialised against it."""
    with start_emulator() as emu:
        initialize_client(emu.url)
        yield emu
