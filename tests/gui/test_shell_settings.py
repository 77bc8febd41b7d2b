"""Settings: the dialog edits and saves them, they survive a restart, the window applies them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from gui_harness import QLoop
from PySide6.QtCore import QCoreApplication, QEvent, QRect, QSize, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFrame, QLabel
from pytestqt.qtbot import QtBot

from enroll_app.ui.app import Station, create_application
from enroll_app.ui.settings import Preferences, SettingsError, StationSettings
from enroll_app.ui.settings_dialog import SettingsDialog
from enroll_app.ui.theme import DARK, LIGHT


def _open_dialog(station: Station, qtbot: QtBot) -> SettingsDialog:
    window = station.window
    window.show()
    qtbot.waitExposed(window)
    qtbot.mouseClick(window.settings_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _dialog(station) is not None)
    dialog = _dialog(station)
    assert dialog is not None
    return dialog


def _dialog(station: Station) -> SettingsDialog | None:
    dialog = station.window.findChild(SettingsDialog)
    return dialog if dialog is not None and dialog.isVisible() else None


def _click(qtbot: QtBot, dialog: SettingsDialog, which: QDialogButtonBox.StandardButton) -> None:
    button = dialog.buttons.button(which)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_preferences_round_trip_through_the_file(station_home: Path) -> None:
    chosen = Preferences(
        language="zh_CN",
        theme="dark",
        camera_index=2,
        auto_capture=False,
        receiver_port=9100,
        visitor_end_hour=20,
    )
    StationSettings().save_preferences(chosen)
    assert (station_home / "settings.ini").is_file()
    assert StationSettings().preferences == chosen


def test_a_damaged_file_falls_back_to_defaults(station_home: Path) -> None:
    (station_home / "settings.ini").write_text(
        "[preferences]\ntheme=purple\nreceiver_port=eighty\n", encoding="utf-8"
    )
    assert StationSettings().preferences == Preferences()


def test_an_unwritable_file_is_an_operator_error(station_home: Path) -> None:
    (station_home / "settings.ini").unlink()
    (station_home / "settings.ini").mkdir()  # a folder where the file should be
    with pytest.raises(SettingsError, match="could not be saved"):
        StationSettings().save_preferences(Preferences(theme="dark"))


def test_preferences_refuse_values_out_of_range() -> None:
    with pytest.raises(ValueError, match="receiver_port"):
        Preferences(receiver_port=80)
    with pytest.raises(ValueError, match="theme"):
        Preferences(theme="purple")


def test_dialog_saves_and_applies_the_choice(station: Station, qloop: QLoop, qtbot: QtBot) -> None:
    dialog = _open_dialog(station, qtbot)
    assert dialog.preferences() == station.settings.preferences
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.receiver_port.setValue(9099)
    dialog.auto_capture.setChecked(False)
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    _click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    qloop.run(station.context.tasks.wait_idle())
    saved = StationSettings().preferences
    assert (saved.theme, saved.receiver_port, saved.auto_capture, saved.language) == (
        "dark",
        9099,
        False,
        "zh_CN",
    )
    window_color = QApplication.palette().color(QPalette.ColorRole.Window).name()
    assert window_color == DARK.window
    assert "restart" in station.window.status.currentMessage()


def test_a_theme_switch_recolours_the_styled_widgets(
    station: Station, qloop: QLoop, qtbot: QtBot
) -> None:
    # The sidebar and muted texts get their colours from style rules that read palette roles:
    # after each switch they show the new theme, not the one before.
    for theme, colors in (("dark", DARK), ("light", LIGHT), ("dark", DARK)):
        dialog = _open_dialog(station, qtbot)
        dialog.theme.setCurrentIndex(dialog.theme.findData(theme))
        _click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
        qloop.run(station.context.tasks.wait_idle())
        assert _shown_colors(station) == (colors.sidebar, {colors.muted})


def _shown_colors(station: Station) -> tuple[str, set[str]]:
    """The sidebar's painted background and the colours of its muted texts."""
    sidebar = station.window.findChild(QFrame, "Sidebar")
    assert isinstance(sidebar, QFrame)
    image = sidebar.grab().toImage()
    background = image.pixelColor(2, image.height() // 2).name()
    muted = {
        label.palette().color(label.foregroundRole()).name()
        for label in sidebar.findChildren(QLabel)
        if label.objectName() == "SidebarSubtitle"
    }
    return background, muted


def test_cancel_keeps_the_old_settings(station: Station, qloop: QLoop, qtbot: QtBot) -> None:
    before = StationSettings().preferences
    dialog = _open_dialog(station, qtbot)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    _click(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)
    qloop.run(station.context.tasks.wait_idle())
    assert StationSettings().preferences == before
    assert QApplication.palette().color(QPalette.ColorRole.Window).name() == LIGHT.window


def test_restore_defaults_fills_the_form(station: Station, qloop: QLoop, qtbot: QtBot) -> None:
    station.settings.save_preferences(
        dataclasses.replace(station.settings.preferences, theme="dark", visitor_end_hour=9)
    )
    dialog = _open_dialog(station, qtbot)
    assert dialog.visitor_end_hour.value() == 9
    _click(qtbot, dialog, QDialogButtonBox.StandardButton.RestoreDefaults)
    assert dialog.preferences() == Preferences()
    _click(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)
    qloop.run(station.context.tasks.wait_idle())


def test_ctrl_comma_opens_settings(station: Station, qloop: QLoop, qtbot: QtBot) -> None:
    window = station.window
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _dialog(station) is not None)
    dialog = _dialog(station)
    assert dialog is not None
    _click(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)
    qloop.run(station.context.tasks.wait_idle())


def test_a_failed_save_is_shown_and_nothing_is_applied(
    station: Station, qloop: QLoop, qtbot: QtBot, station_home: Path
) -> None:
    dialog = _open_dialog(station, qtbot)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    (station_home / "settings.ini").unlink(missing_ok=True)
    (station_home / "settings.ini").mkdir()
    _click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    qloop.run(station.context.tasks.wait_idle())
    assert "could not be saved" in station.window.status.problem_label.text()
    assert QApplication.palette().color(QPalette.ColorRole.Window).name() == LIGHT.window


def _close(station: Station, qloop: QLoop) -> None:
    QCoreApplication.processEvents()  # what a shown window would have done before its close
    station.window.close()
    qloop.run(station.aclose())
    station.window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_window_geometry_is_restored(qloop: QLoop, qtbot: QtBot) -> None:
    app = create_application()
    first = Station.open(app)
    first.window.show()
    qtbot.waitExposed(first.window)
    first.window.setGeometry(QRect(40, 50, 780, 560))
    _close(first, qloop)

    second = Station.open(app)
    second.window.show()
    qtbot.waitExposed(second.window)
    assert second.window.geometry().size() == QSize(780, 560)
    _close(second, qloop)
