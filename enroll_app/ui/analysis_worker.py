"""The preview's analysis worker: newest frame → faces, 106 landmarks, quality; now and then who it is."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from enroll_app.camera.capture import Frame, LatestFrame
from enroll_app.face.engine import PREVIEW_DET_SIZE, FaceEngine
from enroll_app.face.gallery import Gallery, Match
from enroll_app.face.quality import QualityConfig, QualityReport, assess_faces
from enroll_app.face.types import DetectedFace, FaceError

logger = logging.getLogger(__name__)

IDENTIFY_EVERY_S = 0.3  # an embedding costs ~30 ms: a few times per second, never every frame
STEADY_MOVE = 0.25  # the face box centre moved less than this many eye distances: steady
WAIT_S = 0.1  # how often an idle worker looks at its stop flag


@dataclass(frozen=True)
class Analysis:
    """One analysed frame: its faces (largest first, the first with landmarks) and quality."""

    frame: Frame
    faces: list[DetectedFace]
    report: QualityReport
    seconds: float  # time the analysis took

    @property
    def face(self) -> DetectedFace | None:
        """The main face (with its 106 landmarks), if any."""
        return self.faces[0] if self.faces else None


@dataclass(frozen=True)
class Identification:
    """Who the steady face is: the gallery's best match at or above `threshold`, or nobody
    (`face_gone`: nobody because no face is in the picture any more)."""

    frame_index: int
    match: Match | None
    face_gone: bool = False


@dataclass(frozen=True)
class Recogniser:
    """The gallery to search and the similarity from which a match counts as the same person."""

    gallery: Gallery
    threshold: float


class FrameClaims:
    """Shared by the workers of one preview: each frame is analysed once, and identification
    runs at most every IDENTIFY_EVERY_S across all of them. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.last = 0  # the newest frame index a worker has taken
        self._identified_at = 0.0
        self.known = False  # the last identification named someone
        self.paused = threading.Event()  # set: frames are skipped (the operator is not capturing)

    def restart(self) -> None:
        """A new camera counts its frames from 1 again."""
        with self._lock:
            self.last = 0

    def take(self, index: int) -> bool:
        """True for the one worker that claims frame `index` first (older frames: nobody)."""
        with self._lock:
            if index <= self.last:
                return False
            self.last = index
            return True

    def identify_now(self) -> bool:
        """True when an identification is due; the caller then runs it."""
        with self._lock:
            now = time.monotonic()
            if now - self._identified_at < IDENTIFY_EVERY_S:
                return False
            self._identified_at = now
            return True


ResultCallback = Callable[[Analysis], None]
IdentityCallback = Callable[[Identification], None]
ErrorCallback = Callable[[BaseException], None]


class AnalysisWorker(threading.Thread):
    """Runs on its own thread: analyses the newest frame of `latest`, skipping older ones.

    Without an engine it idles until `begin(engine, recogniser)`: the thread can be started
    with the camera while the models still load (starting a thread can take tens of ms on a
    busy PC, which the UI thread should pay once, not when the models arrive).
    `on_result`, `on_identity` and `on_error` are called on this thread (the presenter turns
    them into queued signals). A bug (anything but a `FaceError` on one frame) is reported
    through `on_error` and ends the worker, so one broken frame cannot flood the log.
    """

    def __init__(
        self,
        latest: LatestFrame,
        engine: FaceEngine | None = None,
        *,
        on_result: ResultCallback,
        on_identity: IdentityCallback,
        on_error: ErrorCallback,
        config: QualityConfig | None = None,
        recogniser: Recogniser | None = None,
        det_size: int = PREVIEW_DET_SIZE,
        claims: FrameClaims | None = None,
        name: str = "preview analysis",
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._latest = latest
        self._engine = engine
        self._on_result = on_result
        self._on_identity = on_identity
        self._on_error = on_error
        self._config = config or QualityConfig()
        self._recogniser = recogniser
        self._det_size = det_size
        self._stopping = threading.Event()
        self._ready = threading.Event()
        if engine is not None:
            self._ready.set()
        self._previous: Analysis | None = None
        self._claims = claims or FrameClaims()

    def begin(self, engine: FaceEngine, recogniser: Recogniser | None = None) -> None:
        """Start analysing with `engine` (and recognising returning people with `recogniser`)."""
        self._engine, self._recogniser = engine, recogniser
        self._ready.set()

    def stop(self) -> None:
        """Ask the worker to finish after the frame in hand (join it afterwards)."""
        self._stopping.set()

    def run(self) -> None:
        while not self._ready.wait(WAIT_S):
            if self._stopping.is_set():
                return
        while not self._stopping.is_set():
            frame = self._latest.wait_newer(self._claims.last, WAIT_S)
            if frame is None or self._claims.paused.is_set() or not self._claims.take(frame.index):
                continue
            try:
                self._step(frame)
            except FaceError as exc:  # an odd frame (e.g. a webcam's empty first one)
                logger.debug("frame %d not analysed: %s", frame.index, exc)
            except Exception as exc:  # a bug: report once and stop, never spin on it
                self._on_error(exc)
                return

    def _step(self, frame: Frame) -> None:
        analysis = self.analyse(frame)
        if self._stopping.is_set():
            return
        self._on_result(analysis)
        if self._identify_due(analysis):
            self._identify(analysis)
        elif analysis.face is None and self._claims.known:
            self._claims.known = False
            self._on_identity(Identification(frame.index, None, face_gone=True))
        self._previous = analysis

    def analyse(self, frame: Frame) -> Analysis:
        """Detection at preview size, the main face's landmarks, every quality check."""
        started = time.perf_counter()
        assert self._engine is not None, "analyse() before begin()"
        faces = self._engine.analyse(
            frame.image, det_size=self._det_size, landmarks=True, embedding=False
        )
        report = assess_faces(frame.image, faces, self._config)
        return Analysis(frame, faces, report, time.perf_counter() - started)

    def _identify_due(self, analysis: Analysis) -> bool:
        if self._recogniser is None or analysis.face is None:
            return False
        report = analysis.report
        if not (report.check("face_count").passed and report.check("face_size").passed):
            return False
        return _steady(self._previous, analysis) and self._claims.identify_now()

    def _identify(self, analysis: Analysis) -> None:
        assert self._recogniser is not None
        assert self._engine is not None
        assert analysis.face is not None
        embedding = self._engine.embed(analysis.frame.image, analysis.face)
        gallery = self._recogniser.gallery
        hits = gallery.search(embedding, k=1, pack=self._engine.pack_name)
        match = hits[0] if hits and hits[0].similarity >= self._recogniser.threshold else None
        self._claims.known = match is not None
        self._on_identity(Identification(analysis.frame.index, match))


def _steady(previous: Analysis | None, current: Analysis) -> bool:
    """True when the main face barely moved since the previous analysed frame."""
    if previous is None or previous.face is None or current.face is None:
        return False
    before, now = previous.face.bbox, current.face.bbox
    dx = (now[0] + now[2] - before[0] - before[2]) / 2
    dy = (now[1] + now[3] - before[1] - before[3]) / 2
    moved = float((dx * dx + dy * dy) ** 0.5)
    return moved <= STEADY_MOVE * max(current.face.inter_eye_distance, 1.0)
