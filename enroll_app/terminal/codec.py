"""Request encoding and reply decoding exactly as the firmware speaks (wire-format.md).

Encoding: GET parameters in the query; POST as a form-encoded UTF-8 body (key in the query AND
the body, like the vendor's client); never JSON. Decoding: the body is UTF-8 JSON whatever the
headers say; every way a reply can be wrong becomes a `TerminalError`, nothing else escapes.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from enroll_app.terminal.errors import InvalidInput, ProtocolError, TerminalError, refused
from enroll_app.terminal.protocol import ENDPOINTS, EXTRA_ENDPOINTS, Endpoint
from enroll_app.terminal.records import (
    CheckResult,
    DeviceInfo,
    HeartbeatConfig,
    PassRecord,
    Person,
    ReplyShapeError,
    decode_base64,
    read_float,
    read_list,
    read_objects,
    read_str,
)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"
MAX_REPLY_BYTES = 64 * 1024 * 1024  # three photos are a few hundred KB; more is garbage
_SNIPPET = 80

Param = str | int | float


@dataclass(frozen=True)
class EncodedRequest:
    """One request ready for the wire: method, path, query parameters and the body bytes."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes | None

    @property
    def headers(self) -> dict[str, str]:
        """Content-Type for form bodies (Content-Length is set from the bytes)."""
        return {"Content-Type": FORM_CONTENT_TYPE} if self.body is not None else {}


def endpoint(uri: str) -> Endpoint:
    """The table entry of `uri` (documented or one of the firmware's extras)."""
    found = ENDPOINTS.get(uri) or EXTRA_ENDPOINTS.get(uri)
    if found is None:
        raise KeyError(uri)
    return found


def format_number(value: float) -> str:
    """A number as the firmware parses it: plain decimal, no exponent, `-1` not `-1.0`."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a protocol number")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    return text if "e" not in text else f"{value:.6f}".rstrip("0").rstrip(".")


def format_value(value: Param) -> str:
    """Any parameter as text."""
    return value if isinstance(value, str) else format_number(value)


def format_id_list(ids: Sequence[str]) -> str:
    """The removePerson list: `[a,b]`, raw ids, no spaces, no quotes. Never `[]` (= everyone)."""
    if not ids:
        raise InvalidInput(
            "No person given to remove (an empty list would remove everyone)",
            field="id",
            status=101,
            zh="未指定要删除的人员（空列表会删除所有人）",
        )
    return "[" + ",".join(ids) + "]"


def encode_request(uri: str, key: str, params: Mapping[str, Param] | None = None) -> EncodedRequest:
    """Encode a call to `uri`: GET in the query, POST as a form body with the key in both."""
    ep = endpoint(uri)
    fields = {name: format_value(value) for name, value in (params or {}).items()}
    if ep.client_method == "GET":
        return EncodedRequest("GET", ep.path, {"key": key, **fields}, None)
    body = form_encode({"key": key, **fields})
    return EncodedRequest("POST", ep.path, {"key": key}, body)


# A photo is 50-200 KB of base64; quote_plus walks it byte by byte (15 ms, 100 ms on a busy PC,
# all in one loop step). Base64 needs only three escapes, and str.replace runs in C (1 ms).
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/=]*")


def form_encode(fields: Mapping[str, str]) -> bytes:
    """`application/x-www-form-urlencoded` UTF-8, byte for byte what `urlencode` gives."""
    return "&".join(f"{quote_plus(k)}={_form_value(v)}" for k, v in fields.items()).encode("ascii")


def _form_value(value: str) -> str:
    if len(value) > 64 and _BASE64_TEXT.fullmatch(value):
        return value.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    return quote_plus(value, encoding="utf-8")


@dataclass(frozen=True)
class Reply:
    """A decoded successful reply: status 0, the terminal's `msg`, and `data` ({} if absent)."""

    msg: str
    data: dict[str, Any]


def decode_reply(uri: str, http_status: int, body: bytes) -> Reply:
    """Decode a reply; raise `TerminalRefused` for status != 0, `ProtocolError` for garbage."""
    if http_status == 501:
        raise _protocol(uri, "The terminal does not know this function (older firmware?)", body)
    if http_status == 405:
        raise _protocol(uri, "The terminal refused the request method", body)
    if http_status != 200:
        raise _protocol(uri, f"The terminal answered HTTP {http_status}", body)
    obj = _parse_json(uri, body)
    status = _status(uri, obj.get("status"))
    msg = obj.get("msg")
    msg_text = msg if isinstance(msg, str) else ("" if msg is None else str(msg))
    if status != 0:
        raise refused(status, uri, msg_text)
    return Reply(msg_text, _data(uri, obj.get("data")))


def _protocol(uri: str, text: str, body: bytes = b"", zh: str | None = None) -> ProtocolError:
    snippet = body[:_SNIPPET].decode("utf-8", "replace").replace("\n", " ").strip()
    return ProtocolError(text, endpoint=uri, zh=zh, detail=f"reply: {snippet!r}" if body else "")


def _parse_json(uri: str, body: bytes) -> dict[str, Any]:
    raw = _gunzip(uri, body)
    text = raw.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if not text:
        raise _protocol(uri, "The terminal sent an empty reply", zh="终端返回空内容")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise _protocol(
            uri, "The terminal's reply is not JSON", body, zh="终端返回内容无法解析"
        ) from None
    if not isinstance(obj, dict):
        raise _protocol(uri, "The terminal's reply is not a JSON object", body)
    return obj


def _gunzip(uri: str, body: bytes) -> bytes:
    """Bodies gzipped without a Content-Encoding header are unpacked too."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        out = zlib.decompressobj(wbits=31).decompress(body, MAX_REPLY_BYTES)
    except (zlib.error, gzip.BadGzipFile, EOFError):
        raise _protocol(uri, "The terminal sent a broken compressed reply") from None
    return out


def _status(uri: str, value: Any) -> int:
    """`status` as int: accepts 0, 0.0, 1E2, "0"; refuses everything else."""
    number: float
    if isinstance(value, bool) or value is None:
        raise _protocol(uri, "The terminal's reply has no status")
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _protocol(uri, f"The terminal's status is not a number: {value[:20]!r}") from None
    else:
        raise _protocol(uri, "The terminal's status is not a number")
    if not math.isfinite(number) or number != int(number) or abs(number) > 2**31:
        raise _protocol(uri, f"The terminal's status is not a status code: {number!r}")
    return int(number)


def _data(uri: str, value: Any) -> dict[str, Any]:
    """`data` as an object: absent/null/"" → {}, a JSON string is parsed (the document's
    "String(json)")."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _protocol(uri, "The terminal's data is not JSON") from None
    if not isinstance(value, dict):
        raise _protocol(uri, "The terminal's data is not a JSON object")
    return value


def shape_error(uri: str, exc: Exception) -> TerminalError:
    """A `ReplyShapeError` (wrong field kind) as the ProtocolError the caller sees."""
    return ProtocolError(
        "The terminal's reply has a field of the wrong kind",
        endpoint=uri,
        zh="终端返回的字段格式不正确",
        detail=str(exc),
    )


# ---- typed results per endpoint -------------------------------------------------------------


def _person(data: dict[str, Any]) -> Person:
    return Person.from_protocol(data)


def _persons(data: dict[str, Any]) -> list[Person]:
    return [Person.from_protocol(p, window_reliable=False) for p in read_objects(data, "person")]


def _records(data: dict[str, Any]) -> list[PassRecord]:
    return [PassRecord.from_protocol(r) for r in read_objects(data, "record")]


def _time(data: dict[str, Any]) -> float:
    return read_float(data, "ts")


def _url(data: dict[str, Any]) -> str:
    return read_str(data, "url")


def _photos(data: dict[str, Any]) -> list[bytes]:
    photos = read_list(data, "photos")
    if not all(isinstance(p, str) for p in photos):
        raise ReplyShapeError("field 'photos' should be a list of base64 texts")
    return [decode_base64(p, "photos") for p in photos]


_PARSERS: dict[str, Callable[[dict[str, Any]], object]] = {
    "getDeviceInfo": DeviceInfo.from_protocol,
    "getTime": _time,
    "getPerson": _person,
    "listPerson": _persons,
    "listRecord": _records,
    "getRecordCallback": _url,
    "getHeartBeat": HeartbeatConfig.from_protocol,
    "check": CheckResult.from_protocol,
    "photo": _photos,
}


def decode_result(uri: str, http_status: int, body: bytes) -> object:
    """Decode a reply into the endpoint's typed result (None for plain actions).

    Types: getDeviceInfo → DeviceInfo, getTime → float (as sent: seconds, or ms on legacy
    firmware), getPerson → Person, listPerson → list[Person], listRecord → list[PassRecord]
    (ts as sent), getRecordCallback → str, getHeartBeat → HeartbeatConfig, check →
    CheckResult, photo → list[bytes]; anything else → the `data` dict. Raises only
    `TerminalError` subclasses.
    """
    reply = decode_reply(uri, http_status, body)
    parser = _PARSERS.get(uri)
    if parser is None:
        return reply.data
    try:
        return parser(reply.data)
    except (ReplyShapeError, ValueError, TypeError, OverflowError) as exc:
        raise shape_error(uri, exc) from None
