"""Frame sources and the capture thread, on real images, a real video file and no webcam."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from enroll_app.camera.capture import CameraState, CaptureThread, LatestFrame
from enroll_app.camera.sources import (
    CameraUnavailable,
    ImageFolderSource,
    VideoFileSource,
    WebcamSource,
    fit_to_canvas,
)
from enroll_app.face.samples import sample_photo


@pytest.fixture
def portrait_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "portraits"
    folder.mkdir()
    for name in ("yaoming.jpg", "gdp.jpg"):
        (folder / name).write_bytes(sample_photo(name).read_bytes())
    (folder / "notes.txt").write_text("not an image")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    return folder


def test_image_folder_frames_look_like_a_webcam_and_hold_each_picture(
    portrait_folder: Path,
) -> None:
    source = ImageFolderSource(portrait_folder, fps=1000, hold_s=0.003)
    source.open()
    frames = [source.read() for _ in range(7)]
    source.close()
    assert all(f.shape == (720, 1280, 3) and f.dtype == np.uint8 for f in frames)
    assert np.array_equal(frames[0], frames[2])  # held for three frames
    assert not np.array_equal(frames[2], frames[3])  # then the next picture (broken.jpg skipped)
    assert np.array_equal(frames[0], frames[3 * 2])  # and round again


def test_empty_or_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CameraUnavailable, match="no readable images"):
        ImageFolderSource(tmp_path).open()
    with pytest.raises(CameraUnavailable, match="does not exist"):
        ImageFolderSource(tmp_path / "missing")


def test_fit_to_canvas_keeps_aspect() -> None:
    tall = np.full((400, 100, 3), 255, dtype=np.uint8)
    canvas = fit_to_canvas(tall, (1280, 720))
    columns_with_white = np.flatnonzero((canvas == 255).all(axis=2).any(axis=0))
    assert canvas.shape == (720, 1280, 3)
    assert 175 <= columns_with_white.size <= 185  # 100 * 720 / 400 = 180 px wide


def test_missing_webcam_says_so() -> None:
    source = WebcamSource(97)
    with pytest.raises(CameraUnavailable, match="Camera 97 is not connected or is in use"):
        source.open()
    source.close()


def test_video_file_plays_and_loops(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 200, (320, 240))
    for shade in (0, 80, 160):
        writer.write(np.full((240, 320, 3), shade, dtype=np.uint8))
    writer.release()
    source = VideoFileSource(path)
    source.open()
    shades = [int(source.read().mean()) for _ in range(5)]
    source.close()
    assert shades[:3] == pytest.approx([0, 80, 160], abs=3)
    assert shades[3:] == pytest.approx([0, 80], abs=3)


def test_latest_frame_wait_newer_times_out_without_a_new_frame() -> None:
    box = LatestFrame()
    assert box.get() is None
    assert box.wait_newer(0, timeout=0.01) is None


class FlakySource:
    """A camera that is unplugged after a few frames and plugged back in on the next open."""

    name = "flaky"
    fps = 1000.0

    def __init__(self) -> None:
        self.opens = 0
        self.reads = 0

    def open(self) -> None:
        self.opens += 1
        if self.opens == 2:
            raise CameraUnavailable("flaky is in use by another program")

    def read(self) -> np.ndarray:
        self.reads += 1
        if self.reads == 5:
            raise CameraUnavailable("flaky stopped delivering pictures (unplugged?)")
        return np.full((4, 4, 3), self.reads % 256, dtype=np.uint8)

    def close(self) -> None:
        pass


def test_capture_keeps_newest_frame_and_recovers_a_lost_camera() -> None:
    states: list[tuple[CameraState, str]] = []
    threads: set[str] = set()
    recovered = threading.Event()

    def on_state(state: CameraState, message: str) -> None:
        states.append((state, message))
        if state is CameraState.LIVE and len(states) > 2:
            recovered.set()

    capture = CaptureThread(
        FlakySource(),
        on_frame=lambda f: threads.add(threading.current_thread().name),
        on_state=on_state,
        retry_s=0.01,
    )
    capture.start()
    assert recovered.wait(5)
    first = capture.latest.get()
    assert first is not None
    newer = capture.latest.wait_newer(first.index, timeout=5)
    capture.stop()
    assert newer is not None
    assert newer.index > first.index
    assert [s for s, _ in states[:4]] == [
        CameraState.LIVE,
        CameraState.LOST,
        CameraState.LOST,
        CameraState.LIVE,
    ]
    assert "unplugged" in states[1][1]
    assert "in use" in states[2][1]
    assert states[-1][0] is CameraState.STOPPED
    assert not capture.is_alive()
    assert threads == {"capture:flaky"}
