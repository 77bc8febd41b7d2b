"""Encoding and decoding by example: what the firmware sends and what it needs."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enroll_app.terminal.codec import (
    decode_result,
    encode_request,
    form_encode,
    format_id_list,
    format_number,
)
from enroll_app.terminal.errors import (
    InvalidInput,
    InvalidParameter,
    KeyRejected,
    PhotoRejected,
    ProtocolError,
    TerminalBusy,
    TerminalFailure,
    redact,
    refused,
)
from enroll_app.terminal.protocol import ENDPOINTS, StatusCode
from enroll_app.terminal.records import CheckResult, DeviceInfo, PassRecord, Person


def test_numbers_are_plain_decimals() -> None:
    assert format_number(-1.0) == "-1"
    assert format_number(10000) == "10000"
    assert format_number(1545187749.123) == "1545187749.123"
    assert format_number(1e-7) == "0"
    assert "e" not in format_number(1.5e-5)
    with pytest.raises(ValueError, match="finite"):
        format_number(float("nan"))


def test_every_endpoint_encodes_with_the_table_method() -> None:
    for uri, ep in ENDPOINTS.items():
        req = encode_request(uri, "k", {"a": 1})
        assert req.path == "/" + uri
        assert req.method == ("GET" if ep.method.name == "GET" else "POST")
        if req.method == "GET":
            assert req.body is None
            assert req.query == {"key": "k", "a": "1"}
        else:
            assert req.body is not None
            assert dict(parse_qsl(req.body.decode())) == {"key": "k", "a": "1"}
            assert req.query == {"key": "k"}


def test_form_body_is_utf8_percent_encoded() -> None:
    req = encode_request("setPerson", "abc", {"id": "1", "name": "胖虎 1", "photo": "a+b/c="})
    assert req.body is not None
    assert b"%E8%83%96%E8%99%8E+1" in req.body
    assert b"a%2Bb%2Fc%3D" in req.body


def test_id_list() -> None:
    assert format_id_list(["1", "02"]) == "[1,02]"
    with pytest.raises(InvalidInput):
        format_id_list([])


def test_every_status_has_operator_text_in_both_languages() -> None:
    for code in StatusCode:
        assert code.zh
        assert code.en
        assert code.zh != code.en
    assert StatusCode.IC_CARD_NOT_DIGITS == 129


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (103, KeyRejected),
        (105, PhotoRejected),
        (127, PhotoRejected),
        (123, TerminalBusy),
        (108, InvalidParameter),
        (129, InvalidParameter),
        (1000, TerminalFailure),
        (4242, TerminalFailure),
    ],
)
def test_refusals_are_typed(status: int, kind: type) -> None:
    err = refused(status, "setPerson", "msg")
    assert isinstance(err, kind)
    assert err.status == status
    assert str(status) in str(err)


def test_redact_hides_keys() -> None:
    text = "GET http://1.2.3.4:8088/getTime?key=abc&x=1 body key=abc&newKey=zz"
    assert "abc" not in redact(text)
    assert "zz" not in redact(text)
    assert "x=1" in redact(text)


def _body(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def test_list_person_marks_windows_unreliable_and_skips_empty_entries() -> None:
    body = _body(
        {
            "status": 0,
            "data": {"person": [{"id": "1", "IC_NO": 7267, "startTs": 1542595.445}, {}]},
        }
    )
    persons = decode_result("listPerson", 200, body)
    assert isinstance(persons, list)
    (person,) = persons
    assert isinstance(person, Person)
    assert (person.ic_no, person.window_reliable) == ("7267", False)


def test_device_info_accepts_both_fail_message_names() -> None:
    for field in ("tipsPairFail", "appFailMsg"):
        info = decode_result("getDeviceInfo", 200, _body({"status": 0, "data": {field: "x"}}))
        assert isinstance(info, DeviceInfo)
        assert info.fail_msg == "x"


def test_check_and_records() -> None:
    check = decode_result("check", 200, _body({"status": 0, "data": {"isValid": 3}}))
    assert check == CheckResult(is_valid=3, is_exist=False)
    records = decode_result(
        "listRecord", 200, _body({"status": 0, "data": {"record": [{"personId": "9", "ts": "5"}]}})
    )
    assert records == [PassRecord(person_id="9", ts=5.0)]


def test_photos_decode_and_bad_base64_is_a_protocol_error() -> None:
    raw = b"\xff\xd8jpeg"
    good = _body({"status": 0, "data": {"photos": [base64.encodebytes(raw).decode()]}})
    assert decode_result("photo", 200, good) == [raw]
    with pytest.raises(ProtocolError, match="base64"):
        decode_result("photo", 200, _body({"status": 0, "data": {"photos": ["Q"]}}))


def test_data_as_a_json_string_is_parsed() -> None:
    body = _body({"status": 0, "data": json.dumps({"ts": 12.5})})
    assert decode_result("getTime", 200, body) == 12.5


def test_uploads_in_milliseconds_become_seconds() -> None:
    old = PassRecord.from_upload({"deviceSn": "a" * 16, "personID": "1", "ts": "1545187749123"})
    new = PassRecord.from_upload({"deviceSn": "a" * 16, "personId": "1", "ts": "1.545187749123E9"})
    assert old.ts == pytest.approx(new.ts)
    assert old.identity == new.identity


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.text(), st.binary().map(lambda b: base64.b64encode(b * 40).decode())),
    )
)
def test_form_encoding_is_byte_for_byte_urlencode(fields: dict[str, str]) -> None:
    assert form_encode(fields) == urlencode(fields, encoding="utf-8").encode("ascii")
