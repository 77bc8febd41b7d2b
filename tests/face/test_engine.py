"""FaceEngine on real photos with the real buffalo_s models."""

from __future__ import annotations

import asyncio
import logging
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from enroll_app.face.engine import FaceEngine, check_image, detector_input_size
from enroll_app.face.samples import sample_photo
from enroll_app.face.types import (
    DetectedFace,
    Image,
    ImageError,
    ModelPackError,
    decode_image,
    read_image,
)


def iou(a: DetectedFace, b: DetectedFace) -> float:
    x1, y1 = np.maximum(a.bbox[:2], b.bbox[:2])
    x2, y2 = np.minimum(a.bbox[2:], b.bbox[2:])
    inter = max(float(x2 - x1), 0.0) * max(float(y2 - y1), 0.0)
    return inter / (a.area + b.area - inter)


def test_t1_has_six_faces_largest_first(engine: FaceEngine, t1_image: Image) -> None:
    faces = engine.detect(t1_image, det_size=640)
    assert len(faces) == 6
    areas = [f.area for f in faces]
    assert areas == sorted(areas, reverse=True)
    for face in faces:
        assert face.kps.shape == (5, 2)
        assert face.score >= 0.5
        x1, y1, x2, y2 = face.bbox
        # the five points lie inside (or at the edge of) their own box
        assert np.all(face.kps[:, 0] > x1 - 5)
        assert np.all(face.kps[:, 0] < x2 + 5)
        assert np.all(face.kps[:, 1] > y1 - 5)
        assert np.all(face.kps[:, 1] < y2 + 5)
        assert face.kps[0, 0] < face.kps[1, 0]  # left eye left of right eye in the image


def test_max_faces_keeps_the_largest(engine: FaceEngine, t1_image: Image) -> None:
    all_faces = engine.detect(t1_image)
    two = engine.detect(t1_image, max_faces=2)
    assert [f.area for f in two] == [f.area for f in all_faces[:2]]


def test_yaoming_has_one_face(engine: FaceEngine, yaoming_image: Image) -> None:
    faces = engine.detect(yaoming_image)
    assert len(faces) == 1
    assert faces[0].inter_eye_distance > 20


def test_blank_and_noise_images_have_no_faces(engine: FaceEngine) -> None:
    assert engine.detect(np.zeros((480, 640, 3), np.uint8)) == []
    assert engine.detect(np.full((480, 640, 3), 255, np.uint8), det_size=320) == []
    noise = np.random.default_rng(7).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    assert engine.analyse(noise) == []


def test_grey_image_is_converted(engine: FaceEngine, yaoming_image: Image) -> None:
    grey = yaoming_image.mean(axis=2).astype(np.uint8)
    assert len(engine.detect(grey)) == 1
    assert len(engine.detect(grey[:, :, None])) == 1


def test_corrupt_and_empty_bytes_are_image_errors() -> None:
    jpeg = sample_photo("yaoming.jpg").read_bytes()
    with pytest.raises(ImageError, match="empty"):
        decode_image(b"")
    with pytest.raises(ImageError):
        decode_image(b"\x00not an image at all" * 50)
    with pytest.raises(ImageError):
        decode_image(jpeg[:40])  # a truncated header


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (None, "No image"),
        (np.zeros((0, 0, 3), np.uint8), "empty"),
        (np.zeros((480, 640, 3), np.float32), "8-bit"),
        (np.zeros((480, 640, 4), np.uint8), "3 channels"),
        (np.zeros((480, 640, 3, 1), np.uint8), "3 channels"),
        (np.zeros((4, 640, 3), np.uint8), "too small"),
        (np.zeros((40, 4000, 3), np.uint8), "too narrow"),
        (b"\xff\xd8 jpeg bytes", "pixel array"),
    ],
)
def test_bad_arrays_are_image_errors(engine: FaceEngine, image: object, reason: str) -> None:
    with pytest.raises(ImageError, match=reason):
        check_image(image)
    with pytest.raises(ImageError, match=reason):
        engine.analyse(image)  # type: ignore[arg-type]


def test_huge_image_is_refused_before_inference(engine: FaceEngine) -> None:
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (8000, 6000, 3))  # 48 MP, no memory
    with pytest.raises(ImageError, match="too large"):
        engine.detect(huge)
    with pytest.raises(ImageError, match="too large"):
        engine.detect(huge[:, :, 0])  # grey: refused before it is converted to colour


def test_embeddings_are_unit_norm_and_repeatable(engine: FaceEngine, t1_image: Image) -> None:
    first = engine.analyse(t1_image)
    second = engine.analyse(t1_image.copy())
    assert first[0].embedding is not None
    assert second[0].embedding is not None
    assert first[0].embedding.shape == (512,)
    assert first[0].embedding.dtype == np.float32
    assert abs(float(np.linalg.norm(first[0].embedding)) - 1.0) < 1e-5
    assert float(first[0].embedding @ second[0].embedding) > 0.999
    assert all(f.embedding is None and f.landmarks is None for f in first[1:])


def test_different_people_are_far_apart(engine: FaceEngine, t1_image: Image) -> None:
    faces = engine.detect(t1_image)
    embeddings = [engine.embed(t1_image, f) for f in faces]
    sims = [float(embeddings[0] @ e) for e in embeddings[1:]]
    assert max(sims) < 0.4


def test_same_person_in_another_photo_is_close(engine: FaceEngine, yaoming_image: Image) -> None:
    face = engine.detect(yaoming_image)[0]
    mirrored = np.ascontiguousarray(yaoming_image[:, ::-1])
    shifted = np.pad(yaoming_image, ((40, 0), (60, 0), (0, 0)))
    a = engine.embed(yaoming_image, face)
    for other in (mirrored, shifted):
        b = engine.embed(other, engine.detect(other)[0])
        assert float(a @ b) > 0.6


def test_landmarks_lie_on_the_main_face(engine: FaceEngine, yaoming_image: Image) -> None:
    face = engine.analyse(yaoming_image, embedding=False)[0]
    assert face.embedding is None
    assert face.landmarks is not None
    assert face.landmarks.shape == (106, 2)
    assert face.landmarks.dtype == np.float32
    x1, y1, x2, y2 = face.bbox
    inside = (
        (face.landmarks[:, 0] >= x1 - 10)
        & (face.landmarks[:, 0] <= x2 + 10)
        & (face.landmarks[:, 1] >= y1 - 10)
        & (face.landmarks[:, 1] <= y2 + 10)
    )
    assert inside.mean() > 0.95
    # the landmark cloud is centred near the five points' centre
    assert np.linalg.norm(face.landmarks.mean(axis=0) - face.kps.mean(axis=0)) < 0.15 * face.width


def test_preview_and_still_sizes_agree_on_main_face(
    engine: FaceEngine, yaoming_image: Image
) -> None:
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[100:387, 200:433] = yaoming_image  # the face, in a camera-sized frame
    small = engine.detect(frame, det_size=320)
    large = engine.detect(frame, det_size=640)
    assert len(small) == len(large) == 1
    assert iou(small[0], large[0]) > 0.8
    assert np.abs(small[0].kps - large[0].kps).max() < 0.05 * large[0].width


def test_non_square_and_bad_detection_sizes(engine: FaceEngine, yaoming_image: Image) -> None:
    assert len(engine.detect(yaoming_image, det_size=(320, 256))) == 1
    with pytest.raises(ValueError, match="multiples of 32"):
        engine.detect(yaoming_image, det_size=300)


def test_concurrent_use_gives_the_same_results(
    engine: FaceEngine, t1_image: Image, yaoming_image: Image
) -> None:
    jobs = [(t1_image, 640), (yaoming_image, 320), (t1_image, 320), (yaoming_image, 640)] * 4
    expected = [engine.analyse(img, det_size=size) for img, size in jobs[:4]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: engine.analyse(job[0], det_size=job[1]), jobs))
    for i, faces in enumerate(results):
        want = expected[i % 4]
        assert len(faces) == len(want)
        np.testing.assert_allclose(faces[0].bbox, want[0].bbox, atol=1e-3)
        np.testing.assert_allclose(faces[0].landmarks, want[0].landmarks, atol=1e-3)  # type: ignore[arg-type]
        assert float(faces[0].embedding @ want[0].embedding) > 0.9999  # type: ignore[operator]


def test_info_names_pack_files_and_licence(engine: FaceEngine) -> None:
    info = engine.info()
    assert engine.pack_name == info.pack_name == "buffalo_s"
    assert "non-commercial" in info.licence.lower()
    assert {p.name for p in info.files.values()} == {
        "scrfd_500m_bnkps.onnx",
        "2d106det.onnx",
        "w600k_mbf.onnx",
    }


@pytest.mark.asyncio
async def test_load_async_builds_a_working_engine(yaoming_image: Image) -> None:
    engine = await FaceEngine.load_async("buffalo_s")
    assert engine.pack_name == "buffalo_s"
    assert len(engine.detect(yaoming_image)) == 1


@pytest.mark.asyncio
async def test_cancelled_load_async_returns_only_after_the_load_thread_ended(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Closing the station mid-load: nothing the load thread posts back outlives the caller."""
    loop = asyncio.get_running_loop()
    caplog.set_level(logging.INFO, logger="enroll_app.face.engine")
    task = asyncio.create_task(FaceEngine.load_async("buffalo_s"))
    await asyncio.sleep(0.05)  # the thread is loading (it takes well over 50 ms)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert any("loaded in" in r.getMessage() for r in caplog.records)  # the thread had ended
    pending = [h for h in loop._ready if not h.cancelled()]  # type: ignore[attr-defined]
    assert pending == []  # ... and its result reached the loop before the cancellation did


def test_load_of_a_missing_pack_is_a_model_pack_error(tmp_path: Path) -> None:
    with pytest.raises(ModelPackError, match="does not exist"):
        FaceEngine.load("buffalo_s", folder=tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("det_size", "shape", "expected"),
    [
        (320, (480, 640), (320, 256)),
        (320, (640, 480), (256, 320)),
        (640, (480, 640), (640, 480)),
        (640, (886, 1280), (640, 448)),
        (320, (500, 500), (320, 320)),
        (320, (40, 800), (320, 32)),
        ((320, 320), (480, 640), (320, 320)),
    ],
)
def test_detector_input_fits_the_aspect_ratio(
    det_size: int | tuple[int, int], shape: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert detector_input_size(det_size, *shape) == expected


def test_matches_insightface_reference_models(engine: FaceEngine, t1_image: Image) -> None:
    """Our landmark and embedding code gives what insightface's own model classes give."""
    from insightface.app.common import Face
    from insightface.model_zoo import get_model

    lmk_model = get_model(str(engine.pack.path("landmarks")), providers=["CPUExecutionProvider"])
    rec_model = get_model(str(engine.pack.path("recognition")), providers=["CPUExecutionProvider"])
    for face in engine.detect(t1_image)[:3]:
        reference = lmk_model.get(t1_image, Face(bbox=face.bbox.astype(np.float64)))
        np.testing.assert_allclose(engine.landmarks(t1_image, face), reference, atol=0.05)
        with warnings.catch_warnings():
            # insightface's crop uses a scikit-image call deprecated in 0.26
            warnings.simplefilter("ignore", FutureWarning)
            ref_embedding = rec_model.get(t1_image, Face(kps=face.kps))
        ref_embedding = ref_embedding / np.linalg.norm(ref_embedding)
        assert float(engine.embed(t1_image, face) @ ref_embedding) > 0.9999


def test_loading_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """insightface can download packs; our load path must not even try."""
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access during model load: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine = FaceEngine.load("buffalo_s")
    assert engine.detect(read_image(str(sample_photo("yaoming.jpg"))))
