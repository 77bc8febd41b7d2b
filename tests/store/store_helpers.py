"""Shared helpers of the store tests: a clock the test drives, persons, embeddings, photos."""

from __future__ import annotations

import cv2
import numpy as np

from enroll_app.face.samples import sample_photo
from enroll_app.store import Embedding, PersonId, PersonRecord, TerminalSerial

START = 1_800_000_000.0
MODEL_PACK = "buffalo_s"
DOORS = [TerminalSerial("SN-DOOR-A"), TerminalSerial("SN-DOOR-B")]


class FakeClock:
    """Epoch seconds that move only when the test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def enrollment_jpeg(name: str, crop: tuple[float, float]) -> bytes:
    image = cv2.imread(str(sample_photo(name)))
    assert image is not None, name
    height, width = image.shape[:2]
    top, left = int(height * crop[0]), int(width * crop[1])
    framed = cv2.resize(image[top:, left:], (640, 480))
    ok, data = cv2.imencode(".jpg", framed, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(data.tobytes())


def vector(seed: int) -> Embedding:
    """A unit-length 512-float embedding that differs per seed."""
    values = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
    return Embedding.from_array(MODEL_PACK, values / np.linalg.norm(values))


def person(person_id: str, photo: bytes | None = None, **fields: object) -> PersonRecord:
    """A person with an id, name and whatever else the test names."""
    fields.setdefault("name", f"Person {person_id}")
    return PersonRecord(id=PersonId(person_id), photo=photo, **fields)  # type: ignore[arg-type]
