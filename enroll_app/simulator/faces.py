"""How the simulated terminal judges photos: JPEG facts and faces, behind `FaceJudge`.

`EngineJudge` asks the real face engine (`enroll_app.face.engine.FaceEngine`, buffalo_s), one
engine per process, loaded on first use. `isExist` and the door use the cosine similarity of
L2-normalised ArcFace embeddings: two photos show the same person when similarity is at least
the terminal's `faceFeaturePairNumber` (default 0.6, like the firmware's threshold).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from enroll_app.simulator.results import ServerFault

if TYPE_CHECKING:
    from enroll_app.face.engine import FaceEngine

Embedding = npt.NDArray[np.float32]
_SOF_MARKERS = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)


@dataclass(frozen=True)
class FaceVerdict:
    """What the terminal learns from one photo."""

    decoded: bool  # the bytes are an image the terminal can decode
    width: int = 0
    height: int = 0
    faces: int = 0
    embedding: Embedding | None = None  # the main face's, when one was found and measured


class FaceJudge(Protocol):
    """Analyses photo bytes; called from a worker thread, one call at a time per terminal."""

    def analyse(self, photo: bytes) -> FaceVerdict:
        """Decode `photo`, find faces and measure the largest."""
        ...


def is_jpeg(data: bytes) -> bool:
    """True when `data` starts like a JPEG file (SOI marker)."""
    return data[:3] == b"\xff\xd8\xff"


def jpeg_size(data: bytes) -> tuple[int, int] | None:  # noqa: PLR0911 - one exit per marker kind
    """(width, height) from a JPEG's SOF segment, without decoding; None if not found."""
    if not is_jpeg(data):
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # standalone markers carry no length
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            segment = data[pos + 4 : pos + 2 + length]
            if len(segment) < 5:
                return None
            height = int.from_bytes(segment[1:3], "big")
            width = int.from_bytes(segment[3:5], "big")
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            return None
        pos += 2 + length
    return None


def similarity(a: Embedding, b: Embedding) -> float:
    """Cosine similarity of two L2-normalised embeddings."""
    return float(np.dot(a, b))


class EngineJudge:
    """`FaceJudge` over the shared real face engine."""

    def analyse(self, photo: bytes) -> FaceVerdict:
        """Decode with `enroll_app.face.types.decode_image`, then detect and embed."""
        from enroll_app.face.types import FaceError, ModelPackError, decode_image

        try:
            engine = shared_engine()
        except ModelPackError as exc:
            raise ServerFault(str(exc)) from exc
        try:
            image = decode_image(photo)
        except FaceError:
            return FaceVerdict(decoded=False)
        height, width = int(image.shape[0]), int(image.shape[1])
        try:
            faces = engine.detect(image)
        except FaceError:
            return FaceVerdict(decoded=True, width=width, height=height)
        if not faces:
            return FaceVerdict(True, width, height)
        try:  # a face was found but could not be measured: 125 / isValid 4
            embedding = engine.embed(image, faces[0])
        except FaceError:
            embedding = None
        return FaceVerdict(True, width, height, len(faces), embedding)


_engine_lock = threading.Lock()


def shared_engine() -> FaceEngine:
    """The process's one face engine (buffalo_s), loaded on first use; thread-safe."""
    with _engine_lock:
        return _load_engine()


@functools.cache
def _load_engine() -> FaceEngine:
    from enroll_app.face.engine import FaceEngine

    return FaceEngine.load("buffalo_s")
