"""`SettingsDialog`: the operator's preferences, grouped by what they affect."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from enroll_app.ui.preview_cameras import PROBED_INDEXES, CameraProbe
from enroll_app.ui.settings import EVERY_NETWORK, THIS_PC_ONLY, Preferences

CAMERA_SLOTS = len(PROBED_INDEXES)  # the webcam indexes offered (first-run wizard too)


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
        for index in PROBED_INDEXES:
            self.camera.addItem(self._camera_title(index), f"webcam:{index}")
        self.camera.addItem(self.tr("Virtual camera (sample portraits)"), "virtual")
        self.camera.addItem(self.tr("Image folder…"), "folder")
        self.camera.addItem(self.tr("Video file…"), "video")
        form.addRow(self.tr("Camera:"), self._camera_row())
        form.addRow(self.tr("Folder or file:"), self._camera_path_row())
        self.camera.currentIndexChanged.connect(self._camera_changed)
        self.auto_capture = QCheckBox(self.tr("Take the photo as soon as every check passes"))
        form.addRow(self.tr("Auto capture:"), self.auto_capture)
        self.steady = QDoubleSpinBox()
        self.steady.setRange(0.2, 5.0)
        self.steady.setSingleStep(0.1)
        self.steady.setDecimals(1)
        self.steady.setSuffix(self.tr(" s"))
        form.addRow(self.tr("Checks pass for:"), self.steady)
        return group

    def _camera_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.find_cameras = QPushButton(self.tr("Find cameras"))
        self.find_cameras.clicked.connect(self._find_cameras)
        layout.addWidget(self.camera, 1)
        layout.addWidget(self.find_cameras)
        # Which webcams are connected is only known by opening each (and loading OpenCV):
        # on a worker thread, and only when asked, so opening the dialog stays instant.
        self._probe = CameraProbe(self._cameras_found, self)
        return row

    def _find_cameras(self) -> None:
        self.find_cameras.setEnabled(False)
        self.find_cameras.setText(self.tr("Looking…"))
        self._probe.start()

    def _camera_title(self, index: int, found: bool | None = None) -> str:
        title = self.tr("Camera {number}").format(number=index + 1)
        return title if found is not False else self.tr("{camera} (not found)").format(camera=title)

    def _camera_path_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.camera_path = QLineEdit()
        self.browse = QPushButton(self.tr("Browse…"))
        self.browse.clicked.connect(self._browse)
        layout.addWidget(self.camera_path, 1)
        layout.addWidget(self.browse)
        return row

    def _camera_changed(self) -> None:
        virtual_file = self.camera.currentData() in ("folder", "video")
        self.camera_path.setEnabled(virtual_file)
        self.browse.setEnabled(virtual_file)

    def _browse(self) -> None:
        chooser = QFileDialog(self, self.tr("Choose the virtual camera's pictures"))
        if self.camera.currentData() == "folder":
            chooser.setFileMode(QFileDialog.FileMode.Directory)
        else:
            chooser.setNameFilter(self.tr("Videos (*.mp4 *.avi *.mkv *.mov)"))
        chooser.fileSelected.connect(self.camera_path.setText)
        chooser.open()  # not exec(): the loop keeps running

    def _cameras_found(self, found: list[int]) -> None:
        self.find_cameras.setText(self.tr("{count} found").format(count=len(found)))
        for row in range(self.camera.count()):
            data = str(self.camera.itemData(row))
            if data.startswith("webcam:"):
                index = int(data.split(":")[1])
                self.camera.setItemText(row, self._camera_title(index, index in found))

    def done(self, result: int) -> None:
        """Close; a probe still running gets a moment to finish (it has no cancel)."""
        self._probe.wait(0.5)
        super().done(result)

    def _terminals_group(self) -> QGroupBox:
        group, form = self._group(self.tr("Terminals"))
        self.receiver_port = QSpinBox()
        self.receiver_port.setRange(1024, 65535)
        form.addRow(self.tr("Receiver port:"), self.receiver_port)
        self.receiver_host = QComboBox()
        self.receiver_host.addItem(self.tr("Every network of this PC"), EVERY_NETWORK)
        self.receiver_host.addItem(self.tr("This PC only (demo terminals)"), THIS_PC_ONLY)
        form.addRow(self.tr("Accept uploads from:"), self.receiver_host)
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
        camera = preferences.camera_source
        _select(self.camera, f"webcam:{preferences.camera_index}" if camera == "webcam" else camera)
        self.camera_path.setText(preferences.camera_path)
        self._camera_changed()
        self.auto_capture.setChecked(preferences.auto_capture)
        self.steady.setValue(preferences.steady_ms / 1000)
        self.receiver_port.setValue(preferences.receiver_port)
        if self.receiver_host.findData(preferences.receiver_host) < 0:
            # An address set in the settings file by hand: shown as it is, kept as it is.
            self.receiver_host.addItem(preferences.receiver_host, preferences.receiver_host)
        _select(self.receiver_host, preferences.receiver_host)
        self.visitor_end_hour.setValue(preferences.visitor_end_hour)

    def preferences(self) -> Preferences:
        """The preferences as the form shows them."""
        return Preferences(
            language=str(self.language.currentData()),
            theme=str(self.theme.currentData()),
            camera_index=self._camera_index(),
            camera_source=str(self.camera.currentData()).split(":")[0],
            camera_path=self.camera_path.text().strip(),
            auto_capture=self.auto_capture.isChecked(),
            steady_ms=round(self.steady.value() * 1000),
            receiver_port=self.receiver_port.value(),
            receiver_host=str(self.receiver_host.currentData()),
            visitor_end_hour=self.visitor_end_hour.value(),
        )

    def _camera_index(self) -> int:
        data = str(self.camera.currentData())
        return int(data.split(":")[1]) if data.startswith("webcam:") else self._initial.camera_index


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))
