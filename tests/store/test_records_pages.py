"""Pass records read "since the last look": `pass_page` gives the newest stored id with the rows,
and with `after_id` only the records stored after it, still filtered and newest first."""

from __future__ import annotations

from store_helpers import DOORS

from enroll_app.store import PersonId, Store, TerminalSerial
from enroll_app.store.passes import PassFilter, add_pass_records, pass_page
from enroll_app.store.records import PassRecordRow

GATE, LOBBY = DOORS[0], DOORS[1]


def _row(serial: TerminalSerial, person: str, ts: float) -> PassRecordRow:
    return PassRecordRow(serial=serial, person_id=PersonId(person), ts=ts, name=person.title())


def test_an_empty_store_has_no_records_and_last_id_zero(store: Store) -> None:
    page = store.run(pass_page)
    assert page.rows == []
    assert page.last_id == 0


def test_after_id_reads_only_what_was_stored_since_filtered_and_newest_first(
    store: Store,
) -> None:
    store.run(add_pass_records, [_row(GATE, "ann", 1000.0), _row(LOBBY, "bob", 1001.0)])
    first = store.run(pass_page, PassFilter(serial=GATE))
    assert [r.person_id for r in first.rows] == ["ann"]
    assert first.last_id > 0

    # Later: one newer and one OLDER than everything (a terminal's backlog), one repeat
    # (not stored again), one at another door.
    later = [
        _row(GATE, "cid", 1005.0),
        _row(GATE, "dan", 900.0),
        _row(GATE, "ann", 1000.0),
        _row(LOBBY, "eve", 1006.0),
    ]
    assert store.run(add_pass_records, later) == 3
    since = store.run(pass_page, PassFilter(serial=GATE), first.last_id)
    assert [(r.person_id, r.ts) for r in since.rows] == [("cid", 1005.0), ("dan", 900.0)]
    assert since.last_id == first.last_id + 3
    assert all(r.name and not r.has_photo for r in since.rows)

    # The time filter and the limit still apply; nothing new after the newest id.
    recent = store.run(pass_page, PassFilter(serial=GATE, since=1000.0, limit=5), first.last_id)
    assert [r.person_id for r in recent.rows] == ["cid"]
    assert store.run(pass_page, None, since.last_id).rows == []
    everything = store.run(pass_page, PassFilter(limit=10))
    assert [r.person_id for r in everything.rows] == ["eve", "cid", "bob", "ann", "dan"]
    assert everything.last_id == since.last_id
