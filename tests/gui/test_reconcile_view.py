"""The reconcile view against a simulated terminal (on its own thread): four groups with
counts, field diffs, one fix behind the 20 % guard (asked twice), import from the terminal."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from typing import TypeVar

import pytest
from gui_harness import QLoop
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from station_data import (
    SimProcess,
    fill_station,
    load_terminal,
    make_person,
    portrait,
    start_station,
    stop_station,
)

from enroll_app.store.records import PersonId
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.protocol import DEFAULT_KEY
from enroll_app.terminal.records import Person
from enroll_app.ui.app import Station
from enroll_app.ui.person_edit_dialog import AskTwiceDialog
from enroll_app.ui.persons_view import PersonsView
from enroll_app.ui.reconcile_view import ReconcileDialog

WAIT_MS = 20_000
PERSONS = 12
W = TypeVar("W", bound=QWidget)


@pytest.fixture
def filled(sim: SimProcess) -> None:
    """The station and the terminal agree on 12 persons, then someone changed the terminal
    by hand: one person edited, one removed, four walk-ins added (all before the loop runs)."""
    doors = {sim.serial: ("Front gate", sim.host, sim.port)}
    filled = fill_station(PERSONS, terminals=doors, first=1)  # no expired visitor among them
    asyncio.run(load_terminal(sim, [make_person(n, filled.now) for n in range(1, PERSONS + 1)]))
    asyncio.run(_tamper(sim))


async def _tamper(term: SimProcess) -> None:
    async with TerminalClient(term.host, term.port, DEFAULT_KEY) as client:
        held = await client.get_person("E00001")
        await client.set_person(replace(held, pass_count=3))
        await client.remove_persons(["E00002"])
        for i in range(4):
            await client.set_person(Person(id=f"X{i}", name=f"Walk-in {i}", photo=portrait(i)))


@pytest.fixture
def station(filled: None, sim: SimProcess, qloop: QLoop) -> Iterator[Station]:
    async def learn(station: Station) -> None:
        # As the Terminals page would have: the terminal is known, and contacted once.
        await station.context.station.discovery.add(f"{sim.host}:{sim.port}")
        await station.context.station.sync.reconcile(sim.serial)

    opened = start_station(qloop, learn)
    yield opened
    stop_station(opened, qloop)


def _dialog(kind: type[W], qtbot: QtBot, skip: W | None = None) -> W:
    found: list[W] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, kind) and w.isVisible() and w is not skip
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT_MS)
    return found[0]


def _open(station: Station, qtbot: QtBot) -> ReconcileDialog:
    station.window.show_page("persons")
    page = station.window.page("persons")
    assert isinstance(page, PersonsView)
    page.reconcile_button.click()
    dialog = _dialog(ReconcileDialog, qtbot)
    dialog.compare_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT_MS)
    return dialog


def _tabs(dialog: ReconcileDialog) -> list[str]:
    return [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]


def test_compare_shows_four_groups_and_field_diffs_then_fix_asks_twice(
    station: Station, sim: SimProcess, qtbot: QtBot, qloop: QLoop
) -> None:
    term = sim
    dialog = _open(station, qtbot)
    assert _tabs(dialog) == [
        "Different (1)",
        "Only on the station (1)",
        "Only on the terminal (4)",
        f"Same ({PERSONS - 2})",
    ]
    person = dialog.lists["different"].topLevelItem(0)
    assert person.text(0).startswith("E00001")
    fields = {
        person.child(i).text(0): (person.child(i).text(1), person.child(i).text(2))
        for i in range(person.childCount())
    }
    assert fields == {"passCount": ("10000", "3")}
    assert dialog.lists["only_on_station"].topLevelItem(0).text(0) == "E00002"

    # 4 of the 15 persons on the terminal would go (27 %): asked twice; cancel keeps them.
    dialog.fix_button.click()
    first = _dialog(AskTwiceDialog, qtbot)
    assert "removes 4 of the 15 persons" in first.label.text()
    assert not first.action_button.isEnabled()
    first.reject()
    qtbot.waitUntil(lambda: dialog.outcome.text() == "Nothing was changed", timeout=WAIT_MS)

    dialog.fix_button.click()
    first = _dialog(AskTwiceDialog, qtbot)
    first.understood.setChecked(True)
    first.action_button.click()
    second = _dialog(AskTwiceDialog, qtbot, skip=first)
    assert second.label.text().startswith("Second confirmation")
    second.understood.setChecked(True)
    second.action_button.click()
    qtbot.waitUntil(lambda: "put right" in dialog.outcome.text(), timeout=WAIT_MS)
    # Compared again at once: the extra persons are gone; the re-sent ones may be on their way.
    qtbot.waitUntil(
        lambda: dialog.report is not None and not dialog.report.only_on_terminal,
        timeout=WAIT_MS,
    )
    sync = station.context.station.sync
    for person_id in ("E00001", "E00002"):
        outcomes = qloop.run(sync.push(person_id, [term.serial]))
        assert all(o.ok for o in outcomes.values()), outcomes
    dialog.compare_button.click()
    qtbot.waitUntil(
        lambda: dialog.summary.text() == "The terminal holds exactly what the station expects.",
        timeout=WAIT_MS,
    )
    assert _tabs(dialog)[3] == f"Same ({PERSONS})"
    dialog.reject()
    qloop.run(station.context.tasks.wait_idle())  # the page's job that awaited the dialog


def test_import_copies_persons_only_on_the_terminal(
    station: Station, sim: SimProcess, qtbot: QtBot, qloop: QLoop
) -> None:
    term = sim
    dialog = _open(station, qtbot)
    assert dialog.import_button.isEnabled()
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.outcome.text() == "4 person(s) imported", timeout=WAIT_MS * 2)
    # Compared again after the import: the walk-ins are now the station's too.
    qtbot.waitUntil(lambda: _tabs(dialog)[2] == "Only on the terminal (0)", timeout=WAIT_MS)
    assert _tabs(dialog)[3] == f"Same ({PERSONS - 2 + 4})"
    store = station.context.station.store
    walk_in = qloop.run(store.get_person(PersonId("X0")))
    assert walk_in.name == "Walk-in 0"
    assert walk_in.source == f"terminal:{term.serial}"
    dialog.reject()
    qloop.run(station.context.tasks.wait_idle())  # the page's job that awaited the dialog


def test_send_again_puts_back_a_person_the_terminal_lost(
    station: Station, sim: SimProcess, qtbot: QtBot, qloop: QLoop
) -> None:
    station.window.show_page("persons")
    page = station.window.page("persons")
    assert isinstance(page, PersonsView)
    qtbot.keyClicks(page.search, "E00002")  # removed from the terminal by hand
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.row(0) is not None)
    page.table.selectRow(0)
    qtbot.waitUntil(page.send_button.isEnabled)
    page.send_button.click()
    qtbot.waitUntil(
        lambda: page.notice.text() == "Sent again: 1 of 1 confirmed by the terminals",
        timeout=WAIT_MS,
    )
    qloop.run(station.context.tasks.wait_idle())
    report = qloop.run(station.context.station.sync.reconcile(sim.serial))
    assert PersonId("E00002") in report.same
