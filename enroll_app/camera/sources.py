"""Frame sources: a webcam by index, and virtual cameras from an image folder or a video file.

A source is opened, read frame by frame from the capture thread (reads block and are paced at
the source's rate), and closed. It never runs a model.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
VIRTUAL_SIZE = (1280, 720)  # what a desk webcam gives when asked for 1280x720


class CameraError(Exception):
    """A camera cannot deliver frames; `str()` is operator text."""


class CameraUnavailable(CameraError):
    """The camera is not connected, is busy in another program, or stopped delivering."""


class FrameSource(Protocol):
    """Something the capture thread can read frames from."""

    name: str
    fps: float

    def open(self) -> None:
        """Start delivering frames; raise `CameraUnavailable` with operator text if it can't."""

    def read(self) -> Image:
        """Block until the next frame; raise `CameraUnavailable` when the source is gone."""

    def close(self) -> None:
        """Release the device or file; safe to call twice."""


def _capture_backend() -> int:
    import cv2

    if sys.platform.startswith("win"):
        return int(cv2.CAP_DSHOW)
    if sys.platform.startswith("linux"):
        return int(cv2.CAP_V4L2)
    return int(cv2.CAP_ANY)


class WebcamSource:
    """A camera by index (DirectShow on Windows, V4L2 on Linux), asked for 1280x720."""

    def __init__(self, index: int, width: int = 1280, height: int = 720) -> None:
        self.index = index
        self.name = f"Camera {index}"
        self.fps = 30.0
        self._size = (width, height)
        self._capture: object | None = None

    def open(self) -> None:
        import cv2

        capture = cv2.VideoCapture(self.index, _capture_backend())
        if not capture.isOpened():
            capture.release()
            raise CameraUnavailable(f"{self.name} is not connected or is in use by another program")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size[1])
        reported = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(reported) if 1 <= reported <= 120 else 30.0
        self._capture = capture

    def read(self) -> Image:
        capture = self._capture
        if capture is None:
            raise CameraUnavailable(f"{self.name} is not open")
        ok, frame = capture.read()  # type: ignore[attr-defined]
        if not ok or frame is None:
            raise CameraUnavailable(f"{self.name} stopped delivering pictures (unplugged?)")
        return np.ascontiguousarray(frame, dtype=np.uint8)

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()  # type: ignore[attr-defined]
            self._capture = None


def fit_to_canvas(image: Image, size: tuple[int, int] = VIRTUAL_SIZE) -> Image:
    """Scale an image into a `size` (w, h) canvas, keeping its aspect, on a soft grey ground."""
    import cv2

    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0])
    new_w, new_h = max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width, 3), 96, dtype=np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    return canvas


class _Pacer:
    """Spaces reads at `fps` on a monotonic clock, like a real camera's frame clock."""

    def __init__(self, fps: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._period = 1.0 / fps
        self._clock = clock
        self._next = 0.0

    def wait(self) -> None:
        now = self._clock()
        if self._next > now:
            time.sleep(self._next - now)
            now = self._next
        self._next = max(self._next + self._period, now)


class ImageFolderSource:
    """A virtual camera that shows each image of a folder (or list) for `hold_s` seconds.

    Images are decoded once and fitted to a 1280x720 canvas, so frames look like a desk webcam's.
    Holding each picture still gives the preview a steady face to auto-capture.
    """

    def __init__(
        self,
        images: Path | Sequence[Path],
        fps: float = 30.0,
        hold_s: float = 4.0,
        size: tuple[int, int] = VIRTUAL_SIZE,
    ) -> None:
        self.name = f"Virtual camera ({images.name if isinstance(images, Path) else 'samples'})"
        self.fps = fps
        self._paths = _image_paths(images)
        self._frames_per_image = max(1, round(hold_s * fps))
        self._size = size
        self._frames: list[Image] = []
        self._count = 0
        self._pacer = _Pacer(fps)

    def open(self) -> None:
        frames = [
            fit_to_canvas(image, self._size)
            for image in map(_load, self._paths)
            if image is not None
        ]
        if not frames:
            raise CameraUnavailable(f"{self.name}: no readable images")
        self._frames = frames

    def read(self) -> Image:
        if not self._frames:
            raise CameraUnavailable(f"{self.name} is not open")
        self._pacer.wait()
        frame = self._frames[(self._count // self._frames_per_image) % len(self._frames)]
        self._count += 1
        return frame.copy()

    def close(self) -> None:
        self._frames = []


def _load(path: Path) -> Image | None:
    """Decode one image file; an unreadable file in a folder is skipped, not fatal."""
    import cv2

    try:
        data = np.fromfile(path, dtype=np.uint8)  # fromfile + imdecode: non-ASCII paths on Windows
    except OSError:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return None if image is None else np.ascontiguousarray(image, dtype=np.uint8)


def _image_paths(images: Path | Sequence[Path]) -> list[Path]:
    if isinstance(images, Path):
        if not images.is_dir():
            raise CameraUnavailable(f"Image folder {images} does not exist")
        return sorted(p for p in images.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return list(images)


class VideoFileSource:
    """A virtual camera playing a video file at its own rate, looping at the end."""

    def __init__(self, path: Path, loop: bool = True) -> None:
        self.name = f"Video {path.name}"
        self.fps = 25.0
        self._path = path
        self._loop = loop
        self._capture: object | None = None
        self._pacer = _Pacer(self.fps)

    def open(self) -> None:
        import cv2

        capture = cv2.VideoCapture(str(self._path))
        if not capture.isOpened():
            capture.release()
            raise CameraUnavailable(f"Cannot play the video {self._path}")
        reported = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(reported) if 1 <= reported <= 120 else 25.0
        self._pacer = _Pacer(self.fps)
        self._capture = capture

    def read(self) -> Image:
        import cv2

        capture = self._capture
        if capture is None:
            raise CameraUnavailable(f"{self.name} is not open")
        self._pacer.wait()
        ok, frame = capture.read()  # type: ignore[attr-defined]
        if not ok and self._loop:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)  # type: ignore[attr-defined]
            ok, frame = capture.read()  # type: ignore[attr-defined]
        if not ok or frame is None:
            raise CameraUnavailable(f"{self.name} has ended")
        return np.ascontiguousarray(frame, dtype=np.uint8)

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()  # type: ignore[attr-defined]
            self._capture = None
