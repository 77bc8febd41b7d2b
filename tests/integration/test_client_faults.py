"""TerminalClient under injected faults: latency, failures, dropped connections, outages."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from client_support import PROFILES, client_for, fit_640x480, sim_control

from enroll_app.terminal.errors import (
    ProtocolError,
    TerminalError,
    TerminalFailure,
    TerminalTimeout,
    TerminalUnreachable,
)
from enroll_app.terminal.records import Person

SimFactory = Any
pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("profile", PROFILES)
async def test_latency_beyond_the_timeout_is_a_timeout(
    sim_factory: SimFactory, profile: str
) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term, timeout=0.5) as c:
        assert await c.get_time() > 0
        term.faults.latency_ms = 2000
        with pytest.raises(TerminalTimeout) as caught:
            await c.get_device_info()
        assert caught.value.endpoint == "getDeviceInfo"
        term.faults.latency_ms = 20
        assert (await c.get_device_info()).sn == term.serial


async def test_photo_calls_get_the_long_timeout(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="spec", latency_ms=600)
    async with client_for(term, timeout=0.3, photo_timeout=5) as c:
        assert (await c.check(fit_640x480())).usable
        with pytest.raises(TerminalTimeout):
            await c.get_time()


@pytest.mark.parametrize("profile", PROFILES)
async def test_injected_failures_are_typed(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile, fail_rate=1.0)
    async with client_for(term) as c:
        with pytest.raises(TerminalFailure) as caught:
            await c.get_device_info()
    assert caught.value.status == 1
    assert caught.value.operator_text


@pytest.mark.parametrize("profile", PROFILES)
async def test_every_drop_is_typed_and_retried_only_when_safe(
    sim_factory: SimFactory, profile: str
) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        await c.set_person(Person("1", photo=fit_640x480()))
        term.faults.drop_rate = 1.0
        with pytest.raises(TerminalUnreachable):
            await c.get_time()
        with pytest.raises(ProtocolError):  # the firmware drops getPerson on bad input
            await c.get_person("1")
        with pytest.raises(TerminalUnreachable):
            await c.open_door()
        term.faults.drop_rate = 0.0
        state = await sim_control(term, "faults")
        assert state["data"]["drop_rate"] == 0


@pytest.mark.parametrize("profile", PROFILES)
async def test_retries_ride_out_occasional_drops(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile, drop_rate=0.3, seed=7)
    outcomes: list[object] = []
    async with client_for(term) as c:
        for _ in range(15):
            try:
                outcomes.append(await c.get_time())
            except TerminalError as exc:
                outcomes.append(exc)
    assert all(isinstance(o, float | TerminalUnreachable) for o in outcomes)
    # Without retries about 30 % would fail; with two retries about 3 %.
    assert sum(isinstance(o, float) for o in outcomes) >= 12


async def test_stopped_terminal_is_unreachable_fast(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="acs-1.1.143")
    async with client_for(term) as c:
        assert await c.get_time() > 0
        await term.stop()
        started = time.monotonic()
        with pytest.raises(TerminalUnreachable) as caught:
            await c.get_time()
        assert time.monotonic() - started < 5
    assert "abc" not in str(caught.value)


async def test_capacity_fault_at_run_time(sim_factory: SimFactory) -> None:
    from enroll_app.terminal.errors import TerminalFull

    term = await sim_factory(profile="spec")
    async with client_for(term) as c:
        await c.set_person(Person("1", photo=fit_640x480()))
        term.faults.capacity = 1
        with pytest.raises(TerminalFull) as caught:
            await c.set_person(Person("2", photo=fit_640x480("gdp.jpg")))
        assert caught.value.status == 128
        await c.set_person(Person("1", name="update is fine"))  # updates do not count
        term.faults.capacity = 10
        await c.set_person(Person("2", photo=fit_640x480("gdp.jpg")))


async def test_slow_terminal_with_many_concurrent_callers(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="acs-1.1.143", latency_ms=30)
    async with client_for(term) as c:
        await c.set_person(Person("1", photo=fit_640x480()))
        results = await asyncio.gather(
            *(c.get_person("1") for _ in range(5)),
            *(c.check(fit_640x480()) for _ in range(3)),
            *(c.get_time() for _ in range(10)),
        )
    assert len(results) == 18


async def test_stalled_camera_times_out_and_then_reports_busy(sim_factory: SimFactory) -> None:
    from enroll_app.terminal.errors import TerminalBusy

    term = await sim_factory(profile="acs-1.1.143")
    await sim_control(term, "camera", frames="0")
    async with client_for(term, photo_timeout=0.5) as c:
        with pytest.raises(TerminalTimeout):
            await c.take_photos(1)
        with pytest.raises(TerminalBusy) as caught:  # the first capture still blocks it
            await c.take_photos(1)
        assert caught.value.status == 123
    await sim_control(term, "camera", frames="1")
