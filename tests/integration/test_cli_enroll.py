"""`enroll-station enroll` as an operator runs it: a real process against three simulators."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import cv2
import pytest

from enroll_app.face.samples import sample_photo
from enroll_app.services.person_fields import parse_time
from enroll_app.simulator import SimulatedTerminal
from enroll_app.simulator.camera import FRAMES_DIR
from enroll_app.terminal.client import TerminalClient
from tests.integration.conftest import SimFactory
from tests.integration.enroll_support import (
    frame,
    persons_on,
    read_back,
    three_terminals,
    yaoming_from_players,
)


async def enroll_cli(terms: list[SimulatedTerminal], *args: str) -> tuple[int, Any, str]:
    """Run `python -m enroll_app enroll --json` against `terms`; (exit code, JSON, stderr)."""
    hosts = [a for t in terms for a in ("--host", f"{t.host}:{t.port}")]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "enroll_app",
        "enroll",
        *hosts,
        "--json",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    async with asyncio.timeout(120):
        out, err = await proc.communicate()
    stderr = err.decode()
    assert "Traceback" not in stderr, stderr
    assert proc.returncode is not None
    return proc.returncode, json.loads(out) if out.strip() else None, stderr


@pytest.mark.asyncio
async def test_a_good_photo_is_written_to_every_host_and_read_back(
    sim_factory: SimFactory,
) -> None:
    terms = await three_terminals(sim_factory)
    code, out, err = await enroll_cli(
        terms,
        "--key=abc",
        "--id=E-0042",
        "--name=李娜",
        "--card=1919412288",
        "--id-no=11010519491231002X",
        "--pass-count=3",
        "--valid-from=2026-03-02T08:00",
        "--valid-until=2026-03-02T18:00",
        str(FRAMES_DIR / "frame-1.jpg"),
    )
    assert code == 0, err
    assert out["ok"] is True
    assert out["person_id"] == "E-0042"
    assert sorted(t["serial"] for t in out["terminals"]) == sorted(t.serial for t in terms)
    assert all(t["ok"] and t["state"] == "synced" for t in out["terminals"])
    for term in terms:
        held = await read_back(term, "E-0042")
        assert held is not None
        assert (held.name, held.ic_no, held.id_no, held.pass_count) == (
            "李娜",
            "1919412288",
            "11010519491231002X",
            3,
        )
        assert held.start_ts == parse_time("2026-03-02T08:00")
        assert held.end_ts == parse_time("2026-03-02T18:00")
        assert held.photo is not None
        assert held.photo.startswith(b"\xff\xd8")


@pytest.mark.asyncio
async def test_a_blurred_photo_is_refused_naming_its_check_and_nothing_is_written(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    terms = await three_terminals(sim_factory)
    blurred = tmp_path / "blurred.jpg"
    cv2.imwrite(str(blurred), cv2.GaussianBlur(frame(1), (0, 0), 6.0))
    code, out, _ = await enroll_cli(terms, "--key=abc", "--id=E-1", "--name=A", str(blurred))
    assert code == 3
    assert out["refused"] == "quality"
    assert "sharpness" in out["codes"]
    assert out["quality"]["ok"] is False
    for term in terms:
        assert await persons_on(term) == []


@pytest.mark.asyncio
async def test_a_face_already_enrolled_is_refused_naming_that_person(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    terms = await three_terminals(sim_factory)
    code, _, err = await enroll_cli(
        terms, "--key=abc", "--id=E-0011", "--name=Yao Ming", str(sample_photo("yaoming.jpg"))
    )
    assert code == 0, err
    again = tmp_path / "yao-from-team-photo.png"
    cv2.imwrite(str(again), yaoming_from_players())
    code, out, _ = await enroll_cli(terms, "--key=abc", "--id=E-0099", "--name=X", str(again))
    assert code == 3
    assert out["refused"] == "duplicate"
    assert out["person_id"] == "E-0011"
    for term in terms:
        assert [p.id for p in await persons_on(term)] == ["E-0011"]
    code, out, err = await enroll_cli(
        terms[:1], "--key=abc", "--id=E-0099", "--name=X", "--allow-duplicate", str(again)
    )
    assert code == 0, err
    assert sorted(p.id for p in await persons_on(terms[0])) == ["E-0011", "E-0099"]


@pytest.mark.asyncio
async def test_a_wrong_key_or_bad_argument_writes_nothing(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with TerminalClient(term.host, term.port) as client:
        await client.set_device_key("s3cret")
    photo = str(FRAMES_DIR / "frame-1.jpg")
    code, _, err = await enroll_cli([term], "--key=wrong", "--id=E-1", "--name=A", photo)
    assert code == 2
    assert "key" in err
    code, _, err = await enroll_cli(
        [term], "--key=s3cret", "--id=E-1", "--name=A", "--valid-until=tomorrow", photo
    )
    assert code == 2
    assert "ISO 8601" in err
    code, _, err = await enroll_cli(
        [term], "--key=abc", "--id=E-1", "--name=A", "--card=12x", photo
    )
    assert code == 2
    assert "IC_NO" in err
    async with TerminalClient(term.host, term.port, "s3cret") as client:
        assert await client.list_persons() == []


@pytest.mark.asyncio
async def test_a_full_terminal_fails_alone_with_exit_1(sim_factory: SimFactory) -> None:
    roomy = await sim_factory(host="127.0.0.1")
    full = await sim_factory(host="127.0.0.2", capacity=0)
    code, out, _ = await enroll_cli(
        [roomy, full], "--key=abc", "--id=E-7", "--name=A", str(FRAMES_DIR / "frame-1.jpg")
    )
    assert code == 1
    assert out["ok"] is False
    states = {t["serial"]: (t["ok"], t["state"]) for t in out["terminals"]}
    assert states == {roomy.serial: (True, "synced"), full.serial: (False, "failed_full")}
    assert await read_back(roomy, "E-7") is not None
    assert await read_back(full, "E-7") is None
