"""The Terminals page in the real window, against simulated terminals on 127.0.0.x."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import keyring
import pytest
from gui_harness import QLoop, change_preferences, close_station
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from enroll_app.services.keys import SERVICE, SITE_KEY_USER
from enroll_app.simulator import SimConfig, SimulatedTerminal
from enroll_app.ui.app import Station, create_application
from enroll_app.ui.terminal_dialogs import (
    AddTerminalDialog,
    ConfirmDialog,
    DeviceSettingsDialog,
    KeyDialog,
    UpdateAppDialog,
)
from enroll_app.ui.terminals_view import COLUMNS, TerminalsView

WAIT_MS = 15_000
T = TypeVar("T", bound=QWidget)
R = TypeVar("R")

StartSim = Callable[..., SimulatedTerminal]


class SimThread:
    """Simulated terminals on their own loop in a thread, like devices apart from the PC.

    Keeps the UI loop's stall detector about the station's code, not the simulator's start.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="simulators")
        self.thread.start()
        self.started: list[SimulatedTerminal] = []

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(WAIT_MS / 1000)

    def start(self, host: str, port: int, data_dir: Path) -> SimulatedTerminal:
        term = SimulatedTerminal(SimConfig(host=host, port=port, data_dir=data_dir, fast=True))
        self.run(term.start())
        self.started.append(term)
        return term

    def close(self) -> None:
        for term in reversed(self.started):
            if term.running:
                self.run(term.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def sim_thread() -> Iterator[SimThread]:
    threads = SimThread()
    yield threads
    threads.close()


@pytest.fixture
def sims(sim_thread: SimThread, tmp_path: Path) -> StartSim:
    """`start(host, port=0, data_dir=None)`: a simulated terminal on loopback."""

    def start(host: str, port: int = 0, data_dir: Path | None = None) -> SimulatedTerminal:
        folder = data_dir or tmp_path / f"terminal-{len(sim_thread.started)}"
        return sim_thread.start(host, port, folder)

    return start


@pytest.fixture
def station(qloop: QLoop) -> Iterator[Station]:
    """The real application, its receiver on 127.0.0.1 and a free port; closed after the test."""
    opened = Station.open(create_application())
    yield opened
    close_station(opened, qloop)


def _page(station: Station, qtbot: QtBot) -> TerminalsView:
    station.window.show_page("terminals")
    page = station.window.page("terminals")
    assert isinstance(page, TerminalsView)
    qtbot.waitUntil(lambda: page.presenter.receiver is not None, timeout=WAIT_MS)
    return page


def _stored_key(user: str) -> str | None:
    """A fresh read of the keyring, as the next start of the station would make."""
    stored: str | None = keyring.get_password(SERVICE, user)
    return stored


def _cell(page: TerminalsView, row: int, column: str) -> str:
    return str(page.model.index(row, COLUMNS.index(column)).data())


def _dialog(kind: type[T], qtbot: QtBot) -> T:
    found: list[T] = []

    def visible() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT_MS)
    return found[0]


def _scan(page: TerminalsView, qtbot: QtBot, subnet: str, rows: int) -> None:
    page.subnets.setText(subnet)
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.model.rowCount() == rows and not page.notice.isHidden(), timeout=WAIT_MS
    )


def test_discovery_finds_terminals_and_key_rotation_persists(
    station: Station, sims: StartSim, qtbot: QtBot, qloop: QLoop
) -> None:
    first = sims("127.0.0.2")
    second = sims("127.0.0.3", first.port)
    page = _page(station, qtbot)
    assert "Receiving heartbeats and pass records" in page.receiver_label.text()
    page.port.setValue(first.port)
    _scan(page, qtbot, "127.0.0.0/29", 2)
    assert "Found 2 terminal(s)" in page.notice.text()
    serials = {_cell(page, r, "serial") for r in range(2)}
    assert serials == {first.serial, second.serial}
    qtbot.waitUntil(lambda: _cell(page, 0, "persons") == "0 / 10000", timeout=WAIT_MS)
    assert _cell(page, 0, "key").startswith("Factory key")
    assert _cell(page, 0, "online") == "Online"
    assert not page.site_key_offer.isHidden()

    qtbot.mouseClick(page.site_key_button, Qt.MouseButton.LeftButton)
    dialog = _dialog(KeyDialog, qtbot)
    assert dialog.site.isChecked()
    dialog.new_key.setText("gate-2026")
    dialog.repeat.setText("gate-2025")
    assert not dialog.ok_button.isEnabled()
    assert dialog.error.text() == "The two keys differ"
    dialog.repeat.setText("gate-2026")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Key changed on 2 terminal(s)" in page.notice.text(), timeout=WAIT_MS)
    assert page.site_key_offer.isHidden()
    assert {_cell(page, r, "key") for r in range(2)} == {"OK"}
    assert _stored_key(SITE_KEY_USER) == "gate-2026"
    assert {_stored_key(first.serial), _stored_key(second.serial)} == {"gate-2026"}


def test_heartbeats_turn_a_terminal_online_and_their_absence_offline(  # noqa: PLR0917
    station: Station,
    sims: StartSim,
    qtbot: QtBot,
    qloop: QLoop,
    tmp_path: Path,
    sim_thread: SimThread,
) -> None:
    term = sims("127.0.0.4")
    page = _page(station, qtbot)
    page.presenter.registry.offline_after = 3.0  # heartbeats come every second here
    page.port.setValue(term.port)
    _scan(page, qtbot, "127.0.0.4/32", 1)
    page.select(term.serial)
    qtbot.mouseClick(page.uploads_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "now sends heartbeats" in page.notice.text(), timeout=WAIT_MS)
    sim_thread.run(_set_period(term, 1))  # the button sets 10 s; too slow for a test
    qtbot.waitUntil(
        lambda: page.presenter.registry.get(term.serial).last_heartbeat is not None, timeout=WAIT_MS
    )
    assert (
        page.model.index(0, COLUMNS.index("online"))
        .data(Qt.ItemDataRole.ToolTipRole)
        .startswith("Last heartbeat")
    )

    sim_thread.run(term.stop())
    qtbot.waitUntil(lambda: _cell(page, 0, "online") == "Offline", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: station.context.terminal_counts == (0, 1), timeout=WAIT_MS)
    assert "0 online · 1 offline" in station.window.status.terminals_label.text()

    # Back on the network: its heartbeats alone bring it back (the station calls nothing).
    again = sims("127.0.0.4", term.port, data_dir=tmp_path / "terminal-0")
    assert again.serial == term.serial
    qtbot.waitUntil(lambda: _cell(page, 0, "online") == "Online", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: station.context.terminal_counts == (1, 0), timeout=WAIT_MS)


async def _set_period(term: SimulatedTerminal, period: int) -> None:
    from enroll_app.terminal.client import TerminalClient

    async with TerminalClient(term.host, term.port) as client:
        config = await client.get_heartbeat()
        await client.set_heartbeat(config.url, period)


def test_errors_are_shown_in_plain_words(  # noqa: PLR0917
    station: Station,
    sims: StartSim,
    qtbot: QtBot,
    qloop: QLoop,
    unused_tcp_port_factory: Callable[[], int],
    sim_thread: SimThread,
) -> None:
    term = sims("127.0.0.5")
    page = _page(station, qtbot)
    # Nothing listens there.
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    add = _dialog(AddTerminalDialog, qtbot)
    add.address.setText("not an address")
    assert not add.ok_button.isEnabled()
    add.address.setText(f"127.0.0.1:{unused_tcp_port_factory()}")
    qtbot.mouseClick(add.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "Cannot connect to the terminal at 127.0.0.1" in page.notice.text(), timeout=WAIT_MS
    )
    assert page.notice.property("kind") == "error"

    # A real terminal, then it fails every request: its reason is shown.
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    add = _dialog(AddTerminalDialog, qtbot)
    add.address.setText(f"127.0.0.5:{term.port}")
    qtbot.mouseClick(add.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.model.rowCount() == 1 and "Added" in page.notice.text(), timeout=WAIT_MS
    )
    page.select(term.serial)
    term.faults.fail_rate = 1.0
    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "unknown error" in page.notice.text(), timeout=WAIT_MS)
    term.faults.fail_rate = 0.0

    # Reboot asks first; cancelling does nothing.
    page.reboot_action.trigger()
    confirm = _dialog(ConfirmDialog, qtbot)
    assert "Restart" in confirm.label.text()
    confirm.reject()
    qloop.run(station.context.tasks.wait_idle())
    assert [e for e in term.device.state.events if e["event"] == "reboot"] == []

    # Open the door after confirming.
    page.open_action.trigger()
    confirm = _dialog(ConfirmDialog, qtbot)
    qtbot.mouseClick(confirm.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "opened" in page.notice.text(), timeout=WAIT_MS)
    assert len([e for e in term.device.state.events if e["event"] == "open"]) == 1

    # Someone changed the key behind the station's back: the terminal's reason, plainly.
    sim_thread.run(_change_key(term, "not-ours"))
    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.notice.text() == "The terminal rejected the key", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _cell(page, 0, "key") == "Key rejected", timeout=WAIT_MS)


async def _change_key(term: SimulatedTerminal, key: str) -> None:
    from enroll_app.terminal.client import TerminalClient

    async with TerminalClient(term.host, term.port) as client:
        await client.set_device_key(key)


def test_settings_key_and_update_dialogs(station: Station, sims: StartSim, qtbot: QtBot) -> None:
    term = sims("127.0.0.6")
    page = _page(station, qtbot)
    page.port.setValue(term.port)
    _scan(page, qtbot, "127.0.0.6/32", 1)
    page.select(term.serial)

    qtbot.mouseClick(page.settings_button, Qt.MouseButton.LeftButton)
    settings = _dialog(DeviceSettingsDialog, qtbot)
    name = settings.editor("deviceName")
    volume = settings.editor("deviceSoundSize")
    restart = settings.editor("deviceDefendTime")
    assert isinstance(name, QLineEdit)
    assert isinstance(volume, QSpinBox)
    assert isinstance(restart, QLineEdit)
    assert volume.maximum() == 100
    name.setText("Lobby west")
    volume.setValue(35)
    restart.setText("25:")
    assert not settings.ok_button.isEnabled()
    restart.setText("03:30")
    assert settings.changes() == {
        "deviceName": "Lobby west",
        "deviceSoundSize": 35,
        "deviceDefendTime": "03:30",
    }
    qtbot.mouseClick(settings.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Settings saved" in page.notice.text(), timeout=WAIT_MS)
    assert _cell(page, 0, "name") == "Lobby west"
    stored = term.device.state.settings
    assert (stored.deviceName, int(stored.deviceSoundSize)) == ("Lobby west", 35)

    # A key for this terminal only.
    qtbot.mouseClick(page.key_button, Qt.MouseButton.LeftButton)
    keys = _dialog(KeyDialog, qtbot)
    assert keys.selected_only.isChecked()
    keys.new_key.setText("x" * 21)
    assert "longer than 20" in keys.error.text()
    keys.new_key.setText("lobby-only")
    keys.repeat.setText("lobby-only")
    qtbot.mouseClick(keys.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Key changed on 1 terminal(s)" in page.notice.text(), timeout=WAIT_MS)
    assert _stored_key(term.serial) == "lobby-only"
    assert _stored_key(SITE_KEY_USER) is None

    page.update_action.trigger()
    update = _dialog(UpdateAppDialog, qtbot)
    update.url.setText("ftp://nope")
    assert not update.ok_button.isEnabled()
    update.url.setText("http://127.0.0.1:8000/terminal.apk")
    qtbot.mouseClick(update.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "downloading the new app" in page.notice.text(), timeout=WAIT_MS)
    assert [e["url"] for e in term.device.state.events if e["event"] == "updateAPK"] == [
        "http://127.0.0.1:8000/terminal.apk"
    ]


def test_a_terminal_pointed_here_by_someone_else_becomes_known(
    station: Station, sims: StartSim, qtbot: QtBot, sim_thread: SimThread
) -> None:
    term = sims("127.0.0.9")
    page = _page(station, qtbot)
    assert page.model.rowCount() == 0
    url = (
        f"http://127.0.0.1:{page.presenter.receiver.port}/heartbeat"
        if page.presenter.receiver
        else ""
    )
    sim_thread.run(_point_heartbeats(term, url))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT_MS)
    assert _cell(page, 0, "serial") == term.serial
    # Heartbeats carry no port: the station assumes the protocol's 8088 until told otherwise.
    assert _cell(page, 0, "address") == "127.0.0.9:8088"
    assert _cell(page, 0, "online") == "Online"
    qloop_idle(station, qtbot)


def qloop_idle(station: Station, qtbot: QtBot) -> None:
    """Wait until the page's background work (identifying the newcomer) has finished."""
    qtbot.waitUntil(lambda: station.context.tasks.is_idle, timeout=WAIT_MS)


async def _point_heartbeats(term: SimulatedTerminal, url: str) -> None:
    from enroll_app.terminal.client import TerminalClient

    async with TerminalClient(term.host, term.port) as client:
        await client.set_heartbeat(url, 1)


def test_receiver_follows_the_port_setting(
    station: Station, qtbot: QtBot, unused_tcp_port_factory: Callable[[], int]
) -> None:
    page = _page(station, qtbot)
    port = unused_tcp_port_factory()
    station.context.settings.save_preferences(
        dataclasses.replace(station.context.settings.preferences, receiver_port=port)
    )
    qtbot.waitUntil(lambda: page.receiver_label.text().endswith(f"port {port}"), timeout=WAIT_MS)
    receiver = page.presenter.receiver
    assert receiver is not None
    assert receiver.port == port


def test_a_taken_receiver_port_is_said_plainly_and_the_page_works(
    qloop: QLoop, qtbot: QtBot, sims: StartSim
) -> None:
    term = sims("127.0.0.10")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        change_preferences(receiver_port=port)
        station = Station.open(create_application())
        try:
            station.window.show_page("terminals")
            page = station.window.page("terminals")
            assert isinstance(page, TerminalsView)
            qtbot.waitUntil(lambda: "used by another program" in page.receiver_label.text())
            assert f"Port {port}" in page.receiver_label.text()
            assert "used by another program" in station.window.status.problem_label.text()
            assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == []
            page.port.setValue(term.port)
            _scan(page, qtbot, "127.0.0.10/32", 1)  # everything else still works
        finally:
            close_station(station, qloop)


def test_without_a_secure_keyring_keys_last_the_session_only(  # noqa: PLR0917
    qloop: QLoop,
    qtbot: QtBot,
    sims: StartSim,
    sim_thread: SimThread,
    monkeypatch: pytest.MonkeyPatch,
    station_home: Path,
) -> None:
    from keyrings.alt.file import PlaintextKeyring

    locked = sims("127.0.0.11")
    sim_thread.run(_change_key(locked, "their-key"))
    # What keyring finds on a Linux PC without Secret Service: only a plain-file keyring.
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(station_home / "no-config"))
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    station = Station.open(create_application())
    try:
        page = _page(station, qtbot)
        qtbot.waitUntil(lambda: not page.keys_banner.isHidden())
        assert "No secure key store on this PC" in page.keys_banner.text
        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
        add = _dialog(AddTerminalDialog, qtbot)
        add.address.setText(f"127.0.0.11:{locked.port}")
        add.key.setText("their-key")
        qtbot.mouseClick(add.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Added" in page.notice.text(), timeout=WAIT_MS)
        page.select(locked.serial)
        assert not page.key_button.isEnabled()  # a new key would be lost on quit
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)  # the key works meanwhile
        qtbot.waitUntil(lambda: "Clock of" in page.notice.text(), timeout=WAIT_MS)
    finally:
        close_station(station, qloop)
        keyring.set_keyring(previous)
    assert not (station_home / "xdg-data").exists()  # no keyring file was written
    assert [p for p in station_home.rglob("*") if b"their-key" in _bytes(p)] == []


def _bytes(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b""
