"""Demo mode and the first start: real simulated terminals on loopback, driven from the window."""

from __future__ import annotations

import socket

from gui_harness import QLoop
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from pytestqt.qtbot import QtBot

from enroll_app.camera.capture import CameraState
from enroll_app.ui.app import Station, create_application
from enroll_app.ui.shell_presenter import DEMO_BANNER, WELCOME_BANNER


def _refuses(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def _show(station: Station, qtbot: QtBot, *, demo: bool) -> None:
    station.show(demo=demo)
    qtbot.waitExposed(station.window)


def test_demo_flag_starts_three_terminals_and_the_banner_stops_them(
    station: Station, qloop: QLoop, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(station.context.demo_changed, timeout=10000):
        _show(station, qtbot, demo=True)
    qloop.run(station.context.tasks.wait_idle())
    banner = station.window.banner(DEMO_BANNER)
    assert banner is not None
    assert banner.text.startswith("Demo mode: 3 simulated terminals")
    terminals = station.context.demo.terminals
    assert len(terminals) == 3
    assert all(not _refuses(t.host, t.port) for t in terminals)
    assert station.window.demo_button.text() == "Stop demo"

    [stop] = banner.buttons
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    qloop.run(station.context.tasks.wait_idle())
    assert not station.context.demo.running
    assert station.window.banner(DEMO_BANNER) is None
    assert station.window.demo_button.text() == "Start demo"
    assert all(_refuses(t.host, t.port) for t in terminals)


def test_first_start_offers_the_demo_once(station: Station, qloop: QLoop, qtbot: QtBot) -> None:
    _show(station, qtbot, demo=False)
    welcome = station.window.banner(WELCOME_BANNER)
    assert welcome is not None
    assert "No terminal is known yet" in welcome.text
    [start] = welcome.buttons
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    qloop.run(station.context.tasks.wait_idle())
    assert station.context.demo.running
    assert station.window.banner(WELCOME_BANNER) is None
    assert station.window.banner(DEMO_BANNER) is not None
    # The Enroll page had opened the (missing) webcam; the demo brings the virtual camera.
    preview = station.window.page("enroll").presenter.preview
    qtbot.waitUntil(lambda: preview.state == CameraState.LIVE.value, timeout=20000)

    again = Station.open(create_application())
    again.show(demo=False)
    assert again.window.banner(WELCOME_BANNER) is None
    QCoreApplication.processEvents()  # what a shown window would have done before its close
    again.window.close()
    qloop.run(again.aclose())
    again.window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_offer_goes_away_when_a_terminal_shows_up(station: Station, qtbot: QtBot) -> None:
    _show(station, qtbot, demo=False)
    assert station.window.banner(WELCOME_BANNER) is not None
    station.context.set_terminal_counts(1, 0)
    assert station.window.banner(WELCOME_BANNER) is None


def test_quitting_stops_the_demo_terminals(qloop: QLoop, qtbot: QtBot) -> None:
    station = Station.open(create_application())
    with qtbot.waitSignal(station.context.demo_changed, timeout=10000):
        _show(station, qtbot, demo=True)
    terminals = station.context.demo.terminals
    station.window.activateWindow()
    qtbot.waitUntil(station.window.isActiveWindow)
    qtbot.keyClick(station.window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qloop.run(station.wait_closed())
    assert not station.window.isVisible()
    qloop.run(station.aclose())
    assert not station.context.demo.running
    assert all(_refuses(t.host, t.port) for t in terminals)
    station.window.deleteLater()
