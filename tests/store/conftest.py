"""Store fixtures: a real SQLite store in the test's station home, a clock the test drives,
real 640x480 enrollment JPEGs made from the shipped sample photos."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from store_helpers import DOORS, FakeClock, enrollment_jpeg

from enroll_app.store import Store, TerminalSerial, terminals


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> Iterator[Store]:
    """The station store at its default place (the test's station home), closed afterwards."""
    opened = Store.open(clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def doors(store: Store) -> list[TerminalSerial]:
    """Two known terminals on loopback addresses."""
    for number, serial in enumerate(DOORS, start=2):
        store.run(terminals.upsert_terminal, serial, f"127.0.0.{number}", 8090, name=serial)
    return list(DOORS)


@pytest.fixture(scope="session")
def photos() -> list[bytes]:
    """Four different real 640x480 JPEGs."""
    return [
        enrollment_jpeg("yaoming.jpg", (0.0, 0.0)),
        enrollment_jpeg("t1.jpg", (0.0, 0.0)),
        enrollment_jpeg("t1.jpg", (0.1, 0.2)),
        enrollment_jpeg("players.jpg", (0.0, 0.0)),
    ]
