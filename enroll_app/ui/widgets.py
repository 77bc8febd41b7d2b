"""Small building blocks of the shell: notice banners and placeholder pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
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

    def __init__(
        self,
        icon_name: str,
        title: str,
        *,
        summary: str,
        coming: Sequence[str],
        colors: Colors,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 28, 32, 28)
        heading = QLabel(title)
        heading.setObjectName("PageTitle")
        outer.addWidget(heading)
        outer.addSpacing(16)
        card = QFrame()
        card.setObjectName("Card")
        card.setMaximumWidth(720)
        card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self._fill_card(card, icon_name, summary, coming, colors)

    def _fill_card(
        self, card: QFrame, icon_name: str, summary: str, coming: Sequence[str], colors: Colors
    ) -> None:
        layout = QHBoxLayout(card)
        layout.setContentsMargins(28, 28, 28, 28)
        layout.setSpacing(24)
        glyph = QLabel()
        glyph.setPixmap(icons.pixmap(icon_name, colors.accent, 64, 2.0))
        layout.addWidget(glyph, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(10)
        layout.addLayout(text, 1)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        text.addWidget(self.summary)
        items = "".join(f"<li style='margin-bottom:4px'>{line}</li>" for line in coming)
        self.coming = QLabel(f"<ul style='margin-left:-20px'>{items}</ul>")
        self.coming.setObjectName("Muted")
        self.coming.setWordWrap(True)
        text.addWidget(self.coming)
