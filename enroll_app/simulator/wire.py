"""What travels inside the HTTP messages: parameters in, JSON and base64 out, per profile.

Decoding follows NanoHTTPD: query and form body merge into one map (body wins); multipart text
is read as ASCII; a JSON body counts only where the profile says so. Encoding follows Gson when
the profile asks for it: doubles in Java's `Double.toString` form (`1.545187749123E9`) and
HTML-safe escapes (`=` as `\\u003d`).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from enroll_app.simulator.http import Request

Params = dict[str, str]

_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_B64_FOREIGN = bytes(b for b in range(256) if b not in _B64_ALPHABET and b != ord("="))
_GSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "=": "\\u003d",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class BadBase64(ValueError):
    """Base64 text the firmware's decoder rejects (bad padding or a lone trailing character)."""


# -- parameters ------------------------------------------------------------------------------


def request_params(request: Request, *, parse_json: bool) -> Params:
    """The merged parameter map of `request` (GET: query only; POST: query, then body)."""
    params = decode_form(request.query)
    if request.method == "POST":
        params.update(body_params(request, parse_json=parse_json))
    return params


def decode_form(text: str) -> Params:
    """`a=1&b=%E4%B8%AD` → {"a": "1", "b": "中"}; later duplicates win, names are trimmed."""
    pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")
    return {name.strip(): value for name, value in pairs}


def body_params(request: Request, *, parse_json: bool) -> Params:
    """Parameters carried in a POST body, by its Content-Type."""
    mime = request.content_type.split(";", 1)[0].strip().lower()
    if mime == "application/x-www-form-urlencoded":
        return decode_form(request.body.decode("utf-8", "replace"))
    if mime == "multipart/form-data":
        return decode_multipart(request.body, request.content_type)
    if parse_json and mime == "application/json":
        return decode_json_object(request.body)
    return {}


def decode_json_object(body: bytes) -> Params:
    """A JSON object body as parameters (non-string values as their JSON text)."""
    try:
        value = json.loads(body.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def decode_multipart(body: bytes, content_type: str) -> Params:
    """Text fields of a multipart/form-data body, decoded as ASCII like the firmware."""
    boundary = _boundary(content_type)
    if not boundary:
        return {}
    params: Params = {}
    for part in body.split(b"--" + boundary):
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        name = _field_name(head.decode("latin-1"))
        if name is not None:
            params[name] = content.removesuffix(b"\r\n").decode("ascii", "replace")
    return params


def _boundary(content_type: str) -> bytes:
    for item in content_type.split(";")[1:]:
        key, _, value = item.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip('"').encode("latin-1", "replace")
    return b""


def _field_name(head: str) -> str | None:
    for line in head.split("\r\n"):
        if line.lower().startswith("content-disposition:"):
            for item in line.split(";")[1:]:
                key, _, value = item.strip().partition("=")
                if key.lower() == "name":
                    return value.strip('"')
    return None


# -- base64 ----------------------------------------------------------------------------------


def decode_base64(text: str) -> bytes:
    """Decode like Android's `Base64.decode(DEFAULT)`: skip foreign characters, allow missing
    padding, reject a lone trailing character or misplaced `=` (BadBase64)."""
    # translate() skips foreign bytes in C: a photo is ~50,000 characters per request.
    data = text.encode("latin-1", "replace").translate(None, _B64_FOREIGN)
    body, _, padding = data.partition(b"=")
    padding = b"=" + padding if _ else b""
    if b"=" in body or padding.strip(b"=") or len(body) % 4 == 1:
        raise BadBase64("bad base-64")
    if padding and len(body) % 4 + len(padding) != 4:
        raise BadBase64("bad base-64")
    try:
        return base64.b64decode(body + b"=" * (-len(body) % 4), validate=True)
    except binascii.Error as exc:  # pragma: no cover - filtered above
        raise BadBase64(str(exc)) from exc


def encode_base64(data: bytes, *, line_breaks: bool) -> str:
    """Base64 text; with `line_breaks`, Android's DEFAULT form (\\n every 76 and at the end)."""
    text = base64.b64encode(data).decode("ascii")
    if not line_breaks:
        return text
    return "".join(text[i : i + 76] + "\n" for i in range(0, len(text), 76))


# -- JSON ------------------------------------------------------------------------------------


def encode_json(value: Any, *, java: bool) -> bytes:
    """`value` as UTF-8 JSON; `java` reproduces Gson's number and escape forms."""
    if not java:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return _gson(value).encode()


def _gson(value: Any) -> str:  # noqa: PLR0911 - one form per JSON type
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, str):
        return '"' + "".join(_gson_char(c) for c in value) + '"'
    if isinstance(value, dict):
        return "{" + ",".join(f"{_gson(str(k))}:{_gson(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_gson(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__}")


def _gson_char(c: str) -> str:
    escaped = _GSON_ESCAPES.get(c)
    if escaped is not None:
        return escaped
    return f"\\u{ord(c):04x}" if ord(c) < 0x20 else c


def java_double(x: float) -> str:
    """Java's `Double.toString(x)`: `5.0`, `0.6`, `1.545187749123E9`, `1.0E-4`."""
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    if 1e-3 <= abs(x) < 1e7:
        text = repr(x)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    assert isinstance(exponent, int)
    head = str(digits[0])
    tail = "".join(map(str, digits[1:])) or "0"
    power = len(digits) - 1 + exponent
    return f"{'-' if sign else ''}{head}.{tail}E{power}"
