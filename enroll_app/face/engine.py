"""FaceEngine: SCRFD detection with 5 points, 106 landmarks and ArcFace embeddings on CPU."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from enroll_app.face.models import (
    DEFAULT_PACK,
    DETECTION,
    LANDMARKS,
    RECOGNITION,
    ModelPack,
    find_pack,
    licence_notice,
)
from enroll_app.face.types import (
    MAX_IMAGE_PIXELS,
    DetectedFace,
    FloatArray,
    Image,
    ImageError,
    ModelPackError,
)

log = logging.getLogger(__name__)

PREVIEW_DET_SIZE = 320
STILL_DET_SIZE = 640
DET_THRESHOLD = 0.5
EMBEDDING_SIZE = 512
# A side ratio beyond this squeezes the short side to nothing in the detector's input.
MAX_ASPECT_RATIO = 20
MIN_IMAGE_SIDE = 8

# ArcFace's canonical five-point template in a 112x112 crop (insightface's `arcface_dst`).
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)

DetSize = int | tuple[int, int]
Matrix = npt.NDArray[np.float64]


def preload_runtime() -> None:
    """Import the native inference modules now (about 0.6 s).

    Their first import holds the GIL for 100+ ms at a time; done in a worker thread while a
    GUI runs, that freezes the UI thread. The GUI calls this once before its event loop starts.
    """
    import cv2  # noqa: F401
    import insightface.model_zoo  # noqa: F401
    import onnxruntime  # noqa: F401


def default_threads() -> int:
    """Threads per ORT session: all cores up to 4; beyond that the small models gain nothing."""
    return max(1, min(os.cpu_count() or 1, 4))


def check_image(image: Any) -> Image:
    """Return `image` as a contiguous BGR uint8 HxWx3 array, or raise ImageError saying why not.

    Grey images (HxW or HxWx1) are converted; anything else that is not 3-channel is refused.
    """
    if image is None:
        raise ImageError("No image was given")
    if not isinstance(image, np.ndarray):
        raise ImageError(f"The image must be a pixel array, not {type(image).__name__}")
    if image.size == 0:
        raise ImageError("The image is empty")
    if image.dtype != np.uint8:
        raise ImageError(f"The image must have 8-bit pixels, not {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ImageError(f"The image must be colour (3 channels) or grey, not shape {image.shape}")
    _check_geometry(image.shape[0], image.shape[1])  # before any copy of a huge image
    if image.ndim == 2:
        import cv2

        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    return np.ascontiguousarray(image)


def _check_geometry(height: int, width: int) -> None:
    if height * width > MAX_IMAGE_PIXELS:
        raise ImageError("The image is too large: use a photo under 40 megapixels")
    if min(height, width) < MIN_IMAGE_SIDE:
        raise ImageError(f"The image is too small ({width}x{height} pixels)")
    if max(height, width) > MAX_ASPECT_RATIO * min(height, width):
        raise ImageError(f"The image is too narrow to hold a face ({width}x{height} pixels)")


def detector_input_size(det_size: DetSize, height: int, width: int) -> tuple[int, int]:
    """The detector's (width, height) input for an image: `det_size` on the long side.

    An int fits the image's aspect ratio (short side rounded up to a multiple of 32), so a
    640x480 frame at 320 runs a 320x256 input instead of a 320x320 one that is one fifth
    padding. At most det_size/32 shapes exist per size, so the detector's per-shape sessions
    stay few. A (width, height) pair is used as given.
    """
    if isinstance(det_size, int):
        if det_size <= 0 or det_size % 32:
            raise ValueError(f"Detection size must be positive multiples of 32, not {det_size}")
        short = -(-min(height, width) * det_size // max(height, width))
        short = min(det_size, max(32, -(-short // 32) * 32))
        return (det_size, short) if width >= height else (short, det_size)
    w, h = det_size
    # SCRFD's coarsest stride is 32: other sizes give feature maps its decoder cannot place.
    if w <= 0 or h <= 0 or w % 32 or h % 32:
        raise ValueError(f"Detection size must be positive multiples of 32, not {det_size}")
    return int(w), int(h)


def similarity_transform(src: FloatArray, dst: Matrix) -> Matrix:
    """The 2x3 similarity (rotation, uniform scale, shift) that best maps `src` onto `dst`.

    Least squares after Umeyama (1991), the fit insightface uses for its ArcFace crop.
    """
    src64 = np.asarray(src, dtype=np.float64)
    src_mean, dst_mean = src64.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src64 - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / len(src64)
    u, s, vt = np.linalg.svd(cov)
    sign = np.array([1.0, -1.0 if np.linalg.det(cov) < 0 else 1.0])
    rotation = u @ np.diag(sign) @ vt
    scale = float((s * sign).sum() / (src_c**2).sum(axis=1).mean())
    shift = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, shift[:, None]])


def align_face(image: Image, kps: FloatArray, size: int = 112) -> Image:
    """The face warped so its five points sit on ArcFace's template, `size` x `size` pixels."""
    import cv2

    matrix = similarity_transform(kps, ARCFACE_TEMPLATE * (size / 112.0))
    warped = cv2.warpAffine(image, matrix, (size, size), borderValue=0.0)
    return np.asarray(warped, dtype=np.uint8)


@dataclass(frozen=True)
class EngineInfo:
    """What the engine runs: pack, where it came from, ORT threads, licence notice."""

    pack_name: str
    folder: Path
    source: str
    files: dict[str, Path]
    threads: int
    load_seconds: float
    licence: str


class FaceEngine:
    """Face detection, landmarks and embeddings over one verified model pack.

    Thread-safe: ONNX Runtime sessions may run concurrently, the detector keeps one fixed-shape
    session per detection size behind its own lock, and nothing here holds per-call state.
    Build it with `load` (blocking, ~0.5 s) or `load_async` (in a worker thread).
    """

    def __init__(self, pack: ModelPack, models: dict[str, Any], threads: int) -> None:
        self._pack = pack
        self._detector = models[DETECTION]
        self._landmarker = models[LANDMARKS]
        self._recogniser = models[RECOGNITION]
        self._threads = threads
        self._load_seconds = 0.0

    # -- loading -----------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        pack: str = DEFAULT_PACK,
        folder: Path | None = None,
        threads: int | None = None,
        warm_up_sizes: tuple[int, ...] = (PREVIEW_DET_SIZE, STILL_DET_SIZE),
    ) -> FaceEngine:
        """Find and verify `pack`, build its sessions and warm them up; ModelPackError on failure."""
        started = time.perf_counter()
        found = find_pack(pack, folder)
        threads = threads or default_threads()
        engine = cls(found, _build_models(found, threads), threads)
        engine._warm_up(warm_up_sizes)
        engine._load_seconds = time.perf_counter() - started
        log.info("Face engine %s loaded in %.2f s", pack, engine._load_seconds)
        return engine

    @classmethod
    async def load_async(
        cls,
        pack: str = DEFAULT_PACK,
        folder: Path | None = None,
        threads: int | None = None,
    ) -> FaceEngine:
        """`load` in a worker thread, so the event loop stays responsive.

        Cancelling the caller waits for the thread to finish (a thread cannot be stopped) before
        the cancellation goes on: nothing it posts back to the loop outlives the caller.
        """
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, functools.partial(cls.load, pack, folder, threads))
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.wait([future])
            if not future.cancelled() and future.exception() is None:
                # Loaded after all, for no one: its sessions are freed off the loop's thread.
                await asyncio.to_thread(future.result().close)
            raise

    def close(self) -> None:
        """Release the ONNX Runtime sessions; the engine refuses work afterwards.

        Freeing them takes 10 ms and more (one session per detection shape used): call it in a
        worker thread, e.g. `await asyncio.to_thread(engine.close)`, never on the UI thread.
        Whoever still holds the engine then holds an empty shell, cheap to drop anywhere; a
        call still running keeps its model until it returns, and frees it on its own thread.
        """
        self._detector = self._landmarker = self._recogniser = _ClosedModel()

    def _warm_up(self, sizes: tuple[int, ...]) -> None:
        # The first run of each session (and each detection size) allocates its buffers; do it
        # now instead of on the operator's first frame.
        frame = np.full((480, 640, 3), 128, dtype=np.uint8)
        for size in sizes:
            self.detect(frame, det_size=size)
        face = DetectedFace(
            bbox=np.array([220, 120, 420, 360], dtype=np.float32),
            score=1.0,
            kps=(ARCFACE_TEMPLATE * 2 + [208, 120]).astype(np.float32),
        )
        self.landmarks(frame, face)
        self.embed(frame, face)

    # -- facts -------------------------------------------------------------------------------

    @property
    def pack_name(self) -> str:
        """The model pack's name, e.g. "buffalo_s" (stored with every embedding)."""
        return self._pack.name

    @property
    def pack(self) -> ModelPack:
        """The verified pack the sessions were built from."""
        return self._pack

    def info(self) -> EngineInfo:
        """Pack, files, threads, load time and the model licence notice."""
        return EngineInfo(
            pack_name=self.pack_name,
            folder=self._pack.folder,
            source=self._pack.source,
            files=dict(self._pack.paths),
            threads=self._threads,
            load_seconds=self._load_seconds,
            licence=licence_notice(),
        )

    # -- inference ---------------------------------------------------------------------------

    def detect(
        self,
        image_bgr: Image,
        det_size: DetSize = STILL_DET_SIZE,
        max_faces: int = 0,
        threshold: float = DET_THRESHOLD,
    ) -> list[DetectedFace]:
        """Faces in the image, largest first, with boxes, scores and five points.

        `det_size` is the detector's input (320 for live preview, 640 for stills); `max_faces`
        keeps only the largest N (0: all).
        """
        image = check_image(image_bgr)
        # insightface 2.1's SCRFD takes the input size per call (older releases kept it on the
        # instance) and builds one fixed-shape session per size behind its own lock, so
        # concurrent calls at different sizes are safe; a new shape costs ~30 ms once.
        bboxes, kpss = self._detector.detect(
            image,
            input_size=detector_input_size(det_size, *image.shape[:2]),
            max_num=0,
            det_thresh=threshold,
        )
        faces = [
            DetectedFace(
                bbox=np.asarray(bboxes[i, :4], dtype=np.float32),
                score=float(bboxes[i, 4]),
                kps=np.asarray(kpss[i], dtype=np.float32),
            )
            for i in range(bboxes.shape[0])
        ]
        faces.sort(key=lambda f: f.area, reverse=True)
        return faces[:max_faces] if max_faces > 0 else faces

    def landmarks(self, image_bgr: Image, face: DetectedFace) -> FloatArray:
        """The 106 landmarks (2d106det) of `face`, (106, 2) float32 in source pixels."""
        import cv2

        image = check_image(image_bgr)
        model = self._landmarker
        size = int(model.input_size[0])
        # 2d106det sees the box's centre, scaled so 1.5x the box's long side fills its input.
        x1, y1, x2, y2 = (float(v) for v in face.bbox)
        scale = size / (max(x2 - x1, y2 - y1) * 1.5)
        shift_x, shift_y = size / 2 - scale * (x1 + x2) / 2, size / 2 - scale * (y1 + y2) / 2
        matrix = np.array([[scale, 0.0, shift_x], [0.0, scale, shift_y]])
        crop = cv2.warpAffine(image, matrix, (size, size), borderValue=0.0)
        blob = cv2.dnn.blobFromImage(
            crop, 1.0 / model.input_std, (size, size), (model.input_mean,) * 3, swapRB=True
        )
        out = model.session.run(model.output_names, {model.input_name: blob})[0][0]
        raw = np.asarray(out, dtype=np.float64).reshape(-1, 2)[-int(model.lmk_num) :]
        points = (raw + 1.0) * (size // 2)
        points[:, 0] = (points[:, 0] - shift_x) / scale
        points[:, 1] = (points[:, 1] - shift_y) / scale
        return points.astype(np.float32)

    def embed(self, image_bgr: Image, face: DetectedFace) -> FloatArray:
        """The face's 512-d ArcFace embedding, L2-normalised float32."""
        image = check_image(image_bgr)
        aligned = align_face(image, face.kps, size=int(self._recogniser.input_size[0]))
        feature = np.asarray(self._recogniser.get_feat(aligned), dtype=np.float32).ravel()
        norm = float(np.linalg.norm(feature))
        if not np.isfinite(norm) or norm == 0.0:
            raise ImageError("The face could not be measured (no usable pixels in the face)")
        return feature / norm

    def analyse(
        self,
        image_bgr: Image,
        det_size: DetSize = STILL_DET_SIZE,
        landmarks: bool = True,
        embedding: bool = True,
        max_faces: int = 0,
    ) -> list[DetectedFace]:
        """`detect`, then landmarks and/or the embedding of the main (largest) face."""
        image = check_image(image_bgr)
        faces = self.detect(image, det_size=det_size, max_faces=max_faces)
        if not faces:
            return faces
        main = faces[0]
        main = replace(
            main,
            landmarks=self.landmarks(image, main) if landmarks else None,
            embedding=self.embed(image, main) if embedding else None,
        )
        return [main, *faces[1:]]


class _ClosedModel:
    """Stands in for the models of a closed engine: any use says the engine was closed."""

    def __getattr__(self, name: str) -> Any:
        raise ModelPackError("The face engine was closed")


def session_options(threads: int) -> Any:
    """ORT options for every session of the engine: `threads` workers that sleep when idle."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # ORT's own warnings go to stderr, not our log
    # Spinning workers burn the cores other threads (UI, capture, other sessions) need; on a
    # busy 2-core machine spinning made the preview 3-4x slower in bench/preview_bench.py.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


def _build_models(pack: ModelPack, threads: int) -> dict[str, Any]:
    """One insightface model per role, on the CPU provider, never downloading anything."""
    import onnxruntime as ort
    from insightface.model_zoo import get_model

    ort.set_default_logger_severity(3)  # ORT's process-wide logger would print to stderr
    expected = {DETECTION: "detection", LANDMARKS: "landmark_2d_106", RECOGNITION: "recognition"}
    models: dict[str, Any] = {}
    for role, taskname in expected.items():
        path = pack.path(role)
        try:
            # A path ending in .onnx with download=False makes get_model open only that file.
            model = get_model(
                str(path),
                providers=["CPUExecutionProvider"],
                sess_options=session_options(threads),
                download=False,
            )
        except Exception as exc:  # ORT and onnx raise many types for an unreadable model
            raise ModelPackError(f"Model file {path} could not be loaded: {exc}") from exc
        if model is None or getattr(model, "taskname", None) != taskname:
            found = getattr(model, "taskname", "nothing")
            raise ModelPackError(f"Model file {path} is not a {taskname} model (found {found})")
        models[role] = model
    return models
