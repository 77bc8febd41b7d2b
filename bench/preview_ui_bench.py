"""Live preview speed, offscreen with the virtual camera: frames painted and analyses per second.

Usage: python -m bench.preview_ui_bench [--rounds 4] [--round-seconds 5] [--size 960x540]

Ours is the real `PreviewPresenter` + `PreviewView` (capture thread, analysis worker, the view
painting at the camera's rate). The baseline, run in the same process on the same camera and
engine, analyses every frame inline on the paint path (what a preview without a worker does)
and paints the same picture, box and landmarks. Rounds alternate between the two (4 x 5 s each
by default: 20 s of ours), so load from other work hits both alike. Goals: >= 25 fps painted,
>= 25 Hz analysed. The last line is JSON with the medians and the per-round ratios' medians.
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


class OurPreview:
    """The real presenter and view, built once; `measure` runs one round."""

    def __init__(self, size: tuple[int, int]) -> None:
        from enroll_app.ui.context import AppContext
        from enroll_app.ui.preview import PreviewPresenter, PreviewView
        from enroll_app.ui.settings import StationSettings

        self.context = AppContext(StationSettings())
        self.presenter = PreviewPresenter(self.context)
        self.view = PreviewView(self.presenter)
        self.view.resize(*size)
        self.view.show()
        self.seconds_each: list[float] = []
        self.presenter.add_listener(
            lambda _frame: None, lambda analysis: self.seconds_each.append(analysis.seconds)
        )

    async def measure(self, seconds: float) -> dict[str, float]:
        """Start the camera, wait for the first analysis, count for `seconds`, stop."""
        presenter, view = self.presenter, self.view
        analyses_before = presenter.analyses_received
        presenter.start(camera())
        while presenter.analyses_received == analyses_before:  # noqa: ASYNC110 - warm-up
            await asyncio.sleep(0.05)
        frames0, painted0 = presenter.frames_received, view.painted_frames
        analyses0 = presenter.analyses_received
        self.seconds_each.clear()
        started, cpu0 = time.perf_counter(), time.process_time()
        await asyncio.sleep(seconds)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu0
        result = {
            "camera_fps": (presenter.frames_received - frames0) / elapsed,
            "painted_fps": (view.painted_frames - painted0) / elapsed,
            "analysed_hz": (presenter.analyses_received - analyses0) / elapsed,
            "process_cpu_cores": cpu / elapsed,
            "analysis_ms_median": 1000 * statistics.median(self.seconds_each or [0.0]),
        }
        await presenter.aclose()
        return result

    async def engine(self) -> FaceEngine:
        """The station's engine (the baseline uses the very same)."""
        station = await self.context.station_ready()
        return await station.face_engine()

    async def aclose(self) -> None:
        """Close the station and the view."""
        await self.context.aclose()
        self.view.close()
        self.view.deleteLater()


async def measure_baseline(
    engine: FaceEngine, seconds: float, size: tuple[int, int]
) -> dict[str, float]:
    """One round of the inline-analysis preview over the same camera."""
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
    view.close()
    view.deleteLater()
    return {
        "painted_fps": (view.painted - painted0) / elapsed,
        "analysed_hz": (view.analyses - analyses0) / elapsed,
    }


async def run_rounds(rounds: int, seconds: float, size: tuple[int, int]) -> dict[str, Any]:
    """Alternate ours and the baseline, so load from other work hits both alike."""
    ours_preview = OurPreview(size)
    ours: list[dict[str, float]] = []
    base: list[dict[str, float]] = []
    try:
        engine = await ours_preview.engine()
        for number in range(1, rounds + 1):
            ours.append(await ours_preview.measure(seconds))
            base.append(await measure_baseline(engine, seconds, size))
            print(
                f"round {number}: preview {_fmt(ours[-1])} | inline baseline {_fmt(base[-1])}",
                flush=True,
            )
    finally:
        await ours_preview.aclose()
    return {"ours": ours, "base": base}


def _fmt(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in values.items())


def _median(rows: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(row[key] for row in rows), 1)


def _ratio(ours: list[dict[str, float]], base: list[dict[str, float]], key: str) -> float:
    pairs = [o[key] / max(b[key], 0.1) for o, b in zip(ours, base, strict=True)]
    return round(statistics.median(pairs), 2)


def main() -> None:
    """Run the alternating rounds; print one line per round and the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--round-seconds", type=float, default=5.0)
    parser.add_argument("--size", default="960x540", help="the view's size, WxH")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as home:
        os.environ["ENROLL_STATION_HOME"] = home
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runs = runner.run(run_rounds(args.rounds, args.round_seconds, (width, height)))
    ours, base = runs["ours"], runs["base"]
    summary = {
        "bench": "preview_ui",
        "seconds": args.rounds * args.round_seconds,
        "view_size": args.size,
        "cores": os.cpu_count(),
        "painted_fps": _median(ours, "painted_fps"),
        "analysed_hz": _median(ours, "analysed_hz"),
        "camera_fps": _median(ours, "camera_fps"),
        "analysis_ms_median": _median(ours, "analysis_ms_median"),
        "process_cpu_cores": _median(ours, "process_cpu_cores"),
        "baseline_painted_fps": _median(base, "painted_fps"),
        "baseline_analysed_hz": _median(base, "analysed_hz"),
        "painted_ratio": _ratio(ours, base, "painted_fps"),
        "analysed_ratio": _ratio(ours, base, "analysed_hz"),
        "goal_painted_met": _median(ours, "painted_fps") >= GOAL_FPS,
        "goal_analysed_met": _median(ours, "analysed_hz") >= GOAL_FPS,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
