"""The after-capture panel: the photo as it will be sent, its checklist, duplicates, terminal checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from enroll_app.face.quality import QualityCheck
from enroll_app.services.enroll import Assessment, DuplicateCandidate, TerminalCheck
from enroll_app.ui import icons
from enroll_app.ui.theme import LIGHT, Colors

PHOTO_SIZE = (320, 240)
MATCH_PHOTO_SIZE = (160, 120)


def jpeg_image(data: bytes | None, width: int, height: int) -> QImage:
    """A JPEG decoded and scaled to fit; a null image if it is not one. Any thread (QImage)."""
    image = QImage()
    if data:
        image.loadFromData(data, "JPG")
    if image.isNull():
        return image
    return image.scaled(
        width,
        height,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def jpeg_pixmap(data: bytes | None, width: int, height: int) -> QPixmap:
    """`jpeg_image` as a pixmap (UI thread; for a few small JPEGs only)."""
    return QPixmap.fromImage(jpeg_image(data, width, height))


@dataclass(frozen=True)
class Pictures:
    """An assessment's pictures, decoded and scaled off the UI thread: the crop and, per
    person id, the photos of the matches."""

    photo: QImage
    matches: dict[str, QImage]

    @classmethod
    def of(cls, assessment: Assessment) -> Pictures:
        """Decode them (JPEG decoding takes tens of ms on a busy PC: call in a worker)."""
        jpeg = assessment.photo.jpeg if assessment.photo is not None else None
        return cls(
            jpeg_image(jpeg, *PHOTO_SIZE),
            {m.person_id: jpeg_image(m.photo_jpeg, *MATCH_PHOTO_SIZE) for m in assessment.matches},
        )


_MARKS: dict[tuple[str, str, float], QPixmap] = {}


def mark_pixmap(name: str, color: str, device_pixel_ratio: float) -> QPixmap:
    """A pass/fail mark, drawn once per colour and screen (a checklist shows a dozen)."""
    key = (name, color, device_pixel_ratio)
    if key not in _MARKS:
        _MARKS[key] = icons.pixmap(name, color, 18, device_pixel_ratio)
    return _MARKS[key]


class ChecklistView(QWidget):
    """Each quality check with a pass/fail icon, its message and measured value."""

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(1, 1)
        self.rows: list[tuple[str, bool, str]] = []  # code, passed, text: what is shown

    def show_checks(self, checks: Sequence[QualityCheck], language: str) -> None:
        """Replace the list with `checks`."""
        _clear(self._grid)
        self.rows = []
        for row, check in enumerate(checks):
            name = "check" if check.passed else "close"
            color = self._colors.ok if check.passed else self._colors.error
            mark = QLabel()
            mark.setPixmap(mark_pixmap(name, color, self.devicePixelRatioF()))
            mark.setAccessibleName(self.tr("passed") if check.passed else self.tr("failed"))
            text = QLabel(check.message(language))
            text.setWordWrap(True)
            # The message names the value; the limit it was held against is one hover away.
            text.setToolTip(_value_text(check))
            self._grid.addWidget(mark, row, 0)
            self._grid.addWidget(text, row, 1)
            self.rows.append((check.code, check.passed, text.text()))


class MatchCard(QFrame):
    """One enrolled person whose face is close to the new photo: their photo, name, similarity."""

    def __init__(
        self,
        match: DuplicateCandidate,
        colors: Colors,
        picture: QImage | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.match = match
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.photo = QLabel()
        self.photo.setFixedSize(*MATCH_PHOTO_SIZE)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if picture is None:
            picture = jpeg_image(match.photo_jpeg, *MATCH_PHOTO_SIZE)
        pixmap = QPixmap.fromImage(picture)
        if pixmap.isNull():
            self.photo.setText(self.tr("No photo"))
        else:
            self.photo.setPixmap(pixmap)
        color = colors.error if match.verdict == "duplicate" else colors.warn
        self.title = QLabel(match.name or "—")
        self.title.setStyleSheet("font-weight: bold;")
        self.person_id = QLabel(self.tr("ID {id}").format(id=match.person_id))
        self.similarity = QLabel(
            self.tr("Similarity {percent:.0f} %").format(percent=match.similarity * 100)
        )
        self.similarity.setStyleSheet(f"color: {color}; font-weight: bold;")
        self.validity = QLabel(self._valid_until(match.valid_until))
        self.update_button = QPushButton(self.tr("Same person: update"))
        self.update_button.setToolTip(
            self.tr("Enroll the new photo as {name} and renew their record").format(
                name=match.name or match.person_id
            )
        )
        text = QVBoxLayout()
        for widget in (self.title, self.person_id, self.similarity, self.validity):
            text.addWidget(widget)
        text.addStretch(1)
        text.addWidget(self.update_button)
        layout = QHBoxLayout(self)
        layout.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text)

    def _valid_until(self, end_ts: float) -> str:
        if end_ts < 0:
            return self.tr("Valid without limit")
        when = dt.datetime.fromtimestamp(end_ts).strftime("%Y-%m-%d %H:%M")
        return self.tr("Valid until {when}").format(when=when)


class TerminalChecksView(QWidget):
    """Each chosen terminal's own `check`: can it use the photo, does it know the face."""

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(1, 1)
        self.rows: dict[str, str] = {}  # serial -> what is shown

    def show_waiting(self, names: dict[str, str]) -> None:
        """Rows for terminals being asked (serial -> name)."""
        _clear(self._grid)
        self.rows = {}
        for row, (serial, name) in enumerate(names.items()):
            self._row(row, serial, name, self.tr("asking…"), self._colors.muted)

    def show_checks(self, checks: Sequence[TerminalCheck]) -> None:
        """Replace the rows with the terminals' answers."""
        _clear(self._grid)
        self.rows = {}
        for row, check in enumerate(checks):
            text, color = self._describe(check)
            self._row(row, check.serial, check.name, text, color)

    def _row(self, row: int, serial: str, name: str, text: str, color: str) -> None:
        title = QLabel(terminal_title(name, serial))
        title.setToolTip(serial)
        state = QLabel(text)
        state.setWordWrap(True)
        state.setStyleSheet(f"color: {color};")
        self._grid.addWidget(title, row, 0)
        self._grid.addWidget(state, row, 1)
        self.rows[serial] = text

    def _describe(self, check: TerminalCheck) -> tuple[str, str]:
        if check.is_valid is None:
            return self.tr("not asked: {why}").format(why=check.error_text), self._colors.warn
        if check.is_valid != 0:
            reasons = {
                1: self.tr("wrong size"),
                2: self.tr("not a JPEG"),
                3: self.tr("finds no face"),
                4: self.tr("cannot read the face features"),
            }
            reason = reasons.get(check.is_valid, str(check.is_valid))
            return self.tr("refuses the photo: {reason}").format(reason=reason), self._colors.error
        if check.is_exist:
            return self.tr("photo usable; this face is ALREADY on the terminal"), self._colors.error
        return self.tr("photo usable; face not on the terminal yet"), self._colors.ok


class ResultPanel(QWidget):
    """What the station thinks of a captured photo, and the operator's choice about duplicates.

    UI thread. `show_assessment(a, language)` fills it; the operator then chooses:
    `chose_new` (a new person), `chose_existing(DuplicateCandidate)` (update them) or
    `cancelled` (back to the camera).
    """

    chose_new = Signal()
    chose_existing = Signal(object)  # DuplicateCandidate
    cancelled = Signal()

    def __init__(self, colors: Colors = LIGHT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self.assessment: Assessment | None = None
        self.match_cards: list[MatchCard] = []
        for name, color in (("check", colors.ok), ("close", colors.error)):
            mark_pixmap(name, color, self.devicePixelRatioF())  # drawn now, not with a result
        self._build()

    def _build(self) -> None:
        self.photo = QLabel()
        self.photo.setFixedSize(*PHOTO_SIZE)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet(f"background: {self._colors.sidebar};")
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.checklist = ChecklistView(self._colors)
        self.checklist.setMinimumWidth(260)
        top = QHBoxLayout()
        top.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        side.addWidget(self.verdict)
        side.addWidget(self.checklist)
        side.addStretch(1)
        top.addLayout(side, 1)
        self.matches_title = QLabel()
        self.matches_title.setWordWrap(True)
        self.matches_title.setStyleSheet("font-weight: bold;")
        self._matches = QHBoxLayout()
        self.terminals_title = QLabel(self.tr("The terminals' own check"))
        self.terminals_title.setStyleSheet("font-weight: bold;")
        self.terminal_checks = TerminalChecksView(self._colors)
        self.new_button = QPushButton(self.tr("It is a new person"))
        self.cancel_button = QPushButton(self.tr("Cancel (Esc)"))
        self.new_button.clicked.connect(self.chose_new)
        self.cancel_button.clicked.connect(self.cancelled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        content = QWidget()
        body = QVBoxLayout(content)
        body.addLayout(top)
        body.addWidget(self.matches_title)
        body.addLayout(self._matches)
        body.addWidget(self.terminals_title)
        body.addWidget(self.terminal_checks)
        body.addStretch(1)
        scroll = QScrollArea()  # the choices below stay in view however long the lists get
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def show_assessment(
        self, assessment: Assessment, language: str, pictures: Pictures | None = None
    ) -> None:
        """Show the crop, the checklist and the matches of a fresh assessment (`pictures`
        decoded beforehand off the UI thread, else decoded here)."""
        self.assessment = assessment
        pictures = pictures or Pictures.of(assessment)
        pixmap = QPixmap.fromImage(pictures.photo)
        if pixmap.isNull():
            self.photo.setText(self.tr("No face to crop"))
        else:
            self.photo.setPixmap(pixmap)
        self.checklist.show_checks(assessment.report.checks, language)
        self._show_verdict(assessment, language)
        self._show_matches(assessment.matches if assessment.ok else [], pictures)
        self.terminal_checks.show_checks([])
        self.terminals_title.setVisible(assessment.ok)
        self.new_button.setVisible(assessment.ok and bool(assessment.matches))
        self.set_choices_enabled(True)

    def _show_verdict(self, assessment: Assessment, language: str) -> None:
        if not assessment.ok:
            hint = assessment.report.hint(language) or self.tr("No usable face in the photo")
            self.verdict.setText(self.tr("Photo refused: {hint}").format(hint=hint))
            self.verdict.setStyleSheet(
                f"font-size: 16pt; font-weight: bold; color: {self._colors.error};"
            )
            return
        self.verdict.setText(self.tr("Photo accepted"))
        self.verdict.setStyleSheet(f"font-size: 16pt; font-weight: bold; color: {self._colors.ok};")

    def _show_matches(self, matches: Sequence[DuplicateCandidate], pictures: Pictures) -> None:
        _clear(self._matches)
        self.match_cards = []
        if not matches:
            self.matches_title.setText(self.tr("Nobody enrolled here looks like this person."))
            return
        duplicate = any(m.verdict == "duplicate" for m in matches)
        self.matches_title.setText(
            self.tr("Already enrolled? This face looks like:")
            if duplicate
            else self.tr("Possibly already enrolled, please compare:")
        )
        self.matches_title.setStyleSheet(
            f"font-weight: bold; color: {self._colors.error if duplicate else self._colors.warn};"
        )
        new_photo = QLabel()
        new_photo.setPixmap(
            QPixmap.fromImage(
                pictures.photo.scaled(
                    *MATCH_PHOTO_SIZE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        )
        new_box = QVBoxLayout()
        new_box.addWidget(new_photo)
        new_box.addWidget(QLabel(self.tr("New photo")))
        new_box.addStretch(1)
        self._matches.addLayout(new_box)
        for match in matches[:2]:
            card = MatchCard(match, self._colors, pictures.matches.get(match.person_id))
            card.update_button.clicked.connect(lambda _=False, m=match: self.chose_existing.emit(m))
            self._matches.addWidget(card)
            self.match_cards.append(card)
        self._matches.addStretch(1)

    def set_choices_enabled(self, enabled: bool) -> None:
        """Allow or refuse the duplicate choices (refused once the person is enrolled)."""
        for button in [self.new_button, *(card.update_button for card in self.match_cards)]:
            button.setEnabled(enabled)

    def show_terminal_checks_waiting(self, names: dict[str, str]) -> None:
        """The chosen terminals are being asked."""
        self.terminal_checks.show_waiting(names)

    def show_terminal_checks(self, checks: Sequence[TerminalCheck]) -> None:
        """Their answers; a terminal that knows the face is a duplicate warning too."""
        self.terminal_checks.show_checks(checks)
        if any(c.is_exist for c in checks):
            self.new_button.setVisible(True)
        if any(c.is_exist for c in checks) and not self.match_cards:
            self.matches_title.setText(
                self.tr("A terminal already knows this face: is this person enrolled already?")
            )
            self.matches_title.setStyleSheet(f"font-weight: bold; color: {self._colors.error};")


def terminal_title(name: str, serial: str) -> str:
    """How a terminal is named in lists: its name and serial (names often repeat)."""
    return f"{name} ({serial})" if name else serial


def _value_text(check: QualityCheck) -> str:
    threshold = check.threshold
    if isinstance(threshold, tuple):
        return f"{check.value:.2f} ({threshold[0]:g}–{threshold[1]:g})"
    return f"{check.value:.2f} / {threshold:g}"


def _clear(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        inner = item.layout()
        if widget is not None:
            widget.deleteLater()
        elif inner is not None:
            _clear(inner)
