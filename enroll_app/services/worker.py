"""`BlockingWorker`: one thread for the station's blocking work (disk files, the OS keyring)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar, TypeVarTuple

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

_Job = tuple[concurrent.futures.Future[Any], Callable[[], Any]]


class BlockingWorker:
    """Runs blocking calls one at a time, in the order given, on a thread of its own.

    The UI's event loop awaits `run(...)` instead of touching the disk or the keyring itself:
    a keyring over D-Bus or a write on a busy disk can take a tenth of a second. One thread,
    not a pool: keyring backends are not thread-safe, and file writes must land in order.
    The thread starts with the worker (starting a thread waits for the OS to schedule it,
    which a loaded PC makes slow: better at start-up than inside a loop step); `aclose()`
    finishes the queued work and ends it without blocking the loop. After `aclose()`, calls run at once on the caller's thread
    (only shutdown stragglers do that).
    """

    def __init__(self, name: str = "station-io") -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        self._closed = False

    async def run(self, call: Callable[[*Ts], T], *args: *Ts) -> T:
        """`call(*args)` on the worker thread; its result or its exception."""
        return await self.submit(call, *args)

    def submit(self, call: Callable[[*Ts], T], *args: *Ts) -> asyncio.Future[T]:
        """Queue `call(*args)` without waiting (still in order with every other call)."""
        if self._closed:
            done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            done.set_result(call(*args))
            return done
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((future, lambda: call(*args)))
        return asyncio.wrap_future(future)

    async def drain(self) -> None:
        """Return once everything queued so far has run."""
        if not self._closed:
            await self.submit(_nothing)

    async def aclose(self) -> None:
        """Finish the queued work, then end the thread (on quit). Runs once."""
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()
        self._jobs.put((concurrent.futures.Future(), lambda: _end(loop, ended)))
        self._jobs.put(None)
        await ended
        self._closed = True
        self._thread.join()  # returns at once: the thread's last step has run

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, call = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(call())
                except BaseException as exc:  # handed to the awaiting caller
                    future.set_exception(exc)


def _end(loop: asyncio.AbstractEventLoop, ended: asyncio.Future[None]) -> None:
    loop.call_soon_threadsafe(_set_done, ended)


def _set_done(ended: asyncio.Future[None]) -> None:
    if not ended.done():
        ended.set_result(None)


def _nothing() -> None:
    return None
