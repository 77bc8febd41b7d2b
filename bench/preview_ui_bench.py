"""Live preview speed, offscreen with the virtual camera: frames painted and analyses per second.

Usage: python -m bench.preview_ui_bench [--seconds 20] [--baseline-seconds 10] [--size 960x540]

Ours is the real `PreviewPresenter` + `PreviewView` (capture thread, analysis worker, the view
painting at the camera's rate). The baseline, run in the same process on the same camera and
engine, analyses every frame inline on the paint path (what a preview without a worker does)
and paints the same picture, box and landmarks. Goals: >= 25 fps painted, >= 25 Hz analysed.
The last line is JSON with both runs and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QApplication, QWidget

from enroll_app.camera.capture import CaptureThread, Frame
from enroll_app.camera.sources import ImageFolderSource
from enroll_app.face.engine import PREVIEW_DET_SIZE, FaceEngine
from enroll_app.face.quality import assess_faces
from enroll_app.face.types import DetectedFace
from enroll_app.simulator.camera import FRAMES_DIR

GOAL_FPS = 25.0


def camera() -> ImageFolderSource:
    """The virtual camera: the six sample portraits at 30 fps, two seconds each."""
    return ImageFolderSource(FRAMES_DIR, fps=30.0, hold_s=2.0)


class InlinePreview(QWidget):
    """The baseline: every delivered frame is analysed on the UI thread, then painted."""

    def __init__(self, engine: FaceEngine) -> None:
        super().__init__()
        from enroll_app.ui.preview_presenter import Mailbox

        self._engine = engine
        self._box = Mailbox(self._analyse_and_show, self)
        self.capture = CaptureThread(camera(), on_frame=self._box.post)
        self._frame: Frame | None = None
        self._face: DetectedFace | None = None
        self.analyses = 0
        self.painted = 0

    def _analyse_and_show(self, frame: Frame) -> None:
        faces = self._engine.analyse(frame.image, det_size=PREVIEW_DET_SIZE, embedding=False)
        assess_faces(frame.image, faces)
        self.analyses += 1
        self._frame, self._face = frame, (faces[0] if faces else None)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._frame is None:
            return
        image = self._frame.image
        qimage = QImage(
            image.data,
            image.shape[1],
            image.shape[0],
            image.strides[0],
            QImage.Format.Format_BGR888,
        )
        scale = min(self.width() / image.shape[1], self.height() / image.shape[0])
        painter = QPainter(self)
        painter.drawImage(QRectF(0, 0, image.shape[1] * scale, image.shape[0] * scale), qimage)
        if self._face is not None and self._face.landmarks is not None:
            painter.setPen(QPen(QColor("#2ecc71"), 3))
            x1, y1, x2, y2 = (float(v) * scale for v in self._face.bbox)
            painter.drawRect(QRectF(x1, y1, x2 - x1, y2 - y1))
            painter.drawPoints(
                QPolygonF([QPointF(x * scale, y * scale) for x, y in self._face.landmarks])
            )
        painter.end()
        self.painted += 1


async def run_ours(seconds: float, size: tuple[int, int]) -> dict[str, Any]:
    """The real preview for `seconds` after the models are loaded and the first frame analysed."""
    from enroll_app.ui.context import AppContext
    from enroll_app.ui.preview import PreviewPresenter, PreviewView
    from enroll_app.ui.settings import StationSettings

    context = AppContext(StationSettings())
    presenter = PreviewPresenter(context)
    view = PreviewView(presenter)
    view.resize(*size)
    view.show()
    seconds_each: list[float] = []
    presenter.add_listener(
        lambda _frame: None, lambda analysis: seconds_each.append(analysis.seconds)
    )
    presenter.start(camera())
    while presenter.analyses_received == 0:  # noqa: ASYNC110 - a bench waiting for warm-up
        await asyncio.sleep(0.05)
    frames0, painted0, analyses0 = (
        presenter.frames_received,
        view.painted_frames,
        presenter.analyses_received,
    )
    started = time.perf_counter()
    cpu0 = time.process_time()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    result = {
        "camera_fps": round((presenter.frames_received - frames0) / elapsed, 1),
        "painted_fps": round((view.painted_frames - painted0) / elapsed, 1),
        "analysed_hz": round((presenter.analyses_received - analyses0) / elapsed, 1),
        "process_cpu_cores": round(cpu / elapsed, 2),
        "analysis_ms_median": round(1000 * statistics.median(seconds_each or [0.0]), 1),
    }
    await context.aclose()
    view.close()
    view.deleteLater()
    return result


async def run_baseline(seconds: float, size: tuple[int, int]) -> dict[str, Any]:
    """The inline-analysis preview over the same camera for `seconds`."""
    engine = await FaceEngine.load_async()
    view = InlinePreview(engine)
    view.resize(*size)
    view.show()
    view.capture.start()
    while view.analyses == 0:  # noqa: ASYNC110 - a bench waiting for warm-up
        await asyncio.sleep(0.05)
    painted0, analyses0 = view.painted, view.analyses
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - started
    view.capture.stop()
    result = {
        "painted_fps": round((view.painted - painted0) / elapsed, 1),
        "analysed_hz": round((view.analyses - analyses0) / elapsed, 1),
    }
    view.close()
    view.deleteLater()
    return result


def main() -> None:
    """Run ours, then the baseline; print one line each and the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--size", default="960x540", help="the view's size, WxH")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as home:
        os.environ["ENROLL_STATION_HOME"] = home
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            ours = runner.run(run_ours(args.seconds, (width, height)))
            print(f"preview (worker): {ours}", flush=True)
            base = runner.run(run_baseline(args.baseline_seconds, (width, height)))
            print(f"baseline (analysis inline on the paint path): {base}", flush=True)
    summary = {
        "bench": "preview_ui",
        "seconds": args.seconds,
        "view_size": args.size,
        "cores": os.cpu_count(),
        "painted_fps": ours["painted_fps"],
        "analysed_hz": ours["analysed_hz"],
        "camera_fps": ours["camera_fps"],
        "process_cpu_cores": ours["process_cpu_cores"],
        "analysis_ms_median": ours["analysis_ms_median"],
        "baseline_painted_fps": base["painted_fps"],
        "baseline_analysed_hz": base["analysed_hz"],
        "painted_ratio": round(ours["painted_fps"] / max(base["painted_fps"], 0.1), 2),
        "analysed_ratio": round(ours["analysed_hz"] / max(base["analysed_hz"], 0.1), 2),
        "goal_painted_met": ours["painted_fps"] >= GOAL_FPS,
        "goal_analysed_met": ours["analysed_hz"] >= GOAL_FPS,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
