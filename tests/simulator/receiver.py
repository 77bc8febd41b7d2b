"""A station-side receiver on 127.0.0.1 for the terminal's uploads (records and heartbeats)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Receiver:
    """Collects form POSTs by path; `reply` is the body it answers with."""

    url: str = ""
    reply: bytes = b'{"status":0,"msg":"ok"}'
    posts: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    raw_types: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.raw_types.append(request.content_type)
        async with self._changed:
            self.posts.setdefault(request.path, []).append(form)
            self._changed.notify_all()
        return web.Response(body=self.reply, content_type="application/json")

    async def wait_for(self, path: str, count: int, within: float = 10.0) -> list[dict[str, str]]:
        """Wait until `count` POSTs reached `path`; returns them."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.posts.get(path, [])) >= count)
            return list(self.posts[path])


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    """A receiver listening on an ephemeral port of 127.0.0.1."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        await runner.cleanup()
