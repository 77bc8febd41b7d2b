"""The person form's rules without Qt: card numbers, ID-card checksum, validity presets, ids."""

from __future__ import annotations

import datetime as dt
import enum
import re
import string
from collections.abc import Container
from dataclasses import dataclass

from enroll_app.terminal.errors import InvalidInput
from enroll_app.terminal.protocol import UNLIMITED_PASSES, UNLIMITED_TS
from enroll_app.terminal.validation import card_from_decimal, card_from_hex, check_person_id

DEFAULT_DAY_END_HOUR = 18
DEFAULT_ID_PATTERN = "V{date:%Y%m%d}-{seq:03d}"

# GB 11643-1999: weights of the first 17 digits (2^(18-i) mod 11) and the check character
# for each remainder of the weighted sum modulo 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


# ---- card numbers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardNumber:
    """A card number both ways: `decimal` is what the terminal stores (IC_NO), `hex` what
    some card readers print (lowercase, no prefix)."""

    decimal: str
    hex: str


def parse_card(text: str, *, is_hex: bool = False) -> CardNumber | None:
    """The card number typed in decimal (or hex with `is_hex`); None when left empty.

    Raises `InvalidInput` (field IC_NO, operator text in en/zh) for anything else.
    """
    if not text.strip():
        return None
    decimal = card_from_hex(text) if is_hex else card_from_decimal(text)
    return CardNumber(decimal=decimal, hex=card_hex(decimal))


def card_hex(decimal: str) -> str:
    """The hex form of a decimal card number (leading zeros of the decimal do not count)."""
    return format(int(card_from_decimal(decimal)), "x")


# ---- Chinese resident ID numbers --------------------------------------------------------------


@dataclass(frozen=True)
class IdNumberCheck:
    """What the form says about an ID-card number: `ok`, or a warning (never a refusal:
    foreign passports and old 15-digit cards are typed here too)."""

    ok: bool
    en: str = ""
    zh: str = ""


def id_check_char(first17: str) -> str:
    """The 18th character GB 11643-1999 requires after these 17 digits."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("the check character needs exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def check_id_number(text: str) -> IdNumberCheck:
    """Check an 18-digit Chinese resident ID number: shape, birth date and check character.

    An empty field is fine. Anything that is not 18 characters is assumed to be another kind
    of document and only gets a gentle warning.
    """
    value = text.strip().upper()
    if not value:
        return IdNumberCheck(ok=True)
    if not _ID_SHAPE.fullmatch(value):
        return IdNumberCheck(
            False,
            "Not an 18-digit resident ID number (17 digits and a digit or X)",
            "不是 18 位居民身份证号码（17 位数字加一位数字或 X）",
        )
    if not _valid_birth_date(value[6:14]):
        return IdNumberCheck(
            False,
            f"The birth date {value[6:14]} in the ID number is not a real date",
            f"身份证号码中的出生日期 {value[6:14]} 无效",
        )
    expected = id_check_char(value[:17])
    if value[17] != expected:
        return IdNumberCheck(
            False,
            f"The ID number's check character should be {expected}: a digit may be mistyped",
            f"身份证号码校验位应为 {expected}，可能有数字输错",
        )
    return IdNumberCheck(ok=True)


def _valid_birth_date(text: str) -> bool:
    try:
        born = dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


# ---- pass count -------------------------------------------------------------------------------


def pass_count(value: int, *, unlimited: bool = False) -> int:
    """The passCount to send: 10000 when unlimited, else `value` (0..10000, else InvalidInput)."""
    if unlimited:
        return UNLIMITED_PASSES
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= UNLIMITED_PASSES:
        raise InvalidInput(
            f"The pass count must be between 0 and {UNLIMITED_PASSES}",
            field="passCount",
            status=108,
            zh=f"通行次数必须在 0 到 {UNLIMITED_PASSES} 之间",
        )
    return value


# ---- validity window --------------------------------------------------------------------------


class ValidityPreset(enum.Enum):
    """The validity buttons of the form."""

    TODAY = "today"  # from now until the end of the working day
    ONE_DAY = "one_day"  # 24 hours from now
    ONE_WEEK = "one_week"  # 7 days from now
    UNLIMITED = "unlimited"


def validity_window(
    preset: ValidityPreset,
    now: float,
    *,
    day_end_hour: int = DEFAULT_DAY_END_HOUR,
) -> tuple[float, float]:
    """(start_ts, end_ts) in epoch seconds for a preset, starting at the current minute.

    TODAY ends at `day_end_hour`:00 local time, or at midnight when that hour has passed (a
    visitor arriving at 18:30 still gets in). UNLIMITED is (-1, -1).
    """
    if not 0 <= day_end_hour <= 23:
        raise ValueError("the end of the working day is an hour 0..23")
    if preset is ValidityPreset.UNLIMITED:
        return UNLIMITED_TS, UNLIMITED_TS
    start = dt.datetime.fromtimestamp(now).astimezone().replace(second=0, microsecond=0)
    if preset is ValidityPreset.ONE_DAY:
        end = start + dt.timedelta(days=1)
    elif preset is ValidityPreset.ONE_WEEK:
        end = start + dt.timedelta(days=7)
    else:
        end = start.replace(hour=day_end_hour, minute=0)
        if end <= start:
            end = start.replace(hour=0, minute=0) + dt.timedelta(days=1)
    return start.timestamp(), end.timestamp()


def parse_time(text: str) -> float:
    """Epoch seconds from ISO 8601 text (local time unless it names its offset), or -1.

    Raises `ValueError` with the accepted forms in the message.
    """
    value = text.strip()
    if value == "-1":
        return UNLIMITED_TS
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: give ISO 8601 like 2026-03-01T18:00 or -1 for unlimited"
        ) from None
    return when.timestamp()


def format_time(ts: float) -> str:
    """ISO 8601 local time to the second, or "-1" for unlimited (the inverse of parse_time)."""
    if ts == UNLIMITED_TS:
        return "-1"
    return dt.datetime.fromtimestamp(ts).isoformat(timespec="seconds")


# ---- person ids -------------------------------------------------------------------------------


class IdPattern:
    """Generates person ids like `V20260301-007` from a pattern with `{date:...}` and `{seq...}`.

    The pattern is checked once: it must use `{seq}` (else every id of a day would clash) and
    produce ids the terminal accepts.
    """

    def __init__(self, pattern: str = DEFAULT_ID_PATTERN) -> None:
        fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name}
        if "seq" not in fields:
            raise ValueError("the id pattern needs a {seq} field, e.g. V{date:%Y%m%d}-{seq:03d}")
        if unknown := sorted(fields - {"seq", "date"}):
            raise ValueError(f"the id pattern may only use {{date}} and {{seq}}, not {unknown}")
        self.pattern = pattern
        try:
            sample = self.format(dt.datetime(2026, 1, 1), 1)
        except (ValueError, KeyError, IndexError) as exc:
            raise ValueError(f"the id pattern {pattern!r} cannot be used: {exc}") from None
        try:
            check_person_id(sample)
        except InvalidInput as exc:
            raise ValueError(f"the id pattern makes ids a terminal refuses: {exc}") from None

    def format(self, when: dt.datetime, seq: int) -> str:
        """The id for sequence number `seq` on `when`'s day."""
        return self.pattern.format(date=when, seq=seq)

    def prefix(self, when: dt.datetime) -> str:
        """The text every id of `when`'s day starts with (the pattern up to `{seq}`)."""
        head = self.pattern.split("{seq", 1)[0]
        return head.format(date=when)

    def first_free(self, when: dt.datetime, taken: Container[str], limit: int = 100_000) -> str:
        """The id with the lowest sequence number (from 1) that is not in `taken`."""
        for seq in range(1, limit + 1):
            candidate = self.format(when, seq)
            if candidate not in taken:
                return candidate
        raise ValueError(f"every id of the pattern {self.pattern!r} up to {limit} is taken")
