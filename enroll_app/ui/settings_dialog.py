"""`SettingsDialog`: the operator's preferences, grouped by what they affect."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from enroll_app.ui.settings import Preferences

CAMERA_SLOTS = 4  # placeholder list until capture enumerates the real cameras


class SettingsDialog(QDialog):
    """Edits a `Preferences`; read the result with `preferences()` after it was accepted."""

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(520)
        self._initial = preferences
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self._forms: list[QFormLayout] = []
        layout.addWidget(self._appearance_group())
        layout.addWidget(self._capture_group())
        layout.addWidget(self._terminals_group())
        layout.addWidget(self._visitors_group())
        self._align_labels()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        restore = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(lambda: self.show_preferences(Preferences()))
        layout.addWidget(self.buttons)
        self.show_preferences(preferences)

    def _appearance_group(self) -> QGroupBox:
        group, form = self._group(self.tr("Appearance"))
        self.language = QComboBox()
        for value, title in (
            ("system", self.tr("Same as the system")),
            ("en", "English"),
            ("zh_CN", "简体中文"),
        ):
            self.language.addItem(title, value)
        form.addRow(self.tr("Language:"), self.language)
        self.language_note = QLabel(self.tr("A new language is used after a restart."))
        self.language_note.setObjectName("Muted")
        form.addRow("", self.language_note)
        self.theme = QComboBox()
        for value, title in (
            ("system", self.tr("Same as the system")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme.addItem(title, value)
        form.addRow(self.tr("Theme:"), self.theme)
        return group

    def _capture_group(self) -> QGroupBox:
        group, form = self._group(self.tr("Camera"))
        self.camera = QComboBox()
        for index in range(CAMERA_SLOTS):
            self.camera.addItem(self.tr("Camera {number}").format(number=index + 1), index)
        form.addRow(self.tr("Camera:"), self.camera)
        self.auto_capture = QCheckBox(self.tr("Take the photo as soon as every check passes"))
        form.addRow(self.tr("Auto capture:"), self.auto_capture)
        return group

    def _terminals_group(self) -> QGroupBox:
        group, form = self._group(self.tr("Terminals"))
        self.receiver_port = QSpinBox()
        self.receiver_port.setRange(1024, 65535)
        form.addRow(self.tr("Receiver port:"), self.receiver_port)
        note = QLabel(self.tr("Terminals send heartbeats and pass records to this port."))
        note.setObjectName("Muted")
        note.setWordWrap(True)
        form.addRow("", note)
        return group

    def _visitors_group(self) -> QGroupBox:
        group, form = self._group(self.tr("Visitors"))
        self.visitor_end_hour = QSpinBox()
        self.visitor_end_hour.setRange(0, 23)
        self.visitor_end_hour.setSuffix(":00")
        form.addRow(self.tr("Visitor passes end at:"), self.visitor_end_hour)
        return group

    def _group(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        self._forms.append(form)
        return group, form

    def _align_labels(self) -> None:
        # One label column across every group, so the fields line up down the dialog.
        labels = [
            widget
            for form in self._forms
            for row in range(form.rowCount())
            if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
            and (widget := item.widget()) is not None
        ]
        width = max((label.sizeHint().width() for label in labels), default=0)
        for label in labels:
            label.setMinimumWidth(width)

    def show_preferences(self, preferences: Preferences) -> None:
        """Fill the form from `preferences`."""
        _select(self.language, preferences.language)
        _select(self.theme, preferences.theme)
        _select(self.camera, preferences.camera_index)
        self.auto_capture.setChecked(preferences.auto_capture)
        self.receiver_port.setValue(preferences.receiver_port)
        self.visitor_end_hour.setValue(preferences.visitor_end_hour)

    def preferences(self) -> Preferences:
        """The preferences as the form shows them."""
        return Preferences(
            language=str(self.language.currentData()),
            theme=str(self.theme.currentData()),
            camera_index=int(self.camera.currentData()),
            auto_capture=self.auto_capture.isChecked(),
            receiver_port=self.receiver_port.value(),
            visitor_end_hour=self.visitor_end_hour.value(),
        )


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))
