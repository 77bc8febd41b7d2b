"""The person form's rules: card numbers both ways, ID checksum, presets, pass count, id pattern."""

from __future__ import annotations

import datetime as dt

import pytest

from enroll_app.services.person_fields import (
    IdPattern,
    ValidityPreset,
    card_hex,
    check_id_number,
    format_time,
    id_check_char,
    parse_card,
    parse_time,
    pass_count,
    validity_window,
)
from enroll_app.terminal.errors import InvalidInput


def test_card_numbers_convert_both_ways() -> None:
    typed_hex = parse_card("7267e840", is_hex=True)
    assert typed_hex is not None
    assert typed_hex.decimal == "1919412288"
    assert typed_hex.hex == "7267e840"
    typed_dec = parse_card(" 1919412288 ")
    assert typed_dec == typed_hex
    assert parse_card("0x7267E840", is_hex=True) == typed_hex
    assert card_hex("0012") == "c"
    assert parse_card("   ") is None


@pytest.mark.parametrize(("text", "is_hex"), [("12a4", False), ("-5", False), ("xyz", True)])
def test_a_card_number_that_is_not_a_number_names_the_field(text: str, is_hex: bool) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_card(text, is_hex=is_hex)
    assert caught.value.field == "IC_NO"
    assert caught.value.status == 129


def test_id_check_character_follows_gb11643() -> None:
    # The standard's own example and a second well-known one.
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"
    assert check_id_number("11010519491231002X").ok
    assert check_id_number("11010519491231002x").ok  # typed in lower case
    assert check_id_number("").ok


def test_a_mistyped_id_number_is_a_warning_with_the_expected_character() -> None:
    mistyped = check_id_number("110105194912310021")
    assert not mistyped.ok
    assert "X" in mistyped.en
    assert "X" in mistyped.zh
    bad_date = check_id_number("110105194913310026")
    assert not bad_date.ok
    assert "19491331" in bad_date.en
    assert not check_id_number("E12345678").ok  # a passport: warned, still allowed by callers


def test_pass_count_unlimited_and_range() -> None:
    assert pass_count(3) == 3
    assert pass_count(0, unlimited=True) == 10000
    assert pass_count(10000) == 10000
    with pytest.raises(InvalidInput) as caught:
        pass_count(10001)
    assert caught.value.field == "passCount"
    with pytest.raises(InvalidInput):
        pass_count(-1)


def _local(*args: int) -> float:
    return dt.datetime(*args).astimezone().timestamp()  # type: ignore[misc]


def test_validity_presets() -> None:
    morning = _local(2026, 3, 2, 9, 15, 42)
    start, end = validity_window(ValidityPreset.TODAY, morning)
    assert start == _local(2026, 3, 2, 9, 15)
    assert end == _local(2026, 3, 2, 18, 0)
    assert validity_window(ValidityPreset.TODAY, morning, day_end_hour=17)[1] == _local(
        2026, 3, 2, 17, 0
    )
    evening = _local(2026, 3, 2, 18, 30)
    assert validity_window(ValidityPreset.TODAY, evening)[1] == _local(2026, 3, 3, 0, 0)
    assert validity_window(ValidityPreset.ONE_DAY, morning)[1] == _local(2026, 3, 3, 9, 15)
    assert validity_window(ValidityPreset.ONE_WEEK, morning)[1] == _local(2026, 3, 9, 9, 15)
    assert validity_window(ValidityPreset.UNLIMITED, morning) == (-1.0, -1.0)
    with pytest.raises(ValueError, match="hour"):
        validity_window(ValidityPreset.TODAY, morning, day_end_hour=24)


def test_times_parse_as_local_iso_8601_or_unlimited() -> None:
    assert parse_time("-1") == -1.0
    assert parse_time("2026-03-02T18:00") == _local(2026, 3, 2, 18, 0)
    assert (
        parse_time("2026-03-02T18:00:00+00:00")
        == dt.datetime(2026, 3, 2, 18, tzinfo=dt.UTC).timestamp()
    )
    assert parse_time(format_time(_local(2026, 3, 2, 7, 5, 9))) == _local(2026, 3, 2, 7, 5, 9)
    assert format_time(-1) == "-1"
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_time("tomorrow")


def test_id_pattern_gives_the_first_free_id_of_the_day() -> None:
    pattern = IdPattern("V{date:%Y%m%d}-{seq:03d}")
    day = dt.datetime(2026, 3, 2)
    assert pattern.prefix(day) == "V20260302-"
    assert pattern.first_free(day, set()) == "V20260302-001"
    assert pattern.first_free(day, {"V20260302-001", "V20260302-002"}) == "V20260302-003"
    assert IdPattern("{seq}").first_free(day, {"1"}) == "2"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [("V{date:%Y%m%d}", "seq"), ("V {seq}", "refuses"), ("{seq}{who}", "only use")],
)
def test_unusable_id_patterns_are_refused(pattern: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        IdPattern(pattern)
