"""Pass records into the store: from the upload receiver, and by `listRecord` polling for the rest.

Both ways land in `store.add_pass_records`, which keeps each (terminal, person, time) once, so a
record that is uploaded and also polled (or re-sent by a terminal) is stored once::

    records = RecordsService(station)                       # station.records in the app
    receiver = UploadReceiver(on_heartbeat, records.store)  # drop-in for PassRecordLog.store
    added = await records.poll(serial)                      # listRecord since the newest stored
    await records.start()                                   # poll_all() now and every few minutes
    rows = await records.list(PassFilter(serial=serial))
    count = await records.export_csv(PassFilter(), path)
    unsubscribe = records.subscribe(on_stored)            # on_stored(PassesStored) on the loop
    page = await records.page(where, after_id=last_id)    # only what was stored since
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

from enroll_app.services.discovery import PassRecordLog, TerminalRegistry
from enroll_app.services.terminals import TerminalService
from enroll_app.store import passes
from enroll_app.store.api import Store
from enroll_app.store.passes import PassFilter, PassPage
from enroll_app.store.records import PassRecordRow, PersonId, TerminalSerial
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import TerminalError
from enroll_app.terminal.records import PassRecord

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_POLL_MINUTES = 5.0
EXPORT_PAGE = 5000
EXPORT_COLUMNS = ("time", "terminal", "person_id", "name", "pass_type", "has_photo")


class RecordsStation(Protocol):
    """What the records service needs of `StationServices`."""

    @property
    def store(self) -> Store: ...

    @property
    def registry(self) -> TerminalRegistry: ...

    @property
    def terminals(self) -> TerminalService: ...


async def with_client(
    station: RecordsStation, serial: str, operation: Callable[[TerminalClient], Awaitable[T]]
) -> T:
    """Run `operation(client)` on the terminal with the key it accepts (the terminals service's)."""
    service = station.terminals
    run = getattr(service, "with_client", None) or service._with_key
    return await run(serial, operation)


@dataclass
class PollResult:
    """One `poll_all`: new records per terminal, the terminals that failed (operator text)."""

    added: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PassesStored:
    """New pass records are in the store: how many, from which terminals."""

    serials: frozenset[TerminalSerial]
    count: int


StoredListener = Callable[[PassesStored], None]


def row_from_record(record: PassRecord, serial: str | None = None) -> PassRecordRow:
    """The store row of a terminal's record (`serial` when the record does not name it)."""
    sn = record.device_sn or serial
    if not sn:
        raise ValueError("a pass record needs the terminal's serial")
    return PassRecordRow(
        serial=TerminalSerial(sn),
        person_id=PersonId(record.person_id),
        ts=record.ts,
        pass_type=record.pass_type,
        name=record.name,
        photo=record.photo or None,
    )


class RecordsService:
    """Receives, polls, lists and exports pass records; Qt-free, runs on the event loop.

    `listeners` get each uploaded record after it is stored (same as `PassRecordLog`), and
    `poll_listeners` get `(serial, added)` after each poll that found something. Subscribers
    (`subscribe`) hear of every write that added records, whichever way they came.
    Terminals that uploaded a record within the last two poll intervals are not polled:
    their records come by themselves.
    """

    def __init__(
        self,
        station: RecordsStation,
        *,
        clock: Callable[[], float] = time.time,
        poll_minutes: float = DEFAULT_POLL_MINUTES,
    ) -> None:
        self._station = station
        self._clock = clock
        self.poll_minutes = poll_minutes
        self._last_upload: dict[str, float] = {}
        self._poll_locks: dict[str, asyncio.Lock] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.listeners: list[Callable[[PassRecord], None]] = []
        self.poll_listeners: list[Callable[[str, int], None]] = []
        self._subscribers: list[StoredListener] = []

    def subscribe(self, listener: StoredListener) -> Callable[[], None]:
        """Call `listener(PassesStored)` after each write that added records (uploads, polls,
        adoption of the old log); returns an unsubscribe.

        It runs on the event loop inside the write's caller (an upload waits for it before
        its acknowledgement): it must only take note, e.g. start a timer. One that raises is
        logged and ignored.
        """
        self._subscribers.append(listener)
        return lambda: self._subscribers.remove(listener)

    async def _add(self, rows: list[PassRecordRow]) -> int:
        added = await self._station.store.add_pass_records(rows)
        if added:
            stored = PassesStored(frozenset(r.serial for r in rows), added)
            for listener in list(self._subscribers):
                try:
                    listener(stored)
                except Exception:
                    log.exception("a pass records subscriber failed")
        return added

    # ---- the receiver side --------------------------------------------------------------

    async def store(self, record: PassRecord) -> None:
        """Store one uploaded record before the receiver acknowledges it.

        Raising (store closed, disk full) means "not stored": the terminal keeps the record
        and sends it again. Same signature as `PassRecordLog.store`.
        """
        rows = await self._named([row_from_record(record)])
        await self._add(rows)
        self._last_upload[record.device_sn] = self._clock()
        for listener in list(self.listeners):
            listener(record)

    on_upload = store

    async def store_many(self, records: Iterable[PassRecord]) -> int:
        """Store records kept elsewhere (e.g. `PassRecordLog().read()`, the JSON-lines file
        the receiver wrote before the store took over); returns how many were new."""
        rows = await self._named([row_from_record(r) for r in records if r.device_sn])
        return await self._add(rows)

    # ---- polling ------------------------------------------------------------------------

    async def poll(self, serial: str) -> int:
        """Fetch the terminal's records newer than the newest stored one; returns how many were new.

        `TerminalError` / `KeyRejected` / `RegistryError` when the terminal cannot be read.
        """
        lock = self._poll_locks.setdefault(serial, asyncio.Lock())
        async with lock:  # two polls of one terminal would fetch the same pages twice
            store = self._station.store
            since = await store.latest_pass_ts(TerminalSerial(serial))

            async def fetch(client: TerminalClient) -> list[PassRecord]:
                # listRecord's `since` is exclusive; step back 1 ms so records sharing the
                # newest stored time are not skipped (repeats are dropped by the store).
                return await client.list_records(since=max(0.0, (since or 0.0) - 0.001))

            records = await with_client(self._station, serial, fetch)
            rows = await self._named([row_from_record(r, serial) for r in records])
            added = await self._add(rows)
        if added:
            for listener in list(self.poll_listeners):
                listener(serial, added)
        return added

    async def _named(self, rows: list[PassRecordRow]) -> list[PassRecordRow]:
        """Fill in the station's name for records that came without one (older firmware)."""
        store = self._station.store
        names: dict[str, str] = {}
        for person_id in {r.person_id for r in rows if not r.name}:
            person = await store.find_person(person_id)
            names[person_id] = person.name if person is not None else ""
        return [replace(r, name=names[r.person_id]) if not r.name else r for r in rows]

    async def poll_all(self, serials: Iterable[str] | None = None) -> PollResult:
        """Poll every terminal (or `serials`) not uploading by itself, in parallel."""
        result = PollResult()
        wanted = list(serials) if serials is not None else self._station.registry.serials()
        recent = self._clock() - 2 * self.poll_minutes * 60
        due = []
        for serial in wanted:
            if serials is None and self._last_upload.get(serial, -1.0) >= recent:
                result.skipped.append(serial)
            else:
                due.append(serial)

        async def one(serial: str) -> None:
            try:
                result.added[serial] = await self.poll(serial)
            except (TerminalError, LookupError, OSError) as exc:
                result.failed[serial] = getattr(exc, "operator_text", "") or str(exc)

        await asyncio.gather(*(one(s) for s in due))
        return result

    async def start(self) -> None:
        """Adopt an old JSON-lines log, then run `poll_all` now and every `poll_minutes`
        until `aclose()`."""
        if self._task is None:
            try:
                await self.adopt_old_log()
            except OSError as exc:  # the records stay in the file; the next start tries again
                log.warning("old pass records not adopted: %s", exc)
            self._task = asyncio.create_task(self._run(), name="pass record polling")

    async def adopt_old_log(self, folder: Path | None = None) -> int:
        """Store the records an earlier version's receiver wrote to `pass-records.jsonl`, then
        rename that file to `.adopted` (kept, never deleted); returns how many were new."""
        old = PassRecordLog(folder)
        if not await asyncio.to_thread(old.path.exists):
            return 0
        added = await self.store_many(await asyncio.to_thread(old.read))
        await asyncio.to_thread(old.path.rename, old.path.with_suffix(".jsonl.adopted"))
        log.info("adopted %d pass record(s) from %s", added, old.path)
        return added

    def poll_soon(self) -> None:
        """Wake the schedule for an early `poll_all` (the operator pressed refresh)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            result = await self.poll_all()
            for serial, why in result.failed.items():
                log.info("pass records of %s not polled: %s", serial, why)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_minutes * 60)

    async def aclose(self) -> None:
        """Stop the polling schedule."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # ---- reading ------------------------------------------------------------------------

    async def list(self, where: PassFilter | None = None) -> list[PassRecordRow]:
        """Stored records matching `where`, newest first, without snapshots."""
        return await self._station.store.list_pass_records(where)

    async def page(self, where: PassFilter | None = None, after_id: int | None = None) -> PassPage:
        """`list(where)` with the newest stored id; only records stored after `after_id` when
        given (see `passes.pass_page`)."""
        return await self._station.store.call(passes.pass_page, where, after_id)

    async def photo(self, row: PassRecordRow) -> bytes | None:
        """The snapshot the terminal sent with `row` (JPEG), or None."""
        return await self._station.store.call(
            passes.pass_record_photo, row.serial, row.person_id, row.ts
        )

    async def export_csv(self, where: PassFilter | None, path: Path) -> int:
        """Write every record matching `where` (ignoring its limit/offset) as UTF-8 CSV with BOM
        (Excel opens it with Chinese names intact); returns the number of rows."""
        base = where or PassFilter()
        rows: list[PassRecordRow] = []
        offset = 0
        while True:
            page = await self.list(replace(base, limit=EXPORT_PAGE, offset=offset))
            rows.extend(page)
            if len(page) < EXPORT_PAGE:
                break
            offset += EXPORT_PAGE
        await asyncio.to_thread(_write_csv, path, rows)
        return len(rows)


def _write_csv(path: Path, rows: list[PassRecordRow]) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            when = datetime.fromtimestamp(row.ts).isoformat(sep=" ", timespec="milliseconds")
            writer.writerow(
                [when, row.serial, row.person_id, row.name, row.pass_type, int(row.has_photo)]
            )
    tmp.replace(path)  # a half-written export never looks finished
