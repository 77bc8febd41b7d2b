"""`enroll-station sim` as a real process on 127.0.0.2..4: start, listen, answer, SIGTERM, exit 0."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

LISTENING = re.compile(r"terminal (\d)/3 listening on (http://[\d.]+:\d+) serial ([0-9a-f]{16})")


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


async def start_sim(data: Path, port: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "enroll_app", "sim", "--host", "127.0.0.2", "--count", "3",
        "--port", str(port), "--data", str(data), "--fast", "--profile", "acs-1.1.143",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


async def listening_lines(proc: asyncio.subprocess.Process) -> list[re.Match[str]]:
    assert proc.stdout is not None
    found = []
    async with asyncio.timeout(60):
        while len(found) < 3:
            line = (await proc.stdout.readline()).decode()
            assert line, "the simulator exited before listening"
            match = LISTENING.search(line)
            if match:
                found.append(match)
    return found


@pytest.mark.asyncio
async def test_sim_command_runs_three_terminals_until_sigterm(tmp_path: Path) -> None:
    port = free_port("127.0.0.2")
    proc = await start_sim(tmp_path, port)
    try:
        lines = await listening_lines(proc)
        urls = [m.group(2) for m in lines]
        assert urls == [f"http://127.0.0.{i}:{port}" for i in (2, 3, 4)]
        serials = [m.group(3) for m in lines]
        assert len(set(serials)) == 3
        async with httpx.AsyncClient(timeout=10) as client:
            for url, serial in zip(urls, serials, strict=True):
                assert (await client.get(f"{url}/getTime")).json()["status"] == 103
                info = (await client.get(f"{url}/getDeviceInfo", params={"key": "abc"})).json()
                assert info["data"]["sn"] == serial
                reply = await client.post(f"{url}/setDeviceInfo?key=abc", data={"deviceName": url})
                assert reply.json()["status"] == 0
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.stdout is not None
    assert b"stopped" in await proc.stdout.read()
    assert sorted(os.listdir(tmp_path)) == [f"127.0.0.{i}_{port}" for i in (2, 3, 4)]
    # Same folders, same serials on the next start.
    proc = await start_sim(tmp_path, port)
    try:
        again = await listening_lines(proc)
        assert [m.group(3) for m in again] == serials
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
