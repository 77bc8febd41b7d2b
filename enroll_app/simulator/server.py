"""`SimulatedTerminal`: one simulated terminal on a real socket, with faults and reboots."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from enroll_app.simulator.camera import Camera
from enroll_app.simulator.config import Faults, SimConfig
from enroll_app.simulator.control import control_reply, is_control
from enroll_app.simulator.device import Device, PassOutcome
from enroll_app.simulator.faces import EngineJudge, FaceJudge
from enroll_app.simulator.http import HttpError, Reply, Request, encode_reply, read_request
from enroll_app.simulator.profiles import Profile, profile_named
from enroll_app.simulator.results import DropConnection
from enroll_app.simulator.router import respond
from enroll_app.simulator.state import Storage
from enroll_app.simulator.uploads import Uploads

log = logging.getLogger(__name__)
REBOOT_DELAY_S = (3.0, 0.1)  # (realistic, fast): from the reply until the listener closes
REBOOT_OFFLINE_S = (3.0, 0.2)  # how long the terminal stays away


class SimulatedTerminal:
    """A terminal on a real socket: `async with SimulatedTerminal(cfg) as term: ...`.

    Runs on the event loop that calls `start`. `host`, `port` (the bound one when configured
    as 0), `serial` and `base_url` describe it; `faults` can be changed at any time.
    `judge` replaces the face engine (the default is the real one, loaded on first use).
    """

    def __init__(self, config: SimConfig, judge: FaceJudge | None = None) -> None:
        self.config = config
        self.profile: Profile = profile_named(config.profile)
        self.faults = Faults.from_config(config)
        self.storage = Storage(config.folder())
        self.serial = config.serial or self.storage.serial()
        self.host = config.host
        self.port = config.port
        self.camera = Camera(Path(config.photos_dir) if config.photos_dir else None)
        self.judge: FaceJudge = judge or EngineJudge()
        self.boot_count = 0
        self._device: Device | None = None
        self._uploads: Uploads | None = None
        self._listener: _Listener | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._transports: set[asyncio.Transport] = set()
        self._reboot_task: asyncio.Task[None] | None = None
        self._boot_changed = asyncio.Condition()
        self._offline = asyncio.Event()

    # -- facts -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://host:port` of the terminal."""
        return f"http://{self.host}:{self.port}"

    @property
    def device(self) -> Device:
        """The booted device (state, clock, gallery); RuntimeError while it is down."""
        if self._device is None:
            raise RuntimeError("the simulated terminal is not running")
        return self._device

    @property
    def running(self) -> bool:
        """True while the terminal listens (False before start, after stop, during a reboot)."""
        return self._listener is not None

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Boot: load the data folder and listen; with port 0, `port` becomes the bound port."""
        await self._boot()

    async def stop(self) -> None:
        """Shut down for good (also in the middle of a reboot)."""
        task, self._reboot_task = self._reboot_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._shutdown()

    async def __aenter__(self) -> SimulatedTerminal:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait_booted(self, count: int) -> None:
        """Wait until the terminal has booted `count` times in all (1 = first start)."""
        async with self._boot_changed:
            await self._boot_changed.wait_for(lambda: self.boot_count >= count and self.running)

    async def wait_offline(self) -> None:
        """Wait until the listener is closed (after `stop`, or while a reboot is under way)."""
        await self._offline.wait()

    async def pass_door(self, person_id: str, pass_type: int = 0) -> PassOutcome:
        """Someone enrolled stands at the door (KeyError if unknown): like `POST /_sim/pass`."""
        device = self.device
        return device.pass_door(device.state.persons[person_id], pass_type)

    async def uploads_idle(self) -> None:
        """Wait until no record upload round is running."""
        if self._uploads is not None:
            await self._uploads.idle()

    async def _boot(self) -> None:
        device = Device(
            storage=self.storage,
            profile=self.profile,
            judge=self.judge,
            faults=self.faults,
            camera=self.camera,
            serial=self.serial,
            host=self.host,
            fast=self.config.fast,
        )
        device.on_reboot = self._request_reboot
        self._listener = _Listener(self.host, self.port, self._protocol)
        self.port = self._listener.port
        self._device = device
        self._uploads = Uploads(device)
        self._uploads.start()
        self.boot_count += 1
        self._offline.clear()
        async with self._boot_changed:
            self._boot_changed.notify_all()
        log.info("terminal %s listening on %s (%s)", self.serial, self.base_url, self.profile.name)

    async def _shutdown(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.close()
            for transport in list(self._transports):
                transport.abort()
            self._offline.set()
        await self._drop_connections()
        uploads, self._uploads = self._uploads, None
        if uploads is not None:
            await uploads.stop()
        self._device = None

    async def _drop_connections(self) -> None:
        # Python 3.11's Server.wait_closed does not wait for handlers: cancel them ourselves.
        tasks = [t for t in self._connections if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _request_reboot(self) -> None:
        if self._reboot_task is None or self._reboot_task.done():
            self._reboot_task = asyncio.create_task(self._reboot(), name="sim-reboot")

    async def _reboot(self) -> None:
        fast = int(self.config.fast)
        await asyncio.sleep(REBOOT_DELAY_S[fast])
        log.info("terminal %s rebooting", self.serial)
        await self._shutdown()
        await asyncio.sleep(REBOOT_OFFLINE_S[fast])
        await self._boot()

    # -- connections -------------------------------------------------------------------------

    def _protocol(self) -> asyncio.Protocol:
        return _Connection(self)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)
        # Swallow our own cancellation at shutdown: Python 3.11's stream callback would log it.
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            try:
                await self._conversation(reader, writer)
            finally:
                writer.close()

    async def _conversation(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            try:
                request = await read_request(reader, self.profile.idle_timeout_s)
            except HttpError as exc:
                reply = Reply(exc.status, f"{exc}\n".encode(), "text/plain")
                writer.write(encode_reply(reply, keep_alive=False, gzip_body=False))
                await writer.drain()
                return
            if request is None:
                return
            answer = await self._reply(request)
            if answer is None:
                return  # dropped: close without a word
            keep = request.keep_alive
            zipped = self.profile.gzip and request.accepts_gzip() and not is_control(request)
            head_only = request.method == "HEAD"
            writer.write(
                encode_reply(answer, keep_alive=keep, gzip_body=zipped, head_only=head_only)
            )
            await writer.drain()
            if not keep:
                return

    async def _reply(self, request: Request) -> Reply | None:
        device = self.device
        if is_control(request):
            return control_reply(device, request)
        if self.faults.latency_ms > 0:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        try:
            reply = await respond(device, request)
        except DropConnection as exc:
            log.info("terminal %s drops the connection: %s", self.serial, exc)
            return None
        except Exception:
            log.exception("simulator bug while answering %s %s", request.method, request.path)
            return Reply(500, b"SERVER INTERNAL ERROR\n", "text/plain")
        # A dropped reply after the work was done: the nastier case for a client's retries.
        return None if self.faults.should_drop() else reply


class _Connection(asyncio.StreamReaderProtocol):
    """A stream connection the terminal can abort at shutdown, even before its handler runs."""

    def __init__(self, terminal: SimulatedTerminal) -> None:
        loop = asyncio.get_running_loop()
        super().__init__(asyncio.StreamReader(loop=loop), terminal._serve, loop=loop)
        self._terminal = terminal
        self._transport_seen: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # a TCP stream
        if self._terminal._listener is None:  # accepted while the terminal was going down
            transport.abort()
            return
        self._transport_seen = transport
        self._terminal._transports.add(transport)
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport_seen is not None:
            self._terminal._transports.discard(self._transport_seen)
        super().connection_lost(exc)


class _Listener:
    """A listening socket whose close leaves no accepted connection behind.

    Python 3.11's `asyncio.Server.close` leaks a socket it accepted a moment before but had not
    yet wrapped in a transport (the wrapping then fails and nobody closes it). Here every
    accepted socket is owned until its transport exists, and `close` closes the ones left.
    """

    def __init__(
        self, host: str, port: int, protocol: Callable[[], asyncio.Protocol], backlog: int = 100
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._protocol = protocol
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.create_server((host, port), family=family, backlog=backlog)
        self._sock.setblocking(False)
        self.port: int = self._sock.getsockname()[1]
        self._waiting: set[socket.socket] = set()  # accepted, no transport yet
        self._adopting: set[asyncio.Task[None]] = set()
        self._loop.add_reader(self._sock.fileno(), self._accept)

    def _accept(self) -> None:
        for _ in range(100):  # what is queued now, then back to the loop
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: the client will retry
                log.warning("simulated terminal could not accept a connection: %s", exc)
                return
            conn.setblocking(False)
            self._waiting.add(conn)
            task = self._loop.create_task(self._adopt(conn))
            self._adopting.add(task)
            task.add_done_callback(self._adopting.discard)

    async def _adopt(self, conn: socket.socket) -> None:
        self._waiting.discard(conn)  # the transport owns it from the next line on (same step)
        with contextlib.suppress(OSError):
            await self._loop.connect_accepted_socket(self._protocol, conn)

    async def close(self) -> None:
        """Stop listening; close accepted sockets that never got their transport."""
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        tasks = list(self._adopting)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for conn in self._waiting:
            conn.close()
        self._waiting.clear()
