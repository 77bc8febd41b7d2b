"""Real 640x480 enrollment JPEGs made from the photos shipped with insightface."""

from __future__ import annotations

import cv2
import numpy as np

from enroll_app.face.samples import sample_photo


def fit_640x480(name: str = "yaoming.jpg", size: tuple[int, int] = (640, 480)) -> bytes:
    """A shipped photo scaled onto a grey canvas of `size` (w, h), as JPEG bytes."""
    image = cv2.imread(str(sample_photo(name)))
    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)))
    canvas = np.full((height, width, 3), 128, np.uint8)
    top = (height - resized.shape[0]) // 2
    left = (width - resized.shape[1]) // 2
    canvas[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    ok, data = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def png_photo() -> bytes:
    """A 640x480 PNG (the right size, the wrong format)."""
    ok, data = cv2.imencode(".png", np.full((480, 640, 3), 200, np.uint8))
    assert ok
    return data.tobytes()
