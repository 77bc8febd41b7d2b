"""`BlockingWorker`: one thread for the station's blocking work (disk files, the OS keyring)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class BlockingWorker:
    """Runs blocking calls one at a time, in the order given, on a thread of its own.

    The UI's event loop awaits `run(...)` instead of touching the disk or the keyring itself:
    a keyring over D-Bus or a write on a busy disk can take a tenth of a second. One thread,
    not a pool: keyring backends are not thread-safe, and file writes must land in order.
    The thread starts at the first call; `aclose()` finishes the queued work and stops it.
    After `aclose()`, calls run at once on the caller's thread (only shutdown stragglers).
    """

    def __init__(self, name: str = "station-io") -> None:
        self._name = name
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._closed = False

    async def run(self, call: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """`call(*args)` on the worker thread; its result or its exception."""
        if self._closed:
            return call(*args)
        return await asyncio.wrap_future(self._pool().submit(call, *args))

    def submit(self, call: Callable[[Unpack[Ts]], T], *args: *Ts) -> asyncio.Future[T]:
        """Queue `call(*args)` without waiting (still in order with every other call)."""
        if self._closed:
            done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            done.set_result(call(*args))
            return done
        return asyncio.wrap_future(self._pool().submit(call, *args))

    async def drain(self) -> None:
        """Return once everything queued so far has run."""
        if self._executor is not None and not self._closed:
            await asyncio.wrap_future(self._executor.submit(_nothing))

    async def aclose(self) -> None:
        """Finish the queued work, then stop the thread (on quit). Runs once."""
        await self.drain()
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)  # the queue is empty: the thread ends at once

    def _pool(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(1, self._name)
        return self._executor


def _nothing() -> None:
    return None
