"""Parsing numbers the way the firmware's Java does (Long.parseLong, Double.parseDouble)."""

from __future__ import annotations

import math
import re

_LONG = re.compile(r"[+-]?[0-9]+")
_DOUBLE = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[dDfF]?\s*")
_LONG_MAX = 2**63 - 1


def java_long(text: str) -> int | None:
    """`Long.parseLong(text)`, None where Java would throw."""
    if not _LONG.fullmatch(text):
        return None
    value = int(text)
    return value if -_LONG_MAX - 1 <= value <= _LONG_MAX else None


def java_int(text: str) -> int | None:
    """`Integer.parseInt(text)`, None where Java would throw."""
    value = java_long(text)
    return value if value is not None and -(2**31) <= value < 2**31 else None


def java_double(text: str) -> float | None:
    """`Double.parseDouble(text)` for finite decimal numbers, None otherwise (NaN and
    Infinity are refused too: they cannot travel back in JSON)."""
    if len(text) > 400 or not _DOUBLE.fullmatch(text):
        return None
    value = float(text.strip().rstrip("dDfF"))
    return value if math.isfinite(value) else None
