"""The Terminals page: the known terminals in a table, discovery, keys and terminal actions."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVarTuple, Unpack

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from enroll_app.services.demo import DemoTerminal
from enroll_app.services.discovery import (
    DiscoveryService,
    KeyStatus,
    KnownTerminal,
    RegistryError,
    TerminalRegistry,
)
from enroll_app.services.keys import KeyProblem, KeyStore, KeyStoreError
from enroll_app.services.terminals import RotationResult, TerminalService, UploadTargets
from enroll_app.terminal.protocol import DEFAULT_PORT
from enroll_app.terminal.receiver import UploadReceiver, station_address_for
from enroll_app.terminal.records import Heartbeat, PassRecord
from enroll_app.terminal.scan import ScanInputError
from enroll_app.ui.context import AppContext, ShutdownStage
from enroll_app.ui.dialogs import ask
from enroll_app.ui.i18n import QT_TRANSLATE_NOOP
from enroll_app.ui.settings import EVERY_NETWORK, Preferences
from enroll_app.ui.tasks import OperatorError
from enroll_app.ui.terminal_dialogs import (
    AddTerminalDialog,
    ConfirmDialog,
    DeviceSettingsDialog,
    KeyDialog,
    KeyScope,
    UpdateAppDialog,
    key_problem_text,
)
from enroll_app.ui.theme import Colors, colors
from enroll_app.ui.widgets import NoticeBanner

logger = logging.getLogger(__name__)

ONLINE_CHECK_MS = 1000
REFRESH_EVERY_MS = 30_000
SERIAL_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("name", "serial", "address", "online", "key", "persons", "app", "clock")
ONLINE_COLOR = "#1e8449"
OFFLINE_COLOR = "#c0392b"
WARNING_COLOR = "#b9770e"
_KEY_WARNINGS = frozenset({KeyStatus.DEFAULT, KeyStatus.PENDING, KeyStatus.REJECTED})
# Marked for lupdate here, translated where shown (`TerminalsModel.tr`).
_KEY_TEXT: dict[KeyStatus, str] = {
    KeyStatus.UNKNOWN: QT_TRANSLATE_NOOP("TerminalsModel", "Not checked yet"),
    KeyStatus.DEFAULT: QT_TRANSLATE_NOOP("TerminalsModel", "Factory key (abc): set a site key"),
    KeyStatus.OK: QT_TRANSLATE_NOOP("TerminalsModel", "OK"),
    KeyStatus.PENDING: QT_TRANSLATE_NOOP("TerminalsModel", "New key not confirmed"),
    KeyStatus.REJECTED: QT_TRANSLATE_NOOP("TerminalsModel", "Key rejected"),
}
Ts = TypeVarTuple("Ts")


class TerminalsModel(QAbstractTableModel):
    """The registry's terminals as table rows (UI thread). Rows keep their order on updates."""

    def __init__(self, registry: TerminalRegistry, capacity: int, parent: QObject | None = None):
        super().__init__(parent)
        self._registry = registry
        self._capacity = capacity
        self._rows: list[KnownTerminal] = registry.terminals()
        self.keys_can_change = True  # False: the factory-key text does not ask for a site key

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._headers()[section]

    def _headers(self) -> tuple[str, ...]:
        return (
            self.tr("Name"),
            self.tr("Serial"),
            self.tr("Address"),
            self.tr("State"),
            self.tr("Key"),
            self.tr("Persons"),
            self.tr("App version"),
            self.tr("Clock offset"),
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        terminal = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == SERIAL_ROLE:
            return terminal.serial
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(terminal, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(terminal, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._color(terminal, column)
        return None

    def _color(self, t: KnownTerminal, column: str) -> QColor | None:
        if column == "online":
            return QColor(ONLINE_COLOR if self._registry.is_online(t) else OFFLINE_COLOR)
        if column == "key" and t.key_status in _KEY_WARNINGS:
            return QColor(WARNING_COLOR)
        return None

    def terminal(self, row: int) -> KnownTerminal:
        """The terminal shown in `row`."""
        return self._rows[row]

    def row_of(self, serial: str) -> int:
        """The row of terminal `serial` (-1 if not shown)."""
        return next((i for i, t in enumerate(self._rows) if t.serial == serial), -1)

    def terminal_changed(self, serial: str) -> None:
        """Show the registry's current state of `serial` (added, changed or removed)."""
        current = {t.serial: t for t in self._registry.terminals()}
        row = self.row_of(serial)
        if row >= 0 and serial in current:
            self._rows[row] = current[serial]
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = list(current.values())
        self.endResetModel()

    def set_keys_can_change(self, can: bool) -> None:
        """Word the factory-key warning for a station that can (or cannot) set keys."""
        self.keys_can_change = can
        if self._rows:
            column = COLUMNS.index("key")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def recheck(self) -> None:
        """Repaint the state column (heartbeat ages move on)."""
        if self._rows:
            column = COLUMNS.index("online")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def _text(self, t: KnownTerminal, column: str) -> str:
        texts: dict[str, Callable[[], str]] = {
            "name": lambda: t.name or self.tr("(no name)"),
            "serial": lambda: t.serial,
            "address": lambda: t.address,
            "online": lambda: (
                self.tr("Online") if self._registry.is_online(t) else self.tr("Offline")
            ),
            "key": lambda: self._key_text(t.key_status),
            "persons": lambda: "" if t.persons is None else f"{t.persons} / {self._capacity}",
            "app": lambda: t.app_version,
            "clock": lambda: "" if t.clock_offset is None else _offset_text(t.clock_offset),
        }
        return texts[column]()

    def _key_text(self, status: KeyStatus) -> str:
        if status is KeyStatus.DEFAULT and not self.keys_can_change:
            return self.tr("Factory key (abc)")
        return QCoreApplication.translate("TerminalsModel", _KEY_TEXT[status])

    def _tooltip(self, t: KnownTerminal, column: str) -> str:
        if t.problem:
            return t.problem
        if column == "online":
            if t.last_heartbeat is None:
                return self.tr("No heartbeat received yet")
            age = max(0.0, self._registry.now() - t.last_heartbeat)
            return self.tr("Last heartbeat %1 s ago").replace("%1", f"{age:.0f}")
        return ""


def _offset_text(seconds: float) -> str:
    if abs(seconds) < 0.05:
        return "0.0 s"  # not "-0.0 s"
    return f"{seconds:+.1f} s"


class TerminalsPresenter(QObject):
    """Runs discovery, the upload receiver and terminal actions for the view. UI thread.

    `notice(kind, text)` carries plain-words results and failures ("info" | "error");
    `default_key_seen` is emitted when a terminal still uses the factory key; `keys_state`
    says why keys are not remembered ('' when they are); `receiver_state(ok, text)` tells
    where heartbeats arrive, or why they cannot. Disk and keyring work runs on the context's
    worker thread.
    """

    notice = Signal(str, str)
    scan_progress = Signal(int, int)
    default_key_seen = Signal()
    keys_state = Signal(str)
    receiver_state = Signal(bool, str)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        # One list of terminals and one connection pool per station, shared with the services.
        self.registry = context.station.registry
        self.worker = context.worker
        self.keys: KeyStore | None = None  # opened on the worker by start()
        factory = context.station.connections.client
        self.discovery = DiscoveryService(self.registry, None, client_factory=factory)
        self.service = TerminalService(self.registry, None, client_factory=factory)
        self.receiver: UploadReceiver | None = None
        self._ready = asyncio.Event()  # set once the keys are open
        self._receiver_lock = asyncio.Lock()
        self._refreshing = False
        self._closed = False
        self._online_timer = QTimer(self)
        self._online_timer.setInterval(ONLINE_CHECK_MS)
        self._online_timer.timeout.connect(self._check_online)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_EVERY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._unsubscribe = [self.registry.subscribe(lambda _serial: self._publish_counts())]
        context.demo_terminals_started.connect(self._add_demo_terminals)
        context.settings.changed.connect(self._preferences_changed)
        context.on_shutdown(ShutdownStage.CLIENTS, self.aclose, name="terminals page")

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the terminal list and the keys, then start the receiver and the checks."""
        if self._closed or not self.context.tasks.accepting:
            return  # the station closed before the page started
        self._online_timer.start()
        self._refresh_timer.start()
        self._publish_counts()
        self.context.tasks.start(
            self._open, label=self.tr("Opening the key store"), on_error=self._failed
        )

    async def _open(self) -> None:
        try:
            self.keys = await KeyStore.open(self.worker)
        finally:
            self._ready.set()  # jobs waiting for the keys go on, with "abc" at least
        self.discovery.keys = self.service.keys = self.keys
        self.keys_state.emit("" if self.keys.remembers else self.keys.problem)
        await self._start_receiver()
        if self.registry.serials():
            self.refresh()

    async def _start_receiver(self) -> None:
        # One at a time: a port changed while the first start still binds must not leave two
        # receivers, one of them never stopped.
        async with self._receiver_lock:
            if self.receiver is not None:
                await self.receiver.stop()
                self.receiver = None
            await self._listen()

    async def _listen(self) -> None:
        preferences = self.context.settings.preferences
        host, port = preferences.receiver_host, preferences.receiver_port
        receiver = UploadReceiver(self._heartbeat, self._store_record, host=host, port=port)
        try:
            await receiver.start()
        except OSError as exc:
            # Not a dialog: the station works without heartbeats; the page and status bar say so.
            text = self._receiver_problem(exc, port)
            self.receiver_state.emit(False, text)
            self.context.report_problem(text)
            return
        self.receiver = receiver
        where = (
            self.tr("Receiving heartbeats and pass records from this PC only, on port %1")
            if ipaddress.IPv4Address(host).is_loopback
            else self.tr("Receiving heartbeats and pass records on port %1")
        )
        self.receiver_state.emit(True, where.replace("%1", str(receiver.port)))

    async def _store_record(self, record: PassRecord) -> None:
        # Into the station's pass records (the Records page shows them at once); raising
        # leaves the record on the terminal, which sends it again.
        station = await self.context.station_ready()
        await station.records.store(record)

    def _receiver_problem(self, exc: OSError, port: int) -> str:
        if exc.errno == errno.EADDRINUSE:
            text = self.tr(
                "Port %1 is used by another program, so terminals cannot send heartbeats or "
                "pass records to this station. Choose another receiver port in Settings."
            )
            return text.replace("%1", str(port))
        return self.tr("Heartbeats cannot be received: %1").replace("%1", str(exc))

    def _heartbeat(self, heartbeat: Heartbeat, peer: str) -> None:
        if self.discovery.on_heartbeat(heartbeat, peer):
            # A terminal pointed at this station by someone else: learn who it is.
            terminal = self.registry.get(heartbeat.device_sn)
            self.run(
                self._identify,
                terminal.host,
                terminal.port,
                label=self.tr("Reading a new terminal"),
            )

    async def _identify(self, host: str, port: int) -> None:
        found = await self.discovery.identify(host, port)
        if found.sn:
            await self._after_contact([found.sn])

    def _preferences_changed(self, preferences: Preferences) -> None:
        if not self._ready.is_set():
            return  # the first start reads the preferences as they are by then
        where = (preferences.receiver_host, preferences.receiver_port)
        if self.receiver is None or where != (self.receiver.host, self.receiver.port):
            # Not running (e.g. its port was taken) or moved: start it where it is asked to be.
            self.run(self._start_receiver, label=self.tr("Restarting the heartbeat receiver"))

    def watch_registry(self, listener: Callable[[str], None]) -> None:
        """Call `listener(serial)` on every change of a terminal until the page closes."""
        self._unsubscribe.append(self.registry.subscribe(listener))

    async def aclose(self) -> None:
        """Stop the timers, the receiver and listening to the terminal list (on quit; the
        context closes the pool and the disk thread, which outlive the page)."""
        self._closed = True
        self._online_timer.stop()
        self._refresh_timer.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self.receiver is not None:
            await self.receiver.stop()
            self.receiver = None

    # ---- discovery ---------------------------------------------------------------------------

    def scan(self, subnets_text: str, port: int = DEFAULT_PORT) -> None:
        """Scan the subnets typed (blank: this PC's networks) on `port`."""
        subnets = [s for s in subnets_text.replace(",", " ").split() if s]
        self.run(self._scan, subnets, port, label=self.tr("Looking for terminals"))

    async def _scan(self, subnets: list[str], port: int) -> None:
        found = await self.discovery.discover(subnets, port, progress=self.scan_progress.emit)
        known = [d for d in found if d.sn]
        locked = len(found) - len(known)
        text = self.tr("Found %n terminal(s)", "", len(found))
        if locked:
            text += " " + self.tr(
                "(%n with a key this station does not hold: add them with their key)", "", locked
            )
        await self._after_contact([d.sn for d in known if d.sn])
        self.notice.emit("info", text)

    def add(self, address: str, key: str | None) -> None:
        """Add a terminal by address (and key, if the station does not know it)."""
        self.run(self._add, address, key, label=self.tr("Adding %1").replace("%1", address))

    async def _add(self, address: str, key: str | None) -> None:
        found = await self.discovery.add(address, key)
        if found.sn is None:
            raise OperatorError(
                self.tr(
                    "The terminal at %1 rejected every key this station holds; add it with its key"
                ).replace("%1", address)
            )
        await self._after_contact([found.sn])
        self.notice.emit(
            "info",
            self.tr("Added %1 (%2)").replace("%1", found.name or found.sn).replace("%2", address),
        )

    def _add_demo_terminals(self, terminals: list[DemoTerminal]) -> None:
        label = self.tr("Adding the demo terminals")
        self.run(self._add_demo, terminals, label=label)

    async def _add_demo(self, terminals: list[DemoTerminal]) -> None:
        serials = []
        for demo in terminals:
            found = await self.discovery.add(f"{demo.host}:{demo.port}")
            if found.sn is None:
                continue  # its key was changed earlier and forgotten: shown as rejected
            if found.name != demo.name:
                # Three terminals of one name would look like one: name them as the banner does.
                await self.service.write_settings(found.sn, {"deviceName": demo.name})
            serials.append(found.sn)
        await self._after_contact(serials)
        text = self.tr("Demo terminals added: %1").replace("%1", str(len(serials)))
        self.notice.emit("info", text)

    async def _after_contact(self, serials: list[str]) -> None:
        for serial in serials:
            await self.service.refresh(serial)
        if any(self.registry.get(s).key_status is KeyStatus.DEFAULT for s in serials):
            self.default_key_seen.emit()

    # ---- refresh -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read every terminal in the background (skipped while one refresh runs)."""
        if self._refreshing or not self.registry.serials():
            return
        self._refreshing = True
        self.run(self._refresh_all, label=self.tr("Reading the terminals"))

    async def _refresh_all(self) -> None:
        try:
            await self.service.refresh_all()
        finally:
            self._refreshing = False

    def _check_online(self) -> None:
        self.registry.check_online()
        self._publish_counts()

    def _publish_counts(self) -> None:
        self.context.set_terminal_counts(*self.registry.counts())

    # ---- actions -----------------------------------------------------------------------------

    def sync_time(self, serial: str) -> None:
        """Set the terminal's clock; reports the offset before and after."""
        self.run(self._sync_time, serial, label=self.tr("Setting the clock"))

    async def _sync_time(self, serial: str) -> None:
        result = await self.service.sync_time(serial)
        self.notice.emit(
            "info",
            self.tr("Clock of %1 set: it was %2 off, now %3")
            .replace("%1", self.display_name(serial))
            .replace("%2", _offset_text(result.before))
            .replace("%3", _offset_text(result.after)),
        )

    def send_uploads_here(self, serial: str) -> None:
        """Point the terminal's heartbeats and pass records at this station."""
        self.run(self._send_uploads_here, serial, label=self.tr("Configuring heartbeats"))

    async def _send_uploads_here(self, serial: str) -> None:
        if self.receiver is None:
            raise OperatorError(
                self.tr("The heartbeat receiver is not running (see the settings for its port)")
            )
        terminal = self.registry.get(serial)
        heartbeat, record = self.receiver.urls(self._station_address(terminal))
        await self.service.configure_uploads(serial, UploadTargets(heartbeat, record))
        self.notice.emit(
            "info",
            self.tr("%1 now sends heartbeats and pass records to this station").replace(
                "%1", self.display_name(serial)
            ),
        )

    def _station_address(self, terminal: KnownTerminal) -> str:
        assert self.receiver is not None
        if self.receiver.host != EVERY_NETWORK:
            return self.receiver.host  # it listens on that address only
        return station_address_for(terminal.host, terminal.port)

    async def rotate_keys(
        self, serials: list[str], key: str, scope: KeyScope
    ) -> list[RotationResult]:
        """Give `serials` (every terminal for the site scope) the new key; a result each."""
        targets = self.registry.serials() if scope is KeyScope.SITE else serials
        results = await self.service.rotate_keys(
            targets, key, self.context.tasks.progress_callback()
        )
        if scope is KeyScope.SITE:
            await self.service.set_site_key(key)
        failed = [r for r in results if not r.confirmed]
        if failed:
            details = "; ".join(f"{self.display_name(r.serial)}: {r.message}" for r in failed)
            self.notice.emit(
                "error", self.tr("The key was not changed everywhere. %1").replace("%1", details)
            )
        else:
            self.notice.emit("info", self.tr("Key changed on %n terminal(s)", "", len(results)))
        return results

    def open_door(self, serial: str) -> None:
        """Open the door (after the view confirmed)."""
        done = self.tr("Door of %1 opened")
        self.run(
            self._simple, serial, self.service.open_door, done, label=self.tr("Opening the door")
        )

    def reboot(self, serial: str) -> None:
        """Restart the terminal (after the view confirmed)."""
        done = self.tr("%1 is restarting")
        self.run(self._simple, serial, self.service.reboot, done, label=self.tr("Restarting"))

    def update_app(self, serial: str, url: str) -> None:
        """Make the terminal download and install its app from `url`."""

        async def update(s: str) -> None:
            await self.service.update_app(s, url)

        done = self.tr("%1 is downloading the new app")
        self.run(self._simple, serial, update, done, label=self.tr("Updating the app"))

    async def _simple(
        self, serial: str, action: Callable[[str], Coroutine[Any, Any, None]], done: str
    ) -> None:
        await action(serial)
        self.notice.emit("info", done.replace("%1", self.display_name(serial)))

    def display_name(self, serial: str) -> str:
        """The terminal's name, or its serial when it has none."""
        try:
            terminal = self.registry.get(serial)
        except RegistryError:
            return serial
        return terminal.name or terminal.serial

    # ---- running -----------------------------------------------------------------------------

    def run(
        self,
        work: Callable[[Unpack[Ts]], Coroutine[Any, Any, object]],
        *args: *Ts,
        label: str,
    ) -> None:
        """Run `work(*args)` on the task runner once the keys are open; failures become a
        notice in plain words. Nothing starts once the station is closing."""
        if self._closed:
            return
        self.context.tasks.start(self._job, work, args, label=label, on_error=self._failed)

    async def _job(
        self, work: Callable[[Unpack[Ts]], Coroutine[Any, Any, object]], args: tuple[*Ts]
    ) -> object:
        await self._ready.wait()
        try:
            return await work(*args)
        except (RegistryError, KeyStoreError, ScanInputError) as exc:
            # Our services' own expected errors, shown to the operator rather than as crashes.
            raise OperatorError(self._operator_text(exc)) from exc

    def _operator_text(self, exc: Exception) -> str:
        problem = getattr(exc, "problem", None)
        if isinstance(problem, KeyProblem):
            return key_problem_text(problem)
        return str(exc)

    def _failed(self, exc: BaseException) -> None:
        text = getattr(exc, "operator_text", None) or str(exc) or type(exc).__name__
        self.notice.emit("error", text)


class TerminalsView(QWidget):
    """The page: toolbar, notice line, the table and the per-terminal actions. UI thread."""

    def __init__(self, presenter: TerminalsPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.model = TerminalsModel(presenter.registry, presenter.service.capacity(), self)
        presenter.watch_registry(self.model.terminal_changed)
        presenter.notice.connect(self._show_notice)
        presenter.scan_progress.connect(self._show_progress)
        presenter.default_key_seen.connect(self._offer_site_key)
        self._build()
        presenter.receiver_state.connect(self._show_receiver_state)
        presenter.keys_state.connect(self._show_keys_state)
        self._update_actions()

    # ---- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(self._toolbar())
        self.notice = QLabel()
        self.notice.setObjectName("TerminalsNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        layout.addWidget(self.notice)
        self.keys_banner = self._keys_banner()
        layout.addWidget(self.keys_banner)
        self.site_key_offer = self._site_key_offer()
        layout.addWidget(self.site_key_offer)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        layout.addWidget(self.progress)
        layout.addWidget(self._table(), 1)
        layout.addLayout(self._actions())
        self.receiver_label = QLabel()
        self.receiver_label.setObjectName("ReceiverState")
        layout.addWidget(self.receiver_label)

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.subnets = QLineEdit()
        self.subnets.setPlaceholderText(
            self.tr("Subnets to scan, e.g. 192.168.1.0/24 (blank: this PC's networks)")
        )
        self.subnets.setText(self.presenter.context.settings.value("terminals/last_scan"))
        self.subnets.returnPressed.connect(self.scan)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setPrefix(self.tr("port "))
        self.port.setToolTip(self.tr("The terminals' port (8088 unless changed)"))
        self.scan_button = QPushButton(self.tr("Find terminals"))
        self.scan_button.clicked.connect(self.scan)
        self.add_button = QPushButton(self.tr("Add by address…"))
        self.add_button.clicked.connect(lambda: self._start(self._add))
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.presenter.refresh)
        bar.addWidget(self.subnets, 1)
        bar.addWidget(self.port)
        for button in (self.scan_button, self.add_button, self.refresh_button):
            bar.addWidget(button)
        return bar

    def _keys_banner(self) -> NoticeBanner:
        text = self.tr(
            "No secure key store on this PC: terminal keys are used only until the station "
            "closes, and keys cannot be changed. To keep keys safely, install and unlock a "
            "system keyring (GNOME Keyring or KDE Wallet), then restart the station."
        )
        banner = NoticeBanner("warning", text, (), self._colors(), closable=False)
        banner.setObjectName("KeysBanner")
        banner.hide()
        return banner

    def _site_key_offer(self) -> NoticeBanner:
        text = self.tr(
            "Some terminals still use the factory key \u201cabc\u201d, which anyone on the "
            "network can use. Set a key of your own for this site."
        )
        action = (self.tr("Set a site key…"), lambda: self._start(self._change_key, True))
        banner = NoticeBanner("warning", text, [action], self._colors(), closable=True)
        banner.setObjectName("SiteKeyOffer")
        [self.site_key_button] = banner.buttons
        banner.hide()
        return banner

    def _colors(self) -> Colors:
        return colors(self.presenter.context.settings.preferences.theme)

    def _table(self) -> QTableView:
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAlternatingRowColors(True)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        return self.table

    def _actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.sync_button = QPushButton(self.tr("Set clock"))
        self.sync_button.clicked.connect(lambda: self._each_selected(self.presenter.sync_time))
        self.uploads_button = QPushButton(self.tr("Send heartbeats here"))
        self.uploads_button.setToolTip(
            self.tr("Point the terminal's heartbeats and pass records at this station")
        )
        self.uploads_button.clicked.connect(
            lambda: self._each_selected(self.presenter.send_uploads_here)
        )
        self.settings_button = QPushButton(self.tr("Settings…"))
        self.settings_button.clicked.connect(lambda: self._start(self._edit_settings))
        self.key_button = QPushButton(self.tr("Change key…"))
        self.key_button.clicked.connect(lambda: self._start(self._change_key, False))
        self.more_button = QToolButton()
        self.more_button.setText(self.tr("More"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more_button)
        self.open_action = menu.addAction(self.tr("Open the door…"))
        self.open_action.triggered.connect(lambda: self._start(self._open_door))
        self.reboot_action = menu.addAction(self.tr("Restart…"))
        self.reboot_action.triggered.connect(lambda: self._start(self._reboot))
        self.update_action = menu.addAction(self.tr("Update the app…"))
        self.update_action.triggered.connect(lambda: self._start(self._update_app))
        self.more_button.setMenu(menu)
        for widget in (
            self.sync_button,
            self.uploads_button,
            self.settings_button,
            self.key_button,
            self.more_button,
        ):
            row.addWidget(widget)
        row.addStretch(1)
        return row

    # ---- selection ---------------------------------------------------------------------------

    def selected_serials(self) -> list[str]:
        """Serials of the selected rows, top to bottom."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.terminal(r).serial for r in rows]

    def select(self, serial: str) -> None:
        """Select the row of terminal `serial`."""
        self.table.selectRow(self.model.row_of(serial))

    def _update_actions(self) -> None:
        count = len(self.selected_serials())
        for widget in (self.sync_button, self.uploads_button):
            widget.setEnabled(count > 0)
        self.key_button.setEnabled(count > 0 and self._keys_can_change)
        self.settings_button.setEnabled(count == 1)
        self.more_button.setEnabled(count == 1)

    def _each_selected(self, action: Callable[[str], None]) -> None:
        for serial in self.selected_serials():
            action(serial)

    def _single(self) -> str:
        serials = self.selected_serials()
        if len(serials) != 1:
            raise OperatorError(self.tr("Select one terminal first"))
        return serials[0]

    # ---- dialogs -----------------------------------------------------------------------------

    def scan(self) -> None:
        """Start a scan of the subnets typed."""
        self.presenter.context.settings.set_value(
            "terminals/last_scan", self.subnets.text().strip()
        )
        self.presenter.scan(self.subnets.text(), self.port.value())

    def _start(self, work: Callable[[Unpack[Ts]], Coroutine[Any, Any, object]], *args: *Ts) -> None:
        self.presenter.run(work, *args, label="")

    async def _add(self) -> None:
        dialog = AddTerminalDialog(self)
        if await ask(dialog):
            self.presenter.add(*dialog.values())

    async def _change_key(self, site: bool) -> None:
        selected = [] if site else self.selected_serials()
        dialog = KeyDialog(len(selected), len(self.presenter.registry.serials()), self)
        if site:
            dialog.site.setChecked(True)
        if not await ask(dialog):
            return
        key, scope = dialog.values()
        results = await self.presenter.rotate_keys(selected, key, scope)
        if all(r.confirmed for r in results):
            self.site_key_offer.hide()

    async def _edit_settings(self) -> None:
        serial = self._single()
        info = await self.presenter.service.read_settings(serial)
        dialog = await DeviceSettingsDialog.build(info, self)
        if not await ask(dialog):
            return
        changes = dialog.changes()
        if changes:
            await self.presenter.service.write_settings(serial, changes)
            self.presenter.notice.emit("info", self.tr("Settings saved on the terminal"))

    async def _open_door(self) -> None:
        serial = self._single()
        name = self.presenter.display_name(serial)
        dialog = ConfirmDialog(
            self.tr("Open the door"),
            self.tr("Open the door of %1 now? It opens for real.").replace("%1", name),
            self.tr("Open the door"),
            self,
        )
        if await ask(dialog):
            self.presenter.open_door(serial)

    async def _reboot(self) -> None:
        serial = self._single()
        name = self.presenter.display_name(serial)
        dialog = ConfirmDialog(
            self.tr("Restart the terminal"),
            self.tr("Restart %1? Nobody can pass for about a minute.").replace("%1", name),
            self.tr("Restart"),
            self,
        )
        if await ask(dialog):
            self.presenter.reboot(serial)

    async def _update_app(self) -> None:
        serial = self._single()
        dialog = UpdateAppDialog(self.presenter.display_name(serial), self)
        if await ask(dialog):
            self.presenter.update_app(serial, dialog.value())

    # ---- feedback ----------------------------------------------------------------------------

    def _show_notice(self, kind: str, text: str) -> None:
        if not text:
            return
        self.notice.setProperty("kind", kind)
        color = "#c0392b" if kind == "error" else "palette(text)"
        self.notice.setStyleSheet(f"color: {color};")
        self.notice.setText(text)
        self.notice.show()
        self.progress.hide()

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setVisible(done < total)

    def _offer_site_key(self) -> None:
        # Without a store that remembers keys, the key banner above says why none can be set.
        self.site_key_offer.setVisible(self._keys_can_change)

    @property
    def _keys_can_change(self) -> bool:
        return self.presenter.service.keys_can_change

    def _show_keys_state(self, problem: str) -> None:
        self.model.set_keys_can_change(not problem)
        self.keys_banner.setToolTip(problem)
        self.keys_banner.setVisible(bool(problem))
        if problem:
            self.site_key_offer.hide()
            self.key_button.setToolTip(self.tr("Needs a secure key store on this PC (see above)"))
        self._update_actions()

    def _show_receiver_state(self, ok: bool, text: str) -> None:
        self.receiver_label.setProperty("kind", "info" if ok else "error")
        self.receiver_label.setStyleSheet("" if ok else "color: #c0392b;")
        self.receiver_label.setText(text)


def create_page(context: AppContext) -> QWidget:
    """The Terminals page for the main window (the shell calls this once at start)."""
    presenter = TerminalsPresenter(context)
    view = TerminalsView(presenter)
    presenter.setParent(view)
    # Started from the loop, not here: the shell may build pages before the loop runs.
    QTimer.singleShot(0, presenter, presenter.start)
    return view
