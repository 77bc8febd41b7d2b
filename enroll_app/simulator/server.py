"""`SimulatedTerminal`: one simulated terminal listening on host:port, with faults and reboot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from pathlib import Path
from types import TracebackType

from enroll_app.simulator.config import Faults, SimConfig, is_serial
from enroll_app.simulator.http import HttpError, Reply, encode_reply, read_request
from enroll_app.terminal.protocol import DEFAULT_KEY


class SimulatedTerminal:
    """A terminal on a real socket: `async with SimulatedTerminal(cfg) as term: ...`."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.faults = Faults.from_config(config)
        self.data_dir = Path(config.data_dir)
        self.host = config.host
        self.port = config.port
        self.serial = config.serial or _stored_serial(self.data_dir)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        """`http://host:port` of the terminal."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Bind the listener; with port 0 `port` becomes the ephemeral port."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every open connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._drop_connections()

    async def _drop_connections(self) -> None:
        # Python 3.11's Server.wait_closed does not wait for handlers: cancel them ourselves.
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)
        # Swallow our own cancellation at stop(): Python 3.11's stream callback would log it.
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            try:
                while True:
                    request = await read_request(reader)
                    if request is None:
                        break
                    body = json.dumps({"status": 0, "msg": "ok", "data": {"ts": time.time()}})
                    writer.write(
                        encode_reply(
                            Reply(200, body.encode()),
                            keep_alive=request.keep_alive,
                            gzip_body=False,
                        )
                    )
                    await writer.drain()
                    if not request.keep_alive:
                        break
            except HttpError as exc:
                writer.write(
                    encode_reply(Reply(exc.status, b""), keep_alive=False, gzip_body=False)
                )
            finally:
                writer.close()


def _stored_serial(data_dir: Path) -> str:
    path = data_dir / "serial"
    with contextlib.suppress(OSError):
        text = path.read_text().strip()
        if is_serial(text):
            return text
    data_dir.mkdir(parents=True, exist_ok=True)
    serial = secrets.token_hex(8)
    path.write_text(serial)
    return serial


_ = DEFAULT_KEY
