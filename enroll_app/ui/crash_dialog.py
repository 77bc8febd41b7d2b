"""`CrashDialog`: tells the operator a bug happened, where the log is, and the details to send."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)


class CrashDialog(QDialog):
    """Non-modal; later bugs are appended to the same dialog while it is open."""

    def __init__(self, log_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Something went wrong"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        hint = QLabel(
            self.tr(
                "This is a bug in Enroll Station, not something you did. Your data is safe. "
                "The details below are also in the log file: {path}"
            ).format(path=log_path)
        )
        hint.setWordWrap(True)
        hint.setObjectName("Muted")
        layout.addWidget(hint)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton(self.tr("Copy details"))
        copy.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        copy.clicked.connect(self.copy_details)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def add_crash(self, summary: str, details: str) -> None:
        """Show one more bug (the newest summary on top, every traceback kept)."""
        self.summary.setText(f"<b>{summary}</b>")
        self.details.appendPlainText(details.rstrip() + "\n")

    def copy_details(self) -> None:
        """Put the tracebacks on the clipboard for a bug report."""
        QGuiApplication.clipboard().setText(self.details.toPlainText())
