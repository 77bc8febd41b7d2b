"""The capture thread: reads a frame source, keeps only the newest frame, retries a lost camera."""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from enroll_app.camera.sources import CameraError, FrameSource, Image


class CameraState(enum.Enum):
    """What the operator should be told about the camera."""

    STARTING = "starting"
    LIVE = "live"
    LOST = "lost"  # unplugged or busy: the thread retries on its own
    STOPPED = "stopped"


@dataclass(frozen=True)
class Frame:
    """One camera frame with its sequence number and monotonic capture time."""

    image: Image
    index: int
    timestamp: float


class LatestFrame:
    """A one-frame mailbox: writers replace, readers get the newest, nobody queues."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._changed = threading.Condition()

    def put(self, frame: Frame) -> None:
        with self._changed:
            self._frame = frame
            self._changed.notify_all()

    def get(self) -> Frame | None:
        with self._changed:
            return self._frame

    def wait_newer(self, index: int, timeout: float) -> Frame | None:
        """The newest frame with a higher index than `index`, or None after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._frame is not None and self._frame.index > index, timeout
            )
            frame = self._frame
        return frame if frame is not None and frame.index > index else None


StateCallback = Callable[[CameraState, str], None]
FrameCallback = Callable[[Frame], None]


class CaptureThread(threading.Thread):
    """Runs on its own thread; reaches the UI only through the callbacks it is given.

    `on_frame` and `on_state` are called on the capture thread: the UI wraps them in queued
    signals. A camera that fails is reported as LOST with operator text and reopened every
    `retry_s` seconds until `stop()`.
    """

    def __init__(
        self,
        source: FrameSource,
        on_frame: FrameCallback | None = None,
        on_state: StateCallback | None = None,
        retry_s: float = 2.0,
    ) -> None:
        super().__init__(name=f"capture:{source.name}", daemon=True)
        self.source = source
        self.latest = LatestFrame()
        self._on_frame = on_frame
        self._on_state = on_state
        self._retry_s = retry_s
        self._stopping = threading.Event()
        self._index = 0
        self.state = CameraState.STARTING
        self.message = ""

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish and wait for it; the source is closed on the way out."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.source.open()
            except CameraError as exc:
                self._lost(str(exc))
                continue
            self._set_state(CameraState.LIVE, self.source.name)
            try:
                self._pump()
            except CameraError as exc:
                self._lost(str(exc))
            finally:
                self.source.close()
        self._set_state(CameraState.STOPPED, "")

    def _pump(self) -> None:
        while not self._stopping.is_set():
            image = self.source.read()
            self._index += 1
            frame = Frame(image, self._index, time.monotonic())
            self.latest.put(frame)
            if self._on_frame is not None:
                self._on_frame(frame)

    def _lost(self, message: str) -> None:
        self._set_state(CameraState.LOST, message)
        self._stopping.wait(self._retry_s)

    def _set_state(self, state: CameraState, message: str) -> None:
        self.state, self.message = state, message
        if self._on_state is not None:
            self._on_state(state, message)
