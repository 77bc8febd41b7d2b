"""Demo mode: three simulated terminals on loopback, so a newcomer sees the product work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from enroll_app.home import station_path
from enroll_app.simulator import SimConfig, SimulatedTerminal
from enroll_app.terminal.protocol import DEFAULT_PORT

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Each demo terminal gets its own loopback address so it can use the real port, like on a LAN.
DEMO_HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
FALLBACK_HOST = "127.0.0.1"


@dataclass(frozen=True)
class DemoTerminal:
    """Where one demo terminal listens."""

    name: str
    host: str
    port: int
    serial: str

    @property
    def base_url(self) -> str:
        """`http://host:port` of the terminal."""
        return f"http://{self.host}:{self.port}"


class DemoTerminals:
    """Starts and stops the demo terminals; data lives under `station_home()/demo/`.

    The terminals run on a thread of their own, with their own event loop: a simulated
    terminal does real device work (JPEG decoding, face checks on every enrolled photo) that
    must never stall the caller's loop, which is the UI's. `start()` and `stop()` are awaited
    from any loop.

    Each terminal tries its own loopback address on the real port first (127.0.0.2..4:8088)
    and falls back to an ephemeral port on 127.0.0.1 when that cannot be bound (another
    program holds the port, or the OS only routes 127.0.0.1, as macOS does).
    """

    def __init__(self, count: int = len(DEMO_HOSTS), *, realistic: bool = True) -> None:
        if not 1 <= count <= len(DEMO_HOSTS):
            raise ValueError(f"demo mode runs 1 to {len(DEMO_HOSTS)} terminals")
        self._count = count
        self._realistic = realistic
        self._thread: _DeviceThread | None = None
        self._terminals: list[DemoTerminal] = []

    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._thread is not None

    @property
    def terminals(self) -> list[DemoTerminal]:
        """The running terminals (empty when stopped)."""
        return list(self._terminals)

    async def start(self) -> list[DemoTerminal]:
        """Start the terminals (no-op when running); on failure nothing is left running."""
        if self._thread is not None:
            return self.terminals
        thread = _DeviceThread()
        try:
            started = await thread.call(self._start_all(thread.stack))
        except BaseException:
            await thread.close()
            raise
        self._thread, self._terminals = thread, started
        logger.info("demo mode: %d simulated terminals started", len(started))
        return self.terminals

    async def stop(self) -> None:
        """Stop every demo terminal and their thread (no-op when stopped)."""
        thread, self._thread = self._thread, None
        self._terminals = []
        if thread is not None:
            await thread.close()
            logger.info("demo mode stopped")

    async def _start_all(self, stack: contextlib.AsyncExitStack) -> list[DemoTerminal]:
        started = []
        for index, host in enumerate(DEMO_HOSTS[: self._count], start=1):
            term = await self._start_one(stack, index, host)
            started.append(_describe(index, term))
        return started

    async def _start_one(
        self, stack: contextlib.AsyncExitStack, index: int, host: str
    ) -> SimulatedTerminal:
        data_dir = demo_data_dir(index)
        try:
            return await stack.enter_async_context(self._terminal(host, DEFAULT_PORT, data_dir))
        except OSError as exc:
            logger.info("demo terminal %d cannot use %s:%d (%s)", index, host, DEFAULT_PORT, exc)
        return await stack.enter_async_context(self._terminal(FALLBACK_HOST, 0, data_dir))

    def _terminal(self, host: str, port: int, data_dir: Path) -> SimulatedTerminal:
        config = SimConfig(host=host, port=port, data_dir=data_dir, fast=not self._realistic)
        return SimulatedTerminal(config)


class _DeviceThread:
    """A thread running its own event loop, where the simulated terminals live."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.stack = contextlib.AsyncExitStack()
        self._caller = asyncio.get_running_loop()
        self._ended = asyncio.Event()
        self._thread = threading.Thread(target=self._run, name="demo-terminals", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.loop.run_forever()
        finally:
            self._caller.call_soon_threadsafe(self._ended.set)

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the device thread and await its result from the caller's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    async def close(self) -> None:
        """Stop the terminals, then the loop and the thread (the caller's loop keeps running)."""
        try:
            await self.call(self.stack.aclose())
            await self.call(self.loop.shutdown_default_executor())  # face checks ran there
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            await self._ended.wait()
            self._thread.join()  # returns at once: the loop has stopped
            self.loop.close()


def demo_data_dir(index: int) -> Path:
    """The data folder of demo terminal `index` (1-based): its persons, records and serial."""
    return station_path("demo", f"terminal-{index}")


def _describe(index: int, term: SimulatedTerminal) -> DemoTerminal:
    return DemoTerminal(name=f"Demo {index}", host=term.host, port=term.port, serial=term.serial)
