"""The data folder: what is written, what is cleaned up, what happens to a damaged file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from enroll_app.simulator import SimConfig, SimulatedTerminal
from tests.simulator.conftest import SimFactory
from tests.simulator.rawhttp import b64, frame


@pytest.mark.asyncio
async def test_photos_live_in_files_and_go_when_nobody_needs_them(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "dev"
    term = await sim_factory(data_dir=folder)
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        for person_id, n in (("a", 1), ("b", 2)):
            reply = await client.post(
                "/setPerson?key=abc", data={"id": person_id, "photo": b64(frame(n))}
            )
            assert reply.json()["status"] == 0
        assert len(list((folder / "photos").glob("*.jpg"))) == 2
        assert len(list((folder / "faces").glob("*.f32"))) == 2
        await term.pass_door("a")  # the record keeps a's photo as its snapshot
        reply = await client.post("/removePerson?key=abc", data={"id": "[a,b]"})
        assert reply.json()["status"] == 0
        assert len(list((folder / "photos").glob("*.jpg"))) == 1
        reply = await client.post("/removeRecord?key=abc", data={"ts": "99999999999"})
        assert reply.json()["status"] == 0
    assert list((folder / "photos").glob("*.jpg")) == []
    assert list((folder / "faces").glob("*.f32")) == []
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temp files
    assert "abc" in (folder / "state.json").read_text()  # the device's own flash holds its key


@pytest.mark.asyncio
async def test_damaged_state_file_is_named_and_kept(tmp_path: Path) -> None:
    folder = tmp_path / "dev"
    folder.mkdir()
    (folder / "state.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"state\.json"):
        await SimulatedTerminal(SimConfig(port=0, data_dir=folder)).start()
    assert (folder / "state.json").read_text() == "{not json"


def test_config_refuses_impossible_values(tmp_path: Path) -> None:
    for bad in ({"profile": "acs-2"}, {"fail_rate": 1.5}, {"drop_rate": -0.1}, {"capacity": -1},
                {"serial": "XYZ"}, {"port": 70000}, {"latency_ms": -5}):  # fmt: skip
        with pytest.raises(ValueError, match=r"must|Unknown"):
            SimConfig(data_dir=tmp_path, **bad)  # type: ignore[arg-type]
    assert SimConfig(serial="0123456789abcdef").serial == "0123456789abcdef"


@pytest.mark.asyncio
async def test_default_data_folder_is_under_the_station_home(station_home: Path) -> None:
    async with SimulatedTerminal(SimConfig(port=0, data_dir=None)) as term:
        serial = term.serial
    assert (station_home / "simulator" / "127.0.0.1_0" / "serial").read_text() == serial
