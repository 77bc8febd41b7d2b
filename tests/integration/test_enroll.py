"""Enrollment end to end: real engine, real photos, three simulated terminals on loopback."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from enroll_app.face.crop import make_enrollment_photo
from enroll_app.face.samples import sample_photo
from enroll_app.face.types import read_image
from enroll_app.services.enroll import EnrollmentRefused, EnrollRequest, TerminalCheck
from enroll_app.store.records import Embedding, PersonId, PersonKind, PersonRecord, PlacementState
from tests.integration.conftest import SimFactory
from tests.integration.enroll_support import (
    frame,
    persons_on,
    read_back,
    station_with,
    three_terminals,
    yaoming,
    yaoming_from_players,
)
from tests.services.import_photos import portrait

VISITOR = PersonRecord(
    id=PersonId("V20260302-001"),
    name="张伟 Zhang Wei",
    ic_no="1919412288",
    id_no="11010519491231002X",
    pass_count=5,
    start_ts=1_772_400_000.0,
    end_ts=1_772_432_400.0,
    kind=PersonKind.VISITOR,
)


@pytest.mark.asyncio
async def test_a_good_portrait_lands_on_all_three_terminals_with_its_fields(
    sim_factory: SimFactory,
) -> None:
    terms = await three_terminals(sim_factory)
    async with station_with(terms) as station:
        svc = station.enrollment
        assessment = await svc.assess(frame(1))
        assert assessment.ok, assessment.failed_codes
        assert assessment.matches == []
        progress: list[object] = []
        result = await svc.enroll(
            EnrollRequest(VISITOR, assessment, [t.serial for t in terms]),
            on_progress=progress.append,
        )
        assert result.all_ok, result.outcomes
        assert sorted(result.outcomes) == sorted(t.serial for t in terms)
        assert all(c.usable and not c.is_exist for c in result.checks)
        assert progress  # the sync service reported its steps
        for term in terms:
            held = await read_back(term, VISITOR.id)
            assert held is not None
            assert (held.name, held.ic_no, held.id_no, held.pass_count) == (
                VISITOR.name,
                VISITOR.ic_no,
                VISITOR.id_no,
                VISITOR.pass_count,
            )
            assert (held.start_ts, held.end_ts) == (VISITOR.start_ts, VISITOR.end_ts)
            assert held.photo == assessment.jpeg
        stored = await station.store.get_person(VISITOR.id, with_photo=True)
        assert stored.photo == assessment.jpeg
        assert stored.kind is PersonKind.VISITOR
        placements = (await station.store.placements_of([VISITOR.id]))[VISITOR.id]
        assert {p.state for p in placements} == {PlacementState.SYNCED}
        # The gallery knows the new face at once: the same photo is now a duplicate of them.
        again = await svc.assess(frame(1))
        assert again.duplicate is not None
        assert again.duplicate.person_id == VISITOR.id
        assert again.duplicate.name == VISITOR.name
        assert again.duplicate.photo_jpeg


@pytest.mark.asyncio
async def test_the_same_man_in_another_photo_is_refused_naming_the_enrolled_id(
    sim_factory: SimFactory,
) -> None:
    terms = await three_terminals(sim_factory)
    serials = [t.serial for t in terms]
    async with station_with(terms) as station:
        svc = station.enrollment
        first = await svc.assess(yaoming())
        yao = PersonRecord(id=PersonId("E-0011"), name="Yao Ming")
        assert (await svc.enroll(EnrollRequest(yao, first, serials))).all_ok

        second = await svc.assess(yaoming_from_players())
        assert second.ok, second.failed_codes  # a usable photo: refused for who it shows
        assert second.duplicate is not None
        assert second.duplicate.person_id == "E-0011"
        newcomer = PersonRecord(id=PersonId("E-0012"), name="Someone Else")
        with pytest.raises(EnrollmentRefused) as refused:
            await svc.enroll(EnrollRequest(newcomer, second, serials))
        assert refused.value.reason == "duplicate"
        assert refused.value.person_id == "E-0011"
        assert "E-0011" in str(refused.value)
        assert await station.store.find_person(newcomer.id) is None
        for term in terms:
            assert [p.id for p in await persons_on(term)] == ["E-0011"]

        # Updating the enrolled man with his new photo is allowed (a renewal).
        renewed = await svc.enroll(EnrollRequest(yao, second, serials, update_existing=True))
        assert renewed.all_ok
        held = await read_back(terms[0], "E-0011")
        assert held is not None
        assert held.photo == second.jpeg


@pytest.mark.asyncio
async def test_an_id_already_taken_is_refused_unless_updating(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with station_with([term]) as station:
        svc = station.enrollment
        first = await svc.assess(yaoming())
        await svc.enroll(EnrollRequest(PersonRecord(id=PersonId("7"), name="A"), first, []))
        other = await svc.assess(frame(1))
        with pytest.raises(EnrollmentRefused) as refused:
            await svc.enroll(EnrollRequest(PersonRecord(id=PersonId("7"), name="B"), other, []))
        assert (refused.value.reason, refused.value.field, refused.value.person_id) == (
            "id_taken",
            "id",
            "7",
        )
        renewed = await svc.enroll(
            EnrollRequest(PersonRecord(id=PersonId("7"), name="B"), other, [], update_existing=True)
        )
        assert renewed.all_ok
        assert (await station.store.get_person(PersonId("7"))).name == "B"


@pytest.mark.asyncio
async def test_generated_ids_skip_those_already_enrolled(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with station_with([term]) as station:
        svc = station.enrollment
        first_id = await svc.next_person_id()
        assert first_id.endswith("-001")
        assert first_id.startswith("V")
        assessment = await svc.assess(frame(1))
        await svc.enroll(EnrollRequest(PersonRecord(id=first_id, name="A"), assessment, []))
        second_id = await svc.next_person_id()
        assert second_id == first_id[:-3] + "002"


@pytest.mark.asyncio
async def test_the_face_picked_in_the_preview_is_the_one_assessed(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory()
    async with station_with([term]) as station:
        group = read_image(str(sample_photo("t1.jpg")))
        faces = (await station.face_engine()).detect(group)
        assert len(faces) > 2
        picked = faces[2]  # not the largest
        assessment = await station.enrollment.assess(group, face=picked)
        assert assessment.report.face is not None
        assert np.allclose(assessment.report.face.bbox, picked.bbox)
        assert "face_count" in assessment.failed_codes  # the others still compete
        default = await station.enrollment.assess(group)
        assert default.report.face is not None
        assert np.allclose(default.report.face.bbox, faces[0].bbox)


def _blurred() -> np.ndarray:
    return cv2.GaussianBlur(frame(1), (0, 0), 6.0)


def _dark() -> np.ndarray:
    return (frame(1).astype(np.float32) * 0.12).astype(np.uint8)


def _no_face() -> np.ndarray:
    wall = frame(1)[:120, :160]  # a corner of the room, nobody in it
    return cv2.resize(wall, (640, 480))


@pytest.mark.parametrize(
    ("make", "code"), [(_blurred, "sharpness"), (_dark, "brightness"), (_no_face, "face_count")]
)
@pytest.mark.asyncio
async def test_a_bad_photo_is_refused_with_its_check_codes_and_nothing_is_written(
    sim_factory: SimFactory, make: object, code: str
) -> None:
    terms = await three_terminals(sim_factory)
    async with station_with(terms) as station:
        svc = station.enrollment
        assert callable(make)
        assessment = await svc.assess(make())
        assert not assessment.ok
        assert code in assessment.failed_codes
        with pytest.raises(EnrollmentRefused) as refused:
            await svc.enroll(EnrollRequest(VISITOR, assessment, [t.serial for t in terms]))
        assert refused.value.reason == "quality"
        assert code in refused.value.codes
        assert code in str(refused.value)
        assert await station.store.find_person(VISITOR.id) is None
        assert await station.store.outbox_depth() == {}
        for term in terms:
            assert await persons_on(term) == []


@pytest.mark.asyncio
async def test_a_field_the_terminal_would_refuse_is_refused_first(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with station_with([term]) as station:
        svc = station.enrollment
        assessment = await svc.assess(frame(1))
        bad = dataclasses.replace(VISITOR, id=PersonId("A,B"))
        with pytest.raises(EnrollmentRefused) as refused:
            await svc.enroll(EnrollRequest(bad, assessment, [term.serial]))
        assert (refused.value.reason, refused.value.field) == ("invalid", "id")
        with pytest.raises(EnrollmentRefused) as unknown:
            await svc.enroll(EnrollRequest(VISITOR, assessment, ["0000000000000000"]))
        assert unknown.value.reason == "target"
        # A terminal that said it cannot use the photo (seen by the operator) refuses it too.
        seen = TerminalCheck(term.serial, "", is_valid=3)
        with pytest.raises(EnrollmentRefused) as unusable:
            await svc.enroll(
                EnrollRequest(VISITOR, assessment, [term.serial], terminal_checks=[seen])
            )
        assert (unusable.value.reason, unusable.value.codes) == (
            "terminal_check",
            [f"terminal_{term.serial}"],
        )
        assert await persons_on(term) == []


@pytest.mark.asyncio
async def test_one_failing_terminal_leaves_the_others_done_and_retry_finishes(
    sim_factory: SimFactory,
) -> None:
    terms = await three_terminals(sim_factory)
    broken = terms[2]
    async with station_with(terms) as station:
        svc = station.enrollment
        assessment = await svc.assess(frame(1))
        broken.faults.fail_rate = 1.0  # from now on every request answers status 1
        result = await svc.enroll(EnrollRequest(VISITOR, assessment, [t.serial for t in terms]))
        assert not result.all_ok
        assert result.failed_serials == [broken.serial]
        failed = result.outcomes[broken.serial]
        assert failed.state.startswith("failed_")
        assert failed.error_text
        for term in terms[:2]:
            assert await read_back(term, VISITOR.id) is not None
        assert [c.is_valid for c in result.checks if c.serial == broken.serial] == [None]

        broken.faults.fail_rate = 0.0
        retried = await svc.retry(VISITOR.id, result.failed_serials)
        assert retried.all_ok, retried.outcomes
        held = await read_back(broken, VISITOR.id)
        assert held is not None
        assert held.photo == assessment.jpeg


@pytest.mark.asyncio
async def test_terminal_check_reports_usable_known_and_unreachable(
    sim_factory: SimFactory,
) -> None:
    terms = await three_terminals(sim_factory)
    async with station_with(terms) as station:
        svc = station.enrollment
        assessment = await svc.assess(frame(1))
        serials = [t.serial for t in terms]
        before = await svc.check_on_terminals(assessment.jpeg, serials)
        assert [(c.serial, c.is_valid, c.is_exist) for c in before] == [
            (s, 0, False) for s in serials
        ]
        await svc.enroll(EnrollRequest(VISITOR, assessment, serials[:1]))
        await terms[2].stop()
        after = await svc.check_on_terminals(assessment.jpeg, serials)
        assert after[0].is_exist
        assert not after[1].is_exist
        assert after[2].is_valid is None
        assert after[2].error_text
        # A terminal that knows the face refuses a new enrollment of it as a duplicate.
        other = dataclasses.replace(VISITOR, id=PersonId("V20260302-002"))
        station_gallery = await station.gallery()
        station_gallery.remove(VISITOR.id)  # only the terminal knows them now
        fresh = await svc.assess(frame(1))
        assert fresh.duplicate is None
        with pytest.raises(EnrollmentRefused) as refused:
            await svc.enroll(EnrollRequest(other, fresh, serials[:1]))
        assert refused.value.reason == "duplicate"
        assert refused.value.codes == [f"terminal_{serials[0]}"]


@pytest.mark.asyncio
async def test_remote_photos_from_a_terminal_are_assessed_best_first(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory()
    async with station_with([term]) as station:
        svc = station.enrollment
        photos = await svc.remote_photos(term.serial, count=3, tips_before="请看镜头")
        assert len(photos) == 3
        scores = [p.assessment.report.score for p in photos]
        assert scores == sorted(scores, reverse=True)
        best = photos[0]
        assert best.assessment.ok  # the camera's frames cycle from frame 1, which passes
        assert all(not p.assessment.ok for p in photos[1:])
        result = await svc.enroll(EnrollRequest(VISITOR, best.assessment, [term.serial]))
        assert result.all_ok


@pytest.mark.asyncio
async def test_the_gallery_follows_persons_removed_from_the_store(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory()
    async with station_with([term]) as station:
        svc = station.enrollment
        assessment = await svc.assess(frame(1))
        await svc.enroll(EnrollRequest(VISITOR, assessment, [term.serial]))
        gallery = await station.gallery()
        assert VISITOR.id in gallery
        await station.store.forget_person(VISITOR.id, "test")
        await svc.gallery_in_step()
        assert VISITOR.id not in gallery


@pytest.mark.asyncio
async def test_the_gallery_follows_persons_saved_by_others(sim_factory: SimFactory) -> None:
    term = await sim_factory()
    async with station_with([term]) as station:
        gallery = await station.gallery()  # loaded before any enrollment, e.g. by the preview
        engine = await station.face_engine()
        face = engine.analyse(yaoming())[0]
        assert face.embedding is not None
        imported = dataclasses.replace(
            VISITOR,
            id=PersonId("HR-1"),
            photo=make_enrollment_photo(yaoming(), face).jpeg,
            embedding=Embedding.from_array(station.pack, face.embedding),
            source="import",
        )
        await station.store.save_person(imported, [], "import")  # as an HR import does
        await station.enrollment.gallery_in_step()
        assert "HR-1" in gallery
        again = await station.enrollment.assess(yaoming())
        assert again.duplicate is not None
        assert again.duplicate.person_id == "HR-1"


@pytest.mark.asyncio
async def test_a_face_enrolled_after_the_photo_was_assessed_is_still_caught(
    sim_factory: SimFactory,
) -> None:
    term = await sim_factory()
    async with station_with([term]) as station:
        svc = station.enrollment
        at_desk_one = await svc.assess(frame(1))
        at_desk_two = await svc.assess(frame(1))
        assert at_desk_two.matches == []  # nobody enrolled yet when it was assessed
        await svc.enroll(EnrollRequest(VISITOR, at_desk_one, [term.serial]))
        twin = dataclasses.replace(VISITOR, id=PersonId("V20260302-009"))
        with pytest.raises(EnrollmentRefused) as refused:
            await svc.enroll(EnrollRequest(twin, at_desk_two, [term.serial], check_terminals=False))
        assert refused.value.reason == "duplicate"
        assert refused.value.person_id == VISITOR.id


@pytest.mark.asyncio
async def test_a_replaced_photo_replaces_the_face_the_station_searches(
    sim_factory: SimFactory,
) -> None:
    """Editing a person's photo: the new face goes into the store and the duplicate search;
    the old one no longer names them; someone else's face or a bad photo is refused."""
    term = await sim_factory()
    serials = [term.serial]
    async with station_with([term]) as station:
        svc = station.enrollment
        first = await svc.assess(portrait("player"))
        assert first.ok, first.failed_codes
        assert (await svc.enroll(EnrollRequest(VISITOR, first, serials))).all_ok
        yao = PersonRecord(id=PersonId("E-0011"), name="Yao Ming")
        assert (await svc.enroll(EnrollRequest(yao, await svc.assess(yaoming()), serials))).all_ok

        new_face = await svc.assess(portrait("gdp"))  # someone else: the visitor's photo was wrong
        assert new_face.ok, new_face.failed_codes
        assert new_face.duplicate is None
        stored = await station.store.get_person(VISITOR.id)
        edited = await svc.with_new_photo(stored, new_face)
        await station.store.save_person(edited, serials, "operator")
        await svc.gallery_in_step()

        kept = await station.store.get_person(VISITOR.id, with_photo=True, model_pack=station.pack)
        assert kept.photo == new_face.jpeg
        assert kept.embedding is not None
        assert new_face.embedding is not None
        assert np.allclose(kept.embedding.as_array(), new_face.embedding)
        again = await svc.assess(portrait("gdp"))
        assert again.duplicate is not None
        assert again.duplicate.person_id == VISITOR.id
        old = await svc.assess(portrait("player"))
        assert all(m.person_id != VISITOR.id for m in old.matches)  # the old face is gone

        # Yao Ming's face on the visitor: refused (it names him), unless the operator insists.
        his = await svc.assess(yaoming_from_players())
        with pytest.raises(EnrollmentRefused) as refused:
            await svc.with_new_photo(kept, his)
        assert (refused.value.reason, refused.value.person_id) == ("duplicate", "E-0011")
        forced = await svc.with_new_photo(kept, his, allow_duplicate=True)
        assert forced.photo == his.jpeg
        # Yao Ming's own new photo matches only himself: no refusal.
        assert (await svc.with_new_photo(yao, his)).photo == his.jpeg

        with pytest.raises(EnrollmentRefused) as bad:
            await svc.with_new_photo(kept, await svc.assess(_dark()))
        assert bad.value.reason == "quality"
        assert "brightness" in bad.value.codes
        assert (await station.store.get_person(VISITOR.id, with_photo=True)).photo == new_face.jpeg
