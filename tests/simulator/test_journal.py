"""The data folder's journal: durable before the reply, crash-safe, folded, old folders migrated."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest

from enroll_app.simulator import SimConfig, SimulatedTerminal
from enroll_app.simulator import state as state_module
from enroll_app.simulator.state import (
    STATE_FILE,
    PassRecord,
    Person,
    Storage,
    person_saved,
    record_added,
)
from tests.simulator.conftest import SimFactory
from tests.simulator.rawhttp import b64, frame

KEY = {"key": "abc"}


def journals(folder: Path) -> list[Path]:
    return sorted(folder.glob("journal-*.jsonl"))


def snapshot(folder: Path) -> dict:
    return json.loads((folder / STATE_FILE).read_text("utf-8"))


async def set_person(client: httpx.AsyncClient, person_id: str, **fields: str) -> int:
    reply = await client.post("/setPerson", params=KEY, data={"id": person_id, **fields})
    return int(reply.json()["status"])


async def person_ids(term: SimulatedTerminal) -> list[str]:
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        reply = await client.get("/listPerson", params=KEY)
    return [p["id"] for p in reply.json()["data"]["person"]]


async def boot(folder: Path) -> SimulatedTerminal:
    term = SimulatedTerminal(SimConfig(host="127.0.0.1", port=0, fast=True, data_dir=folder))
    await term.start()
    return term


@pytest.mark.asyncio
async def test_a_person_answered_status_0_is_on_flash_without_rewriting_the_snapshot(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "dev"
    term = await sim_factory(data_dir=folder)
    before = (folder / STATE_FILE).stat()
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        assert await set_person(client, "p1", name="Li", photo=b64(frame(2))) == 0
        for n in range(2, 31):
            assert await set_person(client, f"p{n}", name=f"N{n}") == 0
        # The power goes off right after the last reply: what is on flash is a copy now.
        shutil.copytree(folder, tmp_path / "after-power-cut")
    after = (folder / STATE_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    [journal] = journals(folder)
    assert len(journal.read_bytes().splitlines()) == 31  # registered_at + 30 persons
    copy = await boot(tmp_path / "after-power-cut")
    try:
        assert await person_ids(copy) == [f"p{n}" for n in range(1, 31)]
        async with httpx.AsyncClient(base_url=copy.base_url, timeout=30) as client:
            person = (await client.get("/getPerson", params={**KEY, "id": "p1"})).json()
            check = await client.post("/check", params=KEY, data={"photo": b64(frame(2))})
        assert person["data"]["name"] == "Li"
        assert b64(frame(2)) == person["data"]["photo"].replace("\n", "")
        assert check.json()["data"] == {"isValid": 0, "isExist": True}  # embedding kept too
    finally:
        await copy.stop()


@pytest.mark.asyncio
async def test_a_change_cut_short_by_a_crash_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    folder = tmp_path / "dev"
    term = await boot(folder)
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        for person_id in ("a", "b"):
            assert await set_person(client, person_id) == 0
    await term.stop()
    [journal] = journals(folder)
    with journal.open("ab") as fh:  # the half-written line of an unanswered setPerson
        fh.write(b'[{"op": "person", "v": {"id": "c", "na')
    term = await boot(folder)
    try:
        assert await person_ids(term) == ["a", "b"]
        assert all(b'"na' not in j.read_bytes() for j in journals(folder))  # folded at boot
        async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
            assert await set_person(client, "d") == 0
    finally:
        await term.stop()
    term = await boot(folder)
    try:
        assert await person_ids(term) == ["a", "b", "d"]
    finally:
        await term.stop()


@pytest.mark.asyncio
async def test_a_damaged_journal_is_named_and_kept(tmp_path: Path) -> None:
    folder = tmp_path / "dev"
    term = await boot(folder)
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        assert await set_person(client, "a") == 0
    await term.stop()
    [journal] = journals(folder)
    good = journal.read_bytes()
    damaged = good + b"{not a change\n" + good.splitlines(keepends=True)[-1]
    journal.write_bytes(damaged)
    with pytest.raises(ValueError, match=rf"{journal.name} line \d+ is damaged"):
        await boot(folder)
    assert journal.read_bytes() == damaged


def test_a_snapshot_written_just_before_a_crash_is_not_replayed_twice(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    state = storage.load()
    person = Person("7", pass_count=3)
    record = PassRecord("7", "", 1_700_000_000.0, 0, "")
    storage.commit(state, person_saved(person), record_added(record))
    journal = storage.journal
    old_lines = journal.read_bytes()
    storage.checkpoint(state)
    journal.write_bytes(old_lines)  # crashed after the new snapshot, before the journal went
    again = Storage(tmp_path).load()
    assert again.records == [record]
    assert again.persons == {"7": person}
    assert not journal.exists()


@pytest.mark.asyncio
async def test_a_long_journal_is_folded_into_the_snapshot(
    sim_factory: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_module, "COMPACT_MIN_BYTES", 2000)
    folder = tmp_path / "dev"
    term = await sim_factory(data_dir=folder)
    generation = snapshot(folder)["journal"]
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        for n in range(60):
            assert await set_person(client, f"id{n}", name="x" * 40, passCount="5") == 0
            if n % 3 == 0:
                assert (await term.pass_door(f"id{n}")).passed
    await term.stop()
    assert snapshot(folder)["journal"] >= generation + 2  # folded while running
    assert len(journals(folder)) <= 1
    # Never much longer than the snapshot it follows: bytes written stay linear in changes.
    limit = max(2000, (folder / STATE_FILE).stat().st_size) + 1000
    assert sum(j.stat().st_size for j in journals(folder)) <= limit
    term = await boot(folder)
    try:
        assert await person_ids(term) == [f"id{n}" for n in range(60)]
        persons = term.device.state.persons
        assert [persons[f"id{n}"].pass_count for n in range(4)] == [4, 5, 5, 4]
        assert len(term.device.state.records) == 20
    finally:
        await term.stop()


@pytest.mark.asyncio
async def test_a_folder_from_the_whole_file_version_is_migrated_at_boot(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "dev"
    term = await sim_factory(data_dir=folder)
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        assert await set_person(client, "w", name="Wang", photo=b64(frame(3))) == 0
        reply = await client.post("/setDeviceKey", params=KEY, data={"newKey": "k9"})
        assert reply.json()["status"] == 0
    await term.pass_door("w")
    state = term.device.state
    await term.stop()
    # What the previous version left: state.json alone (no format, no journal), photo files.
    old = {
        "settings": asdict(state.settings),
        "persons": [asdict(p) for p in state.persons.values()],
        "records": [asdict(r) for r in state.records],
        "events": state.events,
    }
    for journal in journals(folder):
        journal.unlink()
    (folder / STATE_FILE).write_text(json.dumps(old, ensure_ascii=False), "utf-8")
    (folder / "photos" / f"{'0' * 40}.jpg").write_bytes(frame(1))  # an orphan from a crash
    term = await boot(folder)
    try:
        assert snapshot(folder)["format"] == state_module.FORMAT
        assert not (folder / "photos" / f"{'0' * 40}.jpg").exists()
        async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
            person = (await client.get("/getPerson", params={"key": "k9", "id": "w"})).json()
            check = await client.post("/check", params={"key": "k9"}, data={"photo": b64(frame(3))})
            records = await client.get("/listRecord", params={"key": "k9", "ts": "0", "count": "9"})
        assert person["data"]["name"] == "Wang"
        assert check.json()["data"]["isExist"] is True
        assert [r["personID"] for r in records.json()["data"]["record"]] == ["w"]
    finally:
        await term.stop()


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


async def start_sim_process(data: Path, host: str, port: int) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "enroll_app", "sim", "--host", host, "--port", str(port),
        "--data", str(data), "--fast",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    async with asyncio.timeout(60):
        while b"listening on" not in (line := await proc.stdout.readline()):
            assert line, "the simulator exited before listening"
    return proc


@pytest.mark.asyncio
async def test_every_acknowledged_person_survives_a_kill_in_mid_burst(tmp_path: Path) -> None:
    host = "127.0.0.7"
    port = free_port(host)
    acknowledged: list[str] = []
    enough = asyncio.Event()

    async def writer(client: httpx.AsyncClient, lane: int) -> None:
        for n in range(10_000):
            person_id = f"{lane}-{n}"
            if await set_person(client, person_id, name="kill test") == 0:
                acknowledged.append(person_id)
            if len(acknowledged) >= 200:
                enough.set()

    proc = await start_sim_process(tmp_path, host, port)
    try:
        limits = httpx.Limits(max_connections=4)
        base = f"http://{host}:{port}"
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            lanes = [asyncio.create_task(writer(client, lane)) for lane in range(4)]
            await asyncio.wait_for(enough.wait(), 60)
            proc.send_signal(signal.SIGKILL)  # requests are in flight on every lane
            await proc.wait()
            results = await asyncio.gather(*lanes, return_exceptions=True)
        assert all(isinstance(r, httpx.TransportError) for r in results)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    proc = await start_sim_process(tmp_path, host, port)
    try:
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=30) as client:
            listed = (await client.get("/listPerson", params=KEY)).json()["data"]["person"]
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
    ids = {p["id"] for p in listed}
    assert set(acknowledged) <= ids
    assert len(ids) - len(acknowledged) <= 4  # at most the one in flight on each lane
