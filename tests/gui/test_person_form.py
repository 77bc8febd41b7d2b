"""The person form on its own: fields as the terminal takes them, warnings that never block."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from enroll_app.services.person_fields import id_check_char
from enroll_app.store.records import UNLIMITED_PASSES, UNLIMITED_TS, PersonKind, PersonRecord
from enroll_app.terminal.errors import InvalidInput
from enroll_app.ui.person_form import PersonForm, TargetTerminal

TERMINALS = [TargetTerminal("SN-A", "Gate A", True), TargetTerminal("SN-B", "", False)]


@pytest.fixture
def form(qtbot: QtBot) -> PersonForm:
    widget = PersonForm(visitor_end_hour=18)
    qtbot.addWidget(widget)
    widget.set_terminals(TERMINALS, checked=["SN-A"])
    return widget


def _fill(form: PersonForm, person_id: str = "E-001", name: str = "Li Lei") -> None:
    form.person_id.setText(person_id)
    form.name.setText(name)


def test_an_empty_form_is_invalid_and_names_what_is_missing(form: PersonForm) -> None:
    assert not form.is_valid()
    assert set(form.problems) == {"id", "name"}
    assert "person id is required" in form.message.text()
    with pytest.raises(InvalidInput):
        form.person_fields()


def test_filled_form_gives_the_record_the_terminal_gets(form: PersonForm, qtbot: QtBot) -> None:
    with qtbot.waitSignal(form.validity_changed) as changed:
        _fill(form)
    assert changed.args == [True]
    record = form.person_fields()
    assert (record.id, record.name, record.ic_no, record.pass_count) == (
        "E-001",
        "Li Lei",
        "",
        UNLIMITED_PASSES,
    )
    assert (record.start_ts, record.end_ts) == (UNLIMITED_TS, UNLIMITED_TS)
    assert form.selected_targets() == ["SN-A"]


def test_ids_the_terminal_would_refuse_are_refused_here(form: PersonForm) -> None:
    _fill(form, person_id="A,B")
    assert not form.is_valid()
    assert "commas" in form.problems["id"]


def test_card_number_in_hex_is_sent_in_decimal_and_shown_both_ways(form: PersonForm) -> None:
    _fill(form)
    form.card_hex.setChecked(True)
    form.card.setText("7267e840")
    assert form.card_other.text() == "decimal 1919412288"
    assert form.person_fields().ic_no == "1919412288"
    form.card_hex.setChecked(False)  # the number stays, written in decimal now
    assert form.card.text() == "1919412288"
    assert form.card_other.text() == "hex 7267E840"
    form.card.setText("12ab")
    assert not form.is_valid()
    assert "decimal digits" in form.problems["card"]


def test_a_bad_id_number_checksum_warns_but_does_not_block(form: PersonForm) -> None:
    _fill(form)
    first17 = "11010519491231002"
    good = first17 + id_check_char(first17)
    wrong = first17 + ("0" if good[-1] != "0" else "1")
    form.id_no.setText(wrong)
    assert form.is_valid()
    assert "check character" in form.warnings["id_no"]
    assert form.person_fields().id_no == wrong
    form.id_no.setText(good)
    assert not form.warnings


def test_pass_count_unlimited_switch_is_10000(form: PersonForm) -> None:
    _fill(form)
    assert not form.pass_count.isEnabled()
    form.unlimited_passes.setChecked(False)
    form.pass_count.setValue(3)
    assert form.person_fields().pass_count == 3
    form.unlimited_passes.setChecked(True)
    assert form.person_fields().pass_count == UNLIMITED_PASSES


def test_validity_presets(form: PersonForm, qtbot: QtBot) -> None:
    _fill(form)
    qtbot.mouseClick(form.presets["one_week"], Qt.MouseButton.LeftButton)
    record = form.person_fields()
    assert record.end_ts - record.start_ts == pytest.approx(7 * 86400, abs=3600)
    assert abs(record.start_ts - time.time()) < 120
    qtbot.mouseClick(form.presets["today"], Qt.MouseButton.LeftButton)
    record = form.person_fields()
    assert record.kind is PersonKind.VISITOR
    assert time.localtime(record.end_ts).tm_hour in (0, 18)
    qtbot.mouseClick(form.presets["unlimited"], Qt.MouseButton.LeftButton)
    assert form.person_fields().end_ts == UNLIMITED_TS
    form.unlimited_window.setChecked(False)
    form.valid_until.setDateTime(form.valid_from.dateTime().addSecs(-60))
    assert not form.is_valid()
    assert "after its start" in form.problems["window"]


def test_set_person_round_trips(form: PersonForm) -> None:
    person = PersonRecord(
        id="V-7",  # type: ignore[arg-type]
        name="Han Meimei",
        ic_no="123456",
        pass_count=5,
        start_ts=1_780_000_000.0,
        end_ts=1_780_086_400.0,
        kind=PersonKind.VISITOR,
    )
    form.set_person(person)
    assert form.existing == person
    back = form.person_fields()
    assert back.terminal_fields() == person.terminal_fields()
    assert back.kind is PersonKind.VISITOR


def test_at_least_one_terminal_and_enter_submits_only_when_valid(
    form: PersonForm, qtbot: QtBot
) -> None:
    _fill(form)
    form.target_checks["SN-A"].setChecked(False)
    assert "targets" in form.problems
    with qtbot.assertNotEmitted(form.submitted):
        qtbot.keyClick(form.name, Qt.Key.Key_Return)
    with qtbot.waitSignal(form.targets_changed) as changed:
        form.target_checks["SN-B"].setChecked(True)
    assert changed.args == [["SN-B"]]
    assert form.target_checks["SN-B"].text() == "SN-B (offline)"
    assert form.target_checks["SN-A"].text() == "Gate A (SN-A, online)"
    with qtbot.waitSignal(form.submitted):
        qtbot.keyClick(form.name, Qt.Key.Key_Return)


def test_generated_ids(form: PersonForm, qtbot: QtBot) -> None:
    assert not form.generate_button.isEnabled()
    form.set_id_generator(lambda: "V20260301-001")
    qtbot.mouseClick(form.generate_button, Qt.MouseButton.LeftButton)
    assert form.person_id.text() == "V20260301-001"
