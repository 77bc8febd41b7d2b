"""The simulator starts, answers on a real socket and stops."""

from __future__ import annotations

import httpx
import pytest

from tests.simulator.conftest import SimFactory


@pytest.mark.asyncio
async def test_started_terminal_answers_get_time(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"{term.base_url}/getTime", params={"key": "abc"})
    assert reply.json()["status"] == 0
    assert len(term.serial) == 16
