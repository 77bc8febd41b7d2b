"""Redaction for logs and error text: personal numbers never leave the store in clear."""

from __future__ import annotations


def redact(value: str, keep: int = 2) -> str:
    """`value` with all but its last `keep` characters masked ("••••••••34"); empty stays empty.

    Use it whenever an ID number, card number or name has to appear in a log line.
    """
    if not value:
        return ""
    shown = value[-keep:] if keep > 0 and len(value) > keep * 2 else ""
    return "•" * (len(value) - len(shown)) + shown
