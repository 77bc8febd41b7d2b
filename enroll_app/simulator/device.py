"""The simulated device itself: its state, clock, face gallery and door, shared by handlers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from enroll_app.simulator.camera import Camera
from enroll_app.simulator.config import Faults
from enroll_app.simulator.faces import Embedding, FaceJudge, FaceVerdict
from enroll_app.simulator.profiles import Profile
from enroll_app.simulator.state import PassRecord, Person, Storage, TerminalState
from enroll_app.terminal.protocol import UNLIMITED_PASSES

log = logging.getLogger(__name__)
PHOTO_WORK_S = 1.0  # realistic mode (fast=False): extra time per setPerson/check photo


@dataclass(frozen=True)
class PassOutcome:
    """What happened when someone stood at the door."""

    passed: bool
    reason: str
    record: PassRecord | None = None


class Device:
    """One booted terminal: loaded state, gallery, camera; lives until the next reboot.

    Runs on the event loop; photo analysis goes to a worker thread, one photo at a time.
    """

    def __init__(
        self,
        *,
        storage: Storage,
        profile: Profile,
        judge: FaceJudge,
        faults: Faults,
        camera: Camera,
        serial: str,
        host: str,
        fast: bool,
    ) -> None:
        self.storage = storage
        self.profile = profile
        self.judge = judge
        self.faults = faults
        self.camera = camera
        self.serial = serial
        self.host = host
        self.fast = fast
        self.state: TerminalState = storage.load()
        self.booted_monotonic = time.monotonic()
        self.photo_lock = asyncio.Lock()
        self.capturing = False
        self.on_reboot: Callable[[], None] = lambda: None
        self.on_pass: Callable[[], None] = lambda: None
        self.on_heartbeat_change: Callable[[], None] = lambda: None
        self._gallery: dict[str, Embedding] = self._load_gallery()
        if not self.state.settings.registered_at:
            self.state.settings.registered_at = round(self.now(), 3)
            self.save()

    # -- clock and persistence ---------------------------------------------------------------

    def now(self) -> float:
        """Terminal time in seconds (host clock plus the terminal's skew)."""
        return time.time() + self.state.settings.clock_skew_s

    def set_now(self, ts: float) -> None:
        """Set the terminal clock to `ts` seconds."""
        self.set_skew(ts - time.time())

    def set_skew(self, skew_s: float) -> None:
        """Run the terminal clock `skew_s` seconds ahead of the host's (behind if negative)."""
        self.state.settings.clock_skew_s = skew_s
        self.save()

    def save(self, *, collect: bool = False) -> None:
        """Persist the state now (the firmware writes through to its database)."""
        self.storage.save(self.state, collect=collect)

    def log_event(self, kind: str, **details: Any) -> None:
        """Remember a side effect that leaves no record (open, updateAPK) for tests and demos."""
        self.state.events.append({"event": kind, "ts": round(self.now(), 3), **details})
        del self.state.events[:-100]
        log.info("terminal %s: %s %s", self.serial, kind, details)
        self.save()

    # -- faces -------------------------------------------------------------------------------

    async def analyse(self, photo: bytes) -> FaceVerdict:
        """Judge `photo` in a worker thread; photo work is serialised like on the terminal."""
        async with self.photo_lock:
            if not self.fast:  # the terminal takes about a second per photo
                await asyncio.sleep(PHOTO_WORK_S)
            return await asyncio.to_thread(self.judge.analyse, photo)

    def remember_face(self, person_id: str, digest: str, embedding: Embedding | None) -> None:
        """Keep (or forget) the embedding of a person's enrollment photo."""
        if embedding is None:
            self._gallery.pop(person_id, None)
            return
        self.storage.put_embedding(digest, embedding)
        self._gallery[person_id] = embedding

    def forget_face(self, person_id: str) -> None:
        """Drop a removed person's embedding."""
        self._gallery.pop(person_id, None)

    def best_match(self, embedding: Embedding) -> tuple[str, float] | None:
        """The enrolled person most similar to `embedding`, with the similarity."""
        if not self._gallery:
            return None
        ids = list(self._gallery)
        scores = np.stack([self._gallery[i] for i in ids]) @ embedding
        best = int(np.argmax(scores))
        return ids[best], float(scores[best])

    def is_known_face(self, embedding: Embedding) -> bool:
        """Whether `embedding` matches someone at the terminal's threshold."""
        match = self.best_match(embedding)
        return match is not None and match[1] >= self.state.settings.faceFeaturePairNumber

    def _load_gallery(self) -> dict[str, Embedding]:
        gallery: dict[str, Embedding] = {}
        for person in self.state.persons.values():
            embedding = self.storage.embedding(person.photo) if person.photo else None
            if embedding is not None:
                gallery[person.id] = embedding
        return gallery

    # -- the door ----------------------------------------------------------------------------

    def pass_door(self, person: Person, pass_type: int = 0) -> PassOutcome:
        """`person` presents themself: check the window and count, record the pass."""
        now = self.now()
        if not person.may_pass(now):
            reason = "no passes left" if person.pass_count <= 0 else "outside the validity window"
            self.log_event("refused", personID=person.id, reason=reason)
            return PassOutcome(False, reason)
        if person.pass_count < UNLIMITED_PASSES:
            person.pass_count -= 1
        record = PassRecord(person.id, person.name, round(now, 3), pass_type, person.photo)
        self.state.records.append(record)
        self.save()
        self.on_pass()
        return PassOutcome(True, "passed", record)
