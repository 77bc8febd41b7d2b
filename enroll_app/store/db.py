"""The station database: one SQLite file in WAL mode, owned by one dedicated store thread.

Every piece of SQL runs on that thread (Anki's single database executor): the asyncio loop
awaits `store.call(fn, ...)`, the CLI and tests block on `store.run(fn, ...)`. A store
function takes a `Db` first; it is run whole on the store thread, in submission order.

Durability: a transaction commits with `synchronous=FULL` (the WAL is fsynced before the call
returns), so a change the operator made survives a crash, a kill and a power cut. Functions
marked `@replayable` (outbox bookkeeping, pass records, heartbeats) commit with NORMAL: a power
cut may undo their last commits, which only repeats idempotent work. Both keep the file intact.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from enroll_app.home import station_home
from enroll_app.store.errors import (
    InvalidRecordError,
    StorageError,
    StoreClosedError,
    StoreError,
    StoreThreadError,
)
from enroll_app.store.migrations import migrate, refuse_newer
from enroll_app.store.records import PersonId

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

DB_FILENAME = "station.db"
BUSY_TIMEOUT_MS = 5000
Clock = Callable[[], float]

_REPLAYABLE: set[Callable[..., Any]] = set()


def replayable(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a store function whose commits may be undone by a power cut without harm.

    Such a function commits with `synchronous=NORMAL`: cheaper, and losing its last commits
    only makes a worker repeat idempotent work (resend, re-poll). Never use it for a change
    an operator made.
    """
    _REPLAYABLE.add(fn)
    return fn


@dataclass(frozen=True)
class PersonsChanged:
    """Persons whose data or embeddings changed (`saved`) or went away (`removed`)."""

    saved: frozenset[PersonId]
    removed: frozenset[PersonId]


Listener = Callable[[PersonsChanged], None]


class Db:
    """The connection and the clock, as store functions see them. Lives on the store thread."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock) -> None:
        self.conn = conn
        self.clock = clock
        self._owner = threading.get_ident()
        self._saved: set[PersonId] = set()
        self._removed: set[PersonId] = set()
        self._committed: list[PersonsChanged] = []

    def now(self) -> float:
        """The store's clock (injectable, so tests control time)."""
        return self.clock()

    def check_thread(self) -> None:
        """Raise StoreThreadError when called off the store thread (a bug, caught early)."""
        if __debug__ and threading.get_ident() != self._owner:
            raise StoreThreadError("store SQL ran outside the store thread")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT), rolled back whole on an exception.

        Nested use is a savepoint inside the outer transaction, so a caller that catches an
        inner failure keeps none of the inner writes.
        """
        self.check_thread()
        if self.conn.in_transaction:
            with self._savepoint():
                yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._saved.clear()
            self._removed.clear()
            raise
        self._publish()

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self.conn.execute("SAVEPOINT nested")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO nested")
            raise
        finally:
            self.conn.execute("RELEASE nested")

    def note_saved(self, person_id: PersonId) -> None:
        """Tell listeners after commit that this person's data or embedding changed."""
        self._saved.add(person_id)
        self._removed.discard(person_id)

    def note_removed(self, person_id: PersonId) -> None:
        """Tell listeners after commit that this person left the gallery."""
        self._removed.add(person_id)
        self._saved.discard(person_id)

    def _publish(self) -> None:
        if self._saved or self._removed:
            self._committed.append(PersonsChanged(frozenset(self._saved), frozenset(self._removed)))
            self._saved.clear()
            self._removed.clear()

    def take_changes(self) -> list[PersonsChanged]:
        """Committed changes not yet handed to listeners."""
        changes, self._committed = self._committed, []
        return changes


def translate(error: sqlite3.Error) -> StoreError:
    """The store's exception for one of SQLite's (raised `from` it, so nothing is hidden)."""
    if isinstance(error, sqlite3.IntegrityError):
        return InvalidRecordError(f"the station database refused the change: {error}")
    return StorageError(f"the station database failed: {error}")


def connect(path: Path, clock: Clock) -> Db:
    """Open (creating if needed) the database at `path`, set it up and migrate it."""
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True
        )
    except sqlite3.Error as error:
        raise StorageError(f"cannot open the station database at {path}: {error}") from error
    try:
        conn.row_factory = sqlite3.Row
        refuse_newer(conn)  # before WAL mode rewrites the header of a file we must not touch
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"the station database at {path} cannot use WAL mode (got {mode})")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        conn.execute("PRAGMA trusted_schema = OFF")
        # Deleted rows are overwritten, so a forgotten person's data is not left in free pages.
        conn.execute("PRAGMA secure_delete = ON")
        migrate(conn)
        conn.execute("PRAGMA optimize = 0x10002")  # refresh planner statistics when stale
    except sqlite3.Error as error:
        conn.close()
        raise StorageError(f"cannot open the station database at {path}: {error}") from error
    except BaseException:
        conn.close()
        raise
    return Db(conn, clock)


_Job = tuple[concurrent.futures.Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]
_STOP = None


class Database:
    """The station database behind its own thread; see the module docstring.

    Runs everything on the thread named "store". Open with `open()` (blocking) or
    `await open_async()`; close with `close()` or `await aclose()`, which first finish all
    work already submitted.
    """

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._stopped: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._listeners: list[Listener] = []
        self._db: Db | None = None
        self._sync_mode = "FULL"
        # A daemon thread never keeps the app alive; the atexit hook still finishes queued
        # work if the app forgot to close (atexit runs while daemon threads are alive).
        self._thread = threading.Thread(target=self._serve, name="store", daemon=True)
        self._thread.start()
        atexit.register(self._close_at_exit)
        self._ready = self._submit(self._connect)

    # ---- opening and closing ---------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, clock: Clock = time.time) -> Self:
        """Open the station database (default `station_home()/station.db`), blocking.

        Refused on a thread running an event loop: use `await open_async()` there.
        """
        if _loop_running():
            raise StoreThreadError("Store.open() blocks the event loop: use await open_async()")
        store = cls(path or station_home() / DB_FILENAME, clock)
        try:
            store._ready.result()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    async def open_async(cls, path: Path | None = None, *, clock: Clock = time.time) -> Self:
        """Open the station database without blocking the event loop."""
        store = cls(path or station_home() / DB_FILENAME, clock)
        try:
            await asyncio.wrap_future(store._ready)
        except BaseException:
            await store.aclose()
            raise
        return store

    def close(self) -> None:
        """Finish every job already submitted, then close the connection; idempotent."""
        if threading.get_ident() == self._thread.ident:
            raise StoreThreadError("the store cannot close itself from its own thread")
        self._request_stop()
        self._thread.join()
        self._stopped.result()

    async def aclose(self) -> None:
        """`close()` for the event loop: awaits the drain instead of blocking."""
        self._request_stop()
        await asyncio.wrap_future(self._stopped)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def closed(self) -> bool:
        """True once close() was asked for; no new work is taken."""
        return self._closed

    # ---- running work ----------------------------------------------------------------------

    def run(self, fn: Callable[Concatenate[Db, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn(db, *args)` on the store thread and wait for its result (CLI, tests).

        Refused on the store thread (it would wait for itself) and on a thread running an
        event loop (it would freeze the UI): use `await store.call(...)` there.
        """
        if threading.get_ident() == self._thread.ident:
            raise StoreThreadError("store.run() on the store thread would wait for itself")
        if _loop_running():
            raise StoreThreadError("store.run() blocks the event loop: use await store.call()")
        return self._submit(fn, *args, **kwargs).result()

    def call(
        self, fn: Callable[Concatenate[Db, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> asyncio.Future[T]:
        """Submit `fn(db, *args)` to the store thread now; await the returned future.

        Jobs run in the order `call` was called, whenever they are awaited. Cancelling the
        future drops the job if it has not started; a started job finishes (its transaction
        commits or rolls back whole). Call it from the event loop's thread.
        """
        return asyncio.wrap_future(self._submit(fn, *args, **kwargs))

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after each commit that changed persons; returns an unsubscribe.

        Listeners run on the store thread and must only hand over (e.g. with
        `loop.call_soon_threadsafe`); an exception in one is logged and ignored.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _submit(
        self, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise StoreClosedError("the station database is closed")
            self._jobs.put((future, fn, args, kwargs))
        return future

    def _close_at_exit(self) -> None:
        self._request_stop()
        self._thread.join()

    def _request_stop(self) -> None:
        atexit.unregister(self._close_at_exit)
        with self._lock:
            if not self._closed:
                self._closed = True
                self._jobs.put(_STOP)

    # ---- the store thread ------------------------------------------------------------------

    def _connect(self) -> None:
        self._db = connect(self.path, self._clock)

    def _serve(self) -> None:
        try:
            while (job := self._jobs.get()) is not _STOP:
                self._run_job(job)
        finally:
            self._shutdown()

    def _run_job(self, job: _Job) -> None:
        future, fn, args, kwargs = job
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = self._execute(fn, args, kwargs)
        except BaseException as error:
            future.set_exception(error)
        else:
            future.set_result(result)
        self._notify()

    def _execute(self, fn: Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
        if fn == self._connect:
            return fn()
        if self._db is None:
            raise StoreClosedError("the station database did not open")
        try:
            self._set_sync_mode("NORMAL" if fn in _REPLAYABLE else "FULL")
            return fn(self._db, *args, **kw)
        except sqlite3.Error as error:
            raise translate(error) from error

    def _set_sync_mode(self, mode: str) -> None:
        # A per-connection setting, read at each COMMIT; switching costs one statement.
        if mode != self._sync_mode and self._db is not None:
            self._db.conn.execute(f"PRAGMA synchronous = {mode}")
            self._sync_mode = mode

    def _notify(self) -> None:
        if self._db is None:
            return
        for change in self._db.take_changes():
            for listener in list(self._listeners):
                try:
                    listener(change)
                except Exception:
                    log.exception("a store listener failed")

    def _shutdown(self) -> None:
        try:
            if self._db is not None:
                self._db.conn.execute("PRAGMA optimize")
                self._db.conn.close()
                self._db = None
        except sqlite3.Error:
            log.exception("closing the station database failed")
        finally:
            self._stopped.set_result(None)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
