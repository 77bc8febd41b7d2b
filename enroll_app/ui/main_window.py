"""`MainWindow`: sidebar of pages, notice banners, the page stack and the status bar.

Pages (the seam for every view)
-------------------------------
The shell creates one page per key in `PAGES` order: "enroll" (Ctrl+1), "persons" (Ctrl+2),
"terminals" (Ctrl+3), "records" (Ctrl+4). A page comes from a factory named in
`enroll_app/ui/pages.py`; a module that does not exist yet gives a placeholder that says what
will come. To build the Terminals page, define in `enroll_app/ui/terminals_view.py`::

    def create_page(context: AppContext) -> QWidget:
        '''Build the page, start its services through context.tasks, register closers.'''

Other API, for views and presenters:

- `window.set_page_widget(key, widget)`: replace a page (e.g. after a late start);
- `window.add_page(key, title, widget, icon_name=None, shortcut=None)`: an extra page;
- `window.show_page(key)`, `window.current_page_key()`, `window.page(key)`;
- `window.show_banner(key, kind, text, actions)` / `window.hide_banner(key)`:
  kind "info" | "warning" | "error", actions a list of (button title, callback);
- `window.status`: `StationStatusBar` (`show_problem`, `set_terminal_counts`, `set_busy`);
  feed terminal counts through `context.set_terminal_counts(online, offline)` instead.

Settings (Ctrl+,) and the demo switch are actions in the "Station" menu and the sidebar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from enroll_app import __version__
from enroll_app.ui import icons
from enroll_app.ui.status_bar import StationStatusBar
from enroll_app.ui.theme import Colors, banner_style
from enroll_app.ui.widgets import Action, NoticeBanner

SIDEBAR_WIDTH = 220


class MainWindow(QMainWindow):
    """The station's only window. UI thread; emits requests, presenters act on them."""

    closed = Signal()  # after the window closed: time to shut the station down
    settings_requested = Signal()
    demo_toggle_requested = Signal()
    first_run_requested = Signal()
    diagnostics_requested = Signal()

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colors = colors
        self.setWindowTitle(self.tr("Enroll Station"))
        self.setMinimumSize(QSize(760, 520))
        self._keys: list[str] = []
        self._icon_names: dict[str, str] = {}
        self._page_actions: dict[str, QAction] = {}
        self._banners: dict[str, NoticeBanner] = {}
        self._demo_running = False
        self._build_central()
        self._build_menus()
        self.status = StationStatusBar(colors, self)
        self.setStatusBar(self.status)

    # -- pages -----------------------------------------------------------------------------

    def add_page(
        self,
        key: str,
        title: str,
        widget: QWidget,
        icon_name: str | None = None,
        shortcut: str | None = None,
    ) -> None:
        """Add a page to the sidebar; `icon_name` from `icons.ICON_NAMES`."""
        if key in self._keys:
            raise ValueError(f"page {key!r} exists: use set_page_widget")
        item = QListWidgetItem(title)
        if icon_name is not None:
            self._icon_names[key] = icon_name
            item.setIcon(icons.icon(icon_name, self.colors.text, self.colors.accent_text))
        if shortcut:
            item.setToolTip(
                f"{title} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
            )
        self.page_list.addItem(item)
        self.stack.addWidget(widget)
        self._keys.append(key)
        self._add_page_action(key, title, shortcut)
        if len(self._keys) == 1:
            self.show_page(key)

    def set_page_widget(self, key: str, widget: QWidget) -> None:
        """Replace page `key` by `widget` (the old widget is deleted)."""
        index = self._keys.index(key)
        old = self.page(key)
        current = self.stack.currentIndex()
        self.stack.insertWidget(index, widget)
        self.stack.removeWidget(old)
        old.deleteLater()
        self.stack.setCurrentIndex(current)

    def page(self, key: str) -> QWidget:
        """The widget of page `key`."""
        widget = self.stack.widget(self._keys.index(key))
        assert widget is not None  # every key has its widget
        return widget

    def page_keys(self) -> list[str]:
        """Keys of every page, in sidebar order."""
        return list(self._keys)

    def show_page(self, key: str) -> None:
        """Bring page `key` to the front."""
        self.page_list.setCurrentRow(self._keys.index(key))

    def current_page_key(self) -> str:
        """Key of the page in front."""
        return self._keys[self.stack.currentIndex()]

    # -- banners ---------------------------------------------------------------------------

    def show_banner(
        self,
        key: str,
        kind: str,
        text: str,
        actions: Sequence[Action] = (),
        *,
        closable: bool = True,
    ) -> NoticeBanner:
        """Show (or replace) the banner `key` above the pages."""
        self.hide_banner(key)
        banner = NoticeBanner(kind, text, actions, self.colors, closable=closable)
        self._banners[key] = banner
        self.banner_area.addWidget(banner)
        banner.show()  # a child added to a visible window would only show on the next event
        return banner

    def hide_banner(self, key: str) -> None:
        """Remove banner `key` if shown."""
        banner = self._banners.pop(key, None)
        if banner is not None:
            banner.hide()
            banner.deleteLater()

    def banner(self, key: str) -> NoticeBanner | None:
        """Banner `key` if it is shown (and not dismissed)."""
        banner = self._banners.get(key)
        return banner if banner is not None and not banner.isHidden() else None

    def set_demo_running(self, running: bool) -> None:
        """Switch the demo action and button between "Start demo" and "Stop demo"."""
        self._demo_running = running
        text = self.tr("Stop demo") if running else self.tr("Start demo")
        self.demo_action.setText(text)
        self.demo_button.setText(text)
        name = "stop" if running else "demo"
        self.demo_button.setIcon(icons.icon(name, self.colors.text))

    def apply_colors(self, colors: Colors) -> None:
        """Redraw the icons and status colours after a theme switch."""
        self.colors = colors
        for row, key in enumerate(self._keys):
            if key in self._icon_names:
                item = self.page_list.item(row)
                item.setIcon(icons.icon(self._icon_names[key], colors.text, colors.accent_text))
        self.settings_button.setIcon(icons.icon("settings", colors.text))
        self.set_demo_running(self._demo_running)
        self.status.apply_colors(colors)
        for banner in self._banners.values():
            banner.setStyleSheet(banner_style(banner.kind, colors))

    # -- Qt --------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Hide first, then let the presenter shut the station down in order."""
        super().closeEvent(event)
        if event.isAccepted():
            self.closed.emit()

    # -- building --------------------------------------------------------------------------

    def _build_central(self) -> None:
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._build_sidebar())
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        banners = QWidget()
        self.banner_area = QVBoxLayout(banners)
        self.banner_area.setContentsMargins(16, 12, 16, 0)
        self.banner_area.setSpacing(8)
        column.addWidget(banners)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        layout.addWidget(content, 1)
        self.setCentralWidget(central)

    def _build_sidebar(self) -> QFrame:
        sidebar = QFrame()
        sidebar.setObjectName("Sidebar")
        sidebar.setFixedWidth(SIDEBAR_WIDTH)
        layout = QVBoxLayout(sidebar)
        layout.setContentsMargins(12, 18, 12, 12)
        layout.setSpacing(4)
        title = QLabel(self.tr("Enroll Station"))
        title.setObjectName("SidebarTitle")
        subtitle = QLabel(self.tr("Face enrollment for access terminals"))
        subtitle.setObjectName("SidebarSubtitle")
        subtitle.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(16)
        self.page_list = QListWidget()
        self.page_list.setObjectName("PageList")
        self.page_list.setIconSize(QSize(20, 20))
        self.page_list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.page_list.currentRowChanged.connect(self._row_changed)
        layout.addWidget(self.page_list, 1)
        self.demo_button = self._sidebar_button("demo", self.demo_toggle_requested.emit)
        self.settings_button = self._sidebar_button("settings", self.settings_requested.emit)
        self.settings_button.setText(self.tr("Settings"))
        layout.addWidget(self.demo_button)
        layout.addWidget(self.settings_button)
        version = QLabel(self.tr("Version {version}").format(version=__version__))
        version.setObjectName("SidebarSubtitle")
        layout.addSpacing(6)
        layout.addWidget(version)
        return sidebar

    def _sidebar_button(self, icon_name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton()
        button.setIcon(icons.icon(icon_name, self.colors.text))
        button.setFlat(True)
        button.setStyleSheet("text-align: left; padding: 7px 10px;")
        button.clicked.connect(slot)
        return button

    def _build_menus(self) -> None:
        station = self.menuBar().addMenu(self.tr("&Station"))
        settings = station.addAction(self.tr("&Settings…"))
        settings.setShortcut(QKeySequence("Ctrl+,"))
        settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        settings.triggered.connect(self.settings_requested.emit)
        self.settings_action = settings
        self.demo_action = station.addAction("")
        self.demo_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.demo_action.triggered.connect(self.demo_toggle_requested.emit)
        station.addSeparator()
        self.first_run_action = station.addAction(self.tr("&First-run wizard…"))
        self.first_run_action.triggered.connect(self.first_run_requested.emit)
        self.diagnostics_action = station.addAction(self.tr("Export &diagnostics…"))
        self.diagnostics_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.diagnostics_action.triggered.connect(self.diagnostics_requested.emit)
        station.addSeparator()
        quit_action = station.addAction(self.tr("&Quit"))
        # Spelled out: the platform's StandardKey.Quit is empty on some desktops.
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        self.quit_action = quit_action
        self.view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.set_demo_running(False)

    def _add_page_action(self, key: str, title: str, shortcut: str | None) -> None:
        action = self.view_menu.addAction(title)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda: self.show_page(key))
        self._page_actions[key] = action

    def page_action(self, key: str) -> QAction:
        """The View-menu action (with its shortcut) that shows page `key`."""
        return self._page_actions[key]

    def _row_changed(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)
