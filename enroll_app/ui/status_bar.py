"""The main window's status bar: problems, background work and terminals online/offline."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QWidget

from enroll_app.ui.theme import Colors

PROBLEM_SECONDS = 20  # long enough to read a sentence twice


class StationStatusBar(QStatusBar):
    """Shows the last problem (for a while), the running job and the terminal counts."""

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self._colors = colors
        self.problem_label = QLabel()
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label.setStyleSheet(f"color: {colors.error};")
        self.addWidget(self.problem_label, 1)
        self._problem_timer = QTimer(self)
        self._problem_timer.setSingleShot(True)
        self._problem_timer.timeout.connect(self.clear_problem)
        self.busy = _BusyIndicator()
        self.addPermanentWidget(self.busy)
        self.terminals_label = QLabel()
        self.terminals_label.setContentsMargins(8, 0, 8, 0)
        self.addPermanentWidget(self.terminals_label)
        self._counts = (0, 0)
        self.set_terminal_counts(0, 0)

    def apply_colors(self, colors: Colors) -> None:
        """Use the colours of a new theme."""
        self._colors = colors
        self.problem_label.setStyleSheet(f"color: {colors.error};")
        self.set_terminal_counts(*self._counts)

    def show_problem(self, text: str) -> None:
        """Show an expected error for `PROBLEM_SECONDS`."""
        self.problem_label.setText("⚠ " + text)
        self.problem_label.setToolTip(text)
        self._problem_timer.start(PROBLEM_SECONDS * 1000)

    def clear_problem(self) -> None:
        """Remove the problem message."""
        self._problem_timer.stop()
        self.problem_label.clear()
        self.problem_label.setToolTip("")

    def set_terminal_counts(self, online: int, offline: int) -> None:
        """Show how many terminals answer and how many do not."""
        self._counts = (online, offline)
        if online + offline == 0:
            dot, text = self._colors.muted, self.tr("No terminals yet")
        else:
            dot = self._colors.ok if offline == 0 else self._colors.warn
            text = self.tr("{online} online · {offline} offline").format(
                online=online, offline=offline
            )
        self.terminals_label.setText(f"<span style='color:{dot}'>●</span>&nbsp;{text}")

    def set_busy(self, count: int, label: str) -> None:
        """Show the running job (`count` 0 hides the indicator)."""
        self.busy.set_busy(count, label)

    def set_progress(self, label: str, done: int, total: int) -> None:
        """Show the newest job's progress (`total` 0: unknown, a busy bar)."""
        self.busy.set_progress(label, done, total)


class _BusyIndicator(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(6)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(110)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.hide()

    def set_busy(self, count: int, label: str) -> None:
        self.setVisible(count > 0)
        more = self.tr(" (+{count} more)").format(count=count - 1) if count > 1 else ""
        self.label.setText((label or self.tr("Working")) + "…" + more)

    def set_progress(self, label: str, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 0))
        self.bar.setValue(min(done, total) if total > 0 else 0)
