"""Where the station keeps its state: one folder, `ENROLL_STATION_HOME` or the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "ENROLL_STATION_HOME"
APP_NAME = "enroll-station"


def station_home() -> Path:
    """Return the station's folder (created if missing).

    `ENROLL_STATION_HOME` wins; otherwise the platform's per-user data folder. Every test sets
    the variable, so no test ever touches a real user's data.
    """
    configured = os.environ.get(HOME_ENV)
    home = Path(configured) if configured else Path(platformdirs.user_data_dir(APP_NAME, False))
    home.mkdir(parents=True, exist_ok=True)
    return home


def station_path(*parts: str) -> Path:
    """Return a sub-folder of the station's home, created if missing."""
    path = station_home().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
