"""Test harness: every test gets its own station home; nothing touches a real user's data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def station_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ENROLL_STATION_HOME at a fresh temp folder for each test."""
    home = tmp_path_factory.mktemp("station-home")
    monkeypatch.setenv("ENROLL_STATION_HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    return home
