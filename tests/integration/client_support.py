"""Helpers for client tests over the simulator: real photos, a tiny upload inbox, /_sim/ calls."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import cv2
import httpx
import numpy as np
from aiohttp import web

from enroll_app.face.samples import sample_photo
from enroll_app.simulator import SimulatedTerminal
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.records import Heartbeat, PassRecord

PROFILES = ["spec", "acs-1.1.143", "acs-legacy-ms"]


def fit_640x480(name: str = "yaoming.jpg", size: tuple[int, int] = (640, 480)) -> bytes:
    """A shipped face photo scaled onto a grey canvas of `size` (w, h), as JPEG bytes."""
    image = cv2.imread(str(sample_photo(name)))
    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)))
    canvas = np.full((height, width, 3), 128, np.uint8)
    top, left = (height - resized.shape[0]) // 2, (width - resized.shape[1]) // 2
    canvas[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    ok, data = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def blank_640x480() -> bytes:
    """A 640x480 JPEG with no face in it."""
    ok, data = cv2.imencode(".jpg", np.full((480, 640, 3), 90, np.uint8))
    assert ok
    return data.tobytes()


def client_for(term: SimulatedTerminal, key: str = "abc", **kw: Any) -> TerminalClient:
    """A client for a simulated terminal."""
    return TerminalClient(term.host, term.port, key, **kw)


async def sim_control(term: SimulatedTerminal, name: str, **form: Any) -> dict[str, Any]:
    """POST /_sim/<name> (no key) and return the JSON reply."""
    async with httpx.AsyncClient(trust_env=False) as http:
        reply = await http.post(f"{term.base_url}/_sim/{name}", data=form)
    reply.raise_for_status()
    result: dict[str, Any] = reply.json()
    return result


async def pass_door(term: SimulatedTerminal, person_id: str, times: int = 1) -> None:
    """Someone enrolled passes the door `times` times (POST /_sim/pass)."""
    async with httpx.AsyncClient(trust_env=False) as http:
        for _ in range(times):
            reply = await http.post(f"{term.base_url}/_sim/pass", data={"id": person_id})
            assert reply.json()["status"] == 0, reply.text


@dataclass
class Inbox:
    """The station side of uploads: records and heartbeats, acknowledged with `ack_status`."""

    ack_status: int = 0
    records: list[PassRecord] = field(default_factory=list)
    heartbeats: list[Heartbeat] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    port: int = 0
    _runner: web.AppRunner | None = None

    async def __aenter__(self) -> Inbox:
        app = web.Application()
        app.router.add_post("/record", self._record)
        app.router.add_post("/heartbeat", self._heartbeat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    async def _form(self, request: web.Request) -> dict[str, str]:
        return dict(parse_qsl((await request.read()).decode("ascii"), keep_blank_values=True))

    async def _record(self, request: web.Request) -> web.Response:
        record = PassRecord.from_upload(await self._form(request))
        async with self.changed:
            self.records.append(record)
            self.changed.notify_all()
        return web.json_response({"status": self.ack_status, "msg": "ok"})

    async def _heartbeat(self, request: web.Request) -> web.Response:
        heartbeat = Heartbeat.from_upload(await self._form(request))
        async with self.changed:
            self.heartbeats.append(heartbeat)
            self.changed.notify_all()
        return web.json_response({"status": 0})

    async def wait_records(self, count: int, within: float = 10.0) -> list[PassRecord]:
        async with asyncio.timeout(within), self.changed:
            await self.changed.wait_for(lambda: len(self.records) >= count)
        return list(self.records)

    async def wait_heartbeats(self, count: int, within: float = 10.0) -> list[Heartbeat]:
        async with asyncio.timeout(within), self.changed:
            await self.changed.wait_for(lambda: len(self.heartbeats) >= count)
        return list(self.heartbeats)
