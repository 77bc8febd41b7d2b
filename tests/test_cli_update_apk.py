"""`enroll-station device update-apk URL`: a real process against a simulated terminal on 127.0.0.9.

Nothing is sent unless the operator confirms (a y on the console, or --yes); bad URLs and a
wrong key get clear errors; the simulator's event log shows exactly what reached the terminal.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
from typing import Any

import httpx
import pytest

from enroll_app.simulator import SimulatedTerminal
from tests.integration.conftest import SimFactory, sim_factory

__all__ = ["sim_factory"]

HOST = "127.0.0.9"
APK = "http://192.168.1.10:8000/acs-1.1.200.apk"


async def terminal(sim_factory: SimFactory, **fields: Any) -> SimulatedTerminal:
    return await sim_factory(host=HOST, **fields)


def apk_urls(term: SimulatedTerminal) -> list[str]:
    return [e["url"] for e in term.device.state.events if e["event"] == "updateAPK"]


async def update_apk(
    term: SimulatedTerminal, *args: str, host: str = "", **env: str
) -> tuple[int, str, str]:
    """Run `python -m enroll_app device --host … update-apk ARGS` (stdin not a console);
    (exit code, stdout, stderr)."""
    environ = {k: v for k, v in os.environ.items() if k != "ENROLL_STATION_KEY"} | env
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "enroll_app", "device", "--host", host or f"{HOST}:{term.port}",
        "update-apk", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=environ,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    assert "Traceback" not in err.decode(), err.decode()
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.asyncio
async def test_with_yes_the_terminal_gets_the_url_once(sim_factory: SimFactory) -> None:
    term = await terminal(sim_factory)
    assert await update_apk(term, APK, "--yes") == (0, "OK\n", "")
    code, out, _ = await update_apk(term, "--json", "--yes", "https://updates.example.com/a.apk")
    assert (code, json.loads(out)) == (0, {"status": 0})
    assert apk_urls(term) == [APK, "https://updates.example.com/a.apk"]


@pytest.mark.asyncio
async def test_without_yes_and_without_a_console_nothing_is_sent(sim_factory: SimFactory) -> None:
    term = await terminal(sim_factory)
    code, out, err = await update_apk(term, APK)
    assert code == 2
    assert out == ""
    assert "--yes" in err
    assert APK in err  # says what would have happened
    assert apk_urls(term) == []


async def answer_on_a_console(term: SimulatedTerminal, answer: bytes) -> tuple[int, str]:
    """Run update-apk with a pseudo-terminal as stdin, type `answer` at the prompt."""
    controller, console = pty.openpty()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "enroll_app", "device", "--host", f"{HOST}:{term.port}",
            "update-apk", APK,
            stdin=console, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={k: v for k, v in os.environ.items() if k != "ENROLL_STATION_KEY"},
        )  # fmt: skip
        assert proc.stderr is not None
        assert proc.stdout is not None
        seen = b""
        async with asyncio.timeout(60):
            while b"[y/N]" not in seen:
                chunk = await proc.stderr.read(256)
                assert chunk, f"no prompt: {seen!r}"
                seen += chunk
            assert apk_urls(term) == []  # asked first, nothing sent yet
            os.write(controller, answer)
            out, err = await proc.communicate()
    finally:
        os.close(controller)
        os.close(console)
    assert proc.returncode is not None
    return proc.returncode, (seen + err).decode() + out.decode()


@pytest.mark.asyncio
async def test_the_operator_is_asked_and_only_yes_sends(sim_factory: SimFactory) -> None:
    term = await terminal(sim_factory)
    code, text = await answer_on_a_console(term, b"n\n")
    assert code == 1
    assert "nothing was sent" in text
    assert f"{HOST}:{term.port}" in text
    assert APK in text
    code, text = await answer_on_a_console(term, b"\n")  # Enter alone means no
    assert code == 1
    assert apk_urls(term) == []
    code, text = await answer_on_a_console(term, b"y\n")
    assert code == 0
    assert text.endswith("OK\n")
    assert apk_urls(term) == [APK]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://192.168.1.10/a.apk", "http:// or https://"),
        ("192.168.1.10/a.apk", "http:// or https://"),
        ("file:///tmp/a.apk", "http:// or https://"),
        ("http://", "must look like"),
        ("http://host name/a.apk", "must look like"),
        ("http://host:99999/a.apk", "must look like"),
    ],
)
@pytest.mark.asyncio
async def test_a_url_that_is_not_http_is_refused_before_asking(
    sim_factory: SimFactory, url: str, says: str
) -> None:
    term = await terminal(sim_factory)
    code, out, err = await update_apk(term, url, "--yes")
    assert code == 2
    assert out == ""
    assert says in err
    assert apk_urls(term) == []


@pytest.mark.asyncio
async def test_the_key_comes_from_the_environment_and_a_wrong_one_is_refused(
    sim_factory: SimFactory,
) -> None:
    term = await terminal(sim_factory)
    async with httpx.AsyncClient(base_url=term.base_url, timeout=30) as client:
        reply = await client.post("/setDeviceKey", params={"key": "abc"}, data={"newKey": "g4te"})
        assert reply.json()["status"] == 0
    code, out, err = await update_apk(term, APK, "--yes", "--key", "wrong")
    assert code == 1
    assert out == ""
    assert "status 103" in err
    assert "wrong" not in err  # no key in what is printed
    assert apk_urls(term) == []
    assert await update_apk(term, APK, "--yes", ENROLL_STATION_KEY="g4te") == (0, "OK\n", "")
    assert apk_urls(term) == [APK]


@pytest.mark.asyncio
async def test_a_loopback_url_is_questioned_only_for_a_terminal_elsewhere(
    sim_factory: SimFactory,
) -> None:
    term = await terminal(sim_factory)
    local = "http://127.0.0.1:8000/a.apk"
    assert await update_apk(term, local, "--yes") == (0, "OK\n", "")  # the same PC: fine
    # A LAN terminal (192.0.2.20, documentation range) is never contacted: no --yes, no console.
    code, _, err = await update_apk(term, local, host="192.0.2.20")
    assert code == 2
    assert "warning" in err
    assert "not this PC" in err
    assert apk_urls(term) == [local]
