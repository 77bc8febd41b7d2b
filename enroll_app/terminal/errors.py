"""Typed errors of the terminal client, each carrying status, endpoint and operator text.

The tree (translated once, at the client's boundary; nothing else escapes a call)::

    TerminalError                      .status (int | None), .endpoint, .operator_text, .zh
    ├── InvalidInput (+ ValueError)    refused BEFORE sending: the terminal would refuse it too
    ├── TerminalUnreachable            no answer: connection refused, no route, dropped
    │   └── TerminalTimeout            connected, but no reply in time
    ├── ProtocolError                  an answer, but not the protocol: HTML 501/405, garbage,
    │                                  a dropped connection where the firmware drops bad input
    └── TerminalRefused                the terminal answered `status != 0`
        ├── KeyRejected                103
        ├── PersonNotFound             126
        ├── TerminalFull               128
        ├── TerminalBusy               123 (a photo is being taken)
        ├── PhotoRejected              104, 105, 106, 124, 125, 127
        ├── InvalidParameter           101, 102, 107..122, 129
        └── TerminalFailure            1, 100, 1000, 10000 and unknown codes

Messages never contain the terminal key: `redact` strips `key=` from any text first.
"""

from __future__ import annotations

import re

from enroll_app.terminal.protocol import StatusCode

_KEY_PATTERN = re.compile(r"((?:^|[?&\s\"'])(?:new|old)?[kK]ey=)[^&\s\"']*")


def redact(text: str) -> str:
    """`text` with every `key=`, `newKey=`, `oldKey=` value replaced by `***` (keys never reach
    logs)."""
    return _KEY_PATTERN.sub(r"\1***", text)


class TerminalError(Exception):
    """Base of every error a terminal call raises.

    `status` is the protocol status (None when the terminal gave none), `endpoint` the URI
    called, `operator_text` English text for the operator and `zh` the Chinese one.
    """

    def __init__(
        self,
        operator_text: str,
        *,
        status: int | None = None,
        endpoint: str = "",
        zh: str | None = None,
        detail: str = "",
    ) -> None:
        self.status = status
        self.endpoint = endpoint
        self.operator_text = redact(operator_text)
        self.zh = redact(zh if zh is not None else operator_text)
        self.detail = redact(detail)
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"{self.endpoint}: " if self.endpoint else ""]
        if self.status is not None:
            parts.append(f"status {self.status}: ")
        parts.append(self.operator_text)
        if self.detail:
            parts.append(f" ({self.detail})")
        return "".join(parts)

    def text(self, language: str = "en") -> str:
        """Operator text in `language` ("zh…" or "en")."""
        return self.zh if language.lower().startswith("zh") else self.operator_text


class InvalidInput(TerminalError, ValueError):
    """The request was refused before sending; `status` is what the terminal would answer."""

    def __init__(
        self, operator_text: str, *, field: str, status: int | None = None, zh: str | None = None
    ) -> None:
        self.field = field
        super().__init__(operator_text, status=status, zh=zh)


class TerminalUnreachable(TerminalError):
    """The terminal did not answer: offline, wrong address, or the connection broke."""


class TerminalTimeout(TerminalUnreachable):
    """The terminal accepted the connection but did not reply in time."""


class ProtocolError(TerminalError):
    """The terminal answered something that is not the protocol (or dropped bad input)."""


class TerminalRefused(TerminalError):
    """The terminal answered with a status other than 0; `status` is always set."""

    status: int


class KeyRejected(TerminalRefused):
    """Status 103: the key is wrong (or missing)."""


class PersonNotFound(TerminalRefused):
    """Status 126: no person with that id on the terminal."""


class TerminalFull(TerminalRefused):
    """Status 128: the terminal holds its maximum number of persons."""


class TerminalBusy(TerminalRefused):
    """Status 123: the terminal is taking a photo; try again shortly."""


class PhotoRejected(TerminalRefused):
    """The photo was refused: no usable face, wrong size or format, unparsable."""


class InvalidParameter(TerminalRefused):
    """A field was missing or had a value the terminal refuses."""


class TerminalFailure(TerminalRefused):
    """The terminal reported an internal or unknown error."""


_PHOTO_CODES = frozenset({104, 105, 106, 124, 125, 127})
_PARAMETER_CODES = frozenset({101, 102, 129, *range(107, 123)})
_BY_CODE: dict[int, type[TerminalRefused]] = {
    StatusCode.KEY_REJECTED: KeyRejected,
    StatusCode.PERSON_NOT_FOUND: PersonNotFound,
    StatusCode.TERMINAL_FULL: TerminalFull,
    StatusCode.PHOTO_BUSY: TerminalBusy,
    **dict.fromkeys(_PHOTO_CODES, PhotoRejected),
    **dict.fromkeys(_PARAMETER_CODES, InvalidParameter),
}


def refused(status: int, endpoint: str, msg: str = "") -> TerminalRefused:
    """The typed error for a reply with `status != 0` (unknown codes give TerminalFailure)."""
    cls = _BY_CODE.get(status, TerminalFailure)
    en, zh = StatusCode.describe(status, "en"), StatusCode.describe(status, "zh")
    detail = f"terminal said: {msg}" if msg and msg not in (en, zh) else ""
    return cls(en, status=status, endpoint=endpoint, zh=zh, detail=detail[:200])
