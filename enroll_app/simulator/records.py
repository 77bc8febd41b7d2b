"""Pass record endpoints (listRecord, removeRecord) and the `photo` capture endpoint."""

from __future__ import annotations

import asyncio

from enroll_app.simulator.device import Device
from enroll_app.simulator.numbers import java_double, java_int, java_long
from enroll_app.simulator.results import OK, Answer, fail, ok
from enroll_app.simulator.state import records_until
from enroll_app.simulator.wire import Params, encode_base64

CAPTURE_LEAD_S = 3.0  # the terminal speaks tipsBefore, then waits about 3 s
FRAME_SPACING_S = 1.0
MAX_FRAMES = 3


def _time_param(dev: Device, text: str) -> float | None:
    """A time parameter in seconds: doubles, or integer milliseconds on the old firmware."""
    if dev.profile.millis:
        millis = java_long(text)
        return None if millis is None else millis / 1000
    return java_double(text)


async def list_record(dev: Device, p: Params) -> Answer:
    """Records strictly after `ts`, oldest first; acs-1.1.143 ignores `count` and caps at 50."""
    count_text, ts_text = p.get("count", ""), p.get("ts", "")
    if not count_text or not ts_text:
        return fail(101)
    count = java_int(count_text)
    after = _time_param(dev, ts_text)
    if count is None or after is None:
        return fail(102)
    limit = dev.profile.record_page_cap or max(count, 0)
    found = sorted((r for r in dev.state.records if r.ts > after), key=lambda r: r.ts)[:limit]
    items = [
        {
            "personID": r.person_id,
            "name": r.name,
            "ts": round(r.ts * 1000) if dev.profile.millis else r.ts,
            "passType": r.pass_type,
        }
        for r in found
    ]
    return ok({"record": items})


async def remove_record(dev: Device, p: Params) -> Answer:
    """Delete records at or before `ts`."""
    text = p.get("ts", "")
    if not text:
        return fail(101)
    ts = _time_param(dev, text)
    if ts is None:
        return fail(102)
    if dev.profile.millis and (ts < 0 or ts > dev.now()):
        return fail(102)
    dev.commit(records_until(ts))
    return OK


async def photo(dev: Device, p: Params) -> Answer:
    """Take `count` (1..3) frames about 1 s apart; 123 while another capture runs."""
    count = java_int(p.get("count", ""))
    if count is None or not 1 <= count <= MAX_FRAMES:
        return fail(102)
    if dev.capturing:
        return fail(123)
    dev.capturing = True
    try:
        frames = await _capture(dev, count)
    finally:
        dev.capturing = False
    line_breaks = dev.profile.photo_line_breaks
    return ok({"photos": [encode_base64(f, line_breaks=line_breaks) for f in frames]})


async def _capture(dev: Device, count: int) -> list[bytes]:
    if not dev.fast:
        await asyncio.sleep(CAPTURE_LEAD_S)
    frames = []
    for index in range(count):
        if index and not dev.fast:
            await asyncio.sleep(FRAME_SPACING_S)
        frames.append(await dev.camera.frame())
    return frames
