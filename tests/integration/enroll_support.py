"""Helpers of the enrollment tests: a started station with simulated terminals, real photos."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import cv2
import numpy as np

from enroll_app.face.samples import sample_photo
from enroll_app.face.types import Image, read_image
from enroll_app.services.station import StationServices
from enroll_app.simulator import SimulatedTerminal
from enroll_app.simulator.camera import FRAMES_DIR
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import PersonNotFound
from enroll_app.terminal.records import Person

SimFactory = Callable[..., Awaitable[SimulatedTerminal]]
YAO_IN_PLAYERS = (721, 142, 765, 192)  # his face box in players.jpg (found once by embedding)


def frame(n: int) -> Image:
    """Bundled simulator portrait `frame-<n>.jpg` (frame 1 passes every check)."""
    return read_image(str(FRAMES_DIR / f"frame-{n}.jpg"))


def yaoming() -> Image:
    """The shipped portrait of Yao Ming."""
    return read_image(str(sample_photo("yaoming.jpg")))


def yaoming_from_players() -> Image:
    """Yao Ming's small face cut out of the team photo, enlarged and sharpened like a
    phone's zoom: another photo of the same man that passes the checks on its own."""
    team = read_image(str(sample_photo("players.jpg")))
    x1, y1, x2, y2 = YAO_IN_PLAYERS
    cx, cy, side = (x1 + x2) / 2, (y1 + y2) / 2, (y2 - y1) * 2.4
    crop = team[
        int(cy - side / 2) : int(cy + side / 2), int(cx - side * 0.6) : int(cx + side * 0.6)
    ]
    big = cv2.resize(crop, None, fx=2.3, fy=2.3, interpolation=cv2.INTER_LANCZOS4)
    soft = cv2.GaussianBlur(big, (0, 0), 2.0)
    return np.asarray(cv2.addWeighted(big, 3.0, soft, -2.0, 0), dtype=np.uint8)


@asynccontextmanager
async def station_with(terminals: list[SimulatedTerminal]) -> AsyncIterator[StationServices]:
    """A started station whose registry knows `terminals` (factory key)."""
    station = StationServices()
    await station.start()
    try:
        for term in terminals:
            found = await station.discovery.add(f"{term.host}:{term.port}")
            assert found.sn == term.serial
        yield station
    finally:
        await station.aclose()


async def three_terminals(sim_factory: SimFactory) -> list[SimulatedTerminal]:
    """Three simulated terminals on 127.0.0.1..3."""
    return [await sim_factory(host=f"127.0.0.{i}") for i in (1, 2, 3)]


async def read_back(term: SimulatedTerminal, person_id: str) -> Person | None:
    """The person as a plain client reads it from the terminal; None if absent."""
    async with TerminalClient(term.host, term.port) as client:
        try:
            return await client.get_person(person_id)
        except PersonNotFound:
            return None


async def persons_on(term: SimulatedTerminal) -> list[Person]:
    """Everyone the terminal holds."""
    async with TerminalClient(term.host, term.port) as client:
        return await client.list_persons()
