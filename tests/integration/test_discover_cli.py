"""`enroll-station discover` in a subprocess against simulators on 127.0.0.x."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import pytest

from tests.integration.conftest import SimFactory, sim_factory

__all__ = ["sim_factory"]


async def _discover(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "enroll_app",
        "discover",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.asyncio
async def test_discover_json_lists_terminals(sim_factory: SimFactory) -> None:
    first = await sim_factory(host="127.0.0.2")
    second = await sim_factory(host="127.0.0.4", port=first.port)
    from enroll_app.terminal.client import TerminalClient

    async with TerminalClient(second.host, second.port) as client:
        await client.set_device_key("unknown-to-us")
    code, out, err = await _discover(
        "--subnet", "127.0.0.0/29", "--port", str(first.port), "--json"
    )
    assert code == 0, err
    found = json.loads(out)
    assert found[0] == {
        "host": "127.0.0.2",
        "port": first.port,
        "sn": first.serial,
        "name": found[0]["name"],
        "key_ok": True,
        "version": found[0]["version"],
    }
    assert found[0]["version"]
    assert found[1] == {
        "host": "127.0.0.4",
        "port": first.port,
        "sn": None,
        "name": "",
        "key_ok": False,
        "version": "",
    }
    assert "unknown-to-us" not in out + err


@pytest.mark.asyncio
async def test_discover_text_and_usage_errors(
    sim_factory: SimFactory, unused_tcp_port: int
) -> None:
    term = await sim_factory(host="127.0.0.3")
    code, out, _ = await _discover("--subnet", "127.0.0.3/32", "--port", str(term.port))
    assert code == 0
    assert out.startswith(f"127.0.0.3:{term.port}  {term.serial}")
    code, out, _ = await _discover("--subnet", "127.0.0.8/30", "--port", str(unused_tcp_port))
    assert (code, out) == (0, "No terminal found.\n")
    for bad in (
        ["--subnet", "127.0.0.0/33"],
        ["--subnet", "10.0.0.0/8"],
        ["--port", "0"],
        ["--timeout", "-1"],
    ):
        code, _, err = await _discover(*bad)
        assert code == 2, bad
        assert "enroll-station: error:" in err
