"""Per-terminal enrollment progress: each target's stage and result, and a retry for the failed."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from enroll_app.ui.enroll_result import mark_pixmap, terminal_title
from enroll_app.ui.theme import LIGHT, Colors


@dataclass
class TargetRow:
    """One terminal's row: what is shown, and whether it ended well."""

    serial: str
    title: QLabel
    mark: QLabel
    state: QLabel
    stage: str = "waiting"
    ok: bool | None = None  # None while under way


class ProgressPanel(QWidget):
    """Rows of target terminals with their delivery stage; UI thread.

    `start(targets)` lists them, `stage(serial, stage, message)` moves one along (stages:
    "waiting", "checking", "sending", "verifying", "done", "failed"), `finish(serial, ok,
    text)` ends it. `retry_requested(list[str])` asks to deliver again to the failed ones.
    """

    retry_requested = Signal(list)

    def __init__(self, colors: Colors = LIGHT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self.rows: dict[str, TargetRow] = {}
        self.title = QLabel(self.tr("Terminals"))
        self.title.setStyleSheet("font-weight: bold;")
        self._grid = QGridLayout()
        self._grid.setColumnStretch(2, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.retry_button = QPushButton(self.tr("Retry failed terminals"))
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(lambda: self.retry_requested.emit(self.failed()))
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(self._grid)
        layout.addLayout(bottom)
        self.setVisible(False)

    def start(self, targets: dict[str, str]) -> None:
        """Show one waiting row per target (serial -> name)."""
        for row in self.rows.values():
            for widget in (row.title, row.mark, row.state):
                self._grid.removeWidget(widget)
                widget.deleteLater()
        self.rows = {}
        for index, (serial, name) in enumerate(targets.items()):
            row = TargetRow(serial, QLabel(terminal_title(name, serial)), QLabel(), QLabel())
            row.title.setToolTip(serial)
            row.state.setWordWrap(True)
            self._grid.addWidget(row.mark, index, 0)
            self._grid.addWidget(row.title, index, 1)
            self._grid.addWidget(row.state, index, 2)
            self.rows[serial] = row
            self._paint(row, "", None)
        self.summary.clear()
        self.retry_button.setVisible(False)
        self.setVisible(True)

    def restart(self, serials: list[str]) -> None:
        """Put `serials` back to waiting (a retry), leaving the others as they are."""
        for serial in serials:
            row = self.rows.get(serial)
            if row is not None:
                row.ok = None
                row.stage = "waiting"
                self._paint(row, "", None)
        self.summary.clear()
        self.retry_button.setVisible(False)

    def stage(self, serial: str, stage: str, message: str = "") -> None:
        """Move a terminal's row to `stage`."""
        row = self.rows.get(serial)
        if row is None or row.ok is not None:
            return
        row.stage = stage
        ok = True if stage == "done" else False if stage == "failed" else None
        self._paint(row, message, ok)

    def finish(self, serial: str, ok: bool, text: str = "") -> None:
        """End a terminal's row: delivered and read back, or failed with `text`."""
        row = self.rows.get(serial)
        if row is None:
            return
        row.ok = None  # let stage() repaint it
        self.stage(serial, "done" if ok else "failed", text)
        row.ok = ok
        self._summarise()

    def failed(self) -> list[str]:
        """Serials whose delivery failed."""
        return [s for s, row in self.rows.items() if row.ok is False]

    def done(self) -> list[str]:
        """Serials that hold the person, verified."""
        return [s for s, row in self.rows.items() if row.ok is True]

    def state_text(self, serial: str) -> str:
        """What the row of `serial` says now."""
        return self.rows[serial].state.text()

    def _paint(self, row: TargetRow, message: str, ok: bool | None) -> None:
        stages = {
            "waiting": self.tr("waiting"),
            "checking": self.tr("checking the photo"),
            "sending": self.tr("sending"),
            "verifying": self.tr("reading back"),
            "done": self.tr("done, verified"),
            "failed": self.tr("FAILED"),
        }
        text = stages.get(row.stage, row.stage)
        if message and ok is not True:
            text = f"{text}: {message}"
        row.state.setText(text)
        name, color = (
            ("check", self._colors.ok)
            if ok
            else ("close", self._colors.error)
            if ok is False
            else ("info", self._colors.muted)
        )
        row.mark.setPixmap(mark_pixmap(name, color, self.devicePixelRatioF()))
        row.state.setStyleSheet(f"color: {color};" if ok is not None else "")

    def _summarise(self) -> None:
        if any(row.ok is None for row in self.rows.values()):
            return
        done, failed = self.done(), self.failed()
        if failed:
            self.summary.setText(
                self.tr("On {done} of {total} terminals. The failed ones can be retried.").format(
                    done=len(done), total=len(self.rows)
                )
            )
            self.summary.setStyleSheet(f"color: {self._colors.error};")
        else:
            self.summary.setText(self.tr("Enrolled on every chosen terminal, verified."))
            self.summary.setStyleSheet(f"color: {self._colors.ok};")
        self.retry_button.setVisible(bool(failed))
