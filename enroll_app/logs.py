"""Station logging: a rotating file in the station's folder, terminal keys and ID numbers redacted.

`configure_logging()` is called once by the command line and the window. Every record that
reaches our handlers passes `Redactor` first, which rewrites the formatted message, the
exception text and the stack text: `key=…`/`newKey=…` values, any key value the station knows
(`remember_secret`), and Chinese ID numbers (18 characters, shown as their last 4) never reach
the file or the console.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from pathlib import Path
from typing import TextIO

from enroll_app.home import station_path

LOG_DIR = "logs"
LOG_FILE = "station.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5  # station.log.1 … .5: about 12 MB of history at most
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
# The factory key printed in every terminal's manual is no secret; masking it would only
# blank out every "abc" in the logs.
_PUBLIC_KEYS = frozenset({"abc"})
_MIN_SECRET_LEN = 3

# `key=v`, `newKey=v`, `"key": "v"`, `site_key: v` (URLs, form bodies, JSON, reprs).
_KEY_VALUE = re.compile(
    r"(?i)((?:new|old|site|device)?[_-]?key[\"']?\s*[=:]\s*[\"']?)([^\s&\"',;}\])]+)"
)
# A Chinese resident ID number: 17 digits and a digit or X, not part of a longer token.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{14})(\d{3}[\dXx])(?![0-9A-Za-z])")

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def remember_secret(value: str) -> None:
    """Mask `value` wherever it appears in later log lines (call it for every terminal key)."""
    if len(value) >= _MIN_SECRET_LEN and value not in _PUBLIC_KEYS:
        with _secrets_lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Drop the remembered secrets (tests; a station that was reset)."""
    with _secrets_lock:
        _secrets.clear()


def redact_text(text: str) -> str:
    """`text` with key values, remembered secrets and ID numbers masked."""
    text = _KEY_VALUE.sub(lambda m: m.group(1) + MASK, text)
    with _secrets_lock:
        # Longest first, so a key that contains another key is masked whole.
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return _ID_NUMBER.sub(lambda m: "*" * 14 + m.group(2), text)


class Redactor(logging.Filter):
    """Rewrites a record so that nothing secret is left in its message, exception or stack."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact `record` in place; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: still log, still redacted
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = redact_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            # Formatters reuse exc_text when it is set, so the raw traceback is never printed.
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is now (test runners and the GUI replace it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO | None:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record, unless there is no stderr (the windowed program on Windows)."""
        if sys.stderr is not None:
            super().emit(record)


def log_dir() -> Path:
    """`<station home>/logs` (created if missing)."""
    return station_path(LOG_DIR)


def log_path() -> Path:
    """The current log file; older ones are `station.log.1` … `.5` beside it."""
    return log_dir() / LOG_FILE


def configure_logging(
    *, level: int = logging.INFO, stderr_level: int | None = logging.WARNING
) -> Path:
    """Log to the station's rotating file (and to stderr from `stderr_level`); returns the path.

    Calling it again replaces the handlers it installed before (e.g. after the station's home
    changed), so it is safe to call from both the command line and the window.
    """
    reset_logging()
    root = logging.getLogger()
    root.setLevel(min(level, stderr_level or level))
    path = log_path()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    file_handler.setLevel(level)
    handlers: list[logging.Handler] = [file_handler]
    if stderr_level is not None:
        console = _CurrentStderr()
        console.setLevel(stderr_level)
        handlers.append(console)
    for handler in handlers:
        handler.addFilter(Redactor())
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.set_name(_HANDLER_NAME)
        root.addHandler(handler)
    return path


_HANDLER_NAME = "enroll-station"


def reset_logging() -> None:
    """Remove and close the handlers `configure_logging` installed."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
            handler.close()
