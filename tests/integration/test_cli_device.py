"""`enroll-station device …` as an operator runs it: a real process against a simulated terminal."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from client_support import PROFILES, fit_640x480, pass_door

from enroll_app.simulator import SimulatedTerminal

SimFactory = Any


async def cli(
    *args: str, key: str | None = "abc", env_key: str | None = None
) -> tuple[int, str, str]:
    """Run `python -m enroll_app device ARGS` while the simulator keeps serving on this loop."""
    env = {k: v for k, v in os.environ.items() if k != "ENROLL_STATION_KEY"}
    if env_key is not None:
        env["ENROLL_STATION_KEY"] = env_key
    key_args = ["--key", key] if key is not None else []
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "enroll_app",
        "device",
        *key_args,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    async with asyncio.timeout(60):
        out, err = await proc.communicate()
    stderr = err.decode()
    assert "Traceback" not in stderr, stderr
    assert proc.returncode is not None
    return proc.returncode, out.decode(), stderr


async def cli_json(term: SimulatedTerminal, *args: str, **kw: Any) -> Any:
    """Run with --json; exit 0 and stdout is exactly one JSON document."""
    code, out, err = await cli("--host", f"127.0.0.1:{term.port}", "--json", *args, **kw)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.asyncio
async def test_info_time_and_persons(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    info = await cli_json(term, "info")
    assert info["sn"] == term.serial
    assert "APKVersion" in info
    ts = await cli_json(term, "time")
    assert set(ts) == {"ts"}
    assert ts["ts"] == pytest.approx(time.time(), abs=60)  # seconds, even on ms firmware
    assert await cli_json(term, "time", "--set-now") == {"ts": pytest.approx(time.time(), abs=5)}
    assert await cli_json(term, "persons") == []


@pytest.mark.asyncio
async def test_person_round_trip(sim_factory: SimFactory, tmp_path: Path) -> None:
    term = await sim_factory(profile="acs-1.1.143")
    photo = tmp_path / "face.jpg"
    photo.write_bytes(fit_640x480())
    result = await cli_json(
        term,
        "set-person",
        "--id", "007",
        "--name", "姚明",
        "--card-hex", "7267e840",
        "--id-no", "990307189207026735",
        "--pass-count", "3",
        "--valid-from", "2025-03-01T08:00",
        "--valid-until", "1900000000",
        "--photo", str(photo),
    )  # fmt: skip
    assert result == {"status": 0}
    saved = tmp_path / "back.jpg"
    person = await cli_json(term, "person", "007", "--save-photo", str(saved))
    assert person == {
        "id": "007",
        "name": "姚明",
        "IC_NO": "1919412288",
        "ID_NO": "990307189207026735",
        "passCount": 3,
        "startTs": pytest.approx(
            time.mktime(time.strptime("2025-03-01T08:00", "%Y-%m-%dT%H:%M")), abs=1
        ),
        "endTs": 1900000000,
    }
    assert saved.read_bytes().startswith(b"\xff\xd8")
    persons = await cli_json(term, "persons")
    assert [p["id"] for p in persons] == ["007"]
    assert "photo" not in persons[0]

    # A later change of name keeps the window the person has.
    assert await cli_json(term, "set-person", "--id", "007", "--name", "Yao") == {"status": 0}
    person = await cli_json(term, "person", "007")
    assert (person["name"], person["endTs"], person["passCount"]) == ("Yao", 1900000000, 3)

    code, out, err = await cli("--host", f"127.0.0.1:{term.port}", "remove", "--all")
    assert code == 2
    assert "--yes" in err
    assert await cli_json(term, "remove", "007") == {"status": 0}
    code, out, err = await cli("--host", f"127.0.0.1:{term.port}", "--json", "person", "007")
    assert code == 1
    assert out == ""
    assert "126" in err
    assert "not on the terminal" in err


@pytest.mark.asyncio
async def test_wrong_photo_is_refused_with_the_way_out(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory(profile="spec")
    big = tmp_path / "big.jpg"
    big.write_bytes(fit_640x480(size=(1280, 960)))
    code, _, err = await cli(
        "--host", f"127.0.0.1:{term.port}", "set-person", "--id", "1", "--photo", str(big)
    )
    assert code == 2
    assert "1280x960" in err
    assert "enroll-station photo crop" in err
    code, _, err = await cli("--host", f"127.0.0.1:{term.port}", "check", str(tmp_path / "nope"))
    assert code == 2
    assert "cannot read" in err


@pytest.mark.asyncio
async def test_records_check_photo_and_remove_all(sim_factory: SimFactory, tmp_path: Path) -> None:
    term = await sim_factory(profile="acs-1.1.143")
    photo = tmp_path / "face.jpg"
    photo.write_bytes(fit_640x480())
    await cli_json(term, "set-person", "--id", "p1", "--name", "P", "--photo", str(photo))
    await pass_door(term, "p1", times=3)
    records = await cli_json(term, "records")
    assert [r["personID"] for r in records] == ["p1"] * 3
    assert len(await cli_json(term, "records", "--count", "2")) == 2
    assert await cli_json(term, "records", "--since", str(records[-1]["ts"])) == []
    assert await cli_json(term, "check", str(photo)) == {"isValid": 0, "isExist": True}
    shots = await cli_json(term, "photo", "--count", "2", "--out", str(tmp_path / "shots"))
    assert shots["status"] == 0
    assert len(shots["files"]) == 2
    for name in shots["files"]:
        assert (await asyncio.to_thread(Path(name).read_bytes)).startswith(b"\xff\xd8")
    assert await cli_json(term, "remove", "--all", "--yes") == {"status": 0}
    assert await cli_json(term, "persons") == []


@pytest.mark.asyncio
async def test_callback_heartbeat_settings_open_reboot(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="acs-1.1.143")
    assert await cli_json(term, "callback", "http://127.0.0.1:9/record") == {"status": 0}
    assert await cli_json(term, "callback") == {"url": "http://127.0.0.1:9/record"}
    assert await cli_json(term, "heartbeat", "http://127.0.0.1:9/hb", "30") == {"status": 0}
    assert await cli_json(term, "heartbeat") == {"url": "http://127.0.0.1:9/hb", "period": 30}
    assert await cli_json(term, "settings", "--set", "deviceName=Gate 9") == {"status": 0}
    assert (await cli_json(term, "settings"))["name"] == "Gate 9"
    code, _, err = await cli("--host", f"127.0.0.1:{term.port}", "settings", "--set", "bogus=1")
    assert code == 2
    assert "bogus" in err
    assert await cli_json(term, "open") == {"status": 0}
    assert await cli_json(term, "reboot") == {"status": 0}


@pytest.mark.asyncio
async def test_set_key_and_key_from_environment(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="spec")
    host = f"127.0.0.1:{term.port}"
    assert await cli_json(term, "set-key", "n3w-k3y") == {"status": 0}
    code, out, err = await cli("--host", host, "info")
    assert code == 1
    assert "103" in err
    assert "rejected the key" in err
    code, out, err = await cli("--host", host, "--json", "time", key=None, env_key="n3w-k3y")
    assert code == 0, err
    assert "ts" in json.loads(out)
    code, out, err = await cli("--host", host, "--json", "time", key=None)  # default abc
    assert code == 1


@pytest.mark.asyncio
async def test_human_output_and_options_after_the_action(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="spec")
    code, out, err = await cli("info", "--host", f"127.0.0.1:{term.port}")
    assert code == 0, err
    assert f"sn: {json.dumps(term.serial)}" in out
    code, out, err = await cli("time", "--host", f"127.0.0.1:{term.port}")
    assert code == 0, err
    assert out.startswith(f"ts: {time.strftime('%Y-')}")  # a local date-time for people


@pytest.mark.asyncio
async def test_unreachable_terminal_fails_fast_without_showing_the_key() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening
        started = time.monotonic()
        code, out, err = await cli("--host", f"127.0.0.1:{port}", "info", key="s3cret-key")
    assert code == 3
    assert time.monotonic() - started < 15
    assert "Cannot connect" in err
    assert "s3cret-key" not in err + out


@pytest.mark.parametrize(
    "args",
    [
        ["info"],
        ["--host", "http://1.2.3.4/", "info"],
        ["--host", "1.2.3.4:99999", "info"],
        ["--host", "127.0.0.1:1", "remove"],
        ["--host", "127.0.0.1:1", "set-person", "--id", "1", "--card", "1", "--card-hex", "a"],
        ["--host", "127.0.0.1:1", "set-person", "--id", "1", "--valid-from", "tomorrow"],
        ["--host", "127.0.0.1:1", "set-person", "--id", "1", "--pass-count", "10001"],
        ["--host", "127.0.0.1:1", "heartbeat", "http://h/"],
    ],
)
@pytest.mark.asyncio
async def test_usage_errors_exit_2(args: list[str]) -> None:
    code, out, err = await cli(*args)
    assert code == 2
    assert out == ""
    assert err.strip()


def test_host_forms() -> None:
    from enroll_app.cli import UsageError
    from enroll_app.cli.device import parse_host

    assert parse_host("192.168.1.20") == ("192.168.1.20", 8088)
    assert parse_host("gate-1.lan:9000") == ("gate-1.lan", 9000)
    assert parse_host("[fe80::1]:8089") == ("fe80::1", 8089)
    assert parse_host("[::1]") == ("::1", 8088)
    assert parse_host("fe80::1") == ("fe80::1", 8088)
    for bad in ("", "h:0", "h:x", "http://h", "h:1:2:3x", "[::1]:", "[h]:80"):
        with pytest.raises(UsageError):
            parse_host(bad)


def test_time_forms() -> None:
    from enroll_app.cli import UsageError
    from enroll_app.cli.device import parse_time

    assert parse_time("unlimited") == parse_time("-1") == -1
    assert parse_time("1700000000.5") == 1700000000.5
    assert parse_time("2025-03-01T08:00:00+00:00") == 1740816000
    local = time.mktime(time.strptime("2025-03-01 08:00", "%Y-%m-%d %H:%M"))
    assert parse_time("2025-03-01 08:00") == local
    with pytest.raises(UsageError):
        parse_time("next tuesday")
