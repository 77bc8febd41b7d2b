"""The station log: rotating file in the station's folder; keys and ID numbers never in it."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest

from enroll_app import logs
from enroll_app.home import station_home

ID_NUMBER = "11010519491231002X"
KEY = "s3cret-Key_77"


@pytest.fixture
def log_file() -> Iterator[Path]:
    path = logs.configure_logging(level=logging.DEBUG, stderr_level=None)
    yield path
    logs.reset_logging()
    logs.forget_secrets()


def _text(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text("utf-8")


def test_log_file_lives_in_the_station_home(log_file: Path) -> None:
    logging.getLogger("enroll_app.test").info("hello %s", "station")
    assert log_file == station_home() / "logs" / "station.log"
    assert "INFO enroll_app.test: hello station" in _text(log_file)


def test_key_parameters_are_masked_in_message_and_args(log_file: Path) -> None:
    log = logging.getLogger("enroll_app.test")
    log.info("POST http://127.0.0.1:8088/setPerson?key=%s&id=7", KEY)
    log.info("rotating: newKey=%s oldKey=%s", "n3wKey-1", "o1dKey-2")
    log.info("settings %s", {"key": KEY, "site_key": "abc123x"})
    text = _text(log_file)
    for secret in (KEY, "n3wKey-1", "o1dKey-2", "abc123x"):
        assert secret not in text
    assert "key=***&id=7" in text
    assert "newKey=***" in text


def test_remembered_keys_are_masked_anywhere(log_file: Path) -> None:
    logs.remember_secret(KEY)
    logging.getLogger("x").warning("the terminal refused %s as its key", KEY)
    text = _text(log_file)
    assert KEY not in text
    assert "refused *** as its key" in text


def test_factory_key_is_not_a_secret(log_file: Path) -> None:
    logs.remember_secret("abc")
    logging.getLogger("x").info("label abc stays")
    assert "label abc stays" in _text(log_file)


def test_id_numbers_keep_only_their_last_four(log_file: Path) -> None:
    log = logging.getLogger("x")
    log.info("enrolled %s", ID_NUMBER)
    log.info("id=%s;phone=13800138000;ts=1700000000123", "110105194912310021")
    text = _text(log_file)
    assert ID_NUMBER not in text
    assert "110105194912310021" not in text
    assert "**************002X" in text
    assert "**************0021" in text
    # Shorter numbers (phones, millisecond timestamps) are left alone.
    assert "13800138000" in text
    assert "1700000000123" in text


def test_exception_text_is_redacted(log_file: Path) -> None:
    log = logging.getLogger("x")
    try:
        raise ValueError(f"bad person {ID_NUMBER} with key={KEY}")
    except ValueError:
        log.exception("enrollment failed")
    text = _text(log_file)
    assert "ValueError: bad person **************002X with key=***" in text
    assert ID_NUMBER not in text
    assert KEY not in text


def test_configuring_twice_keeps_one_set_of_handlers(log_file: Path) -> None:
    logs.configure_logging(stderr_level=logging.WARNING)
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "enroll-station"]
    assert len(ours) == 2
    logging.getLogger("x").info("once")
    assert _text(log_file).count("once") == 1


def test_log_rotates(log_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    )
    monkeypatch.setattr(handler, "maxBytes", 2000)
    for n in range(200):
        logging.getLogger("x").info("line %03d %s", n, "." * 40)
    names = sorted(p.name for p in log_file.parent.iterdir())
    assert names[:2] == ["station.log", "station.log.1"]
    assert len(names) <= 1 + logs.BACKUP_COUNT
