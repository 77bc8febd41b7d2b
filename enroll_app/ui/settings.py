"""Station settings: typed values over a QSettings INI file in the station's home folder."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, QSettings, Signal

from enroll_app.home import station_home
from enroll_app.ui.tasks import OperatorError

LANGUAGES = ("system", "en", "zh_CN")
THEMES = ("system", "light", "dark")
CAMERA_SOURCES = ("webcam", "virtual", "folder", "video")  # virtual: the sample portraits
DEFAULT_RECEIVER_PORT = 8099  # where terminals send heartbeats and pass records
EVERY_NETWORK = "0.0.0.0"  # the receiver listens on every network: terminals on the LAN reach it
THIS_PC_ONLY = "127.0.0.1"  # only programs on this PC (demo terminals) reach it
SETTINGS_FILE = "settings.ini"


class SettingsError(OperatorError):
    """The settings file cannot be written (disk full, read-only folder)."""


@dataclass(frozen=True)
class Preferences:
    """What the operator chooses in the settings dialog."""

    language: str = "system"  # "system", "en" or "zh_CN"; takes effect at the next start
    theme: str = "system"  # "system", "light" or "dark"
    camera_index: int = 0
    auto_capture: bool = True  # take the photo as soon as the quality checks pass
    camera_source: str = "webcam"  # one of CAMERA_SOURCES
    camera_path: str = ""  # the image folder or video file of a "folder" / "video" camera
    steady_ms: int = 800  # every check must pass this long before the automatic capture
    receiver_port: int = DEFAULT_RECEIVER_PORT
    receiver_host: str = EVERY_NETWORK  # the address the receiver listens on
    visitor_end_hour: int = 18  # a visitor's pass ends at this hour of the day, by default

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}")
        if not 1024 <= self.receiver_port <= 65535:
            raise ValueError("receiver_port must be between 1024 and 65535")
        try:
            ipaddress.IPv4Address(self.receiver_host)
        except ValueError:
            raise ValueError("receiver_host must be an IPv4 address such as 0.0.0.0") from None
        if not 0 <= self.visitor_end_hour <= 23:
            raise ValueError("visitor_end_hour must be between 0 and 23")
        if not 0 <= self.camera_index <= 99:
            raise ValueError("camera_index must be between 0 and 99")
        if self.camera_source not in CAMERA_SOURCES:
            raise ValueError(f"camera_source must be one of {', '.join(CAMERA_SOURCES)}")
        if not 200 <= self.steady_ms <= 5000:
            raise ValueError("steady_ms must be between 200 and 5000")


class StationSettings(QObject):
    """The settings file: preferences, window geometry and first-start state. UI thread only."""

    changed = Signal(object)  # the new Preferences

    def __init__(self, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path or station_home() / SETTINGS_FILE
        self._qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)
        self._preferences = self._read_preferences()

    @property
    def preferences(self) -> Preferences:
        """The current preferences."""
        return self._preferences

    def save_preferences(self, preferences: Preferences) -> None:
        """Write `preferences` to disk; raises `SettingsError` when that fails."""
        for item in dataclasses.fields(Preferences):
            self._qsettings.setValue(f"preferences/{item.name}", getattr(preferences, item.name))
        self._sync()
        self._preferences = preferences
        self.changed.emit(preferences)

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """The saved main window geometry and state (None when never saved)."""
        geometry = self._qsettings.value("window/geometry")
        state = self._qsettings.value("window/state")
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember the main window's geometry and toolbar/dock state."""
        self._qsettings.setValue("window/geometry", geometry)
        self._qsettings.setValue("window/state", state)
        self._sync()

    def value(self, key: str, default: str = "") -> str:
        """A free-form text value other parts of the UI remember (e.g. `terminals/last_scan`)."""
        return str(self._qsettings.value(key, default))

    def set_value(self, key: str, value: str) -> None:
        """Remember a free-form text value."""
        self._qsettings.setValue(key, value)
        self._sync()

    @property
    def first_start(self) -> bool:
        """True until `mark_started()` was called once on this station."""
        return not self._read_bool("station/started_before", default=False)

    def mark_started(self) -> None:
        """Record that the station has been started before."""
        self._qsettings.setValue("station/started_before", True)
        self._sync()

    def _read_preferences(self) -> Preferences:
        defaults = Preferences()
        values: dict[str, Any] = {}
        for item in dataclasses.fields(Preferences):
            default = getattr(defaults, item.name)
            values[item.name] = self._read(f"preferences/{item.name}", default)
        try:
            return Preferences(**values)
        except ValueError:
            # A hand-edited or older file with out-of-range values must not stop the station.
            return defaults

    def _read(self, key: str, default: object) -> object:
        if isinstance(default, bool):
            return self._read_bool(key, default)
        raw = self._qsettings.value(key, default)
        if isinstance(default, int):
            try:
                return int(str(raw))
            except ValueError:
                return default
        return str(raw)

    def _read_bool(self, key: str, default: bool) -> bool:
        raw = self._qsettings.value(key, default)
        return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes")

    def _sync(self) -> None:
        self._qsettings.sync()
        if self._qsettings.status() != QSettings.Status.NoError:
            text = QCoreApplication.translate(
                "StationSettings", "The settings could not be saved to {path}."
            )
            raise SettingsError(text.format(path=self.path))
