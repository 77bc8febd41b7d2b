"""`PreviewPresenter`: camera, analysis worker, steady-window capture and returning people, for the view.

Runs on the UI thread. Two kinds of threads feed it: the capture thread (frames) and the
analysis worker (quality, and a few times per second who it is); both reach it only through
`Mailbox`es, posted events that keep only the newest item, so a slow UI skips frames instead of
queueing them. The UI thread paints and never runs a model. Views get frames and analyses by
`add_listener`; the rest is signals::

    presenter = PreviewPresenter(context)
    presenter.captured.connect(on_capture)          # CaptureResult
    presenter.returning_person.connect(on_known)    # ReturningPerson or None
    presenter.start(default_source(context))
    ...
    presenter.pause_analysis() / resume_analysis()  # while a taken photo is reviewed
    presenter.stop()                                # joins the threads (also done on quit)
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from enroll_app.camera.capture import CameraState, CaptureThread, Frame
from enroll_app.camera.sources import (
    FrameSource,
    ImageFolderSource,
    VideoFileSource,
    WebcamSource,
)
from enroll_app.face.engine import FaceEngine
from enroll_app.face.gallery import thresholds_for
from enroll_app.face.quality import QualityReport
from enroll_app.face.types import DetectedFace, Image
from enroll_app.simulator.camera import FRAMES_DIR
from enroll_app.store.records import PersonId
from enroll_app.ui.analysis_worker import (
    Analysis,
    AnalysisWorker,
    FrameClaims,
    Identification,
    Recogniser,
)
from enroll_app.ui.context import AppContext, ShutdownStage

logger = logging.getLogger(__name__)

DEFAULT_STEADY_S = 0.8
# Workers taking turns on frames (FrameClaims). One is fastest with the 1 ms GIL switch
# interval: bench/preview_ui_bench.py on a loaded 2-core PC gave 22-27 Hz with one worker and
# 12-20 Hz with two, whose concurrent model runs slow each other down.
ANALYSIS_WORKERS = 1
# One blurred or turned frame must not make the returning person's card flicker.
MISSES_BEFORE_HIDING = 2
GIL_SWITCH_S = 0.001
STALE_ANALYSIS_S = 0.5  # an older result no longer describes what the camera shows
# camera_state values besides CameraState's: the models load, or could not be loaded
LOADING = "loading"
NO_MODELS = "no_models"


@dataclass(frozen=True)
class CaptureResult:
    """The photo the preview took: a copy of the full camera frame, its main face, its quality."""

    image: Image
    face: DetectedFace
    report: QualityReport
    score: float


@dataclass(frozen=True)
class ReturningPerson:
    """Someone the station already knows, seen in the preview. `valid_until` is epoch s or -1."""

    person_id: str
    name: str
    valid_until: float
    similarity: float


def default_source(context: AppContext) -> FrameSource:
    """The camera the settings name; demo mode always uses the virtual camera (sample portraits)."""
    prefs = context.settings.preferences
    if context.demo.running or prefs.camera_source == "virtual":
        return ImageFolderSource(FRAMES_DIR)
    if prefs.camera_source == "folder" and prefs.camera_path:
        return ImageFolderSource(Path(prefs.camera_path))
    if prefs.camera_source == "video" and prefs.camera_path:
        return VideoFileSource(Path(prefs.camera_path))
    return WebcamSource(prefs.camera_index)


class Mailbox(QObject):
    """Hands the newest item from any thread to `deliver` on the UI thread; older ones are dropped.

    Worker threads call `post`; one queued signal wakes the UI thread however many items came
    in meanwhile. Once the mailbox is closed or its Qt object destroyed, posts are dropped, so
    a thread that is still winding down never touches a deleted object.
    """

    _wake = Signal()

    def __init__(self, deliver: Callable[[Any], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._deliver = deliver
        self._lock = threading.Lock()
        self._item: object | None = None
        self._waiting = False
        self._closed = False
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        # A plain function, not a method: it must run while the Qt object is being destroyed.
        self.destroyed.connect(_closer(self), Qt.ConnectionType.DirectConnection)

    def post(self, item: object) -> None:
        """Called on any thread: replace the waiting item, and wake the UI thread once."""
        with self._lock:
            if self._closed:
                return
            self._item = item
            if self._waiting:
                return
            self._waiting = True
            self._wake.emit()  # under the lock: `close()` cannot run in between

    def close(self) -> None:
        """Drop every later post (the owner is stopping or being destroyed)."""
        with self._lock:
            self._closed, self._item = True, None

    def _drain(self) -> None:
        with self._lock:
            item, self._item, self._waiting = self._item, None, False
        if item is not None:
            self._deliver(item)


def _closer(box: Mailbox) -> Callable[..., None]:
    def close(*_: object) -> None:
        box.close()

    return close


class SteadyWindow:
    """Tracks how long every check has passed and the best-scoring analysis of that stretch."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.best: Analysis | None = None
        self.fired = False  # the automatic capture of this stretch happened

    def add(self, analysis: Analysis) -> None:
        """Extend the stretch with a passing analysis, or end it with a failing one."""
        if not analysis.report.ok:
            self.started, self.best, self.fired = None, None, False
            return
        if self.started is None:
            self.started = analysis.frame.timestamp
        if self.best is None or analysis.report.score > self.best.report.score:
            self.best = analysis

    def held(self, now: float) -> float:
        """Seconds the checks have passed without a break (0 when they do not pass)."""
        return 0.0 if self.started is None else max(0.0, now - self.started)


class PreviewPresenter(QObject):
    """Owns the capture thread and the analysis worker; see the module docstring. UI thread."""

    # Frames and analyses reach the view through `add_listener` (plain calls, no signals):
    # dozens per second, and PySide6 6.12.0 signals leak a reference per emit.
    captured = Signal(object)  # CaptureResult
    returning_person = Signal(object)  # ReturningPerson, or None when they left
    camera_state = Signal(str, str)  # CameraState value (or LOADING), operator text

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        prefs = context.settings.preferences
        self.auto_capture = prefs.auto_capture
        self.steady_seconds = prefs.steady_ms / 1000 or DEFAULT_STEADY_S
        self._frames = Mailbox(self._on_frame, self)
        self._results = Mailbox(self._on_analysis, self)
        self._identities = Mailbox(self._on_identity, self)
        self._states = Mailbox(self._on_state, self)
        self._bugs = Mailbox(self._on_bug, self)
        self._frame_listeners: list[Callable[[Frame], None]] = []
        self._analysis_listeners: list[Callable[[Analysis], None]] = []
        self._capture: CaptureThread | None = None
        self._workers: list[AnalysisWorker] = []
        self._ending: list[threading.Thread] = []  # asked to stop, maybe not yet ended
        self._claims = FrameClaims()
        self._loading: asyncio.Task[None] | None = None
        self._window = SteadyWindow()
        self._last: Analysis | None = None
        self._person: ReturningPerson | None = None
        self._misses = 0  # identifications in a row that named nobody
        self.frames_received = 0
        self.analyses_received = 0
        self._camera = (CameraState.STOPPED.value, "")  # what the capture thread last said
        self._models = LOADING  # LOADING, NO_MODELS or "" (ready)
        self._models_text = ""
        self.state = CameraState.STOPPED.value
        self.message = ""
        context.on_shutdown(ShutdownStage.CAPTURE, self.aclose, name="camera preview")

    # -- public API ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._capture is not None

    @property
    def latest(self) -> Analysis | None:
        """The newest analysis while it still describes the picture (None when stale)."""
        last = self._last
        if last is None or time.monotonic() - last.frame.timestamp > STALE_ANALYSIS_S:
            return None
        return last

    @property
    def language(self) -> str:
        """The operator's language for the coaching hints ("en" or "zh_CN")."""
        return self._context.tasks.language

    @property
    def person(self) -> ReturningPerson | None:
        """The returning person shown now, if any."""
        return self._person

    def steady_progress(self) -> float:
        """0..1: how much of the steady period the checks have passed so far."""
        held = self._window.held(time.monotonic())
        return min(1.0, held / self.steady_seconds) if self.steady_seconds > 0 else 1.0

    def add_listener(
        self,
        on_frame: Callable[[Frame], None],
        on_analysis: Callable[[Analysis], None],
    ) -> None:
        """Call `on_frame` with each frame shown and `on_analysis` with each analysis (UI thread)."""
        self._frame_listeners.append(on_frame)
        self._analysis_listeners.append(on_analysis)

    def remove_listener(
        self,
        on_frame: Callable[[Frame], None],
        on_analysis: Callable[[Analysis], None],
    ) -> None:
        """Undo `add_listener` (a view does this when it is destroyed)."""
        self._frame_listeners.remove(on_frame)
        self._analysis_listeners.remove(on_analysis)

    def start(self, source: FrameSource) -> None:
        """Open `source` on a capture thread; the analysis starts once the face models are loaded."""
        self.stop()
        self._camera = (CameraState.STARTING.value, source.name)
        self._set_models(LOADING, self.tr("Loading face models…"))
        self._capture = CaptureThread(source, on_frame=self._frames.post, on_state=self._post_state)
        # The UI thread shares the GIL with the capture thread and the analysis workers: a
        # shorter switch interval (Python's default: 5 ms) bounds how long a paint or a loop
        # step waits for it; measured with the qloop 50 ms step check on a loaded 2-core PC.
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        self._capture.start()
        # Started now, idle until the models are loaded: see AnalysisWorker.
        self._workers = self._new_workers(self._capture)
        for worker in self._workers:
            worker.start()
        self._loading = self._context.tasks.start(
            self._start_analysis, self._capture, on_error=self._engine_failed
        )

    def stop(self) -> None:
        """Stop and join the capture thread and the worker (a frame's time at most)."""
        for thread in self._signal_stop():
            thread.join()
        self._after_stop()

    async def aclose(self) -> None:
        """`stop()` without blocking the loop: waits for the threads to end between steps."""
        threads = self._signal_stop()
        while any(t.is_alive() for t in threads):  # noqa: ASYNC110 - threads have no awaitable end
            await asyncio.sleep(0.01)
        self._after_stop()

    def pause_analysis(self) -> None:
        """Keep showing the camera but analyse nothing (e.g. while a taken photo is reviewed):
        the workers' CPU goes to the enrollment. No capture happens while paused."""
        self._claims.paused.set()
        self._window = SteadyWindow()
        self._last = None

    def resume_analysis(self) -> None:
        """Analyse again after `pause_analysis()`; the steady period starts afresh."""
        self._window = SteadyWindow()
        self._claims.paused.clear()

    @property
    def analysis_paused(self) -> bool:
        """True between `pause_analysis()` and `resume_analysis()`."""
        return self._claims.paused.is_set()

    def capture_now(self) -> bool:
        """Take the best frame of the current steady stretch, else the newest with a face.

        False (nothing emitted) when no face is in the picture.
        """
        analysis = self._window.best or self.latest
        if analysis is None or analysis.face is None:
            return False
        self._emit_capture(analysis)
        return True

    # -- threads ------------------------------------------------------------------------------

    async def _start_analysis(self, capture: CaptureThread) -> None:
        station = await self._context.station_ready()
        engine = await station.face_engine()
        recogniser = await self._recogniser(station, engine)
        if self._capture is not capture:  # stopped or restarted meanwhile
            return
        for worker in self._workers:
            worker.begin(engine, recogniser)
        self._set_models("", "")

    def _new_workers(self, capture: CaptureThread) -> list[AnalysisWorker]:
        self._claims.restart()
        return [
            AnalysisWorker(
                capture.latest,
                on_result=self._results.post,
                on_identity=self._identities.post,
                on_error=self._bugs.post,
                claims=self._claims,
                name=f"preview analysis {number}",
            )
            for number in range(1, ANALYSIS_WORKERS + 1)
        ]

    async def _recogniser(self, station: Any, engine: FaceEngine) -> Recogniser | None:
        try:
            gallery = await station.gallery()
            threshold = thresholds_for(engine.pack_name).duplicate
        except Exception:  # no recognition of returning people is no reason to lose the preview
            logger.exception("returning people will not be recognised")
            return None
        return Recogniser(gallery, threshold)

    def _signal_stop(self) -> list[threading.Thread]:
        capture, workers = self._capture, self._workers
        self._capture, self._workers = None, []
        if self._loading is not None:
            self._loading.cancel()
            self._loading = None
        for worker in workers:
            worker.stop()
        if capture is not None:
            capture.stop(timeout=0)  # no join here: the callers join without blocking the UI
        # Threads asked to stop by an earlier, cancelled aclose() are waited for too.
        self._ending = [t for t in (*self._ending, *workers) if t.is_alive()]
        if capture is not None:
            self._ending.append(capture)
        return list(self._ending)

    def _after_stop(self) -> None:
        self._window = SteadyWindow()
        self._last = None
        self._camera = (CameraState.STOPPED.value, "")
        self._show_state()
        self._show_person(None)

    def _post_state(self, state: CameraState, message: str) -> None:
        self._states.post((state.value, message))

    # -- UI thread ----------------------------------------------------------------------------

    def _on_frame(self, frame: Frame) -> None:
        if self._capture is None:
            return
        self.frames_received += 1
        for listener in list(self._frame_listeners):
            listener(frame)

    def _on_state(self, item: tuple[str, str]) -> None:
        if self._capture is None:
            return
        state, message = item
        if state == CameraState.LOST.value:
            message = self.tr("Camera problem: {reason}. Retrying…").format(reason=message)
        self._camera = (state, message)
        self._show_state()

    def _set_models(self, state: str, message: str) -> None:
        self._models, self._models_text = state, message
        self._show_state()

    def _show_state(self) -> None:
        """One state for the operator: a camera problem first, then the models, else live."""
        state, message = self._camera
        if state == CameraState.LIVE.value and self._models:
            state, message = self._models, self._models_text
        if (state, message) != (self.state, self.message):
            self.state, self.message = state, message
            self.camera_state.emit(state, message)

    def _on_analysis(self, analysis: Analysis) -> None:
        last = self._last
        if not self._workers or self.analysis_paused:
            return  # stopped or paused: this result was on its way
        if last is not None and analysis.frame.index < last.frame.index:
            return  # a worker finished an older frame after a newer one
        self.analyses_received += 1
        self._last = analysis
        self._window.add(analysis)
        for listener in list(self._analysis_listeners):
            listener(analysis)
        window = self._window
        if (
            self.auto_capture
            and not window.fired
            and window.best is not None
            and window.held(analysis.frame.timestamp) >= self.steady_seconds
        ):
            window.fired = True
            self._emit_capture(window.best)

    def _emit_capture(self, analysis: Analysis) -> None:
        face = analysis.face
        assert face is not None
        report = analysis.report
        image = analysis.frame.image.copy()  # the caller may keep it; the camera reuses nothing
        self.captured.emit(CaptureResult(image, face, report, report.score))

    def _on_identity(self, identity: Identification) -> None:
        if not self._workers:
            return
        match = identity.match
        if match is None:
            self._misses += 1
            if identity.face_gone or self._misses >= MISSES_BEFORE_HIDING:
                self._show_person(None)
            return
        self._misses = 0
        if self._person is None or self._person.person_id != match.person_id:
            self._context.tasks.start(self._look_up, match.person_id, match.similarity)

    async def _look_up(self, person_id: str, similarity: float) -> None:
        station = await self._context.station_ready()
        record = await station.store.find_person(PersonId(person_id))
        if record is None or not self._workers:
            return  # forgotten meanwhile, or the preview stopped
        self._show_person(ReturningPerson(record.id, record.name, record.end_ts, similarity))

    def _show_person(self, person: ReturningPerson | None) -> None:
        if person != self._person:
            self._person = person
            self.returning_person.emit(person)

    def _on_bug(self, exc: BaseException) -> None:
        self._context.tasks.report_bug(exc, self.tr("Camera preview"))

    def _engine_failed(self, exc: BaseException) -> None:
        text = self.tr("The face models are not available: {reason}").format(reason=exc)
        self._set_models(NO_MODELS, text)
