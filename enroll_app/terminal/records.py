"""Typed records of the protocol: persons, device info, pass records, heartbeats, check results.

Each record parses itself from the terminal's JSON (`from_protocol`, raising `ReplyShapeError`
on a value of the wrong kind) and gives itself back with the protocol's own field names
(`to_protocol`), which is also what `enroll-station device --json` prints.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from enroll_app.terminal.protocol import UNLIMITED_PASSES, UNLIMITED_TS

MS_THRESHOLD = 1e11  # a time above this is milliseconds, not seconds (year 5138 in seconds)


class ReplyShapeError(ValueError):
    """A reply field has a value of the wrong kind (the client turns it into ProtocolError)."""


# ---- field readers: accept what real terminals send, refuse anything else --------------------


def read_str(data: Mapping[str, Any], name: str, default: str = "") -> str:
    """A text field; numbers become their text, null or missing the default."""
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, str):
        return value
    raise ReplyShapeError(f"field {name!r} should be text, got {type(value).__name__}")


def _number_text(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e18:
        return str(int(value))
    return repr(value)


def read_float(data: Mapping[str, Any], name: str, default: float | None = None) -> float:
    """A number field; accepts exponent form and numbers sent as text."""
    value = data.get(name)
    if value is None or value == "":
        if default is None:
            raise ReplyShapeError(f"field {name!r} is missing")
        return default
    if isinstance(value, bool):
        raise ReplyShapeError(f"field {name!r} should be a number, got a boolean")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ReplyShapeError(
                f"field {name!r} should be a number, got {value[:40]!r}"
            ) from None
    else:
        raise ReplyShapeError(f"field {name!r} should be a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ReplyShapeError(f"field {name!r} is not a finite number")
    return number


def read_int(data: Mapping[str, Any], name: str, default: int | None = None) -> int:
    """A whole-number field; `10000.0` and `"1E4"` are fine, `1.5` is not."""
    number = read_float(data, name, None if default is None else float(default))
    if number != int(number) or abs(number) > 2**63:
        raise ReplyShapeError(f"field {name!r} should be a whole number, got {number!r}")
    return int(number)


def read_bool(data: Mapping[str, Any], name: str, default: bool | None = None) -> bool:
    """A boolean field; also accepts 0/1 and "true"/"false"."""
    value = data.get(name)
    if value is None:
        if default is None:
            raise ReplyShapeError(f"field {name!r} is missing")
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "0", "1"):
        return value.strip().lower() in ("true", "1")
    raise ReplyShapeError(f"field {name!r} should be true or false, got {str(value)[:40]!r}")


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")


def decode_base64(text: str, name: str = "photo") -> bytes:
    """Bytes of base64 text as terminals send it: line breaks, `data:` prefix, URL-safe letters."""
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    cleaned = _NOT_BASE64.sub("", text.replace("-", "+").replace("_", "/"))
    if len(cleaned) % 4 == 1:
        raise ReplyShapeError(f"field {name!r} is not valid base64")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raise ReplyShapeError(f"field {name!r} is not valid base64") from None


def read_photo(data: Mapping[str, Any], name: str = "photo") -> bytes | None:
    """A base64 photo field as bytes; None when absent or empty."""
    text = read_str(data, name)
    return decode_base64(text, name) if text.strip() else None


def read_object(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A nested JSON object field."""
    value = data.get(name)
    if not isinstance(value, dict):
        raise ReplyShapeError(f"field {name!r} should be an object")
    return value


def read_list(data: Mapping[str, Any], name: str) -> list[Any]:
    """A list field; missing or null means empty."""
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReplyShapeError(f"field {name!r} should be a list")
    return value


def read_objects(data: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """A list of JSON objects (empty `{}` entries, as in the document's own example, skipped)."""
    items = read_list(data, name)
    if not all(isinstance(item, dict) for item in items):
        raise ReplyShapeError(f"field {name!r} should be a list of objects")
    return [item for item in items if item]


# ---- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A person as the terminal stores them.

    `start_ts`/`end_ts` are epoch seconds, `-1` for unlimited; `pass_count` 10000 is unlimited.
    `ic_no` is the card number (decimal digits), `id_no` the ID-card number. `photo` is JPEG
    bytes, only filled by `getPerson`. `window_reliable` is False for persons read through
    `listPerson`, whose firmware divides startTs/endTs by 1000 once too often: read a person's
    validity window with `getPerson`.
    """

    id: str
    name: str = ""
    ic_no: str = ""
    id_no: str = ""
    pass_count: int = UNLIMITED_PASSES
    start_ts: float = UNLIMITED_TS
    end_ts: float = UNLIMITED_TS
    photo: bytes | None = field(default=None, repr=False)
    window_reliable: bool = True

    @classmethod
    def from_protocol(cls, data: Mapping[str, Any], *, window_reliable: bool = True) -> Person:
        """Parse a person object of getPerson / listPerson."""
        person_id = read_str(data, "id")
        if not person_id:
            raise ReplyShapeError("a person without an id")
        return cls(
            id=person_id,
            name=read_str(data, "name"),
            ic_no=read_str(data, "IC_NO"),
            id_no=read_str(data, "ID_NO"),
            pass_count=read_int(data, "passCount", UNLIMITED_PASSES),
            start_ts=read_float(data, "startTs", UNLIMITED_TS),
            end_ts=read_float(data, "endTs", UNLIMITED_TS),
            photo=read_photo(data),
            window_reliable=window_reliable,
        )

    def to_protocol(self, *, with_photo: bool = False) -> dict[str, Any]:
        """The person with the protocol's field names (photo as base64 only if asked)."""
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "IC_NO": self.ic_no,
            "ID_NO": self.id_no,
            "passCount": self.pass_count,
            "startTs": self.start_ts,
            "endTs": self.end_ts,
        }
        if with_photo and self.photo is not None:
            out["photo"] = base64.b64encode(self.photo).decode("ascii")
        return out

    @property
    def unlimited_passes(self) -> bool:
        """True when the person may pass any number of times."""
        return self.pass_count >= UNLIMITED_PASSES


@dataclass(frozen=True)
class DeviceInfo:
    """What getDeviceInfo reports: identity plus every setting, raw, in `settings`.

    `fail_msg` reads `tipsPairFail` (what the firmware sends) or `appFailMsg` (what the
    document says); `settings` keeps every field exactly as the terminal sent it.
    """

    sn: str
    name: str = ""
    version: str = ""
    apk_version: str = ""
    fail_msg: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_protocol(cls, data: Mapping[str, Any]) -> DeviceInfo:
        """Parse the data object of getDeviceInfo."""
        fail_key = "tipsPairFail" if "tipsPairFail" in data else "appFailMsg"
        return cls(
            sn=read_str(data, "sn"),
            name=read_str(data, "name"),
            version=read_str(data, "version"),
            apk_version=read_str(data, "APKVersion"),
            fail_msg=read_str(data, fail_key),
            settings=dict(data),
        )

    def to_protocol(self) -> dict[str, Any]:
        """The getDeviceInfo object as the terminal sent it."""
        return dict(self.settings)


@dataclass(frozen=True)
class PassRecord:
    """One pass at the door: who (`person_id`), when (`ts`, epoch seconds) and how.

    `name` comes with listRecord (and later firmware's uploads); `device_sn` and `photo`
    only with uploads through setRecordCallback.
    """

    person_id: str
    ts: float
    pass_type: int = 0
    name: str = ""
    device_sn: str = ""
    photo: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_protocol(cls, data: Mapping[str, Any], *, ts_scale: float = 1.0) -> PassRecord:
        """Parse a listRecord entry (`ts_scale` 0.001 for millisecond firmware)."""
        return cls(
            person_id=read_str(data, "personID") or read_str(data, "personId"),
            ts=read_float(data, "ts") * ts_scale,
            pass_type=read_int(data, "passType", 0),
            name=read_str(data, "name"),
        )

    @classmethod
    def from_upload(cls, form: Mapping[str, str]) -> PassRecord:
        """Parse a record the terminal POSTs to the record callback URL.

        Firmware before v1.3 uploads `ts` in milliseconds: such times are turned into seconds.
        """
        ts = read_float(form, "ts")
        return cls(
            person_id=read_str(form, "personID") or read_str(form, "personId"),
            ts=ts / 1000 if ts > MS_THRESHOLD else ts,
            pass_type=read_int(form, "passType", 0),
            name=read_str(form, "name"),
            device_sn=read_str(form, "deviceSn"),
            photo=read_photo(form),
        )

    @property
    def identity(self) -> tuple[str, str, float]:
        """What makes a record unique: terminals re-send records, so receivers dedupe on it."""
        return (self.device_sn, self.person_id, self.ts)

    def to_protocol(self) -> dict[str, Any]:
        """The record with the protocol's field names (no photo)."""
        out: dict[str, Any] = {
            "personID": self.person_id,
            "ts": self.ts,
            "passType": self.pass_type,
            "name": self.name,
        }
        if self.device_sn:
            out["deviceSn"] = self.device_sn
        return out


@dataclass(frozen=True)
class Heartbeat:
    """A heartbeat a terminal POSTs every `period` seconds to the heartbeat URL."""

    device_sn: str
    elapsed_realtime: float = 0.0
    system_version: str = ""
    app_version: str = ""
    register_time: str = ""
    rom_available: str = ""
    rom_size: str = ""
    ip_address: str = ""

    @classmethod
    def from_upload(cls, form: Mapping[str, str]) -> Heartbeat:
        """Parse the form fields of one heartbeat."""
        return cls(
            device_sn=read_str(form, "deviceSn"),
            elapsed_realtime=read_float(form, "deviceElapsedRealtime", 0.0),
            system_version=read_str(form, "deviceSystemVersion"),
            app_version=read_str(form, "deviceAppVersion"),
            register_time=read_str(form, "deviceRegisterTime"),
            rom_available=read_str(form, "deviceRomAvailableSize"),
            rom_size=read_str(form, "deviceRomSize"),
            ip_address=read_str(form, "deviceIpAddress"),
        )


@dataclass(frozen=True)
class HeartbeatConfig:
    """Where and how often a terminal sends heartbeats (getHeartBeat)."""

    url: str
    period: float

    @classmethod
    def from_protocol(cls, data: Mapping[str, Any]) -> HeartbeatConfig:
        """Parse the data object of getHeartBeat (empty url and period 0 when never set)."""
        return cls(url=read_str(data, "url"), period=read_float(data, "period", 0.0))

    def to_protocol(self) -> dict[str, Any]:
        """The protocol's field names."""
        return {"url": self.url, "period": self.period}


@dataclass(frozen=True)
class CheckResult:
    """What `check` says of a photo: `is_valid` 0 ok, 1 size, 2 format, 3 no face,
    4 features failed; `is_exist` True if the face matches someone on the terminal.

    The firmware reports 0 for undecodable images: the client checks the JPEG itself first.
    """

    is_valid: int
    is_exist: bool

    @classmethod
    def from_protocol(cls, data: Mapping[str, Any]) -> CheckResult:
        """Parse the data object of check."""
        return cls(is_valid=read_int(data, "isValid"), is_exist=read_bool(data, "isExist", False))

    @property
    def usable(self) -> bool:
        """True when the terminal can enroll this photo."""
        return self.is_valid == 0

    def to_protocol(self) -> dict[str, Any]:
        """The protocol's field names."""
        return {"isValid": self.is_valid, "isExist": self.is_exist}
