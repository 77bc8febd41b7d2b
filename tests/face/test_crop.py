"""The enrollment photo, measured by detecting the face again in the JPEG it produced."""

from __future__ import annotations

import cv2
import degrade
import numpy as np
import numpy.typing as npt
import pytest
import skimage.data

from enroll_app.face.crop import (
    DEFAULT_MAX_BYTES,
    PHOTO_HEIGHT,
    PHOTO_WIDTH,
    EnrollmentPhoto,
    crop_photo,
    make_enrollment_photo,
)
from enroll_app.face.engine import FaceEngine
from enroll_app.face.pose import eye_centres, roll_degrees
from enroll_app.face.samples import sample_photo
from enroll_app.face.types import (
    DetectedFace,
    FaceError,
    Image,
    ImageError,
    decode_image,
    read_image,
)


@pytest.fixture(scope="module")
def astronaut() -> Image:
    return np.ascontiguousarray(cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))


def _sources(astronaut: Image, yaoming: Image) -> dict[str, Image]:
    return {
        "astronaut": astronaut,
        "yaoming": yaoming,
        "astronaut tilted 20": degrade.rotate(astronaut, 20),
        "yaoming tilted -20": degrade.rotate(degrade.pad(yaoming, 60), -20),
        "yaoming far": degrade.shrink(yaoming, 0.6),
        "astronaut cut below the chin": degrade.cut(astronaut, y2=170),
        "group photo": read_image(str(sample_photo("t1.jpg"))),
        "players": read_image(str(sample_photo("gdp.jpg"))),
    }


SOURCES = [
    "astronaut",
    "yaoming",
    "astronaut tilted 20",
    "yaoming tilted -20",
    "yaoming far",
    "astronaut cut below the chin",
    "group photo",
    "players",
]


@pytest.mark.parametrize("name", SOURCES)
def test_photo_geometry_measured_on_the_output(
    engine: FaceEngine, astronaut: Image, yaoming_image: Image, name: str
) -> None:
    source = _sources(astronaut, yaoming_image)[name]
    photo = crop_photo(engine, source)
    assert len(photo.jpeg) <= DEFAULT_MAX_BYTES
    decoded = decode_image(photo.jpeg)
    assert decoded.shape == (PHOTO_HEIGHT, PHOTO_WIDTH, 3)
    face = engine.analyse(decoded, embedding=False)[0]
    assert face.landmarks is not None
    left, right = eye_centres(face.landmarks)
    middle = (left + right) / 2
    assert abs(roll_degrees(left, right)) <= 2.0
    assert middle[0] == pytest.approx(PHOTO_WIDTH / 2, abs=4.0)
    assert middle[1] < PHOTO_HEIGHT / 2  # eyes a little above the middle
    assert middle[1] > PHOTO_HEIGHT * 0.35
    assert PHOTO_HEIGHT / 3 <= face.height <= PHOTO_HEIGHT * 2 / 3
    # the landmarks handed back are where the face really is in the photo
    assert np.abs(photo.landmarks - face.landmarks).mean() < 3.0
    assert photo.landmarks.shape == (106, 2)
    assert photo.kps.shape == (5, 2)


def test_crop_keeps_the_person(engine: FaceEngine, yaoming_image: Image) -> None:
    photo = crop_photo(engine, degrade.rotate(degrade.pad(yaoming_image, 60), 15))
    before = engine.analyse(yaoming_image, landmarks=False)[0].embedding
    after = engine.analyse(photo.image, landmarks=False)[0].embedding
    assert before is not None
    assert after is not None
    assert float(np.dot(before, after)) > 0.7


def test_area_outside_the_source_has_no_hard_edge(engine: FaceEngine, astronaut: Image) -> None:
    source = degrade.cut(astronaut, y2=170)  # the picture ends just below the chin
    face = engine.analyse(source, embedding=False)[0]
    photo = make_enrollment_photo(source, face)
    hard = cv2.warpAffine(source, photo.matrix, (PHOTO_WIDTH, PHOTO_HEIGHT), borderValue=0)
    soft_step = _step_across_bottom_edge(photo.image, photo.matrix, source.shape)
    hard_step = _step_across_bottom_edge(hard, photo.matrix, source.shape)
    assert hard_step > 50  # the measure sees a black fill
    assert soft_step < 12
    # and the filled area is not a copy of the face: only one face in the photo
    assert len(engine.detect(photo.image)) == 1


def _step_across_bottom_edge(
    image: Image, matrix: npt.NDArray[np.float64], shape: tuple[int, ...]
) -> float:
    """Mean grey-level jump between points 3 px inside and 3 px outside the source's bottom
    edge, as mapped into the photo."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float64)
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    xs = np.linspace(0, shape[1] - 1, 200)
    steps = []
    for x in xs:
        inside = matrix @ np.array([x, shape[0] - 1 - 3 / scale, 1.0])
        outside = matrix @ np.array([x, shape[0] - 1 + 3 / scale, 1.0])
        points = [np.round(p).astype(int) for p in (inside, outside)]
        if all(0 <= p[0] < PHOTO_WIDTH and 0 <= p[1] < PHOTO_HEIGHT for p in points):
            steps.append(abs(grey[points[0][1], points[0][0]] - grey[points[1][1], points[1][0]]))
    assert len(steps) > 50
    return float(np.mean(steps))


def test_jpeg_quality_drops_to_meet_a_smaller_budget(engine: FaceEngine, astronaut: Image) -> None:
    face = engine.analyse(astronaut, embedding=False)[0]
    roomy = make_enrollment_photo(astronaut, face)
    tight = make_enrollment_photo(astronaut, face, max_bytes=len(roomy.jpeg) // 2)
    assert len(tight.jpeg) <= len(roomy.jpeg) // 2
    assert tight.jpeg_quality < roomy.jpeg_quality
    assert decode_image(tight.jpeg).shape == (PHOTO_HEIGHT, PHOTO_WIDTH, 3)
    with pytest.raises(FaceError, match="1000 bytes"):
        make_enrollment_photo(astronaut, face, max_bytes=1000)


def test_no_face_is_a_clear_error(engine: FaceEngine) -> None:
    with pytest.raises(FaceError, match="No face"):
        crop_photo(engine, np.full((300, 400, 3), 90, dtype=np.uint8))


def test_face_without_landmarks_is_refused(engine: FaceEngine, astronaut: Image) -> None:
    face: DetectedFace = engine.detect(astronaut)[0]
    with pytest.raises(ValueError, match="landmarks"):
        make_enrollment_photo(astronaut, face)


def test_photo_record(engine: FaceEngine, astronaut: Image) -> None:
    photo: EnrollmentPhoto = crop_photo(engine, astronaut)
    assert photo.image.dtype == np.uint8
    assert photo.jpeg[:3] == b"\xff\xd8\xff"
    assert photo.matrix.shape == (2, 3)


def test_grey_source_gives_a_colour_photo(engine: FaceEngine, astronaut: Image) -> None:
    grey = cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY)
    photo = crop_photo(engine, grey)
    assert decode_image(photo.jpeg).shape == (PHOTO_HEIGHT, PHOTO_WIDTH, 3)


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (np.zeros((4, 4, 3), np.uint8), "too small"),
        (np.zeros((100, 100, 3), np.float32), "8-bit"),
        (np.zeros((0, 0, 3), np.uint8), "empty"),
    ],
)
def test_bad_pixels_are_a_clear_error(engine: FaceEngine, image: Image, reason: str) -> None:
    with pytest.raises(ImageError, match=reason):
        crop_photo(engine, image)
