"""Fixtures for tests over real sockets: `sim_factory` starts simulated terminals on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio

from enroll_app.simulator import SimConfig, SimulatedTerminal

SimFactory = Callable[..., Awaitable[SimulatedTerminal]]


@pytest_asyncio.fixture
async def sim_factory(tmp_path: Path) -> AsyncIterator[SimFactory]:
    """`term = await sim_factory(profile="spec", **SimConfig fields)`: a started terminal.

    Defaults: 127.0.0.1, an ephemeral port, fast=True, a fresh data folder under tmp_path
    (one per terminal). Every terminal is stopped at teardown.
    """
    started: list[SimulatedTerminal] = []

    async def factory(profile: str = "spec", **fields: Any) -> SimulatedTerminal:
        fields.setdefault("host", "127.0.0.1")
        fields.setdefault("port", 0)
        fields.setdefault("fast", True)
        fields.setdefault("data_dir", tmp_path / f"terminal-{len(started)}")
        term = SimulatedTerminal(SimConfig(profile=profile, **fields))
        await term.start()
        started.append(term)
        return term

    yield factory
    for term in reversed(started):
        await term.stop()
