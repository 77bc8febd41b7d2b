"""What an endpoint handler returns: a status with optional data, or a dropped connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    """A protocol reply: `status` and, when not empty, `data`; `msg` overrides the status text."""

    status: int
    data: dict[str, Any] | None = None
    msg: str | None = None


class DropConnection(Exception):
    """The firmware would crash this request's thread: close the socket without a reply."""


class ServerFault(Exception):
    """The terminal itself is broken (e.g. no face models): answer status 1000."""


OK = Answer(0)


def ok(data: dict[str, Any] | None = None) -> Answer:
    """Success, with `data` if given."""
    return Answer(0, data)


def fail(status: int) -> Answer:
    """A failure status without data."""
    return Answer(status)
