"""Small building blocks of the shell: notice banners and placeholder pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from enroll_app.ui import icons
from enroll_app.ui.theme import Colors, banner_style

Action = tuple[str, Callable[[], None]]


class NoticeBanner(QFrame):
    """A coloured strip above the pages: an icon, a message, action buttons, a close button."""

    def __init__(
        self,
        kind: str,
        text: str,
        actions: Sequence[Action],
        colors: Colors,
        *,
        closable: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.kind = kind
        self.setStyleSheet(banner_style(kind, colors))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        glyph = QLabel()
        tint = {"info": colors.accent, "warning": colors.warn, "error": colors.error}[kind]
        glyph.setPixmap(icons.pixmap("warning" if kind != "info" else "info", tint, 20, 2.0))
        layout.addWidget(glyph)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        for title, callback in actions:
            button = QPushButton(title)
            button.clicked.connect(callback)
            layout.addWidget(button)
            self.buttons.append(button)
        if closable:
            close = QToolButton()
            close.setIcon(icons.icon("close", colors.muted))
            close.setAutoRaise(True)
            close.setToolTip(self.tr("Dismiss"))
            close.clicked.connect(self.hide)
            layout.addWidget(close)

    @property
    def text(self) -> str:
        """The message shown."""
        return self.label.text()


class PlaceholderView(QWidget):
    """A page that is not built yet: says plainly what will come, so nothing looks broken."""

    CONTENT_WIDTH = 860  # wide enough for two columns of features, narrow enough to read

    def __init__(
        self,
        icon_name: str,
        title: str,
        *,
        summary: str,
        coming: Sequence[str],
        colors: Colors,
        meanwhile: tuple[str, Action] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.meanwhile_button: QPushButton | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.setSpacing(0)
        column = QWidget()
        column.setMaximumWidth(self.CONTENT_WIDTH)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        heading = QLabel(title)
        heading.setObjectName("PageTitle")
        layout.addWidget(heading)
        layout.addWidget(self._hero(icon_name, summary, colors))
        if coming:
            layout.addWidget(self._features(coming, colors))
        if meanwhile is not None:
            layout.addSpacing(6)
            layout.addWidget(self._meanwhile(*meanwhile, colors))
        outer.addWidget(column)
        outer.addStretch(1)

    def _hero(self, icon_name: str, summary: str, colors: Colors) -> QFrame:
        card = QFrame()
        card.setObjectName("Card")
        row = QHBoxLayout(card)
        row.setContentsMargins(24, 22, 24, 22)
        row.setSpacing(22)
        glyph = QLabel()
        glyph.setPixmap(icons.pixmap(icon_name, colors.accent, 56, 2.0))
        row.addWidget(glyph, 0, Qt.AlignmentFlag.AlignVCenter)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("Lead")
        row.addWidget(self.summary, 1)
        return card

    def _features(self, coming: Sequence[str], colors: Colors) -> QWidget:
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(12)
        self.coming: list[QLabel] = []
        for index, text in enumerate(coming):
            tile = QFrame()
            tile.setObjectName("Tile")
            row = QHBoxLayout(tile)
            row.setContentsMargins(14, 12, 14, 12)
            row.setSpacing(10)
            mark = QLabel()
            mark.setPixmap(icons.pixmap("check", colors.accent, 18, 2.0))
            row.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
            label = QLabel(text)
            label.setWordWrap(True)
            row.addWidget(label, 1)
            self.coming.append(label)
            grid.addWidget(tile, index // 2, index % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        return grid_host

    def _meanwhile(self, text: str, action: Action, colors: Colors) -> QFrame:
        note = QFrame()
        note.setObjectName("Banner")
        note.setStyleSheet(banner_style("info", colors))
        row = QHBoxLayout(note)
        row.setContentsMargins(16, 12, 12, 12)
        row.setSpacing(12)
        glyph = QLabel()
        glyph.setPixmap(icons.pixmap("info", colors.accent, 20, 2.0))
        row.addWidget(glyph, 0, Qt.AlignmentFlag.AlignTop)
        label = QLabel(text)
        label.setWordWrap(True)
        row.addWidget(label, 1)
        title, callback = action
        self.meanwhile_button = QPushButton(title)
        self.meanwhile_button.clicked.connect(callback)
        row.addWidget(self.meanwhile_button, 0, Qt.AlignmentFlag.AlignVCenter)
        return note

    @property
    def coming_text(self) -> str:
        """Everything the page promises, one item a line."""
        return "\n".join(label.text() for label in self.coming)


def paged_table(
    model: QAbstractItemModel,
    widths: Sequence[int],
    selection: QAbstractItemView.SelectionMode = QAbstractItemView.SelectionMode.SingleSelection,
) -> QTableView:
    """A read-only, row-selecting table over a lazily paged model, with fixed column widths.

    Fixed widths and row heights: sizing to contents would read (and load) every row.
    """
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(selection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(26)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAlternatingRowColors(True)
    return table
