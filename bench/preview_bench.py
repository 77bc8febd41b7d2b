"""Preview analysis speed: FaceEngine (small detection + 106 landmarks) vs FaceAnalysis.get.

Usage: python -m bench.preview_bench [--frames 60] [--repeat 5] [--det-size 320] [--threads N]

Both run on the same 640x480 single-face frames over the same buffalo_s files: the baseline is
insightface's own `FaceAnalysis` (official file names symlinked into a temp root, detection at
640, landmarks and embedding for every face, as its `get` does), once with ORT's default
session options and once with the engine's; ours is what the live preview runs per frame. Rounds alternate between the two so load from other work on the machine hits
both alike; the last line is JSON with the medians, their ratio and every round's numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from enroll_app.face.engine import PREVIEW_DET_SIZE, FaceEngine, default_threads, session_options
from enroll_app.face.models import find_pack
from enroll_app.face.samples import sample_photo
from enroll_app.face.types import Image, read_image

OFFICIAL_NAMES = {"detection": "det_500m.onnx", "landmarks": "2d106det.onnx"}
OFFICIAL_NAMES["recognition"] = "w600k_mbf.onnx"


def make_frames(count: int) -> list[Image]:
    """640x480 camera-like frames: one face (yaoming.jpg, scaled up), shifted a little each."""
    import cv2

    photo = read_image(str(sample_photo("yaoming.jpg")))
    face = np.asarray(cv2.resize(photo, None, fx=1.5, fy=1.5), dtype=np.uint8)
    h, w = face.shape[:2]
    frames = []
    for i in range(count):
        frame = np.full((480, 640, 3), 110, dtype=np.uint8)
        dx, dy = (i * 7) % 40 - 20, (i * 3) % 16 - 8
        top, left = (480 - h) // 2 + dy, (640 - w) // 2 + dx
        frame[top : top + h, left : left + w] = face
        frames.append(frame)
    return frames


def build_face_analysis(root: Path, threads: int | None = None) -> Any:
    """insightface's FaceAnalysis over the verified buffalo_s files, under their official names.

    With `threads`, its sessions get the engine's ORT options (a fairer baseline on a busy
    machine); without, ORT's defaults as `FaceAnalysis` users get them.
    """
    from insightface.app import FaceAnalysis

    pack = find_pack("buffalo_s")
    folder = root / ("buffalo_s" if threads is None else "buffalo_s_tuned")
    folder.mkdir()
    for role, name in OFFICIAL_NAMES.items():
        (folder / name).symlink_to(pack.path(role))
    options = {} if threads is None else {"sess_options": session_options(threads)}
    app = FaceAnalysis(name=str(folder), providers=["CPUExecutionProvider"], **options)
    app.prepare(ctx_id=-1, det_size=(640, 640))
    return app


def fps(run: Callable[[Image], object], frames: list[Image]) -> float:
    """Frames per second of `run` over `frames` (after one untimed frame)."""
    run(frames[0])
    started = time.perf_counter()
    for frame in frames:
        run(frame)
    return len(frames) / (time.perf_counter() - started)


def preview_step(engine: FaceEngine, det_size: int) -> Callable[[Image], object]:
    """What the preview does per frame: detect small, then the main face's 106 landmarks."""

    def step(frame: Image) -> object:
        faces = engine.detect(frame, det_size=det_size, max_faces=1)
        return engine.landmarks(frame, faces[0]) if faces else None

    return step


def ratio(ours: list[float], theirs: list[float]) -> float:
    """Median of the per-round ratios: each round's pair ran under the same machine load."""
    return round(statistics.median(o / t for o, t in zip(ours, theirs, strict=True)), 2)


def main() -> None:
    """Run the alternating rounds and print one line per round, then the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--det-size", type=int, default=PREVIEW_DET_SIZE)
    parser.add_argument("--threads", type=int, default=default_threads())
    args = parser.parse_args()

    frames = make_frames(args.frames)
    engine = FaceEngine.load("buffalo_s", threads=args.threads)
    step = preview_step(engine, args.det_size)
    ours: list[float] = []
    theirs: list[float] = []
    tuned: list[float] = []
    with tempfile.TemporaryDirectory() as root, warnings.catch_warnings():
        # insightface's ArcFace crop calls a scikit-image API that warns on every face
        warnings.simplefilter("ignore", FutureWarning)
        app = build_face_analysis(Path(root))
        tuned_app = build_face_analysis(Path(root), threads=args.threads)
        assert len(app.get(frames[0])) == 1, "the baseline must see the face too"
        for round_no in range(1, args.repeat + 1):
            theirs.append(fps(app.get, frames))
            tuned.append(fps(tuned_app.get, frames))
            ours.append(fps(step, frames))
            print(
                f"round {round_no}: FaceAnalysis.get {theirs[-1]:6.1f} fps, same with our ORT "
                f"options {tuned[-1]:6.1f} fps, preview ({args.det_size} + 106 landmarks) "
                f"{ours[-1]:6.1f} fps"
            )
    summary = {
        "bench": "preview",
        "frames": args.frames,
        "repeat": args.repeat,
        "det_size": args.det_size,
        "threads": args.threads,
        "face_analysis_fps": round(statistics.median(theirs), 1),
        "preview_fps": round(statistics.median(ours), 1),
        "ratio": ratio(ours, theirs),
        "face_analysis_tuned_fps": round(statistics.median(tuned), 1),
        "ratio_vs_tuned": ratio(ours, tuned),
        "face_analysis_fps_rounds": [round(v, 1) for v in theirs],
        "face_analysis_tuned_fps_rounds": [round(v, 1) for v in tuned],
        "preview_fps_rounds": [round(v, 1) for v in ours],
        "preview_fps_spread": round((max(ours) - min(ours)) / statistics.median(ours), 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
