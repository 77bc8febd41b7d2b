"""`SyncService`: drains the store's outbox to the terminals, one worker per terminal.

Every operator change is already in the store with one outbox entry per target terminal
(`Store.save_person`, `remove_person_from`, `forget_person`). Here the entries are carried
out: writes to one terminal go one at a time in outbox order (the read-back of one entry
overlaps the write of the next), terminals are served in parallel, failures are retried with
backoff, and a terminal that refuses the key, is full or rejects a photo is marked with that
state. Nothing is held only in memory: after a crash or restart the workers start again from
the outbox, and replaying an entry leaves the terminal as it was::

    sync = SyncService(station)
    await sync.start()
    outcomes = await sync.push(person_id, serials, on_progress=print)
    report = await sync.reconcile(serial)
    await sync.fix(serial, report, confirmed=2)
    await sync.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from enroll_app.services.delivery import (
    Delivered,
    DeliveryFailure,
    Stage,
    classify,
    deliver,
)
from enroll_app.services.discovery import RegistryError
from enroll_app.services.reconcile import (
    GuardRequired,
    ReconcileReport,
    check_guard,
    compare_terminal,
    fix_terminal,
    import_persons,
)
from enroll_app.store import outbox as outbox_fns
from enroll_app.store.errors import NotFoundError, StoreClosedError
from enroll_app.store.records import (
    OutboxEntry,
    OutboxEntryId,
    OutboxOp,
    PersonId,
    PersonRecord,
    PlacementState,
    TerminalSerial,
)
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import KeyRejected, TerminalError
from enroll_app.terminal.protocol import DEFAULT_KEY

if TYPE_CHECKING:
    from enroll_app.services.station import StationServices
    from enroll_app.store.api import Store

T = TypeVar("T")

log = logging.getLogger(__name__)

__all__ = [
    "DeliveryOutcome",
    "DeliveryProgress",
    "GuardRequired",
    "ReconcileReport",
    "SyncService",
]

SYNC_ACTOR = "sync"


@dataclass(frozen=True)
class DeliveryProgress:
    """One step of delivering a person to a terminal, for progress displays."""

    serial: TerminalSerial
    person_id: PersonId
    stage: Stage
    message: str


@dataclass(frozen=True)
class DeliveryOutcome:
    """How the first attempt on one terminal ended: `state` and operator text.

    A failed state with a retrying cause keeps being retried in the background.
    """

    serial: TerminalSerial
    state: PlacementState
    message: str

    @property
    def ok(self) -> bool:
        """True when the terminal confirmed (synced or removed)."""
        return self.state in (PlacementState.SYNCED, PlacementState.REMOVED)


ProgressCallback = Callable[[DeliveryProgress], None]


@dataclass(frozen=True)
class SyncSettings:
    """Tuning of the workers; the defaults suit real terminals on a LAN.

    `backoff_base`/`backoff_cap`: seconds before the first retry and the longest wait.
    `batch`: entries read from the store at once. `pipeline`: entries of one terminal in
    flight at once (writes stay one at a time; read-backs overlap the next write).
    `idle_poll`: how often an idle service looks for work it was not told about.
    """

    backoff_base: float = 5.0
    backoff_cap: float = 900.0
    batch: int = 50
    pipeline: int = 4
    idle_poll: float = 30.0


class SyncService:
    """Outbox workers over the station's store, registry, keys and connection pool.

    Runs on the event loop; never blocks it (SQL runs on the store thread, keyring reads in
    a worker thread). `clock` defaults to the station's.
    """

    def __init__(
        self,
        station: StationServices,
        settings: SyncSettings | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.station = station
        self.settings = settings or SyncSettings()
        self.clock = clock or station.clock
        self._workers: dict[TerminalSerial, _TerminalWorker] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scout: asyncio.Task[None] | None = None
        self._scout_wake = asyncio.Event()
        self._unsubscribe: Callable[[], None] | None = None
        self._closed = False

    # ---- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start a worker for every terminal with entries due; wake on store changes."""
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        await self.mirror_registry()
        self._unsubscribe = self.station.store.subscribe(self._on_store_change)
        self._scout = asyncio.create_task(self._scout_loop(), name="sync scout")

    async def aclose(self) -> None:
        """Stop every worker (an entry in flight is simply retried after the next start)."""
        self._closed = True
        if self._unsubscribe is not None:
            with contextlib.suppress(ValueError):
                self._unsubscribe()
            self._unsubscribe = None
        tasks = [w.task for w in self._workers.values() if w.task is not None]
        if self._scout is not None:
            tasks.append(self._scout)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for worker in self._workers.values():
            await worker.close_client()
        self._workers.clear()

    def kick(self, serial: str | None = None) -> None:
        """Look for due entries now (of one terminal, or of all)."""
        if self._closed:
            return
        if serial is None:
            self._scout_wake.set()
            for worker in self._workers.values():
                worker.wake.set()
        else:
            self._worker(TerminalSerial(serial)).wake.set()

    def _on_store_change(self, _change: object) -> None:
        # Called on the store thread: only hand over.
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.kick)

    async def _scout_loop(self) -> None:
        while True:
            self._scout_wake.clear()
            try:
                depth = await self.station.store.outbox_depth()
            except StoreClosedError:
                return
            for serial in depth:
                self._worker(serial).wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._scout_wake.wait(), self.settings.idle_poll)

    def _worker(self, serial: TerminalSerial) -> _TerminalWorker:
        worker = self._workers.get(serial)
        if worker is None:
            worker = _TerminalWorker(self, serial)
            self._workers[serial] = worker
        if not self._closed and (worker.task is None or worker.task.done()):
            worker.task = asyncio.create_task(worker.run(), name=f"sync {serial}")
        return worker

    async def mirror_registry(self) -> None:
        """Make every terminal of the registry known to the store (outbox entries need it)."""
        known = {t.serial: t for t in await self.station.store.list_terminals()}
        for terminal in self.station.registry.terminals():
            have = known.get(TerminalSerial(terminal.serial))
            if have is None or (have.host, have.port) != (terminal.host, terminal.port):
                await self.station.store.upsert_terminal(
                    TerminalSerial(terminal.serial),
                    terminal.host,
                    terminal.port,
                    name=terminal.name or None,
                    actor=SYNC_ACTOR,
                )

    # ---- delivering now --------------------------------------------------------------------

    async def push(
        self,
        person_id: str,
        serials: Iterable[str],
        on_progress: ProgressCallback | None = None,
    ) -> dict[TerminalSerial, DeliveryOutcome]:
        """Deliver what the person is owed on `serials` now; the outcome of the first attempt
        on each terminal. Failures keep retrying in the background (photo rejections wait)."""
        targets = sorted({TerminalSerial(s) for s in serials})
        results = await asyncio.gather(
            *(self._push_one(PersonId(person_id), s, on_progress) for s in targets)
        )
        return dict(zip(targets, results, strict=True))

    async def retry(
        self,
        person_id: str,
        serials: Iterable[str],
        on_progress: ProgressCallback | None = None,
    ) -> dict[TerminalSerial, DeliveryOutcome]:
        """Try again now, parked entries too; a terminal owed nothing gets the person re-sent."""
        targets = sorted({TerminalSerial(s) for s in serials})
        owed = await self._entries_of(PersonId(person_id), targets)
        resend = [s for s in targets if s not in owed]
        if resend:
            person = await self.station.store.get_person(PersonId(person_id))
            await self.station.store.save_person(person, resend, SYNC_ACTOR)
        return await self.push(person_id, targets, on_progress)

    async def _push_one(
        self, person_id: PersonId, serial: TerminalSerial, on_progress: ProgressCallback | None
    ) -> DeliveryOutcome:
        entry = (await self._entries_of(person_id, [serial])).get(serial)
        if entry is None:
            return await self._standing(person_id, serial)
        return await self._worker(serial).deliver(entry, on_progress)

    async def _entries_of(
        self, person_id: PersonId, serials: Sequence[TerminalSerial]
    ) -> dict[TerminalSerial, OutboxEntry]:
        out: dict[TerminalSerial, OutboxEntry] = {}
        for serial in serials:
            entries = await self.station.store.call(outbox_fns.list_outbox, serial)
            for entry in entries:
                if entry.person_id == person_id:
                    out[serial] = entry
        return out

    async def _standing(self, person_id: PersonId, serial: TerminalSerial) -> DeliveryOutcome:
        placements = (await self.station.store.placements_of([person_id])).get(person_id, [])
        for placement in placements:
            if placement.serial == serial:
                text = placement.last_error or "Nothing left to send"
                return DeliveryOutcome(serial, placement.state, text)
        return DeliveryOutcome(serial, PlacementState.REMOVED, "Not on this terminal")

    # ---- removals, reconcile, import -------------------------------------------------------

    async def remove_persons(
        self,
        person_ids: Iterable[str],
        serials: Iterable[str],
        *,
        confirmed: int = 0,
        actor: str = "operator",
    ) -> int:
        """Owe `serials` the removal of these persons (they stay on the station).

        Raises `GuardRequired` (nothing changed) when that would remove more than 20 % of a
        terminal's persons and `confirmed` < 2. Returns how many removals were queued.
        """
        ids = sorted({PersonId(p) for p in person_ids})
        targets = sorted({TerminalSerial(s) for s in serials})
        for serial in targets:
            held = {p.person_id for p in await self.station.store.placements_on(serial)}
            check_guard(serial, len(held & set(ids)), len(held), confirmed)
        queued = 0
        for person_id in ids:
            queued += await self.station.store.remove_person_from(person_id, targets, actor)
        self.kick()
        return queued

    async def forget_persons(
        self, person_ids: Iterable[str], *, confirmed: int = 0, actor: str = "operator"
    ) -> int:
        """Forget these persons: removed from every terminal, then from the station (photo and
        embedding at once). Guarded like `remove_persons`; returns how many were forgotten."""
        ids = sorted({PersonId(p) for p in person_ids})
        placed = await self.station.store.placements_of(ids)
        leaving: dict[TerminalSerial, int] = {}
        for placements in placed.values():
            for placement in placements:
                if placement.state not in (PlacementState.REMOVING, PlacementState.REMOVED):
                    leaving[placement.serial] = leaving.get(placement.serial, 0) + 1
        for serial, count in leaving.items():
            held = len(await self.station.store.placements_on(serial))
            check_guard(serial, count, held, confirmed)
        for person_id in ids:
            await self.station.store.forget_person(person_id, actor)
        self.kick()
        return len(ids)

    async def reconcile(self, serial: str) -> ReconcileReport:
        """Compare what the station expects on `serial` with what the terminal holds."""
        worker = self._worker(TerminalSerial(serial))
        return await worker.with_client(
            lambda client: compare_terminal(self.station.store, TerminalSerial(serial), client)
        )

    async def fix(
        self, serial: str, report: ReconcileReport, confirmed: int = 0, actor: str = "operator"
    ) -> int:
        """Make the terminal hold the station's version: re-send different and missing persons
        (through the outbox), remove persons only the terminal has (guarded: more than 20 %
        of its persons needs `confirmed=2`, else `GuardRequired`). Returns the actions taken."""
        worker = self._worker(TerminalSerial(serial))
        done = await worker.with_client(
            lambda client: fix_terminal(
                self.station.store, report, client, confirmed=confirmed, actor=actor
            )
        )
        self.kick(serial)
        return done

    async def import_from_terminal(
        self,
        serial: str,
        ids: Iterable[str] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[PersonId]:
        """Copy persons from a terminal into the store (photo and embedding included) and
        place them on it. `ids` None: everyone the station does not know yet. Returns the ids
        imported; persons whose photo shows no usable face are skipped (logged)."""
        engine = await self.station.face_engine()
        gallery = await self.station.gallery()
        worker = self._worker(TerminalSerial(serial))
        wanted = None if ids is None else [PersonId(i) for i in ids]
        imported = await worker.with_client(
            lambda client: import_persons(
                self.station.store,
                TerminalSerial(serial),
                client,
                engine,
                wanted=wanted,
                on_progress=on_progress,
            )
        )
        for person_id, embedding in imported:
            if person_id in gallery:
                gallery.update(person_id, embedding.as_array(), pack=embedding.model_pack)
            else:
                gallery.add(person_id, embedding.as_array(), pack=embedding.model_pack)
        self.kick(serial)
        return [person_id for person_id, _ in imported]

    # ---- helpers for the workers -----------------------------------------------------------

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed ones."""
        return outbox_fns.backoff_delay(
            attempts, base=self.settings.backoff_base, cap=self.settings.backoff_cap
        )


class _WriteTurns:
    """One write at a time on a terminal; an operator's write goes before queued background
    ones (at most the few already waiting on the lock go first)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._urgent = 0
        self._no_urgent = asyncio.Event()
        self._no_urgent.set()

    @contextlib.asynccontextmanager
    async def turn(self, *, urgent: bool) -> AsyncIterator[None]:
        """Hold the terminal's write turn."""
        if urgent:
            self._urgent += 1
            self._no_urgent.clear()
        try:
            while not urgent and self._urgent:
                await self._no_urgent.wait()
            async with self._lock:
                yield
        finally:
            if urgent:
                self._urgent -= 1
                if not self._urgent:
                    self._no_urgent.set()


class _TerminalWorker:
    """Delivers the entries of one terminal; holds one client with the key that works."""

    def __init__(self, service: SyncService, serial: TerminalSerial) -> None:
        self.service = service
        self.serial = serial
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self._turns = _WriteTurns()
        self._slots = asyncio.Semaphore(max(1, service.settings.pipeline))
        self._inflight: dict[OutboxEntryId, asyncio.Future[DeliveryOutcome]] = {}
        self._paused_until = 0.0
        self._down_count = 0
        self._client: TerminalClient | None = None
        self._client_for: tuple[str, int, str] | None = None
        self._key: str | None = None
        self._key_lock = asyncio.Lock()

    @property
    def store(self) -> Store:
        """The station's store."""
        return self.service.station.store

    # ---- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        """Deliver due entries until cancelled; sleep until the next is due or a kick."""
        while True:
            self.wake.clear()
            try:
                await self._round()
            except StoreClosedError:
                return
            except Exception:  # a bug must not end delivery for good, nor spin
                log.exception("sync worker of %s failed; pausing", self.serial)
                self._pause()

    async def _round(self) -> None:
        now = self.service.clock()
        if now < self._paused_until:
            await self._sleep(self._paused_until - now)
            return
        batch = await self.store.next_outbox_batch(self.serial, now, self.service.settings.batch)
        fresh = [e for e in batch if e.id not in self._inflight]
        if fresh:
            await self._run_batch(fresh)
        elif batch:  # all being pushed right now: wait for those
            await asyncio.wait([self._inflight[e.id] for e in batch if e.id in self._inflight])
        else:
            due = await self.store.next_due_at(self.serial)
            await self._sleep(None if due is None else due - now)

    def _pause(self) -> None:
        now = self.service.clock()
        self._paused_until = max(self._paused_until, now + self.service.backoff(self._down_count))
        self._down_count += 1

    async def _sleep(self, seconds: float | None) -> None:
        limit = self.service.settings.idle_poll
        wait = limit if seconds is None else max(0.0, min(seconds, limit))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), wait)

    async def _run_batch(self, batch: list[OutboxEntry]) -> None:
        # Removals first: they free places a full terminal needs for the new persons.
        ordered = sorted(batch, key=lambda e: (e.op is not OutboxOp.REMOVE, e.id))
        await asyncio.gather(*(self.deliver(entry, background=True) for entry in ordered))

    # ---- one entry -------------------------------------------------------------------------

    async def deliver(
        self,
        entry: OutboxEntry,
        on_progress: ProgressCallback | None = None,
        *,
        background: bool = False,
    ) -> DeliveryOutcome:
        """Carry out `entry` (or wait for the delivery already under way) and record it.

        An operator's delivery (`background` False) goes ahead of the worker's queue: it takes
        no pipeline slot and the next write turn. `background` deliveries are skipped while
        the terminal is paused (away or refusing the key): the rest of a batch should not
        knock on a door that just stayed shut.
        """
        if background:
            async with self._slots:
                running = self._inflight.get(entry.id)
                if running is not None:  # an operator's push took it meanwhile
                    return await asyncio.shield(running)
                if self.service.clock() < self._paused_until:
                    return DeliveryOutcome(self.serial, PlacementState.PENDING, "Waiting to retry")
                return await self._tracked(entry, None, urgent=False)
        running = self._inflight.get(entry.id)
        if running is not None:
            return await asyncio.shield(running)
        return await self._tracked(entry, on_progress, urgent=True)

    async def _tracked(
        self, entry: OutboxEntry, on_progress: ProgressCallback | None, *, urgent: bool
    ) -> DeliveryOutcome:
        future: asyncio.Future[DeliveryOutcome] = asyncio.get_running_loop().create_future()
        self._inflight[entry.id] = future
        try:
            outcome = await self._deliver(entry, on_progress, urgent)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:  # a bug or a closed store: the entry stays owed
            log.exception("delivering %s to %s failed", entry.op, self.serial)
            self._pause()
            outcome = DeliveryOutcome(self.serial, PlacementState.FAILED_OTHER, str(exc))
        finally:
            self._inflight.pop(entry.id, None)
        future.set_result(outcome)
        return outcome

    async def _deliver(
        self, entry: OutboxEntry, on_progress: ProgressCallback | None, urgent: bool
    ) -> DeliveryOutcome:
        def stage(name: Stage, message: str) -> None:
            if on_progress is not None:
                on_progress(DeliveryProgress(self.serial, entry.person_id, name, message))

        person = await self._person(entry)
        result = await self._attempt(entry, person, stage, urgent)
        if isinstance(result, Delivered):
            self._down_count = 0
            await self.store.complete_outbox(entry.id, self.service.clock())
            stage("done", result.message)
            return DeliveryOutcome(self.serial, result.state, result.message)
        failure = result
        await self._record_failure(entry, failure)
        stage("failed", failure.message)
        return DeliveryOutcome(self.serial, failure.state, failure.message)

    async def _attempt(
        self,
        entry: OutboxEntry,
        person: PersonRecord | None,
        stage: Callable[[Stage, str], None],
        urgent: bool,
    ) -> Delivered | DeliveryFailure:
        """One delivery, confirmed or failed. A key that worked before and is refused now
        (rotated meanwhile) is looked up again once before the entry counts as refused."""
        for _ in range(2):
            remembered = self._key is not None
            try:
                client = await self._ready_client()
                return await deliver(
                    client, entry, person, stage, lambda: self._turns.turn(urgent=urgent)
                )
            except TerminalError as exc:  # finding the key or the address failed
                failure = classify(exc)
            except DeliveryFailure as exc:
                failure = exc
            if not (failure.state is PlacementState.FAILED_KEY and remembered):
                return failure
            self._key = None
        return failure

    async def _person(self, entry: OutboxEntry) -> PersonRecord | None:
        if entry.op is not OutboxOp.UPSERT:
            return None
        try:
            return await self.store.get_person(entry.person_id, with_photo=True)
        except NotFoundError:
            return None

    async def _record_failure(self, entry: OutboxEntry, failure: DeliveryFailure) -> None:
        now = self.service.clock()
        next_at = now + self.service.backoff(entry.attempts) if failure.retry else None
        await self.store.fail_outbox(entry.id, failure.state, failure.message, next_at)
        if failure.state is PlacementState.FAILED_KEY:
            self._key = None  # look for a working key again next time
        if failure.terminal_down or failure.state is PlacementState.FAILED_KEY:
            self._pause()  # the whole terminal is away (or locked): wait before the next entry

    # ---- the client ------------------------------------------------------------------------

    async def with_client(self, operation: Callable[[TerminalClient], Awaitable[T]]) -> T:
        """Run `operation` with this terminal's client (key looked up if needed)."""
        client = await self._ready_client()
        try:
            return await operation(client)
        except KeyRejected:
            self._key = None
            raise

    async def _ready_client(self) -> TerminalClient:
        host, port = await self._address()
        if self._key is None:
            async with self._key_lock:
                if self._key is None:
                    self._key = await self._find_key(host, port)
        wanted = (host, port, self._key)
        if self._client is None or self._client_for != wanted:
            await self.close_client()
            self._client = self.service.station.connections.client(host, port, self._key)
            self._client_for = wanted
        return self._client

    async def _address(self) -> tuple[str, int]:
        station = self.service.station
        try:
            known = station.registry.get(self.serial)
        except RegistryError:  # not in the registry: the store knows every outbox terminal
            record = await station.store.get_terminal(self.serial)
            return record.host, record.port
        return known.host, known.port

    async def _find_key(self, host: str, port: int) -> str:
        """The key this terminal accepts: the terminal service tries the keyring's candidates
        (off the loop) and remembers the one that works; once per worker, again after a 103."""

        async def probe(client: TerminalClient) -> str:
            await client.get_time()
            return client.key

        try:
            self.service.station.registry.get(self.serial)
        except RegistryError:  # a terminal only the store knows: the factory key is all there is
            return DEFAULT_KEY
        return await self.service.station.terminals._with_key(self.serial, probe)

    async def close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
