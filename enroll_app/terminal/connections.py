"""One HTTP connection pool shared by every `TerminalClient` of the station.

A new `httpx.AsyncClient` loads the system's CA bundle (60-120 ms on the UI loop, a visible
stall); terminals speak plain HTTP only, so one pool without TLS setup serves them all.
"""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

import httpx

from enroll_app.terminal.client import TerminalClient

# httpcore imports anyio's asyncio backend at the first request: 100+ ms inside one loop step,
# a visible stall. Importing it with this module moves that cost to start-up.
with contextlib.suppress(ImportError):
    importlib.import_module("anyio._backends._asyncio")

KEEPALIVE_SECONDS = 5.0  # the firmware's NanoHTTPD drops idle connections itself


class TerminalConnections:
    """Makes `TerminalClient`s over one shared pool; `aclose()` it once on quit.

    `client` has the shape of the services' client factory: `client(host, port, key, **kw)`.
    Runs on the event loop that uses the clients.
    """

    def __init__(self) -> None:
        self._http: httpx.AsyncClient | None = None

    def client(self, host: str, port: int, key: str, **options: Any) -> TerminalClient:
        """A client for one terminal over the shared pool (closing it leaves the pool open)."""
        return TerminalClient(host, port, key, http=self._shared(), **options)

    def _shared(self) -> httpx.AsyncClient:
        if self._http is None:
            # verify=False skips loading CA certificates: terminals have no TLS to verify.
            self._http = httpx.AsyncClient(
                verify=False,
                trust_env=False,
                limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
            )
        return self._http

    async def aclose(self) -> None:
        """Close the pool (on quit)."""
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()
