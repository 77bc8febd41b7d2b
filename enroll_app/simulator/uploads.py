"""What the terminal sends on its own: heartbeats every `period` s and pass records.

Records go one at a time, oldest first, each as a form POST. A JSON reply with `status` 0
deletes the record; another JSON reply keeps it (acs profiles then stop offering it, the spec
profile re-sends it); no reply or a non-JSON reply keeps it pending and ends the round, like
the firmware's callback chain. A round starts at every pass, so pending records go out again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import time

import httpx

from enroll_app.simulator.device import Device
from enroll_app.simulator.profiles import Profile
from enroll_app.simulator.state import PassRecord, record_gone, record_rejected
from enroll_app.simulator.wire import encode_base64, java_double

log = logging.getLogger(__name__)
UPLOAD_TIMEOUT_S = 10.0  # the firmware's OkHttp connect/read/write timeouts
IDLE_HEARTBEAT_S = 15.0  # the firmware's sleep while no period is set
ANDROID_VERSION = "7.1.2"


class Uploads:
    """The background senders of one booted terminal; `start` then `stop`."""

    def __init__(self, dev: Device) -> None:
        self.dev = dev
        self._client = httpx.AsyncClient(timeout=UPLOAD_TIMEOUT_S, trust_env=False)
        self._wake = asyncio.Event()
        self._record_round: asyncio.Task[None] | None = None
        self._rerun = False
        self._heartbeat: asyncio.Task[None] | None = None
        self.heartbeats_sent = 0

    def start(self) -> None:
        """Start the heartbeat loop and hook record uploads to passes."""
        self.dev.on_pass = self.send_records
        self.dev.on_heartbeat_change = self._wake.set
        self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="sim-heartbeat")

    async def stop(self) -> None:
        """Cancel the senders and close the HTTP client."""
        for task in (self._heartbeat, self._record_round):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._client.aclose()

    # -- records -----------------------------------------------------------------------------

    def send_records(self) -> None:
        """Start an upload round of every pending record (one round at a time)."""
        if self._record_round is not None and not self._record_round.done():
            self._rerun = True
            return
        self._record_round = asyncio.create_task(self._record_rounds(), name="sim-records")

    async def idle(self) -> None:
        """Wait until no upload round runs."""
        while self._record_round is not None and not self._record_round.done():
            await asyncio.wait({self._record_round})

    async def _record_rounds(self) -> None:
        self._rerun = True
        while self._rerun:
            self._rerun = False
            await self._one_round()

    async def _one_round(self) -> None:
        url = self.dev.state.settings.record_callback
        if not url:
            return
        resend = self.dev.profile.resend_rejected
        pending = [r for r in self.dev.state.records if r.upload == "pending" or resend]
        for record in pending:
            if not await self._upload(url, record):
                return

    async def _upload(self, url: str, record: PassRecord) -> bool:
        """POST one record; False ends the round (no reply, or not JSON)."""
        try:
            reply = await self._client.post(url, data=self._record_form(record))
            answer = json.loads(reply.content)
        except (httpx.HTTPError, ValueError) as exc:
            log.info("record upload to %s failed: %s", url, exc)
            return False
        if not isinstance(answer, dict):
            return False
        status = answer.get("status", 0)  # Gson leaves a missing int at 0
        at = next((i for i, r in enumerate(self.dev.state.records) if r is record), None)
        if at is not None:  # not deleted by removeRecord while the upload was on its way
            self.dev.commit(record_gone(at) if status == 0 else record_rejected(at))
        return True

    def _record_form(self, record: PassRecord) -> dict[str, str]:
        photo = self.dev.storage.photo(record.photo) or b""
        ts = _upload_ts(record.ts, self.dev.profile)
        return {
            "deviceSn": self.dev.serial,
            "personID": record.person_id,
            "ts": ts,
            "passType": str(record.pass_type),
            "photo": encode_base64(photo, line_breaks=True),
        }

    # -- heartbeats --------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        while True:
            self._wake.clear()
            settings = self.dev.state.settings
            if settings.heartbeat_url:
                await self._send_heartbeat(settings.heartbeat_url)
            period = (
                settings.heartbeat_period if settings.heartbeat_period >= 1 else IDLE_HEARTBEAT_S
            )
            # A new setHeartBeat wakes the loop: the new period applies at once.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=period)

    async def _send_heartbeat(self, url: str) -> None:
        try:
            await self._client.post(url, data=self.heartbeat_form())
            self.heartbeats_sent += 1
        except httpx.HTTPError as exc:
            log.info("heartbeat to %s failed: %s", url, exc)

    def heartbeat_form(self) -> dict[str, str]:
        """The eight heartbeat fields."""
        dev = self.dev
        elapsed = time.monotonic() - dev.booted_monotonic
        usage = shutil.disk_usage(dev.storage.folder)
        return {
            "deviceSn": dev.serial,
            "deviceElapsedRealtime": str(int(elapsed)) if dev.profile.millis else f"{elapsed:.3f}",
            "deviceSystemVersion": ANDROID_VERSION,
            "deviceAppVersion": dev.profile.apk_version,
            "deviceRegisterTime": str(int(dev.state.settings.registered_at)),
            "deviceRomAvailableSize": f"{usage.free / 2**20:.2f}MB",
            "deviceRomSize": f"{usage.total / 2**20:.2f}MB",
            "deviceIpAddress": dev.host,
        }


def _upload_ts(ts: float, profile: Profile) -> str:
    """The record's `ts` field: integer ms (old firmware), Java's double text, or plain."""
    if profile.millis:
        return str(round(ts * 1000))
    return java_double(ts) if profile.java_json else repr(ts)
