"""Device endpoints: key, device info, time, upload targets, door, reboot, APK, pass configs."""

from __future__ import annotations

from typing import Any

from enroll_app.simulator.device import Device
from enroll_app.simulator.numbers import java_double, java_int, java_long
from enroll_app.simulator.results import OK, Answer, fail, ok
from enroll_app.simulator.urls import url_looks_valid
from enroll_app.simulator.wire import Params

# setDeviceInfo fields by type; the acs extras are settable in every profile.
_INT_FIELDS = (
    "cameraDetectType",
    "openDoorType",
    "doorType",
    "deviceSoundSize",
    "pairSuccessOpenDoor",
)
_FLOAT_FIELDS = (
    "faceFeaturePairNumber",
    "faceFeaturePairSuccessOrFailWaitTime",
    "openDoorContinueTime",
    "idCardFaceFeaturePairNumber",
    "picQualityRate",
    "beginRecoDistance",
)
_TEXT_FIELDS = ("appWelcomeMsg", "deviceDefendTime", "deviceName", "appFailMsg")


async def set_device_key(dev: Device, p: Params) -> Answer:
    """Change the key (`key` was checked before routing)."""
    new_key = p.get("newKey", "")
    if not new_key or (dev.profile.old_key_param and not p.get("oldKey")):
        return fail(101)
    if dev.profile.old_key_param and p["oldKey"] != dev.state.settings.key:
        return fail(103)
    dev.state.settings.key = new_key
    dev.save_settings()
    return OK


async def set_device_info(dev: Device, p: Params) -> Answer:
    """Store any of the documented settings; none given → 101."""
    given = [f for f in (*_INT_FIELDS, *_FLOAT_FIELDS, *_TEXT_FIELDS) if p.get(f)]
    if not given:
        return fail(101)
    values: dict[str, Any] = {}
    for name in given:
        value = _setting_value(name, p[name])
        if value is None:
            return fail(dev.profile.setting_error)
        values[name] = value
    if not 0 <= values.get("deviceSoundSize", 0) <= 100:
        return fail(102)
    for name, value in values.items():
        setattr(dev.state.settings, name, value)
    dev.save_settings()
    return OK


def _setting_value(name: str, text: str) -> int | float | str | None:
    if name in _INT_FIELDS:
        return java_int(text)
    if name in _FLOAT_FIELDS:
        return java_double(text)
    return text


async def get_device_info(dev: Device, p: Params) -> Answer:
    """Serial, name, versions and every setting."""
    s = dev.state.settings
    data: dict[str, Any] = {
        "sn": dev.serial,
        "name": s.deviceName,
        "version": "1",
        "APKVersion": dev.profile.apk_version,
        "cameraDetectType": s.cameraDetectType,
        "deviceSoundSize": s.deviceSoundSize,
        "appWelcomeMsg": s.appWelcomeMsg,
        "faceFeaturePairNumber": s.faceFeaturePairNumber,
        "openDoorContinueTime": s.openDoorContinueTime,
        "faceFeaturePairSuccessOrFailWaitTime": s.faceFeaturePairSuccessOrFailWaitTime,
        "doorType": s.doorType,
        "openDoorType": s.openDoorType,
        "deviceDefendTime": s.deviceDefendTime,
        "idCardFaceFeaturePairNumber": s.idCardFaceFeaturePairNumber,
        dev.profile.info_fail_key: s.appFailMsg,
    }
    if dev.profile.info_extras:
        data.update(
            picQualityRate=s.picQualityRate,
            beginRecoDistance=s.beginRecoDistance,
            pairSuccessOpenDoor=s.pairSuccessOpenDoor,
        )
    return ok(data)


async def set_time(dev: Device, p: Params) -> Answer:
    """Set the clock: seconds (double), or integer milliseconds on the old firmware."""
    text = p.get("ts", "")
    if not text:
        return fail(101)
    if dev.profile.millis:
        millis = java_long(text)
        if millis is None:
            return fail(102)
        dev.set_now(millis / 1000)
        return OK
    ts = java_double(text)
    if ts is None or ts < 0:
        return fail(102)
    dev.set_now(ts)
    return OK


async def get_time(dev: Device, p: Params) -> Answer:
    """The clock: seconds with milliseconds, or integer milliseconds on the old firmware."""
    now = dev.now()
    ts: int | float = int(now * 1000) if dev.profile.millis else round(now, 3)
    return Answer(0, {"ts": ts}, msg="ok")


async def set_record_callback(dev: Device, p: Params) -> Answer:
    """Where pass records are POSTed; cannot be cleared."""
    url = p.get("url", "")
    if not url:
        return fail(101)
    if not url_looks_valid(url):
        return fail(122)
    dev.state.settings.record_callback = url
    dev.save_settings()  # pending records go to the new receiver at the next pass, like the firmware
    return OK


async def get_record_callback(dev: Device, p: Params) -> Answer:
    """The record upload URL ('' when never set)."""
    return ok({"url": dev.state.settings.record_callback})


async def set_heartbeat(dev: Device, p: Params) -> Answer:
    """Heartbeat URL and period (seconds, at least 1)."""
    url, text = p.get("url", ""), p.get("period", "")
    if not url or not text:
        return fail(101)
    if not url_looks_valid(url):
        return fail(122)
    period = java_int(text) if dev.profile.integer_period else java_double(text)
    if period is None:
        return fail(102)
    if period < 1:
        return fail(121)
    dev.state.settings.heartbeat_url = url
    dev.state.settings.heartbeat_period = period
    dev.save_settings()
    dev.on_heartbeat_change()
    return OK


async def get_heartbeat(dev: Device, p: Params) -> Answer:
    """Heartbeat URL ('' when never set) and period (-1 when never set)."""
    s = dev.state.settings
    period: int | float = (
        int(s.heartbeat_period) if dev.profile.integer_period else s.heartbeat_period
    )
    if s.heartbeat_period == -1:
        period = -1
    return ok({"url": s.heartbeat_url, "period": period})


async def update_apk(dev: Device, p: Params) -> Answer:
    """Accept an APK URL; the simulated terminal only logs it."""
    url = p.get("url", "")
    if not url:
        return fail(101)
    if not url_looks_valid(url):
        return fail(122)
    dev.log_event("updateAPK", url=url)
    return OK


async def open_door(dev: Device, p: Params) -> Answer:
    """Pulse the relay: creates no record, but is logged."""
    dev.log_event("open")
    return OK


async def reboot(dev: Device, p: Params) -> Answer:
    """Answer now, restart shortly after."""
    dev.on_reboot()
    return OK


async def reset(dev: Device, p: Params) -> Answer:
    """'Not enabled' in the document: answers and does nothing."""
    return OK


async def set_pass_config(dev: Device, p: Params) -> Answer:
    """Undocumented: IDFaceRate, faceRate (0..1) and passType."""
    names = ("IDFaceRate", "faceRate", "passType")
    if not any(p.get(n) for n in names):
        return fail(101)
    s = dev.state.settings
    for name, attr, codes in (
        ("IDFaceRate", "idCardFaceFeaturePairNumber", (113, 114)),
        ("faceRate", "faceFeaturePairNumber", (115, 116)),
    ):
        if p.get(name):
            rate = java_double(p[name])
            if rate is None:
                return fail(codes[0])
            if not 0 <= rate <= 1:
                return fail(codes[1])
            setattr(s, attr, rate)
    if p.get("passType"):
        pass_type = java_int(p["passType"])
        if pass_type is None:
            return fail(119)
        s.openDoorType = pass_type
    dev.save_settings()
    return OK


async def get_pass_config(dev: Device, p: Params) -> Answer:
    """Undocumented: the thresholds and the open-door type."""
    s = dev.state.settings
    return ok(
        {
            "IDFaceRate": s.idCardFaceFeaturePairNumber,
            "faceRate": s.faceFeaturePairNumber,
            "passType": s.openDoorType,
        }
    )


async def set_visitor_config(dev: Device, p: Params) -> Answer:
    """Undocumented: the visitor card number and open-door type."""
    value, kind = p.get("passValue", ""), p.get("passType", "")
    if not value and not kind:
        return fail(101)
    if kind:
        pass_type = java_int(kind)
        if pass_type is None:
            return fail(119)
        dev.state.settings.visitorPassType = pass_type
    if value:
        dev.state.settings.visitorPassValue = value
    dev.save_settings()
    return OK


async def get_visitor_config(dev: Device, p: Params) -> Answer:
    """Undocumented: the visitor settings."""
    s = dev.state.settings
    return ok({"passValue": s.visitorPassValue, "passType": s.visitorPassType})
