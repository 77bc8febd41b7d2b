"""Dialogs of the Persons page: edit and push, remove from some terminals, forget, ask twice."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from enroll_app.store.records import PersonRecord, TerminalSerial
from enroll_app.terminal.errors import InvalidInput
from enroll_app.ui.person_form import PersonForm, TargetTerminal

PHOTO_WIDTH = 160


def button_row(
    layout: QVBoxLayout, dialog: QDialog, accept_text: str
) -> tuple[QPushButton, QPushButton]:
    """Accept and Cancel at the bottom right (plain buttons: a QDialogButtonBox loads the
    style's standard icons on first use, a stall of the UI loop)."""
    row = QHBoxLayout()
    row.addStretch(1)
    accept = QPushButton(accept_text)
    cancel = QPushButton(QCoreApplication.translate("PersonDialogs", "Cancel"))
    accept.clicked.connect(dialog.accept)
    cancel.clicked.connect(dialog.reject)
    row.addWidget(accept)
    row.addWidget(cancel)
    layout.addLayout(row)
    return accept, cancel


async def ask_again(dialog: QDialog) -> bool:
    """`dialogs.ask` for a dialog kept for the next time (built once, with the page: making a
    big dialog costs the UI thread tens of milliseconds); True when it was accepted."""
    answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not answered.done():
            answered.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await answered == QDialog.DialogCode.Accepted.value
    finally:
        dialog.finished.disconnect(finished)
        if dialog.isVisible():
            dialog.reject()


class EditPersonDialog(QDialog):
    """Change a person's fields, photo and terminals; OK saves and pushes. UI thread.

    The photo file is only chosen here: `photo_chosen(path)` asks the page to check it off the
    UI thread, and the page answers with `show_photo_check`. Save waits for that answer and
    stays off for a photo that fails a check, or that shows someone else until the operator
    says it is not them.
    """

    photo_chosen = Signal(str)

    def __init__(
        self,
        person: PersonRecord,
        photo: QImage | None,
        terminals: Sequence[TargetTerminal],
        held_on: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit %1").replace("%1", person.name or person.id))
        self.setModal(True)
        self.photo_path: str | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addLayout(self._photo_column(photo))
        self.form = PersonForm(self)
        self.form.set_terminals(terminals, held_on)
        self.form.set_person(person)
        self.form.person_id.setReadOnly(True)  # the id names the person on every terminal
        self.form.generate_button.setVisible(False)
        row.addWidget(self.form, 1)
        layout.addLayout(row)
        self.save_button, _ = button_row(layout, self, self.tr("Save and send"))
        self.save_button.setDefault(True)
        self._photo_state = "unchanged"  # unchanged | checking | usable | duplicate | refused
        self.form.validity_changed.connect(self._update_save)
        self._update_save()

    def _photo_column(self, photo: QImage | None) -> QVBoxLayout:
        column = QVBoxLayout()
        self.photo = QLabel()
        self.photo.setFixedWidth(PHOTO_WIDTH)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if photo is not None and not photo.isNull():
            self.photo.setPixmap(QPixmap.fromImage(photo).scaledToWidth(PHOTO_WIDTH))
        else:
            self.photo.setText(self.tr("No photo"))
        column.addWidget(self.photo)
        self.photo_button = QPushButton(self.tr("Replace photo…"))
        self.photo_button.clicked.connect(self._choose_photo)
        column.addWidget(self.photo_button)
        self.photo_note = QLabel()
        self.photo_note.setWordWrap(True)
        self.photo_note.setFixedWidth(PHOTO_WIDTH)
        column.addWidget(self.photo_note)
        self.not_the_same = QCheckBox(self.tr("Not the same person: use it"))
        self.not_the_same.setVisible(False)
        self.not_the_same.toggled.connect(self._update_save)
        column.addWidget(self.not_the_same)
        column.addStretch(1)
        return column

    def _choose_photo(self) -> None:
        # open(), not exec() or the static helpers: the event loop keeps running.
        chooser = QFileDialog(self, self.tr("Choose a photo"))
        chooser.setNameFilter(self.tr("Images (*.jpg *.jpeg *.png *.bmp)"))
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.fileSelected.connect(self.set_photo_file)
        chooser.finished.connect(chooser.deleteLater)
        chooser.open()

    def set_photo_file(self, path: str) -> None:
        """Use the photo in `path`: Save waits until the page has checked it."""
        self.photo_path = path
        self._photo_state = "checking"
        self.not_the_same.setVisible(False)
        self.not_the_same.setChecked(False)
        self.photo_note.setText(self.tr("Checking the new photo…"))
        self._update_save()
        self.photo_chosen.emit(path)

    def show_photo_check(
        self, path: str, crop: QImage | None, problems: Sequence[str], look_alike: str = ""
    ) -> None:
        """The page's verdict on the photo in `path`: the 640x480 crop as terminals will get
        it, what fails (Save stays off), or whom it looks like (Save needs the tick)."""
        if path != self.photo_path:
            return  # an earlier choice answered late
        if crop is not None and not crop.isNull():
            self.photo.setPixmap(QPixmap.fromImage(crop).scaledToWidth(PHOTO_WIDTH))
        if problems:
            self._photo_state = "refused"
            note = self.tr("This photo cannot be used: %1").replace("%1", "; ".join(problems))
        elif look_alike:
            self._photo_state = "duplicate"
            note = self.tr("This face looks like %1.").replace("%1", look_alike)
        else:
            self._photo_state = "usable"
            note = self.tr("New photo checked: it replaces the old one on saving")
        self.photo_note.setText(note)
        self.not_the_same.setVisible(self._photo_state == "duplicate")
        self._update_save()

    @property
    def allow_look_alike(self) -> bool:
        """True when the operator confirmed the new face is not the person it looks like."""
        return self._photo_state == "duplicate" and self.not_the_same.isChecked()

    def _update_save(self) -> None:
        photo_ok = self._photo_state in ("unchanged", "usable") or self.allow_look_alike
        self.save_button.setEnabled(self.form.is_valid() and photo_ok)

    def values(self) -> tuple[PersonRecord, list[TerminalSerial]]:
        """The edited person (without photo) and the terminals to send to."""
        try:
            person = self.form.person_fields()
        except InvalidInput as exc:  # the form disables Save first; a race still reads clearly
            raise ValueError(str(exc)) from exc
        return person, [TerminalSerial(s) for s in self.form.selected_targets()]


class RemoveFromDialog(QDialog):
    """A checklist of the terminals that hold the person: remove from the checked ones."""

    def __init__(
        self, name: str, terminals: Sequence[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Remove from terminals"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        text = self.tr(
            "Remove %1 from the checked terminals? They stay on this station and can be sent "
            "again later."
        ).replace("%1", name)
        label = QLabel(text)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.checks: dict[str, QCheckBox] = {}
        for serial, title in terminals:
            box = QCheckBox(title)
            box.setChecked(True)
            box.toggled.connect(self._update)
            layout.addWidget(box)
            self.checks[serial] = box
        self.remove_button, cancel = button_row(layout, self, self.tr("Remove"))
        cancel.setDefault(True)
        self._update()

    def _update(self) -> None:
        self.remove_button.setEnabled(bool(self.selected()))

    def selected(self) -> list[TerminalSerial]:
        """The checked terminals."""
        return [TerminalSerial(s) for s, box in self.checks.items() if box.isChecked()]


class ForgetDialog(QDialog):
    """Type the person's id to confirm: says exactly what is deleted, everywhere."""

    def __init__(self, person: PersonRecord, terminals: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Forget this person"))
        self.setModal(True)
        self._expected = person.id
        layout = QVBoxLayout(self)
        text = self.tr(
            "Forget %1 (ID %2)? This removes them from %3 terminal(s) and deletes from this "
            "station their photo, face embedding, card and ID numbers, and the names and "
            "snapshots of their pass records. Only the audit log keeps the ID. This cannot be "
            "undone."
        )
        text = (
            text.replace("%1", person.name or person.id)
            .replace("%2", person.id)
            .replace("%3", str(terminals))
        )
        label = QLabel(text)
        label.setWordWrap(True)
        layout.addWidget(label)
        prompt = QLabel(self.tr("Type the ID %1 to confirm:").replace("%1", person.id))
        layout.addWidget(prompt)
        self.confirm = QLineEdit()
        self.confirm.textChanged.connect(self._update)
        layout.addWidget(self.confirm)
        self.forget_button, cancel = button_row(layout, self, self.tr("Forget"))
        cancel.setDefault(True)
        self._update()

    def _update(self) -> None:
        self.forget_button.setEnabled(self.confirm.text().strip() == self._expected)


class AskTwiceDialog(QDialog):
    """The 20 % guard: a second, explicit confirmation before many persons go."""

    def __init__(self, title: str, text: str, action: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.understood = QCheckBox(self.tr("I understand, remove them"))
        layout.addWidget(self.understood)
        self.action_button, cancel = button_row(layout, self, action)
        cancel.setDefault(True)
        self.action_button.setEnabled(False)
        self.understood.toggled.connect(self.action_button.setEnabled)
