"""Checks before sending refuse what the terminal would refuse, with its status code."""

from __future__ import annotations

import pytest
from enroll_photos import fit_640x480, png_photo

from enroll_app.terminal.errors import InvalidInput
from enroll_app.terminal.validation import (
    card_from_decimal,
    card_from_hex,
    check_new_key,
    check_pass_count,
    check_period,
    check_person_id,
    check_photo,
    check_photo_count,
    check_settings,
    check_url,
    check_window,
    jpeg_size,
)


def _status(call: object, *args: object) -> int | None:
    with pytest.raises(InvalidInput) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.operator_text
    assert caught.value.zh
    return caught.value.status


def test_person_id() -> None:
    assert check_person_id("007") == "007"
    assert _status(check_person_id, "") == 101
    for bad in ("a,b", "[x]", "a b"):
        assert _status(check_person_id, bad) == 102


def test_pass_count() -> None:
    assert check_pass_count(0) == 0
    assert check_pass_count(10000) == 10000
    assert _status(check_pass_count, 10001) == 108
    assert _status(check_pass_count, -1) == 108
    assert _status(check_pass_count, True) == 107


def test_window() -> None:
    assert check_window(-1, -1) == (-1, -1)
    assert check_window(100, -1) == (100, -1)
    assert check_window(100, 200) == (100, 200)
    assert _status(check_window, 200, 100) == 112
    assert _status(check_window, 200, 200) == 112
    assert _status(check_window, -5, -1) == 110
    assert _status(check_window, 1_700_000_000_000, -1) == 110  # milliseconds
    assert _status(check_window, -1, float("inf")) == 111


def test_key_card_count_period_url() -> None:
    assert check_new_key("x" * 20) == "x" * 20
    assert _status(check_new_key, "钥" * 7) == 102  # 21 bytes
    assert _status(check_new_key, "") == 101
    assert card_from_hex("7267e840") == "1919412288"
    assert card_from_hex("0x10") == "16"
    assert card_from_decimal(" 123 ") == "123"
    assert _status(card_from_decimal, "7267e840") == 129
    assert _status(card_from_hex, "xyz") == 129
    assert check_photo_count(3) == 3
    assert _status(check_photo_count, 4) == 102
    assert check_period(1) == 1.0
    assert _status(check_period, 0.5) == 121
    assert check_url("http://192.168.0.66:8888")
    assert check_url("https://h/p?q=1")
    for bad in ("ftp://h", "http://", "192.168.0.1:80", "http://h:99999/"):
        assert _status(check_url, bad) == 122
    assert _status(check_url, "") == 101


def test_photo_must_be_a_640x480_jpeg() -> None:
    good = fit_640x480()
    assert jpeg_size(good) == (640, 480)
    assert check_photo(good) is good
    assert _status(check_photo, fit_640x480(size=(480, 640))) == 105
    assert _status(check_photo, png_photo()) == 124
    assert _status(check_photo, b"") == 124


def test_settings() -> None:
    assert check_settings({"deviceSoundSize": "50", "deviceName": "Gate 1"}) == {
        "deviceSoundSize": 50,
        "deviceName": "Gate 1",
    }
    assert check_settings({"faceFeaturePairNumber": "0.7"}) == {"faceFeaturePairNumber": 0.7}
    assert check_settings({"deviceDefendTime": "23:50"})
    for bad in (
        {"deviceSoundSize": "101"},
        {"doorType": "27"},
        {"nope": "1"},
        {"deviceDefendTime": "25:00"},
        {"openDoorType": "x"},
        {},
    ):
        with pytest.raises(InvalidInput):
            check_settings(bad)
