"""The simulated device itself: its state, clock, face gallery and door, shared by handlers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from enroll_app.simulator.camera import Camera
from enroll_app.simulator.config import Faults
from enroll_app.simulator.faces import Embedding, FaceJudge, FaceVerdict
from enroll_app.simulator.profiles import Profile
from enroll_app.simulator.state import (
    Change,
    PassRecord,
    Person,
    Storage,
    TerminalState,
    event_logged,
    person_saved,
    persons_removed,
    record_added,
    settings_saved,
)
from enroll_app.terminal.protocol import UNLIMITED_PASSES

log = logging.getLogger(__name__)
PHOTO_WORK_S = 1.0  # realistic mode (fast=False): extra time per setPerson/check photo
BURST_WINDOW_S = 1.0  # passes closer than this are simulated bursts, not a clock set back


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
        self._last_pass_ts = max((r.ts for r in self.state.records), default=0.0)
        if not self.state.settings.registered_at:
            self.state.settings.registered_at = round(self.now(), 3)
            self.save_settings()

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
        self.save_settings()

    def commit(self, *changes: Change) -> None:
        """Make `changes` durably, then in memory (the firmware writes through to its
        database): a reply sent after this survives a power cut."""
        self.storage.commit(self.state, *changes)

    def save_settings(self) -> None:
        """Persist the settings as they are now in `state.settings`."""
        self.commit(settings_saved(self.state.settings))

    def log_event(self, kind: str, **details: Any) -> None:
        """Remember a side effect that leaves no record (open, updateAPK) for tests and demos."""
        log.info("terminal %s: %s %s", self.serial, kind, details)
        self.commit(event_logged({"event": kind, "ts": round(self.now(), 3), **details}))

    # -- persons -----------------------------------------------------------------------------

    def put_person(self, person: Person, photo: tuple[bytes, Embedding | None] | None) -> None:
        """Store `person` (a copy, not the stored object), with a new enrollment photo and
        its embedding when `photo` is given; the files are written before the change."""
        if photo is not None:
            jpeg, embedding = photo
            person.photo = self.storage.put_photo(jpeg)
            if embedding is not None:
                self.storage.put_embedding(person.photo, embedding)
        self.commit(person_saved(person))
        if photo is not None:
            self._remember_face(person.id, photo[1])

    def remove_persons(self, ids: list[str]) -> None:
        """Remove the persons with these ids (unknown ones are skipped)."""
        self.commit(persons_removed(ids))
        for person_id in ids:
            self._gallery.pop(person_id, None)

    # -- faces -------------------------------------------------------------------------------

    async def analyse(self, photo: bytes) -> FaceVerdict:
        """Judge `photo` in a worker thread; photo work is serialised like on the terminal."""
        async with self.photo_lock:
            if not self.fast:  # the terminal takes about a second per photo
                await asyncio.sleep(PHOTO_WORK_S)
            return await asyncio.to_thread(self.judge.analyse, photo)

    def _remember_face(self, person_id: str, embedding: Embedding | None) -> None:
        if embedding is None:
            self._gallery.pop(person_id, None)
        else:
            self._gallery[person_id] = embedding

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

    def _pass_ts(self, now: float) -> float:
        # One door, one face at a time: passes in a burst get distinct milliseconds (listRecord
        # pages by ts); a clock set back by more than the burst window is followed as it is.
        ts = round(now, 3)
        if 0 <= self._last_pass_ts - ts < BURST_WINDOW_S:
            ts = round(self._last_pass_ts + 0.001, 3)
        self._last_pass_ts = ts
        return ts

    def pass_door(self, person: Person, pass_type: int = 0) -> PassOutcome:
        """`person` presents themself: check the window and count, record the pass."""
        now = self.now()
        if not person.may_pass(now):
            reason = "no passes left" if person.pass_count <= 0 else "outside the validity window"
            self.log_event("refused", personID=person.id, reason=reason)
            return PassOutcome(False, reason)
        ts = self._pass_ts(now)
        record = PassRecord(person.id, person.name, ts, pass_type, person.photo)
        changes = [record_added(record)]
        if person.pass_count < UNLIMITED_PASSES:
            changes.insert(0, person_saved(replace(person, pass_count=person.pass_count - 1)))
        self.commit(*changes)
        self.on_pass()
        return PassOutcome(True, "passed", record)
