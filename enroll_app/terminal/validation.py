"""Checks before sending, mirroring the terminal: what it would refuse is refused here first.

Each check raises `InvalidInput` with the field, the status the terminal would answer and
operator text in English and Chinese; checks that normalise (card numbers) return the value
to send.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from enroll_app.terminal.errors import InvalidInput
from enroll_app.terminal.protocol import (
    MAX_KEY_BYTES,
    PHOTO_HEIGHT,
    PHOTO_WIDTH,
    UNLIMITED_PASSES,
    StatusCode,
)
from enroll_app.terminal.records import MS_THRESHOLD

_ID_FORBIDDEN = re.compile(r"[,\[\]\s]")
_URL_FULL = re.compile(
    r"^https?://(?:[A-Za-z0-9._\-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(?:/\S*)?$"
)
_HHMM = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


def _bad(
    field: str, en: str, zh: str, status: int | None = StatusCode.PARAMETER_ERROR
) -> InvalidInput:
    return InvalidInput(en, field=field, status=status, zh=zh)


def check_person_id(person_id: str) -> str:
    """A person id: required, text; no commas, brackets or spaces (removePerson splits on them)."""
    if not isinstance(person_id, str) or not person_id:
        raise _bad(
            "id", "A person id is required", "人员 ID 不能为空", StatusCode.MISSING_PARAMETER
        )
    if _ID_FORBIDDEN.search(person_id):
        raise _bad(
            "id",
            f"Person id {person_id!r} must not contain commas, brackets or spaces",
            f"人员 ID {person_id!r} 不能包含逗号、方括号或空格",
        )
    return person_id


def check_pass_count(count: int) -> int:
    """0..10000 passes; 10000 means unlimited."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise _bad("passCount", "The pass count must be a whole number", "passCount 格式错误", 107)
    if not 0 <= count <= UNLIMITED_PASSES:
        raise _bad(
            "passCount",
            "The pass count must be between 0 and 10000 (10000 = unlimited)",
            "passCount 取值范围错误（0..10000，10000 为无限次）",
            108,
        )
    return count


def _check_ts(value: float, field: str, fmt: int, rng: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(field, f"{field} must be a time in seconds or -1", f"{field} 格式错误", fmt)
    if value == -1:
        return -1.0
    if value < 0:
        raise _bad(
            field,
            f"{field} must be -1 (unlimited) or a time in seconds",
            f"{field} 取值范围错误",
            rng,
        )
    if value > MS_THRESHOLD:
        raise _bad(
            field, f"{field} looks like milliseconds: give seconds", f"{field} 单位应为秒", rng
        )
    return float(value)


def check_window(start_ts: float, end_ts: float) -> tuple[float, float]:
    """A validity window: each end -1 (unlimited) or epoch seconds; the end after the start."""
    start = _check_ts(start_ts, "startTs", 109, 110)
    end = _check_ts(end_ts, "endTs", 111, 112)
    if start != -1 and end != -1 and end <= start:
        raise _bad(
            "endTs",
            "The end of validity must be after its start",
            "截止时间必须晚于起始时间",
            112,
        )
    return start, end


def check_time(ts: float, field: str = "ts") -> float:
    """A point in time in epoch seconds (not milliseconds), >= 0."""
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts) or ts < 0:
        raise _bad(field, f"{field} must be a time in seconds", f"{field} 必须是以秒为单位的时间")
    if ts > MS_THRESHOLD:
        raise _bad(field, f"{field} looks like milliseconds: give seconds", f"{field} 单位应为秒")
    return float(ts)


def check_new_key(new_key: str) -> str:
    """A new terminal key: 1..20 bytes of UTF-8."""
    if not new_key:
        raise _bad("newKey", "The new key must not be empty", "新秘钥不能为空", 101)
    if len(new_key.encode("utf-8")) > MAX_KEY_BYTES:
        raise _bad("newKey", "The new key must be at most 20 bytes", "新秘钥最长 20 个字节")
    return new_key


def card_from_decimal(text: str) -> str:
    """A card number typed in decimal: digits only (else the terminal says 129)."""
    cleaned = text.strip()
    if not cleaned.isdigit() or not cleaned.isascii():
        raise _bad("IC_NO", "The card number must be decimal digits", "IC卡号必须是十进制数字", 129)
    return cleaned


def card_from_hex(text: str) -> str:
    """A card number typed in hex (like the document's `7267e840`), as the decimal to send."""
    cleaned = text.strip().lower().removeprefix("0x")
    if not cleaned or any(c not in "0123456789abcdef" for c in cleaned):
        raise _bad("IC_NO", "The hex card number must be hex digits", "十六进制卡号格式错误", 129)
    return str(int(cleaned, 16))


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header, or None if `data` is not a JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if pos + 9 > len(data):
                return None
            height = int.from_bytes(data[pos + 5 : pos + 7], "big")
            width = int.from_bytes(data[pos + 7 : pos + 9], "big")
            return width, height
        if length < 2:
            return None
        pos += 2 + length
    return None


def check_photo(photo: bytes) -> bytes:
    """A photo the terminal enrolls: JPEG, exactly 640x480 (it would pad or stretch others)."""
    size = jpeg_size(photo)
    if size is None:
        raise _bad("photo", "The photo is not a JPEG image", "照片不是 JPEG 格式", 124)
    if size != (PHOTO_WIDTH, PHOTO_HEIGHT):
        raise _bad(
            "photo",
            f"The photo is {size[0]}x{size[1]}; the terminal needs exactly 640x480",
            f"照片尺寸为 {size[0]}x{size[1]}，终端需要 640x480",
            105,
        )
    return photo


def check_photo_count(count: int) -> int:
    """How many frames `photo` takes: 1..3."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 3:
        raise _bad("count", "The photo count must be 1, 2 or 3", "连拍次数必须是 1、2 或 3")
    return count


def check_period(period: float) -> float:
    """A heartbeat period in seconds: at least 1 (the firmware says 121 otherwise)."""
    if isinstance(period, bool) or not isinstance(period, int | float) or not math.isfinite(period):
        raise _bad(
            "period", "The heartbeat period must be a number of seconds", "心跳周期格式错误", 121
        )
    if period < 1:
        raise _bad("period", "The heartbeat period must be at least 1 s", "心跳周期至少 1 秒", 121)
    return float(period)


def check_url(url: str) -> str:
    """An upload or download address: http(s)://host[:port][/path]."""
    if not url:
        raise _bad("url", "An address is required", "url 不能为空", 101)
    match = _URL_FULL.match(url)
    if match is None or (match.group(1) is not None and not 0 < int(match.group(1)) < 65536):
        raise _bad(
            "url",
            f"The address {url!r} must look like http://host:port/path",
            f"url {url!r} 格式错误，应为 http://host:port/path",
            122,
        )
    return url


# setDeviceInfo fields: name → (kind, check). Kinds: int, float, str.
_SETTINGS: dict[str, tuple[type, Any]] = {
    "cameraDetectType": (int, (0, 1)),
    "faceFeaturePairNumber": (float, (0.0, 1.0)),
    "faceFeaturePairSuccessOrFailWaitTime": (float, (0.0, 3600.0)),
    "openDoorType": (int, (0, 1, 2, 3, 4)),
    "openDoorContinueTime": (float, (0.0, 3600.0)),
    "doorType": (int, (0, 26, 34)),
    "idCardFaceFeaturePairNumber": (float, (0.0, 1.0)),
    "appWelcomeMsg": (str, None),
    "deviceSoundSize": (int, tuple(range(101))),
    "deviceDefendTime": (str, _HHMM),
    "deviceName": (str, None),
    "appFailMsg": (str, None),
}
SETTING_NAMES = tuple(_SETTINGS)


def check_settings(settings: Mapping[str, object]) -> dict[str, str | int | float]:
    """setDeviceInfo fields, checked and typed; text values (from a command line) converted."""
    if not settings:
        raise _bad("settings", "No setting given", "未指定任何设置", 101)
    return {name: _check_setting(name, value) for name, value in settings.items()}


def _check_setting(name: str, value: object) -> str | int | float:
    spec = _SETTINGS.get(name)
    if spec is None:
        raise _bad(
            name,
            f"Unknown setting {name!r}; known: {', '.join(SETTING_NAMES)}",
            f"未知设置 {name!r}",
        )
    kind, allowed = spec
    typed = _convert(name, kind, value)
    if isinstance(allowed, tuple) and kind is float:
        assert isinstance(typed, float)
        ok = allowed[0] <= typed <= allowed[1]
    elif isinstance(allowed, tuple):
        ok = typed in allowed
    elif isinstance(allowed, re.Pattern):
        ok = bool(allowed.match(str(typed)))
    else:
        ok = True
    if not ok:
        raise _bad(
            name, f"Setting {name}={value!r} is out of range", f"设置 {name}={value!r} 超出范围"
        )
    return typed


def _convert(name: str, kind: type, value: object) -> str | int | float:
    if kind is str:
        return str(value)
    try:
        number = (
            float(value)
            if isinstance(value, str | int | float) and not isinstance(value, bool)
            else math.nan
        )
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (kind is int and number != int(number)):
        raise _bad(
            name,
            f"Setting {name} must be a {kind.__name__}, got {value!r}",
            f"设置 {name} 格式错误",
        )
    return int(number) if kind is int else number
