"""Reconcile, fix, import and the 20 % guard against real simulators; what they leave in the
audit log (who, which terminal, which persons), and how that log reads to the operator."""

from __future__ import annotations

from pathlib import Path

import pytest

from enroll_app.face.samples import vectron_dir
from enroll_app.services.station import StationServices
from enroll_app.services.sync import GuardRequired
from enroll_app.simulator import SimulatedTerminal
from enroll_app.store.audit import AuditFilter
from enroll_app.store.records import (
    AuditEntry,
    PersonId,
    PersonRecord,
    PlacementState,
    TerminalSerial,
)
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import TerminalError
from enroll_app.terminal.records import Person
from tests.integration.conftest import SimFactory
from tests.integration.sync_support import (
    drained,
    expected,
    frame,
    open_station,
    person,
    serials,
    terminal_holds,
    wait_for,
)

GATE = "Gate 2"  # the terminal's display name, as the Persons page passes it


async def _audit(station: StationServices, action: str) -> list[AuditEntry]:
    return await station.store.list_audit(AuditFilter(action=action))


def _readable(entry: AuditEntry, serial: str) -> str:
    """The entry as the person detail panel words it (what, who, note)."""
    from enroll_app.ui.person_detail import audit_line  # the UI's wording, Qt-free to call

    line = audit_line(entry, {TerminalSerial(serial): GATE})
    return f"{line.what} | {line.who} | {line.note}"


async def five_delivered(station: StationServices, term: SimulatedTerminal) -> list[PersonRecord]:
    """Persons 1..5 saved for `term` and delivered to it."""
    records = [person(n) for n in range(1, 6)]
    for record in records:
        await station.store.save_person(record, serials(term), "test")
    await wait_for(lambda: drained(station))
    return records


@pytest.mark.asyncio
async def test_reconcile_sorts_persons_and_fix_needs_two_confirmations(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    station = await open_station(tmp_path, [term])
    try:
        records = await five_delivered(station, term)
        async with TerminalClient(term.host, term.port) as client:  # someone else at work
            await client.remove_persons([records[0].id])
            await client.set_person(Person(id=records[1].id, name="Changed", pass_count=3))
            for extra in ("x1", "x2"):
                await client.set_person(Person(id=extra, name=extra, photo=frame(6)))

        report = await station.sync.reconcile(term.serial)
        assert report.same == [r.id for r in records[2:]]
        assert report.different == [records[1].id]
        assert report.only_on_station == [records[0].id]
        assert report.only_on_terminal == ["x1", "x2"]
        assert report.on_terminal == 6
        assert not report.in_step

        for confirmed in (0, 1):  # 2 of 6 is more than 20 %: asked twice
            with pytest.raises(GuardRequired) as guard:
                await station.sync.fix(term.serial, report, confirmed=confirmed)
            assert (guard.value.removing, guard.value.held) == (2, 6)
        assert set(await terminal_holds(term)) == {*(r.id for r in records[1:]), "x1", "x2"}
        assert await _audit(station, "reconcile.remove") == []  # refused: nothing done

        assert await station.sync.fix(term.serial, report, confirmed=2, actor="desk-2") == 4
        removals = await _audit(station, "reconcile.remove")
        assert sorted((e.person_id, e.serial, e.actor) for e in removals) == [
            ("x1", term.serial, "desk-2"),
            ("x2", term.serial, "desk-2"),
        ]
        assert await _audit(station, "reconcile.remove_failed") == []
        assert _readable(removals[0], term.serial) == (
            f"Removed from {GATE} by reconcile (unknown to the station) | by desk-2 | "
        )
        resent = await station.store.list_audit(AuditFilter(person_id=records[1].id))
        assert (resent[0].action, resent[0].actor) == ("person.update", "desk-2")
        await wait_for(lambda: drained(station))
        assert (await station.sync.reconcile(term.serial)).in_step
        assert await terminal_holds(term) == {r.id: expected(r) for r in records}
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_removing_more_than_a_fifth_of_a_terminal_asks_twice(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    station = await open_station(tmp_path, [term])
    try:
        records = await five_delivered(station, term)

        with pytest.raises(GuardRequired) as guard:
            await station.sync.remove_persons([r.id for r in records[:2]], serials(term))
        assert (guard.value.removing, guard.value.held, guard.value.needed) == (2, 5, 2)
        assert await drained(station)  # nothing was queued

        assert await station.sync.remove_persons([records[0].id], serials(term)) == 1  # 20 %
        await wait_for(lambda: drained(station))
        assert set(await terminal_holds(term)) == {r.id for r in records[1:]}
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_import_brings_terminal_persons_with_photo_and_embedding(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    folder = vectron_dir()
    assert folder is not None
    station = await open_station(tmp_path, [term], model_folder=folder)
    try:
        async with TerminalClient(term.host, term.port) as client:
            await client.set_person(
                Person(id="t1", name="From door", ic_no="42", start_ts=1.8e9, photo=frame(1))
            )
            await client.set_person(Person(id="t2", name="Second", photo=frame(2)))
        seen: list[tuple[int, int]] = []
        imported = await station.sync.import_from_terminal(
            term.serial, on_progress=lambda done, total: seen.append((done, total))
        )
        assert imported == ["t1", "t2"]
        assert seen[-1] == (2, 2)
        stored = await station.store.get_person(PersonId("t1"), with_photo=True)
        assert (stored.name, stored.ic_no, stored.start_ts) == ("From door", "42", 1.8e9)
        assert stored.source == f"terminal:{term.serial}"
        assert stored.photo == frame(1)
        vectors = await station.store.all_embeddings(station.pack)
        assert sorted(vectors.ids) == ["t1", "t2"]
        gallery = await station.gallery()
        assert "t1" in gallery
        assert "t2" in gallery

        await wait_for(lambda: drained(station))
        placements = await station.store.placements_on(TerminalSerial(term.serial))
        assert {p.person_id: p.state for p in placements} == {
            "t1": PlacementState.SYNCED,
            "t2": PlacementState.SYNCED,
        }
        created = await station.store.list_audit(AuditFilter(person_id=PersonId("t1")))
        assert [(e.action, e.actor) for e in reversed(created)][:2] == [
            ("person.create", f"import:{term.serial}"),
            ("sync.upsert", "sync"),
        ]
        assert _readable(created[-1], term.serial) == (
            f"Imported from {GATE} | by the import from a terminal | "
        )
        (summary,) = await _audit(station, "reconcile.import")
        assert (summary.serial, summary.actor, summary.detail) == (
            term.serial,
            "operator",
            "imported 2 of 2",
        )
        assert _readable(summary, term.serial).startswith(f"Imported 2 of 2 person(s) from {GATE}")
        assert await station.sync.import_from_terminal(term.serial) == []  # known now
        assert len(await _audit(station, "reconcile.import")) == 1  # nothing to import: no entry
        assert (await station.sync.reconcile(term.serial)).in_step
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_forgetting_many_asks_twice_then_clears_terminal_and_station(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    term = await sim_factory()
    station = await open_station(tmp_path, [term])
    try:
        records = await five_delivered(station, term)
        going = [r.id for r in records[:3]]

        with pytest.raises(GuardRequired):
            await station.sync.forget_persons(going, confirmed=1)
        assert await station.store.find_person(going[0]) is not None  # nothing changed

        assert await station.sync.forget_persons(going, confirmed=2) == 3
        await wait_for(lambda: drained(station))
        assert set(await terminal_holds(term)) == {r.id for r in records[3:]}
        for person_id in going:
            assert await station.store.find_person(person_id) is None
            assert await station.store.was_forgotten(person_id)
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_a_removal_whose_answer_is_lost_is_on_the_audit_log_twice(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    """The terminal removes the person but its answer never arrives: the log says the station
    asked (written before asking) and that it could not confirm, so nothing destructive is
    missing from it."""
    term = await sim_factory()
    station = await open_station(tmp_path, [term])
    try:
        await five_delivered(station, term)
        async with TerminalClient(term.host, term.port) as client:
            await client.set_person(Person(id="walk-in", name="Walk in", photo=frame(6)))
        report = await station.sync.reconcile(term.serial)
        assert report.only_on_terminal == ["walk-in"]

        term.faults.drop_rate = 1.0  # every reply lost after the work is done
        with pytest.raises(TerminalError):
            await station.sync.fix(term.serial, report)
        term.faults.drop_rate = 0.0

        assert "walk-in" not in await terminal_holds(term)  # the terminal did remove them
        history = await station.store.list_audit(AuditFilter(person_id=PersonId("walk-in")))
        assert [(e.action, e.serial, e.actor) for e in reversed(history)] == [
            ("reconcile.remove", term.serial, "operator"),
            ("reconcile.remove_failed", term.serial, "operator"),
        ]
        failed = _readable(history[0], term.serial)
        assert failed.startswith(f"Reconcile could not remove from {GATE}: ")
        assert failed.endswith("| by the operator | ")
        assert history[0].detail  # the terminal error, in words
    finally:
        await station.aclose()
