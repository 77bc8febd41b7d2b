"""Dialogs of the Terminals page, each opened with `await ask(dialog)`, never `exec()`."""

from __future__ import annotations

import asyncio
import enum
import re
from typing import Any

from PySide6.QtCore import QCoreApplication, QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from enroll_app.services.keys import KeyProblem, key_problem
from enroll_app.terminal.records import DeviceInfo
from enroll_app.ui.i18n import QT_TRANSLATE_NOOP


class _FormDialog(QDialog):
    """A dialog with a form, an inline error line and OK/Cancel; OK only when `problem()` is ''."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.error = QLabel()
        self.error.setObjectName("DialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        layout.addWidget(self.error)
        self.ok_button, _ = _button_row(layout, self, self.tr("OK"))

    def problem(self) -> str:
        """What is wrong with the form ('' when it can be accepted)."""
        return ""

    def revalidate(self) -> None:
        """Show the form's problem, if any, and enable OK only without one."""
        text = self.problem()
        self.error.setText(text)
        self.ok_button.setEnabled(not text)

    def accept(self) -> None:
        self.revalidate()
        if not self.problem():
            super().accept()


class AddTerminalDialog(_FormDialog):
    """Add a terminal by IP[:port], with its key when it is not one the station holds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Add a terminal"), parent)
        self.address = QLineEdit()
        self.address.setPlaceholderText("192.168.1.20 or 192.168.1.20:8088")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(self.tr("only if the station does not know it yet"))
        self.form.addRow(self.tr("Address"), self.address)
        self.form.addRow(self.tr("Key"), self.key)
        self.address.textChanged.connect(self.revalidate)
        self.revalidate()

    def problem(self) -> str:
        text = self.address.text().strip()
        if not text:
            return self.tr("Type the terminal's address")
        if not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?", text):
            return self.tr("The address must look like 192.168.1.20 or 192.168.1.20:8088")
        return ""

    def values(self) -> tuple[str, str | None]:
        """(address, key or None)."""
        return self.address.text().strip(), self.key.text() or None


class KeyScope(enum.Enum):
    """Which terminals a new key goes to."""

    SELECTED = "selected"
    SITE = "site"  # every known terminal, and stored as the site key


class KeyDialog(_FormDialog):
    """Choose a new key (typed twice) and whether it is the site key for every terminal."""

    def __init__(self, selected: int, total: int, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Change the terminal key"), parent)
        intro = QLabel(
            self.tr(
                "Terminals leave the factory with the key \u201cabc\u201d: anyone on the "
                "network could use it. The new key is kept in this PC's keyring."
            )
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.new_key = QLineEdit()
        self.repeat = QLineEdit()
        for edit in (self.new_key, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.textChanged.connect(self.revalidate)
        self.form.addRow(self.tr("New key"), self.new_key)
        self.form.addRow(self.tr("Repeat"), self.repeat)
        self.selected_only = QRadioButton(self.tr("The %n selected terminal(s)", "", selected))
        self.site = QRadioButton(self.tr("All %n terminal(s), as the site key", "", total))
        self._group = QButtonGroup(self)
        for button in (self.selected_only, self.site):
            self._group.addButton(button)
            self.form.addRow(button)
        (self.selected_only if selected else self.site).setChecked(True)
        self.selected_only.setEnabled(selected > 0)
        self.revalidate()

    def problem(self) -> str:
        key = self.new_key.text()
        if not key:
            return self.tr("Type the new key twice")
        problem = key_problem(key)
        if problem is not None:
            return key_problem_text(problem)
        if key != self.repeat.text():
            return self.tr("The two keys differ")
        return ""

    def values(self) -> tuple[str, KeyScope]:
        """(new key, scope)."""
        scope = KeyScope.SITE if self.site.isChecked() else KeyScope.SELECTED
        return self.new_key.text(), scope


# (protocol name, label, kind, range or choices); kinds: "choice", "float", "int", "text", "hhmm"
_SETTING_FIELDS: tuple[tuple[str, str, str, Any], ...] = (
    ("deviceName", QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Terminal name"), "text", None),
    (
        "appWelcomeMsg",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Welcome message (@ = name)"),
        "text",
        None,
    ),
    (
        "appFailMsg",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Message when not recognised"),
        "text",
        None,
    ),
    (
        "cameraDetectType",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Liveness check"),
        "choice",
        (
            (0, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "On")),
            (1, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Off")),
        ),
    ),
    (
        "faceFeaturePairNumber",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Face match threshold"),
        "float",
        (0.0, 1.0, 2),
    ),
    (
        "idCardFaceFeaturePairNumber",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "ID card match threshold"),
        "float",
        (0.0, 1.0, 2),
    ),
    (
        "faceFeaturePairSuccessOrFailWaitTime",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Wait after a result (s)"),
        "float",
        (0.0, 3600.0, 1),
    ),
    (
        "openDoorType",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Opens the door on"),
        "choice",
        (
            (0, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Face")),
            (1, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "ID card")),
            (2, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Staff number")),
            (3, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Face and ID card")),
            (4, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Face and staff number")),
        ),
    ),
    (
        "openDoorContinueTime",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Door stays open (s)"),
        "float",
        (0.0, 3600.0, 1),
    ),
    (
        "doorType",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Door output"),
        "choice",
        (
            (0, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Relay")),
            (26, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Wiegand 26")),
            (34, QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Wiegand 34")),
        ),
    ),
    ("deviceSoundSize", QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Volume"), "int", (0, 100)),
    (
        "deviceDefendTime",
        QT_TRANSLATE_NOOP("DeviceSettingsDialog", "Daily restart (HH:MM)"),
        "hhmm",
        None,
    ),
)


_KEY_PROBLEMS: dict[KeyProblem, str] = {
    KeyProblem.EMPTY: QT_TRANSLATE_NOOP("KeyDialog", "The key is empty"),
    KeyProblem.TOO_LONG: QT_TRANSLATE_NOOP("KeyDialog", "The key is longer than 20 bytes"),
    KeyProblem.SPACES: QT_TRANSLATE_NOOP(
        "KeyDialog", "The key must not contain spaces or control characters"
    ),
}


def _translated(text: str) -> str:
    """A label of `_SETTING_FIELDS` in the operator's language."""
    return QCoreApplication.translate("DeviceSettingsDialog", text)


def key_problem_text(problem: KeyProblem) -> str:
    """What is wrong with a key, in the operator's language."""
    return QCoreApplication.translate("KeyDialog", _KEY_PROBLEMS[problem])


class DeviceSettingsDialog(_FormDialog):
    """The terminal's settings (getDeviceInfo) as a form; `changes()` gives what was edited.

    Build it with `await DeviceSettingsDialog.build(info, parent)`: a dozen editors made in
    one loop step can stall the window on a busy PC, so rows are added a few at a time.
    """

    ROWS_PER_STEP = 4

    def __init__(self, info: DeviceInfo, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Settings of %1").replace("%1", info.name or info.sn), parent)
        self._initial: dict[str, Any] = {}
        self._editors: dict[str, QWidget] = {}
        self._current = dict(info.settings)
        self._current.setdefault("appFailMsg", info.fail_msg)
        self._current.setdefault("deviceName", info.name)

    @classmethod
    async def build(cls, info: DeviceInfo, parent: QWidget | None = None) -> DeviceSettingsDialog:
        """The dialog with every row, built over a few loop steps."""
        dialog = cls(info, parent)
        for index, (name, label, kind, spec) in enumerate(_SETTING_FIELDS, 1):
            editor = dialog._editor(kind, spec, dialog._current.get(name))
            dialog._editors[name] = editor
            dialog._initial[name] = dialog._value(name)
            dialog.form.addRow(_translated(label), editor)
            if index % cls.ROWS_PER_STEP == 0:
                await asyncio.sleep(0)
        dialog.revalidate()
        return dialog

    def _editor(self, kind: str, spec: Any, value: Any) -> QWidget:
        if kind == "choice":
            combo = QComboBox()
            for number, text in spec:
                combo.addItem(_translated(text), number)
            index = combo.findData(_as_int(value))
            combo.setCurrentIndex(max(index, 0))
            return combo
        if kind == "float":
            spin = QDoubleSpinBox()
            spin.setRange(spec[0], spec[1])
            spin.setDecimals(spec[2])
            spin.setSingleStep(0.05 if spec[1] <= 1 else 1)
            spin.setValue(_as_float(value))
            return spin
        if kind == "int":
            ispin = QSpinBox()
            ispin.setRange(spec[0], spec[1])
            ispin.setValue(_as_int(value) or 0)
            return ispin
        edit = QLineEdit("" if value is None else str(value))
        if kind == "hhmm":
            edit.setValidator(
                QRegularExpressionValidator(QRegularExpression(r"^([01]\d|2[0-3]):[0-5]\d$"))
            )
            edit.setPlaceholderText("23:50")
        edit.textChanged.connect(self.revalidate)
        return edit

    def _value(self, name: str) -> Any:
        editor = self._editors[name]
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QDoubleSpinBox):
            return round(editor.value(), editor.decimals())
        if isinstance(editor, QSpinBox):
            return editor.value()
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def editor(self, name: str) -> QWidget:
        """The editor of setting `name` (protocol name)."""
        return self._editors[name]

    def problem(self) -> str:
        hhmm = self._editors.get("deviceDefendTime")
        if isinstance(hhmm, QLineEdit) and hhmm.text() and not hhmm.hasAcceptableInput():
            return self.tr("The daily restart time must look like 23:50")
        return ""

    def changes(self) -> dict[str, Any]:
        """Only the settings the operator changed, by protocol name."""
        changed = {}
        for name in self._editors:
            value = self._value(name)
            if value != self._initial[name]:
                changed[name] = value
        return changed


class UpdateAppDialog(_FormDialog):
    """The URL the terminal downloads its new app (APK) from."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Update the app of %1").replace("%1", name), parent)
        note = QLabel(
            self.tr(
                "The terminal downloads the file itself, so the address must be reachable from it."
            )
        )
        note.setWordWrap(True)
        self.form.addRow(note)
        self.url = QLineEdit()
        self.url.setPlaceholderText("http://192.168.1.5:8000/terminal-1.1.150.apk")
        self.url.textChanged.connect(self.revalidate)
        self.form.addRow(self.tr("Address of the APK"), self.url)
        self.revalidate()

    def problem(self) -> str:
        if not re.fullmatch(r"https?://[^\s/:]+(:\d{1,5})?(/\S*)?", self.url.text().strip()):
            return self.tr("The address must look like http://host:port/file.apk")
        return ""

    def value(self) -> str:
        """The URL typed."""
        return self.url.text().strip()


class ConfirmDialog(QDialog):
    """A question with an `action` button and Cancel; Cancel is the default button."""

    def __init__(self, title: str, text: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.action_button, cancel = _button_row(layout, self, action)
        self.action_button.setDefault(False)
        self.action_button.setAutoDefault(False)
        cancel.setDefault(True)


def _button_row(
    layout: QVBoxLayout, dialog: QDialog, accept_text: str
) -> tuple[QPushButton, QPushButton]:
    """Accept and Cancel buttons at the bottom right (plain buttons: a QDialogButtonBox loads
    the style's standard icons the first time, a 70 ms stall on the UI loop)."""
    row = QHBoxLayout()
    row.addStretch(1)
    accept = QPushButton(accept_text)
    cancel = QPushButton(dialog.tr("Cancel"))
    accept.setDefault(True)
    accept.clicked.connect(dialog.accept)
    cancel.clicked.connect(dialog.reject)
    row.addWidget(accept)
    row.addWidget(cancel)
    layout.addLayout(row)
    return accept, cancel


def _as_int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
