"""Reboots, restarts, the camera and injected faults, over real sockets."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import socket
import warnings
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from enroll_app.simulator import SimConfig, SimulatedTerminal
from tests.simulator.conftest import SimFactory
from tests.simulator.rawhttp import Closed, b64, exchange, form_post, frame, request_bytes

KEY = {"key": "abc"}


async def post(client: httpx.AsyncClient, uri: str, **fields: str) -> dict:
    reply = await client.post(
        f"/{uri}?key=abc",
        content=urlencode(fields).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    return reply.json()


@pytest.mark.asyncio
async def test_reboot_answers_goes_away_and_comes_back_with_everything(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory("acs-1.1.143")
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        fields = {"id": "1", "name": "Wang", "startTs": "-1", "endTs": "-1"}
        assert (await post(client, "setPerson", **fields, photo=b64(frame(6))))["status"] == 0
        assert (await post(client, "setDeviceInfo", deviceName="Gate 2"))["status"] == 0
        assert (await post(client, "setDeviceKey", newKey="k2"))["status"] == 0
    await term.pass_door("1")
    port, serial = term.port, term.serial
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        reply = await client.get("/reboot", params={"key": "k2"})
        assert reply.json()["status"] == 0
        await asyncio.wait_for(term.wait_offline(), 10)  # goes away shortly after answering
        with pytest.raises(httpx.TransportError):
            await client.get("/getTime", params={"key": "k2"})
        await asyncio.wait_for(term.wait_booted(2), 10)
        assert (term.port, term.serial) == (port, serial)
        assert (await client.get("/getTime", params=KEY)).json()["status"] == 103  # key persisted
        info = (await client.get("/getDeviceInfo", params={"key": "k2"})).json()["data"]
        person = (await client.get("/getPerson", params={"key": "k2", "id": "1"})).json()["data"]
        records = await client.get("/listRecord", params={"key": "k2", "ts": "0", "count": "9"})
    assert info["name"] == "Gate 2"
    assert info["sn"] == serial
    assert person["name"] == "Wang"
    assert len(records.json()["data"]["record"]) == 1
    # The gallery survives too: the enrolled face is still recognised.
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        checked = await client.post("/check?key=k2", data={"photo": b64(frame(6))})
    assert checked.json()["data"] == {"isValid": 0, "isExist": True}


@pytest.mark.asyncio
async def test_restart_from_the_same_folder_keeps_serial_and_state(tmp_path: Path) -> None:
    config = SimConfig(port=0, data_dir=tmp_path / "t", profile="spec")
    async with SimulatedTerminal(config) as term:
        first_serial = term.serial
        async with httpx.AsyncClient(base_url=term.base_url) as client:
            assert (await post(client, "setPerson", id="x", name="Kept"))["status"] == 0
            assert (await post(client, "setTime", ts="1700000000"))["status"] == 0
    assert len(first_serial) == 16
    assert all(c in "0123456789abcdef" for c in first_serial)
    async with SimulatedTerminal(config) as term:
        assert term.serial == first_serial
        async with httpx.AsyncClient(base_url=term.base_url) as client:
            person = (await client.get("/getPerson", params={**KEY, "id": "x"})).json()["data"]
            ts = (await client.get("/getTime", params=KEY)).json()["data"]["ts"]
    assert person["name"] == "Kept"
    assert 1700000000 <= ts < 1700000100  # the clock offset is kept, like a real RTC


@pytest.mark.asyncio
@pytest.mark.parametrize("settle", range(8))
async def test_stop_closes_connections_it_had_not_started_serving(
    tmp_path: Path, settle: int
) -> None:
    """Connections accepted just before `stop` (handler not started yet) are closed, not leaked."""
    config = SimConfig(port=0, host="127.0.0.1", data_dir=tmp_path / "t", profile="spec")
    term = SimulatedTerminal(config)
    await term.start()
    # Blocking connects: the kernel completes them while the loop is not running, so the
    # terminal accepts them on the loop's next turns; stop at each point of accept -> handler.
    clients = [socket.create_connection((term.host, term.port), timeout=5) for _ in range(3)]
    for _ in range(settle):
        await asyncio.sleep(0)
    await term.stop()
    await asyncio.sleep(0.05)  # a handler that starts after the stop would have started by now
    for sock in clients:
        with sock, contextlib.suppress(ConnectionError):
            sock.sendall(b"GET /getTime?key=abc HTTP/1.1\r\nHost: t\r\n\r\n")
            assert await asyncio.to_thread(sock.recv, 4096) == b""  # hung up, no answer
    # What a closing event loop does next: cancel every task left. A connection handler that
    # never started would then never close its socket (ResourceWarning).
    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert left == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [str(w.message) for w in caught] == []


@pytest.mark.asyncio
async def test_concurrent_photo_calls_get_123(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        paused = await client.post("/_sim/camera", data={"frames": "0"})
        assert paused.json()["data"]["frames"] is False
        first = asyncio.create_task(post(client, "photo", count="2"))
        await asyncio.wait_for(term.camera.wait_starved(), 10)  # the first capture waits
        assert (await client.get("/_sim/camera")).json()["data"]["capturing"] is True
        assert (await post(client, "photo", count="1"))["status"] == 123
        assert not first.done()
        await client.post("/_sim/camera", data={"frames": "1"})
        photos = (await asyncio.wait_for(first, 10))["data"]["photos"]
        assert len(photos) == 2
        assert (await post(client, "photo", count="1"))["status"] == 0  # free again


@pytest.mark.asyncio
async def test_faults_latency_failures_drops_and_capacity(sim_factory: SimFactory) -> None:
    term = await sim_factory(seed=1)
    term.faults.fail_rate = 1.0
    async with httpx.AsyncClient(base_url=term.base_url) as client:
        assert (await client.get("/getTime", params=KEY)).json()["status"] == 1
        assert (await client.get("/getTime")).json()["status"] == 103  # the key still comes first
        set_faults = await client.post(
            "/_sim/faults", data={"fail_rate": "0", "drop_rate": "1", "capacity": "0"}
        )
        assert set_faults.json()["data"]["drop_rate"] == 1
    with pytest.raises(Closed):
        await exchange(term.host, term.port, request_bytes("GET", "/getTime?key=abc"))
    term.faults.drop_rate = 0
    reply = await exchange(term.host, term.port, form_post("setPerson", {"id": "1"}, query=KEY))
    assert reply.json()["status"] == 128
    async with httpx.AsyncClient(base_url=term.base_url) as client:
        bad = await client.post("/_sim/faults", data={"fail_rate": "2"})
        assert bad.json()["status"] == 102
        await client.post("/_sim/faults", data={"latency_ms": "300"})
        started = asyncio.get_running_loop().time()
        assert (await client.get("/getTime", params=KEY)).json()["status"] == 0
        assert asyncio.get_running_loop().time() - started >= 0.3


@pytest.mark.asyncio
async def test_clock_skew_moves_the_terminal_clock(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with httpx.AsyncClient(base_url=term.base_url) as client:
        before = (await client.get("/getTime", params=KEY)).json()["data"]["ts"]
        skewed = await client.post("/_sim/clock", data={"skew": "-3600"})
        assert skewed.json()["data"]["skew"] == -3600
        after = (await client.get("/getTime", params=KEY)).json()["data"]["ts"]
        assert 3590 < before - after < 3610
        await client.post("/_sim/clock", data={"ts": "1500000000"})
        assert (
            1500000000
            <= (await client.get("/getTime", params=KEY)).json()["data"]["ts"]
            < 1500000100
        )
        state = (await client.get("/_sim/state")).json()["data"]
    assert "key" not in state["settings"]
    assert state["serial"] == term.serial


@pytest.mark.asyncio
async def test_validity_window_is_enforced_at_the_door(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with httpx.AsyncClient(base_url=term.base_url) as client:
        window = {"startTs": "1600000000", "endTs": "1700000000"}
        assert (await post(client, "setPerson", id="v", **window))["status"] == 0
        await client.post("/_sim/clock", data={"ts": "1650000000"})
        inside = (await client.post("/_sim/pass", data={"id": "v"})).json()["data"]
        await client.post("/_sim/clock", data={"ts": "1700000001"})
        after = (await client.post("/_sim/pass", data={"id": "v"})).json()["data"]
        unknown = (await client.post("/_sim/pass", data={"id": "nobody"})).json()
    assert inside["passed"] is True
    assert after == {"passed": False, "reason": "outside the validity window"}
    assert unknown["status"] == 126


@pytest.mark.asyncio
async def test_photo_frames_come_from_the_photos_folder(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "camera"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(frame(3))
    (folder / "b.jpg").write_bytes(frame(4))
    (folder / "notes.txt").write_text("not a frame")
    term = await sim_factory(photos_dir=folder)
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        photos = (await post(client, "photo", count="3"))["data"]["photos"]
    assert [base64.b64decode(p) for p in photos] == [frame(3), frame(4), frame(3)]
