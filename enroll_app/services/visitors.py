"""Visitors: default validity for a new visitor, and the sweeper that removes and later forgets them.

A visitor is valid from now until `end_hour` today with `pass_count` passes. Once expired the
sweeper owes every terminal holding them a removal (that frees capacity; the sync workers
deliver it), and `retention_days` after expiry it forgets them (photo, embedding, card and ID
numbers deleted from the station; see `store.changes.forget_person`)::

    sweeper = VisitorSweeper(station, VisitorPolicy(end_hour=18, retention_days=30))
    await sweeper.start()           # sweeps at once, then every `policy.sweep_minutes`
    result = await sweeper.sweep_once()
    await sweeper.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from enroll_app.store.api import Store
from enroll_app.store.errors import StoreError
from enroll_app.store.records import PersonId, PersonKind, PlacementState, TerminalSerial

log = logging.getLogger(__name__)

SWEEPER_ACTOR = "visitor-sweeper"
DAY = 86400.0
_GONE = frozenset({PlacementState.REMOVING, PlacementState.REMOVED})


class HasStore(Protocol):
    """What the sweeper needs of `StationServices`."""

    @property
    def store(self) -> Store: ...


@dataclass(frozen=True)
class VisitorPolicy:
    """Station settings for visitors.

    `end_hour`: a new visitor is valid until this hour today (local time, 0..24).
    `pass_count`: how many passes a new visitor gets. `retention_days`: days after expiry
    until their personal data is deleted (0 = at the first sweep after expiry).
    `sweep_minutes`: how often the sweeper runs.
    """

    end_hour: int = 18
    pass_count: int = 2
    retention_days: int = 30
    sweep_minutes: float = 10.0

    def __post_init__(self) -> None:
        if not 0 <= self.end_hour <= 24:
            raise ValueError("the visitors' end hour must be 0..24")
        if not 1 <= self.pass_count <= 9999:
            raise ValueError("a visitor needs 1..9999 passes")
        if self.retention_days < 0:
            raise ValueError("retention days cannot be negative")
        if self.sweep_minutes <= 0:
            raise ValueError("the sweep interval must be positive")


@dataclass(frozen=True)
class VisitorDefaults:
    """What a new visitor gets: kind, validity window (epoch s) and passes."""

    start_ts: float
    end_ts: float
    pass_count: int
    kind: PersonKind = PersonKind.VISITOR


def visitor_defaults(now: float, policy: VisitorPolicy | None = None) -> VisitorDefaults:
    """Valid from `now` until `policy.end_hour` today (local time).

    After that hour a visitor still needs a usable pass, so they get until midnight instead.
    """
    policy = policy or VisitorPolicy()
    today = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = (today + timedelta(hours=policy.end_hour)).timestamp()
    if end <= now:
        end = (today + timedelta(days=1)).timestamp() - 1
    return VisitorDefaults(
        start_ts=float(int(now)), end_ts=float(end), pass_count=policy.pass_count
    )


@dataclass
class SweepResult:
    """One sweep: removals owed per visitor (the terminals), visitors forgotten, problems."""

    removed: dict[PersonId, list[TerminalSerial]] = field(default_factory=dict)
    forgotten: list[PersonId] = field(default_factory=list)
    errors: dict[PersonId, str] = field(default_factory=dict)


class VisitorSweeper:
    """Removes expired visitors from every terminal and forgets them after the retention time.

    `clock` is the wall clock (epoch s; tests pass their own). `sweep_once()` can be called
    directly; `start()` runs it at once and then every `policy.sweep_minutes` until `aclose()`.
    `last_result` holds the latest sweep; `on_swept(result)` listeners are called after each.
    """

    def __init__(
        self,
        station: HasStore,
        policy: VisitorPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._station = station
        self.policy = policy or VisitorPolicy()
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self.last_result: SweepResult | None = None
        self.listeners: list[Callable[[SweepResult], None]] = []

    async def sweep_once(self) -> SweepResult:
        """Owe removals for expired visitors still on terminals; forget those past retention."""
        async with self._lock:  # the timer and an operator's "sweep now" never overlap
            result = SweepResult()
            store = self._station.store
            now = self._clock()
            await self._remove_expired(store, now, result)
            await self._forget_retained(store, now, result)
            self.last_result = result
        if result.removed or result.forgotten:
            kick_sync(self._station)
        for listener in list(self.listeners):
            listener(result)
        return result

    async def _remove_expired(self, store: Store, now: float, result: SweepResult) -> None:
        expired = await store.expired_visitors(now)
        if not expired:
            return
        placements = await store.placements_of(expired)
        for person_id in expired:
            holders = sorted(
                p.serial for p in placements.get(person_id, []) if p.state not in _GONE
            )
            if not holders:
                continue
            try:
                await store.remove_person_from(person_id, holders, SWEEPER_ACTOR)
            except StoreError as exc:  # one bad row must not stop the sweep
                result.errors[person_id] = str(exc)
                continue
            result.removed[person_id] = holders

    async def _forget_retained(self, store: Store, now: float, result: SweepResult) -> None:
        cutoff = now - self.policy.retention_days * DAY
        for person_id in await store.expired_visitors(cutoff):
            try:
                await store.forget_person(person_id, SWEEPER_ACTOR)
            except StoreError as exc:
                result.errors[person_id] = str(exc)
                continue
            result.forgotten.append(person_id)

    async def start(self) -> None:
        """Sweep now (errors are logged, not raised), then keep sweeping on the schedule."""
        if self._task is not None:
            return
        self._task = asyncio.create_task(self._run(), name="visitor sweeper")

    def sweep_soon(self) -> None:
        """Wake the schedule for an early sweep (after the policy changed, say)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except (StoreError, OSError) as exc:
                log.warning("visitor sweep failed: %s", exc)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.policy.sweep_minutes * 60)

    async def aclose(self) -> None:
        """Stop the schedule (a sweep under way is cancelled between store calls)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def kick_sync(station: object) -> None:
    """Tell the station's sync workers there is new work (they would find it within a minute)."""
    try:
        sync = getattr(station, "sync", None)
    except RuntimeError:  # the station is not started: the workers will look when it is
        return
    kick = getattr(sync, "kick", None)
    if callable(kick):
        kick()
