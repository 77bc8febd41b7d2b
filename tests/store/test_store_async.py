"""The typed async API as the services use it: a worker-shaped round trip on the event loop."""

from __future__ import annotations

import asyncio

import pytest
from store_helpers import DOORS, MODEL_PACK, FakeClock, person, vector

from enroll_app.store import (
    AuditFilter,
    KeyStatus,
    OutboxOp,
    PassFilter,
    PassRecordRow,
    PersonFilter,
    PersonId,
    PersonsChanged,
    PlacementState,
    Store,
    backoff_delay,
    redact,
)


@pytest.mark.asyncio
async def test_enroll_sync_fail_retry_forget_through_the_async_api(
    clock: FakeClock, photos: list[bytes]
) -> None:
    async with await Store.open_async(clock=clock) as store:
        loop = asyncio.get_running_loop()
        changed: asyncio.Queue[PersonsChanged] = asyncio.Queue()
        store.subscribe(lambda change: loop.call_soon_threadsafe(changed.put_nowait, change))
        for n, door in enumerate(DOORS, start=2):
            await store.upsert_terminal(door, f"127.0.0.{n}", 8090, name=door)
        saved = await store.save_person(
            person("0100", photos[0], embedding=vector(100)), DOORS, "desk"
        )
        change = await asyncio.wait_for(changed.get(), 5)
        assert change.saved == {saved.id}
        gallery = await store.all_embeddings(MODEL_PACK, change.saved)
        assert gallery.ids == ["0100"]

        # Door A takes it; door B refuses the key and is retried later.
        a_batch = await store.next_outbox_batch(DOORS[0], clock.now)
        b_batch = await store.next_outbox_batch(DOORS[1], clock.now)
        person_now = await store.get_person(a_batch[0].person_id, with_photo=True)
        assert person_now.photo == photos[0]
        assert await store.complete_outbox(a_batch[0].id, clock.now)
        retry_at = clock.now + backoff_delay(b_batch[0].attempts)
        await store.fail_outbox(b_batch[0].id, PlacementState.FAILED_KEY, "wrong key", retry_at)
        assert (await store.get_terminal(DOORS[1])).key_status is KeyStatus.REFUSED
        assert await store.count_persons(PersonFilter(failed_sync=True)) == 1
        assert await store.placement_counts() == {
            DOORS[0]: {PlacementState.SYNCED: 1},
            DOORS[1]: {PlacementState.FAILED_KEY: 1},
        }
        assert await store.outbox_depth() == {DOORS[1]: 1}
        assert await store.next_due_at(DOORS[1]) == retry_at
        assert await store.retry_now(DOORS[1], "desk") == 1
        b_again = await store.next_outbox_batch(DOORS[1], clock.now)
        assert await store.complete_outbox(b_again[0].id, clock.now)
        placements = (await store.placements_of([saved.id]))[saved.id]
        assert {p.state for p in placements} == {PlacementState.SYNCED}
        assert [p.person_id for p in await store.placements_on(DOORS[1])] == ["0100"]
        assert await store.targets_of(saved.id) == DOORS

        # A pass, then forgetting: removals owed, gallery told, data gone once confirmed.
        record = PassRecordRow(DOORS[0], saved.id, clock.now, name=saved.name)
        assert await store.add_pass_records([record, record]) == 1
        assert await store.latest_pass_ts(DOORS[0]) == clock.now
        assert await store.forget_person(saved.id, "desk") is False
        assert (await asyncio.wait_for(changed.get(), 5)).removed == {saved.id}
        for door in DOORS:
            (entry,) = await store.next_outbox_batch(door, clock.now)
            assert entry.op is OutboxOp.REMOVE
            await store.complete_outbox(entry.id, clock.now)
        assert await store.find_person(saved.id) is None
        assert await store.was_forgotten(saved.id)
        (kept,) = await store.list_pass_records(PassFilter(person_id=saved.id))
        assert kept.name == ""
        actions = [e.action for e in await store.list_audit(AuditFilter(person_id=saved.id))]
        assert actions[-1] == "person.create"
        assert actions[0] == "person.forgotten"


def test_id_numbers_stay_out_of_reprs_and_redact_masks() -> None:
    someone = person("1", id_no="110105194912310021")
    assert "110105194912310021" not in repr(someone)
    assert redact("110105194912310021") == "••••••••••••••••21"
    assert redact("1234") == "••••"
    assert redact("") == ""
    assert PersonId("007") != PersonId("7")
