"""The real main window, driven offscreen: pages, shortcuts, status bar, banners, errors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from enroll_app.ui.app import Station
from enroll_app.ui.widgets import PlaceholderView


def test_pages_in_sidebar_order_with_placeholders(station: Station) -> None:
    window = station.window
    assert window.page_keys() == ["enroll", "persons", "terminals", "records"]
    assert [window.page_list.item(i).text() for i in range(4)] == [
        "Enroll",
        "Persons",
        "Terminals",
        "Records",
    ]
    enroll = window.page("enroll")
    assert isinstance(enroll, PlaceholderView)
    assert "Not built yet" in enroll.summary.text()
    assert "virtual camera" in enroll.coming.text()


def test_page_shortcuts_switch_pages(station: Station, qtbot: QtBot) -> None:
    window = station.window
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    # isActiveWindow, not QApplication.activeWindow(): PySide6 6.12 mis-counts the None it returns.
    qtbot.waitUntil(window.isActiveWindow)
    for key, digit in (
        ("records", Qt.Key.Key_4),
        ("persons", Qt.Key.Key_2),
        ("enroll", Qt.Key.Key_1),
    ):
        qtbot.keyClick(window, digit, Qt.KeyboardModifier.ControlModifier)
        assert window.current_page_key() == key
    window.page_list.setCurrentRow(2)
    assert window.current_page_key() == "terminals"
