"""`PersonForm`: the person's fields as the terminals take them, checked the way a terminal would."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from enroll_app.services import person_fields as fields
from enroll_app.store.records import (
    UNLIMITED_PASSES,
    UNLIMITED_TS,
    PersonId,
    PersonKind,
    PersonRecord,
)
from enroll_app.terminal.errors import InvalidInput
from enroll_app.terminal.validation import check_person_id, check_window

DATE_FORMAT = "yyyy-MM-dd HH:mm"


@dataclass(frozen=True)
class TargetTerminal:
    """A terminal the person can be sent to, as the form lists it."""

    serial: str
    name: str
    online: bool


class PersonForm(QWidget):
    """Id, name, card, ID number, pass count, validity, kind and target terminals. UI thread.

    Reusable: `set_person(record)` fills it (for renewal or editing), `person_fields()` reads
    it back as a `PersonRecord` without photo. `validity_changed(bool)` says whether the form
    holds a person a terminal would accept; `problems` / `warnings` name what is wrong
    (warnings, like a bad ID-number checksum, never block).
    """

    validity_changed = Signal(bool)
    targets_changed = Signal(list)  # the checked serials
    submitted = Signal()  # Enter in a field while the form is valid

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        visitor_end_hour: int = fields.DEFAULT_DAY_END_HOUR,
        language: str = "en",
    ) -> None:
        super().__init__(parent)
        self.visitor_end_hour = visitor_end_hour
        self.language = language  # of the field messages that come from the rules
        self._id_generator: Callable[[], str] | None = None
        self._valid = False
        self._existing: PersonRecord | None = None
        self.problems: dict[str, str] = {}
        self.warnings: dict[str, str] = {}
        self._build()
        self._connect()
        self.apply_preset("unlimited")
        self.kind.setCurrentIndex(0)
        self._revalidate()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("ID"), self._id_row())
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("Name as the terminal shows it"))
        form.addRow(self.tr("Name"), self.name)
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Staff"), PersonKind.STAFF.value)
        self.kind.addItem(self.tr("Visitor"), PersonKind.VISITOR.value)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Card number"), self._card_row())
        self.id_no = QLineEdit()
        self.id_no.setPlaceholderText(self.tr("18-digit ID card number (optional)"))
        form.addRow(self.tr("ID number"), self.id_no)
        form.addRow(self.tr("Passes"), self._passes_row())
        form.addRow(self.tr("Valid"), self._window_box())
        self.targets_box = QWidget()
        self._targets_layout = QVBoxLayout(self.targets_box)
        self._targets_layout.setContentsMargins(0, 0, 0, 0)
        self.no_targets = QLabel(self.tr("No terminals known yet: add them on the Terminals page."))
        self.no_targets.setWordWrap(True)
        self._targets_layout.addWidget(self.no_targets)
        self.target_checks: dict[str, QCheckBox] = {}
        form.addRow(self.tr("Terminals"), self.targets_box)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(form)
        outer.addWidget(self.message)

    def _id_row(self) -> QWidget:
        self.person_id = QLineEdit()
        self.person_id.setPlaceholderText(self.tr("Typed, or generated"))
        self.generate_button = QPushButton(self.tr("Generate"))
        self.generate_button.setToolTip(self.tr("A new id from the station's id pattern"))
        self.generate_button.setEnabled(False)
        return _row(self.person_id, self.generate_button)

    def _card_row(self) -> QWidget:
        self.card = QLineEdit()
        self.card.setPlaceholderText(self.tr("Optional"))
        self.card_hex = QCheckBox(self.tr("Hex"))
        self.card_hex.setToolTip(self.tr("The card number is typed in hexadecimal"))
        self.card_other = QLabel()
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.card, 0, 0)
        grid.addWidget(self.card_hex, 0, 1)
        grid.addWidget(self.card_other, 1, 0, 1, 2)
        return box

    def _passes_row(self) -> QWidget:
        self.pass_count = QSpinBox()
        self.pass_count.setRange(0, UNLIMITED_PASSES - 1)
        self.pass_count.setValue(1)
        self.unlimited_passes = QCheckBox(self.tr("Unlimited"))
        self.unlimited_passes.setChecked(True)
        self.pass_count.setEnabled(False)
        return _row(self.pass_count, self.unlimited_passes)

    def _window_box(self) -> QWidget:
        self.valid_from = QDateTimeEdit()
        self.valid_until = QDateTimeEdit()
        for edit in (self.valid_from, self.valid_until):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
        self.unlimited_window = QCheckBox(self.tr("Unlimited"))
        self.presets: dict[str, QPushButton] = {}
        preset_row = QGridLayout()
        for index, (key, title) in enumerate(
            (
                ("today", self.tr("Today until {hour}:00").format(hour=self.visitor_end_hour)),
                ("one_day", self.tr("One day")),
                ("one_week", self.tr("One week")),
                ("unlimited", self.tr("Unlimited")),
            )
        ):
            button = QPushButton(title)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, k=key: self.apply_preset(k))
            self.presets[key] = button
            preset_row.addWidget(button, index // 2, index % 2)
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel(self.tr("from")), 0, 0)
        grid.addWidget(self.valid_from, 0, 1)
        grid.addWidget(QLabel(self.tr("until")), 1, 0)
        grid.addWidget(self.valid_until, 1, 1)
        grid.addWidget(self.unlimited_window, 2, 1)
        grid.addLayout(preset_row, 3, 0, 1, 2)
        return box

    def _connect(self) -> None:
        for edit in (self.person_id, self.name, self.card, self.id_no):
            edit.textChanged.connect(self._revalidate)
            edit.returnPressed.connect(self._submit)
        self.card_hex.toggled.connect(self._card_mode_changed)
        self.unlimited_passes.toggled.connect(self._passes_mode_changed)
        self.pass_count.valueChanged.connect(self._revalidate)
        self.unlimited_window.toggled.connect(self._window_mode_changed)
        self.valid_from.dateTimeChanged.connect(self._revalidate)
        self.valid_until.dateTimeChanged.connect(self._revalidate)
        self.generate_button.clicked.connect(self.generate_id)

    # -- public API -----------------------------------------------------------------------

    def set_id_generator(self, generator: Callable[[], str] | None) -> None:
        """Where "Generate" takes a new id from (None disables the button)."""
        self._id_generator = generator
        self.generate_button.setEnabled(generator is not None)

    def generate_id(self) -> None:
        """Fill the id from the generator."""
        if self._id_generator is not None:
            self.person_id.setText(self._id_generator())

    def set_terminals(self, terminals: Sequence[TargetTerminal], checked: Sequence[str]) -> None:
        """List the terminals to send to; `checked` serials start checked."""
        for box in self.target_checks.values():
            self._targets_layout.removeWidget(box)
            box.deleteLater()
        self.target_checks = {}
        for terminal in terminals:
            box = QCheckBox(self._target_title(terminal))
            box.setChecked(terminal.serial in checked)
            box.toggled.connect(self._targets_toggled)
            self._targets_layout.addWidget(box)
            self.target_checks[terminal.serial] = box
        self.no_targets.setVisible(not terminals)
        self._revalidate()

    def _target_title(self, terminal: TargetTerminal) -> str:
        state = self.tr("online") if terminal.online else self.tr("offline")
        if not terminal.name:
            return f"{terminal.serial} ({state})"
        return f"{terminal.name} ({terminal.serial}, {state})"

    def selected_targets(self) -> list[str]:
        """Serials of the checked terminals, in list order."""
        return [serial for serial, box in self.target_checks.items() if box.isChecked()]

    def set_person(self, person: PersonRecord) -> None:
        """Fill every field from `person` (the id stays as it is: it names the record)."""
        self._existing = person
        self.person_id.setText(person.id)
        self.name.setText(person.name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(person.kind.value)))
        self.card_hex.setChecked(False)
        self.card.setText(person.ic_no)
        self.id_no.setText(person.id_no)
        unlimited = person.pass_count >= UNLIMITED_PASSES
        self.unlimited_passes.setChecked(unlimited)
        if not unlimited:
            self.pass_count.setValue(person.pass_count)
        self._set_window(person.start_ts, person.end_ts)
        self._revalidate()

    def clear(self) -> None:
        """Empty the form for the next person (targets stay as they are)."""
        self._existing = None
        for edit in (self.person_id, self.name, self.card, self.id_no):
            edit.clear()
        self.kind.setCurrentIndex(0)
        self.unlimited_passes.setChecked(True)
        self.apply_preset("unlimited")
        self._revalidate()

    def is_valid(self) -> bool:
        """True when a terminal would accept these fields."""
        return self._valid

    def person_fields(self) -> PersonRecord:
        """The form as a `PersonRecord` without photo; raises `InvalidInput` if invalid."""
        start, end = check_window(*self._window())
        card = fields.parse_card(self.card.text(), is_hex=self.card_hex.isChecked())
        existing = self._existing
        return PersonRecord(
            id=PersonId(check_person_id(self.person_id.text().strip())),
            name=_check_name(self.name.text()),
            ic_no=card.decimal if card is not None else "",
            id_no=self.id_no.text().strip(),
            pass_count=self._passes(),
            start_ts=start,
            end_ts=end,
            kind=PersonKind(self.kind.currentData()),
            source=existing.source if existing is not None else "enroll",
        )

    @property
    def existing(self) -> PersonRecord | None:
        """The record `set_person` filled the form from (None for a new person)."""
        return self._existing

    def apply_preset(self, key: str) -> None:
        """Set the validity window: "today" (until the visitor end hour), "one_day",
        "one_week" or "unlimited"; the short ones make the person a visitor."""
        preset = fields.ValidityPreset(key)
        start, end = fields.validity_window(preset, time.time(), day_end_hour=self.visitor_end_hour)
        self._set_window(start, end)
        if preset in (fields.ValidityPreset.TODAY, fields.ValidityPreset.ONE_DAY):
            self.kind.setCurrentIndex(self.kind.findData(PersonKind.VISITOR.value))

    # -- internals ------------------------------------------------------------------------

    def _set_window(self, start_ts: float, end_ts: float) -> None:
        unlimited = start_ts == UNLIMITED_TS and end_ts == UNLIMITED_TS
        now = time.time()
        self.valid_from.setDateTime(_qdt(now if start_ts == UNLIMITED_TS else start_ts))
        later = now + timedelta(days=1).total_seconds()
        self.valid_until.setDateTime(_qdt(later if end_ts == UNLIMITED_TS else end_ts))
        self.unlimited_window.setChecked(unlimited)
        self._window_mode_changed(unlimited)

    def _window(self) -> tuple[float, float]:
        if self.unlimited_window.isChecked():
            return UNLIMITED_TS, UNLIMITED_TS
        return (
            float(self.valid_from.dateTime().toSecsSinceEpoch()),
            float(self.valid_until.dateTime().toSecsSinceEpoch()),
        )

    def _passes(self) -> int:
        return UNLIMITED_PASSES if self.unlimited_passes.isChecked() else self.pass_count.value()

    def _card_mode_changed(self, hex_input: bool) -> None:
        # Keep the number, change only how it is written.
        card = self._card(not hex_input)
        if card is not None:
            self.card.blockSignals(True)
            self.card.setText(card.hex if hex_input else card.decimal)
            self.card.blockSignals(False)
        self._revalidate()

    def _card(self, is_hex: bool) -> fields.CardNumber | None:
        try:
            return fields.parse_card(self.card.text(), is_hex=is_hex)
        except InvalidInput:
            return None

    def _passes_mode_changed(self, unlimited: bool) -> None:
        self.pass_count.setEnabled(not unlimited)
        self._revalidate()

    def _window_mode_changed(self, unlimited: bool) -> None:
        self.valid_from.setEnabled(not unlimited)
        self.valid_until.setEnabled(not unlimited)
        self._revalidate()

    def _targets_toggled(self) -> None:
        self.targets_changed.emit(self.selected_targets())
        self._revalidate()

    def _submit(self) -> None:
        if self._valid:
            self.submitted.emit()

    def _revalidate(self) -> None:
        self.problems, self.warnings = self._check()
        self._show_card_other()
        lines = list(self.problems.values()) + list(self.warnings.values())
        self.message.setText("\n".join(lines))
        self.message.setStyleSheet("color: #d64545;" if self.problems else "color: #c27803;")
        valid = not self.problems
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    def _check(self) -> tuple[dict[str, str], dict[str, str]]:
        problems: dict[str, str] = {}
        checks: list[tuple[str, Callable[[], object]]] = [
            ("id", lambda: check_person_id(self.person_id.text().strip())),
            ("name", lambda: _check_name(self.name.text())),
            ("card", lambda: fields.parse_card(self.card.text(), is_hex=self.card_hex.isChecked())),
            ("window", lambda: check_window(*self._window())),
        ]
        for key, check in checks:
            try:
                check()
            except InvalidInput as exc:
                problems[key] = self._field_text(key, exc.text(self.language))
        if self.target_checks and not self.selected_targets():
            problems["targets"] = self.tr("Choose at least one terminal.")
        warnings: dict[str, str] = {}
        id_number = fields.check_id_number(self.id_no.text())
        if not id_number.ok:
            text = id_number.zh if self.language.startswith("zh") else id_number.en
            warnings["id_no"] = self._field_text("id_no", text)
        return problems, warnings

    def _field_text(self, key: str, problem: str) -> str:
        texts = {
            "id": self.tr("ID: {problem}"),
            "name": self.tr("Name: {problem}"),
            "card": self.tr("Card number: {problem}"),
            "window": self.tr("Validity: {problem}"),
            "id_no": self.tr("ID number (a warning only): {problem}"),
        }
        return texts[key].format(problem=problem)

    def _show_card_other(self) -> None:
        card = self._card(self.card_hex.isChecked())
        if card is None:
            self.card_other.clear()
        elif self.card_hex.isChecked():
            self.card_other.setText(self.tr("decimal {number}").format(number=card.decimal))
        else:
            self.card_other.setText(self.tr("hex {number}").format(number=card.hex.upper()))


def _check_name(text: str) -> str:
    # The terminal would take an empty name, but a person nobody can recognise helps no one.
    name = text.strip()
    if not name:
        raise InvalidInput("A name is required", field="name", zh="姓名不能为空")
    return name


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def _qdt(ts: float) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(ts))
