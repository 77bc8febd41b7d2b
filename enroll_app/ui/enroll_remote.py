"""`RemotePhotoDialog`: take 1..3 photos with a terminal's camera, judge each, pick the best."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from enroll_app.services.enroll import RemotePhoto
from enroll_app.ui.enroll_result import jpeg_image
from enroll_app.ui.person_form import TargetTerminal
from enroll_app.ui.tasks import TaskRunner, operator_text

TakePhotos = Callable[[str, int, str, str], Coroutine[Any, Any, list[RemotePhoto]]]
THUMB = QSize(192, 144)


class RemotePhotoDialog(QDialog):
    """Pick a terminal, the number of photos and the tips it speaks; shows the frames, best first.

    UI thread; the photos are taken through `tasks` by `take(serial, count, before, after)`.
    After acceptance `chosen` is the selected frame with its assessment.
    """

    def __init__(
        self,
        terminals: Sequence[TargetTerminal],
        take: TakePhotos,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Photo from a terminal"))
        self._take = take
        self._tasks = tasks
        self.photos: list[RemotePhoto] = []
        self.terminal = QComboBox()
        for terminal in terminals:
            self.terminal.addItem(terminal.name or terminal.serial, terminal.serial)
        self.count = QSpinBox()
        self.count.setRange(1, 3)
        self.tips_before = QLineEdit(self.tr("Please look at the camera"))
        self.tips_after = QLineEdit(self.tr("Thank you"))
        self.take_button = QPushButton(self.tr("Take photos"))
        self.take_button.clicked.connect(self.start_taking)
        self.take_button.setEnabled(bool(terminals))
        self.frames = QListWidget()
        self.frames.setViewMode(QListWidget.ViewMode.IconMode)
        self.frames.setIconSize(THUMB)
        self.frames.setMinimumSize(3 * THUMB.width() + 40, THUMB.height() + 60)
        self.frames.currentRowChanged.connect(self._selected)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Use this photo"))
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Terminal"), self.terminal)
        form.addRow(self.tr("Photos"), self.count)
        form.addRow(self.tr("Says before"), self.tips_before)
        form.addRow(self.tr("Says after"), self.tips_after)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.take_button)
        layout.addWidget(self.frames)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    @property
    def chosen(self) -> RemotePhoto | None:
        """The selected frame."""
        row = self.frames.currentRow()
        return self.photos[row] if 0 <= row < len(self.photos) else None

    def start_taking(self) -> None:
        """Ask the chosen terminal for photos (the person should stand in front of it)."""
        serial = str(self.terminal.currentData())
        self.take_button.setEnabled(False)
        self.message.setText(self.tr("The terminal is taking photos…"))
        self._tasks.start(
            self._take_and_decode,
            serial,
            self.count.value(),
            self.tips_before.text(),
            self.tips_after.text(),
            label=self.tr("Taking photos on a terminal"),
            on_success=self.show_photos,
            on_error=self._failed,
        )

    async def _take_and_decode(
        self, serial: str, count: int, before: str, after: str
    ) -> tuple[list[RemotePhoto], list[QImage]]:
        photos = await self._take(serial, count, before, after)
        thumbs = await asyncio.to_thread(_thumbnails, photos)  # JPEG decoding: a worker's job
        return photos, thumbs

    def show_photos(self, taken: tuple[list[RemotePhoto], list[QImage]]) -> None:
        """List the frames (best first, as the service sorts them) and preselect the best."""
        self.take_button.setEnabled(True)
        photos, thumbs = taken
        self.photos = list(photos)
        self.frames.clear()
        for photo, thumb in zip(self.photos, thumbs, strict=True):
            report = photo.assessment.report
            verdict = self.tr("passes") if photo.assessment.ok else self.tr("fails")
            item = QListWidgetItem(
                QIcon(QPixmap.fromImage(thumb)),
                self.tr("score {score:.0f}, {verdict}").format(score=report.score, verdict=verdict),
            )
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.frames.addItem(item)
        self.frames.setCurrentRow(0 if self.photos else -1)
        self.message.setText(
            self.tr("{count} photo(s); the best is selected.").format(count=len(self.photos))
        )

    def _selected(self, row: int) -> None:
        self.ok_button.setEnabled(0 <= row < len(self.photos))

    def _failed(self, exc: BaseException) -> None:
        self.take_button.setEnabled(True)
        self.message.setText(
            self.tr("No photos: {problem}").format(problem=operator_text(exc, self._tasks.language))
        )


def _thumbnails(photos: list[RemotePhoto]) -> list[QImage]:
    return [jpeg_image(photo.jpeg, THUMB.width(), THUMB.height()) for photo in photos]
