"""`PreviewView`: paints the camera frame, face box, 106 landmarks, quality colour and one big hint."""

from __future__ import annotations

import time

from PySide6.QtCore import QDateTime, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from enroll_app.camera.capture import CameraState, Frame
from enroll_app.face.types import DetectedFace
from enroll_app.ui.analysis_worker import Analysis
from enroll_app.ui.preview_presenter import PreviewPresenter, ReturningPerson

OK_COLOUR = QColor("#2ecc71")
FAIL_COLOUR = QColor("#f5a623")
OTHER_COLOUR = QColor(200, 200, 200, 160)
BACKGROUND = QColor("#1e1f22")
BAND = QColor(0, 0, 0, 150)
UNLIMITED_TS = -1


class ReturningPersonCard(QFrame):
    """ "Already enrolled: NAME, id, valid until …" with an "Open record" button."""

    open_person = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReturningPersonCard")
        self.setStyleSheet(
            "#ReturningPersonCard { background: rgba(20, 60, 120, 220); border-radius: 8px; }"
            "#ReturningPersonCard QLabel { color: white; font-size: 15px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.open_button = QPushButton(self.tr("Open record"))
        self.open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays with the preview
        self.open_button.clicked.connect(self._open)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.open_button)
        self._person_id = ""
        self.hide()

    def show_person(self, person: ReturningPerson | None) -> None:
        """Show `person`, or hide the card for None."""
        if person is None:
            self._person_id = ""
            self.hide()
            return
        self._person_id = person.person_id
        self.label.setText(
            self.tr("Already enrolled: {name}, id {id}, {validity}").format(
                name=person.name or self.tr("(no name)"),
                id=person.person_id,
                validity=self._validity(person.valid_until),
            )
        )
        self.show()
        self.raise_()

    def _validity(self, until: float) -> str:
        if until == UNLIMITED_TS:
            return self.tr("valid without end")
        text = QDateTime.fromSecsSinceEpoch(int(until)).toString("yyyy-MM-dd HH:mm")
        if until < time.time():
            return self.tr("expired on {when}").format(when=text)
        return self.tr("valid until {when}").format(when=text)

    def _open(self) -> None:
        if self._person_id:
            self.open_person.emit(self._person_id)


class PreviewView(QWidget):
    """The live picture with its overlay; Space takes the photo (when the preview has focus)."""

    open_person = Signal(str)  # person id of the returning person's record

    def __init__(self, presenter: PreviewPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.setMinimumSize(320, 200)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # we paint every pixel
        self._frame: Frame | None = None
        self._image: QImage | None = None
        self.painted_frames = 0
        self._painted_index = -1
        self.card = ReturningPersonCard(self)
        self.card.open_person.connect(self._open_person)
        presenter.add_listener(self._on_frame, self._on_analysis)
        self.destroyed.connect(lambda: presenter.remove_listener(self._on_frame, self._on_analysis))
        presenter.camera_state.connect(self._on_state)
        presenter.returning_person.connect(self._on_person)

    # -- what the operator reads (also what tests check) -------------------------------------

    def hint_text(self) -> str:
        """The one coaching line shown under the picture ("" when there is none)."""
        analysis = self.presenter.latest
        if self.presenter.state != CameraState.LIVE.value or analysis is None:
            return ""
        hint = analysis.report.hint(self.presenter.language)
        if hint is not None:
            return hint
        if self.presenter.auto_capture:
            return self.tr("Hold still…")
        return self.tr("Ready: press Space to take the photo")

    def status_text(self) -> str:
        """What is said about the camera instead of the picture ("" while it is live)."""
        if self.presenter.state == CameraState.LIVE.value:
            return ""
        if self.presenter.state == CameraState.STOPPED.value:
            return self.tr("Camera off")
        return self.presenter.message or self.tr("Starting the camera…")

    # -- slots ---------------------------------------------------------------------------------

    def _on_frame(self, frame: Frame) -> None:
        self._frame = frame
        image = frame.image
        height, width = image.shape[:2]
        # No copy: the QImage reads the frame's buffer, which `self._frame` keeps alive.
        self._image = QImage(
            image.data, width, height, image.strides[0], QImage.Format.Format_BGR888
        )
        self.update()

    def _on_analysis(self, _analysis: Analysis) -> None:
        self.update()

    def _on_state(self, _state: str, _text: str) -> None:
        self.update()

    def _open_person(self, person_id: str) -> None:
        self.open_person.emit(person_id)

    def _on_person(self, person: ReturningPerson | None) -> None:
        self.card.show_person(person)
        self._place_card()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.presenter.capture_now()
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: object) -> None:
        self._place_card()

    def _place_card(self) -> None:
        margin = 12
        width = min(self.width() - 2 * margin, 640)
        self.card.setFixedWidth(max(width, 100))
        self.card.adjustSize()
        self.card.move((self.width() - self.card.width()) // 2, margin)

    # -- painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), BACKGROUND)
            target = self._picture_rect()
            if self._image is not None and self._frame is not None and target is not None:
                painter.drawImage(target, self._image)
                self._count_painted(self._frame)
                self._paint_overlay(painter, target)
            self._paint_texts(painter)
        finally:
            painter.end()

    def _count_painted(self, frame: Frame) -> None:
        if frame.index != self._painted_index:
            self._painted_index = frame.index
            self.painted_frames += 1

    def _picture_rect(self) -> QRectF | None:
        if self._image is None:
            return None
        width, height = self._image.width(), self._image.height()
        scale = min(self.width() / width, self.height() / height)
        w, h = width * scale, height * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _paint_overlay(self, painter: QPainter, target: QRectF) -> None:
        analysis = self.presenter.latest
        if analysis is None or not analysis.faces or self._image is None:
            return
        scale = target.width() / self._image.width()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = OK_COLOUR if analysis.report.ok else FAIL_COLOUR
        for other in analysis.faces[1:]:
            painter.setPen(QPen(OTHER_COLOUR, 2))
            painter.drawRect(_box(other, target, scale))
        main = analysis.faces[0]
        box = _box(main, target, scale)
        painter.setPen(QPen(colour, 3))
        painter.drawRect(box)
        if main.landmarks is not None:
            dots = colour.lighter(140)  # lighter than the box: dots must show on skin
            painter.setPen(QPen(dots, max(3.0, 4.0 * scale), c=Qt.PenCapStyle.RoundCap))
            points = [
                QPointF(target.x() + x * scale, target.y() + y * scale) for x, y in main.landmarks
            ]
            painter.drawPoints(QPolygonF(points))
        if analysis.report.ok and self.presenter.auto_capture:
            self._paint_progress(painter, box, colour)

    def _paint_progress(self, painter: QPainter, box: QRectF, colour: QColor) -> None:
        progress = self.presenter.steady_progress()
        bar = QRectF(box.left(), box.bottom() + 8, box.width(), 8)
        painter.fillRect(bar, BAND)
        painter.fillRect(QRectF(bar.left(), bar.top(), bar.width() * progress, 8), colour)

    def _paint_texts(self, painter: QPainter) -> None:
        status = self.status_text()
        if status:
            self._paint_band(painter, status, self.height() / 2 - 40, QColor("white"))
            return
        hint = self.hint_text()
        if hint:
            report = self.presenter.latest
            colour = OK_COLOUR if report is not None and report.report.ok else QColor("white")
            self._paint_band(painter, hint, self.height() - 90, colour)

    def _band_font(self, text: str) -> QFont:
        largest = max(20, min(40, self.height() // 14))  # large: read from a step away
        return _fitting_font(self.font(), text, self.width() - 24, largest)

    def _paint_band(self, painter: QPainter, text: str, top: float, colour: QColor) -> None:
        painter.setFont(self._band_font(text))
        band = QRectF(0, top, self.width(), 80)
        painter.fillRect(band, BAND)
        painter.setPen(colour)
        painter.drawText(band, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)


def _fitting_font(base: QFont, text: str, width: float, largest: int) -> QFont:
    """`base`, bold, at the largest pixel size up to `largest` (at least 16) that fits `width`."""
    font = QFont(base)
    font.setBold(True)
    size = largest
    while size > 16:
        font.setPixelSize(size)
        if QFontMetrics(font).horizontalAdvance(text) <= width:
            break
        size -= 2
    font.setPixelSize(size)
    return font


def _box(face: DetectedFace, target: QRectF, scale: float) -> QRectF:
    x1, y1, x2, y2 = (float(v) for v in face.bbox)
    return QRectF(
        target.x() + x1 * scale, target.y() + y1 * scale, (x2 - x1) * scale, (y2 - y1) * scale
    )
