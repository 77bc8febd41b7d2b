"""Diagnostics export: logs, settings, versions and terminals in one zip, with no secrets."""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from enroll_app import __version__, logs
from enroll_app.home import station_home
from enroll_app.services.diagnostics import export_diagnostics, scrub_ini

KEY = "Lobby-Key-77"
ID_NUMBER = "11010519491231002X"
SETTINGS = f"""[preferences]
language=zh_CN
camera_index=1

[terminals]
site_key={KEY}
last_scan=2026-03-02 09:00
password = hunter22
note=visitor {ID_NUMBER} at gate

[window]
geometry=@ByteArray(\\x1\\xd9\\xd0\\xcb)
"""
REGISTRY = {
    "version": 1,
    "terminals": [
        {
            "serial": "a1b2c3d4e5f60718",
            "name": "Gate 1",
            "host": "192.168.1.20",
            "port": 8088,
            "key_status": "ok",
            "key": KEY,
        }
    ],
}


@pytest.fixture
def station_files() -> Iterator[Path]:
    home = station_home()
    (home / "settings.ini").write_text(SETTINGS, "utf-8")
    (home / "terminals.json").write_text(json.dumps(REGISTRY), "utf-8")
    (home / "station.db").write_bytes(b"SQLite format 3\x00 persons")
    path = logs.configure_logging(stderr_level=None)
    logging.getLogger("enroll_app.test").info("enrolled V1 with key=%s", KEY)
    for handler in logging.getLogger().handlers:
        handler.flush()
    # An older log written before redaction existed, with the key and an ID number in clear.
    (path.parent / "station.log.1").write_text(f"old line key={KEY} id {ID_NUMBER}\n", "utf-8")
    yield home
    logs.reset_logging()


def read_zip(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_zip_holds_logs_settings_terminals_versions(station_files: Path) -> None:
    path = export_diagnostics()
    assert path.parent == station_files / "diagnostics"
    assert path.suffix == ".zip"
    files = read_zip(path)
    assert sorted(files) == [
        "README.txt",
        "logs/station.log",
        "logs/station.log.1",
        "settings/settings.ini",
        "terminals.json",
        "versions.json",
    ]
    assert "enrolled V1 with key=***" in files["logs/station.log"]
    settings = files["settings/settings.ini"]
    assert "language=zh_CN" in settings
    assert "last_scan=2026-03-02 09:00" in settings
    assert "site_key=***" in settings
    assert "password = ***" in settings
    terminals = json.loads(files["terminals.json"])["terminals"]
    assert terminals == [{k: v for k, v in REGISTRY["terminals"][0].items() if k != "key"}]
    versions = json.loads(files["versions.json"])
    assert versions["enroll_station"] == __version__
    assert versions["model_packs"]["buffalo_s"]["ok"] is True
    assert versions["packages"]["onnxruntime"]


def test_no_secret_and_no_database_in_the_zip(station_files: Path) -> None:
    logs.remember_secret(KEY)
    path = export_diagnostics(station_files / "out" / "diag.zip")
    assert path == station_files / "out" / "diag.zip"
    with zipfile.ZipFile(path) as archive:
        raw = b"".join(archive.read(name) for name in archive.namelist())
    assert KEY.encode() not in raw
    assert b"hunter22" not in raw
    assert ID_NUMBER.encode() not in raw
    assert b"**************002X" in raw
    assert b"SQLite" not in raw
    assert not list(path.parent.glob("*.part"))


def test_scrub_ini_keeps_comments_sections_and_plain_values() -> None:
    text = "; comment key=x\n[sec]\nKey = v1\nplain=value\n"
    assert scrub_ini(text) == "; comment key=***\n[sec]\nKey = ***\nplain=value\n"


def test_without_a_terminal_list_or_logs_the_export_still_works() -> None:
    files = read_zip(export_diagnostics())
    assert json.loads(files["terminals.json"])["terminals"] == []
    assert not [name for name in files if name.startswith("logs/")]
