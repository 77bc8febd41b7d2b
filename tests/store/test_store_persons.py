"""Persons: saving, validation, the persons view's search, filters and pages, embeddings."""

from __future__ import annotations

import numpy as np
import pytest
from store_helpers import MODEL_PACK, FakeClock, person, vector

from enroll_app.store import (
    Embedding,
    InvalidRecordError,
    NotFoundError,
    PersonFilter,
    PersonId,
    PersonKind,
    PersonOrder,
    PlacementState,
    Store,
    TerminalSerial,
    changes,
    outbox,
    persons,
)


def test_a_saved_person_reads_back_whole_with_leading_zeros_kept(
    store: Store, photos: list[bytes], clock: FakeClock
) -> None:
    saved = store.run(
        changes.save_person,
        person(
            "000123",
            photos[0],
            name="Zhang Li",
            ic_no="0012345678",
            id_no="11010519491231002X",
            pass_count=5,
            start_ts=clock.now,
            end_ts=clock.now + 3600,
            kind=PersonKind.VISITOR,
            embedding=vector(1),
        ),
        [],
        "desk-1",
    )
    assert saved.id == "000123"
    assert (saved.revision, saved.created_at, saved.updated_at) == (1, clock.now, clock.now)
    back = store.run(persons.get_person, "000123", with_photo=True, model_pack=MODEL_PACK)
    assert back.terminal_fields() == (
        "000123",
        "Zhang Li",
        "0012345678",
        "11010519491231002X",
        5,
        clock.now,
        clock.now + 3600,
    )
    assert back.kind is PersonKind.VISITOR
    assert back.photo == photos[0]
    assert back.embedding == vector(1)
    assert store.run(persons.find_person, "123") is None


def test_an_update_keeps_created_and_source_and_counts_revisions(
    store: Store, clock: FakeClock
) -> None:
    store.run(changes.save_person, person("7", source="import"), [], "op")
    clock.advance(60)
    updated = store.run(changes.save_person, person("7", name="New name"), [], "op")
    assert updated.name == "New name"
    assert updated.source == "import"
    assert (updated.created_at, updated.updated_at) == (clock.now - 60, clock.now)
    assert updated.revision == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ic_no": "12AB"}, "card number"),
        ({"pass_count": 10001}, "passCount"),
        ({"pass_count": -1}, "passCount"),
        ({"pass_count": 2.5}, "passCount"),
        ({"kind": "contractor"}, "staff or visitor"),
        ({"start_ts": 2000.0, "end_ts": 1000.0}, "before startTs"),
        ({"end_ts": -5.0}, "endTs"),
        ({"end_ts": float("nan")}, "endTs"),
        ({"source": ""}, "source"),
    ],
)
def test_fields_a_terminal_would_refuse_are_refused_up_front(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRecordError, match=message):
        person("1", **fields)


def test_a_kind_given_as_text_becomes_the_enum() -> None:
    assert person("1", kind="visitor").kind is PersonKind.VISITOR


def test_ids_with_control_characters_are_refused() -> None:
    with pytest.raises(InvalidRecordError, match="id"):
        person("")
    with pytest.raises(InvalidRecordError, match="id"):
        person("12\n3")


def test_only_640x480_jpegs_are_taken_as_photos(photos: list[bytes]) -> None:
    import cv2

    image = cv2.imdecode(np.frombuffer(photos[0], np.uint8), cv2.IMREAD_COLOR)
    small = cv2.imencode(".jpg", cv2.resize(image, (320, 240)))[1].tobytes()
    png = cv2.imencode(".png", image)[1].tobytes()
    with pytest.raises(InvalidRecordError, match="640x480, it is 320x240"):
        person("1", small)
    with pytest.raises(InvalidRecordError, match="not a readable JPEG"):
        person("1", png)
    with pytest.raises(InvalidRecordError, match="cut short"):
        person("1", photos[0][: len(photos[0]) // 2])


def test_embeddings_must_be_512_finite_floats_with_a_model_pack() -> None:
    with pytest.raises(InvalidRecordError, match="512"):
        Embedding.from_array(MODEL_PACK, np.zeros(128))
    with pytest.raises(InvalidRecordError, match="finite"):
        Embedding.from_array(MODEL_PACK, np.full(512, np.nan))
    with pytest.raises(InvalidRecordError, match="model pack"):
        Embedding.from_array("", np.zeros(512))


def test_a_refused_save_writes_nothing(
    store: Store, doors: list[TerminalSerial], photos: list[bytes]
) -> None:
    with pytest.raises(NotFoundError, match="SN-NOWHERE"):
        store.run(changes.save_person, person("1", photos[0]), [TerminalSerial("SN-NOWHERE")], "op")
    with pytest.raises(InvalidRecordError, match="needs a photo"):
        store.run(changes.save_person, person("2"), doors, "op")
    assert store.run(persons.count_persons) == 0
    assert store.run(outbox.outbox_depth) == {}


def test_lists_never_carry_photos_and_say_whether_there_is_one(
    store: Store, photos: list[bytes]
) -> None:
    store.run(changes.save_person, person("1", photos[0]), [], "op")
    store.run(changes.save_person, person("2"), [], "op")
    listed = {p.id: p for p in store.run(persons.list_persons)}
    assert listed["1"].photo is None
    assert listed["1"].has_photo
    assert not listed["2"].has_photo
    assert store.run(persons.person_photo, "1") == photos[0]


def test_a_new_photo_drops_embeddings_of_the_old_one(store: Store, photos: list[bytes]) -> None:
    other_pack = Embedding("antelopev2", vector(5).vector)
    store.run(changes.save_person, person("1", photos[0], embedding=vector(1)), [], "op")
    store.run(changes.set_embedding, PersonId("1"), other_pack)
    store.run(changes.save_person, person("1", name="Renamed"), [], "op")  # photo kept
    assert store.run(persons.all_embeddings, "antelopev2").ids == ["1"]
    store.run(changes.save_person, person("1", photos[1], embedding=vector(2)), [], "op")
    assert store.run(persons.all_embeddings, "antelopev2").ids == []
    gallery = store.run(persons.all_embeddings, MODEL_PACK)
    assert np.array_equal(gallery.matrix[0], vector(2).as_array())
    assert store.run(persons.missing_embeddings, "antelopev2") == ["1"]


def test_the_gallery_loads_as_one_matrix_in_id_order(store: Store, photos: list[bytes]) -> None:
    for n in (3, 1, 2):
        store.run(changes.save_person, person(f"{n}", photos[n], embedding=vector(n)), [], "op")
    store.run(changes.save_person, person("4", photos[0]), [], "op")
    gallery = store.run(persons.all_embeddings, MODEL_PACK)
    assert gallery.ids == ["1", "2", "3"]
    assert gallery.matrix.shape == (3, 512)
    assert gallery.matrix.dtype == np.float32
    for row, n in enumerate((1, 2, 3)):
        assert np.array_equal(gallery.matrix[row], vector(n).as_array())
    some = store.run(persons.all_embeddings, MODEL_PACK, [PersonId("3"), PersonId("9")])
    assert some.ids == ["3"]
    assert store.run(persons.missing_embeddings, MODEL_PACK) == ["4"]


@pytest.fixture
def crowd(store: Store, doors: list[TerminalSerial], photos: list[bytes], clock: FakeClock) -> None:
    """Five staff and three visitors (one expired), one failed placement on door A."""
    people = [
        person("0001", photos[0], name="Zhang Wei", ic_no="1001", id_no="110105199001011234"),
        person("0002", photos[0], name="Li Na", ic_no="1002", id_no="11010519900101567X"),
        person("0003", photos[0], name="Wang Fang", ic_no="2001"),
        person("0010", photos[0], name="Liu Yang"),
        person("0011", photos[0], name="陈静", ic_no="3001"),
        person(
            "V1", name="Visitor Ann", ic_no="5001", kind=PersonKind.VISITOR, end_ts=clock.now - 10
        ),
        person("V2", name="Visitor Bob", kind=PersonKind.VISITOR, end_ts=clock.now + 3600),
        person("V3", name="Visitor 100%_done", kind=PersonKind.VISITOR),
    ]
    for p in people:
        store.run(changes.save_person, p, doors if p.photo else [], "op")
    entry = store.run(outbox.next_outbox_batch, doors[0], clock.now, 50)[1]
    store.run(outbox.fail_outbox, entry.id, PlacementState.FAILED_PHOTO, "125", None)


def _ids(store: Store, where: PersonFilter, order: PersonOrder = PersonOrder.ID) -> list[str]:
    found = [p.id for p in store.run(persons.list_persons, where, 0, 100, order)]
    assert store.run(persons.count_persons, where) == len(found)
    return found


@pytest.mark.usefixtures("crowd")
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("li", ["0002", "0010"]),  # part of a name, any case
        ("ZHANG", ["0001"]),
        ("陈", ["0011"]),
        ("000", ["0001", "0002", "0003"]),  # part of the id
        ("001", ["0001", "0002", "0003", "0010", "0011", "V1"]),  # ids, cards, ID numbers
        ("2001", ["0003"]),  # the card number
        ("110105", ["0001", "0002"]),  # the start of the ID number
        ("567x", ["0002"]),  # its end, X in any case
        ("v2", ["V2"]),
        ("%", ["V3"]),  # LIKE wildcards are literal
        ("_", ["V3"]),
        ("wei\n0001", []),  # a search never spans two fields
        ("zhang   WEI", ["0001"]),  # runs of spaces count as one
        ("nobody", []),
        ("  ", ["0001", "0002", "0003", "0010", "0011", "V1", "V2", "V3"]),
    ],
)
def test_search_finds_any_part_of_name_id_card_and_id_number(
    store: Store, search: str, expected: list[str]
) -> None:
    assert _ids(store, PersonFilter(search=search)) == expected


@pytest.mark.usefixtures("crowd")
def test_filters_visitors_expired_failed_and_terminal(
    store: Store, clock: FakeClock, doors: list[TerminalSerial]
) -> None:
    assert _ids(store, PersonFilter(kind=PersonKind.VISITOR)) == ["V1", "V2", "V3"]
    assert _ids(store, PersonFilter(expired_at=clock.now)) == ["V1"]
    assert _ids(store, PersonFilter(expired_at=clock.now + 7200)) == ["V1", "V2"]
    assert _ids(store, PersonFilter(failed_sync=True)) == ["0002"]
    assert _ids(store, PersonFilter(terminal=doors[1])) == ["0001", "0002", "0003", "0010", "0011"]
    assert _ids(store, PersonFilter(search="visitor", kind=PersonKind.STAFF)) == []
    assert store.run(persons.expired_visitors, clock.now) == ["V1"]


@pytest.mark.usefixtures("crowd")
def test_pages_in_every_order_cover_everyone_once(store: Store, clock: FakeClock) -> None:
    everyone = _ids(store, PersonFilter())
    for order in PersonOrder:
        pages = [store.run(persons.list_persons, None, offset, 3, order) for offset in (0, 3, 6)]
        ids = [p.id for page in pages for p in page]
        assert sorted(ids) == everyone, order
    by_name = [p.name for p in store.run(persons.list_persons, None, 0, 100, PersonOrder.NAME)]
    assert by_name == sorted(by_name, key=str.casefold)
    clock.advance(5)
    store.run(changes.save_person, person("0003", name="Wang Fang"), [], "op")
    recent = store.run(persons.list_persons, None, 0, 1, PersonOrder.RECENT)
    assert recent[0].id == "0003"
