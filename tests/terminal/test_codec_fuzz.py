"""The reply decoder never crashes: any bytes, any JSON, any HTTP status → a result or a
TerminalError (hypothesis)."""

from __future__ import annotations

import gzip
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enroll_app.terminal.codec import decode_result
from enroll_app.terminal.errors import TerminalError
from enroll_app.terminal.protocol import ENDPOINTS

URIS = st.sampled_from(sorted(ENDPOINTS))
HTTP = st.sampled_from([200, 200, 200, 404, 405, 500, 501])
FIELDS = [
    "id", "name", "IC_NO", "ID_NO", "passCount", "startTs", "endTs", "photo", "person",
    "record", "personID", "ts", "passType", "url", "period", "isValid", "isExist", "photos",
    "sn", "APKVersion", "tipsPairFail",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["0", "1E4", "1.545187749123E9", "-1", "aGVsbG8=\n", "data:,QQ==", "true"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), inner, max_size=6),
    ),
    max_leaves=20,
)
replies = st.fixed_dictionaries(
    {},
    optional={
        "status": st.one_of(scalars, st.sampled_from([0, 0.0, "0", 103, "126", 1e2])),
        "msg": scalars,
        "data": json_values,
    },
)


def _check(uri: str, http_status: int, body: bytes) -> None:
    error: TerminalError | None = None
    try:
        result = decode_result(uri, http_status, body)
    except TerminalError as exc:
        error = exc
    if error is None:
        assert result is not None
        return
    assert error.endpoint == uri
    assert isinstance(error.operator_text, str)
    assert error.operator_text
    assert str(error)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(URIS, HTTP, st.binary(max_size=300))
def test_any_bytes(uri: str, http_status: int, body: bytes) -> None:
    _check(uri, http_status, body)


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(URIS, replies, st.booleans(), st.booleans())
def test_any_json_reply(uri: str, reply: dict[str, Any], gzipped: bool, ascii_only: bool) -> None:
    body = json.dumps(reply, ensure_ascii=ascii_only, allow_nan=True).encode()
    _check(uri, 200, gzip.compress(body) if gzipped else body)


@settings(max_examples=400, deadline=None)
@given(URIS, json_values)
def test_any_data_in_a_success_reply(uri: str, data: Any) -> None:
    body = json.dumps({"status": 0, "msg": "ok", "data": data}, allow_nan=True).encode()
    _check(uri, 200, body)


def test_deep_nesting_and_huge_numbers() -> None:
    for uri in ENDPOINTS:
        _check(uri, 200, b'{"status":0,"data":' + b"[" * 100_000 + b"]" * 100_000 + b"}")
        _check(uri, 200, b'{"status":' + b"9" * 5000 + b"}")
        _check(uri, 200, b'{"status":0,"data":{"ts":' + b"9" * 5000 + b"}}")
        _check(uri, 200, b'{"status":0,"data":"{\\"ts\\":1}"}')
