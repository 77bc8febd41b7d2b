"""Degraded versions of real photos, each spoiling one thing a quality check looks at."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from enroll_app.face.types import Image

Box = npt.NDArray[np.floating]


def blur(image: Image, sigma: float) -> Image:
    """Gaussian blur (out of focus, or the person moved)."""
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)


def exposure(image: Image, gain: float, offset: float = 0.0) -> Image:
    """Scale then shift the light level: gain < 1 is too dark; a positive offset washes out."""
    out = image.astype(np.float32) * gain + offset
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def flatten(image: Image, factor: float) -> Image:
    """Pull every pixel towards the mean grey by `factor` (haze, a dirty lens): low contrast."""
    mean = image.reshape(-1, 3).mean(axis=0)
    out = mean + (image.astype(np.float32) - mean) * factor
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def side_light(image: Image, box: Box, darkest: float) -> Image:
    """Light falling from the image's right: a ramp across the face from `darkest` to 1."""
    x1, x2 = float(box[0]), float(box[2])
    xs = np.arange(image.shape[1], dtype=np.float32)
    ramp = np.clip((xs - x1) / max(x2 - x1, 1.0), 0.0, 1.0)
    gain = darkest + (1.0 - darkest) * ramp
    out = image.astype(np.float32) * gain[None, :, None]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def rotate(image: Image, degrees: float, centre: tuple[float, float] | None = None) -> Image:
    """Rotate in the image plane about `centre` (default the middle), counter-clockwise on
    screen for positive angles, keeping the size; corners are filled by replicating the edge."""
    h, w = image.shape[:2]
    c = centre if centre is not None else (w / 2, h / 2)
    matrix = cv2.getRotationMatrix2D(c, degrees, 1.0)
    out = cv2.warpAffine(
        image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(out, dtype=np.uint8)


def rotation_matrix(
    image: Image, degrees: float, centre: tuple[float, float] | None = None
) -> npt.NDArray[np.float64]:
    """The 2x3 matrix `rotate` applies, to map known points into the rotated image."""
    h, w = image.shape[:2]
    c = centre if centre is not None else (w / 2, h / 2)
    return np.asarray(cv2.getRotationMatrix2D(c, degrees, 1.0), dtype=np.float64)


def mirror(image: Image) -> Image:
    """Left-right mirror image (a turned head turns the other way)."""
    return np.ascontiguousarray(image[:, ::-1])


def shrink(image: Image, factor: float) -> Image:
    """Scale down (the person stands too far away)."""
    out = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return np.asarray(out, dtype=np.uint8)


def cut(
    image: Image, x1: int = 0, y1: int = 0, x2: int | None = None, y2: int | None = None
) -> Image:
    """Keep only a rectangle of the image (a face cut by the frame's edge)."""
    return np.ascontiguousarray(image[y1:y2, x1:x2])


def pad(image: Image, border: int) -> Image:
    """Widen the canvas with replicated edges (room to rotate without losing the face)."""
    out = cv2.copyMakeBorder(image, border, border, border, border, cv2.BORDER_REPLICATE)
    return np.asarray(out, dtype=np.uint8)


def paste_face(
    image: Image, donor: Image, donor_box: Box, at: tuple[int, int], height: int
) -> Image:
    """Paste the region `donor_box` (x1, y1, x2, y2, widened by a margin) of `donor`, scaled to
    `height` pixels, with its top-left corner at `at` in a copy of `image` (a second person)."""
    x1, y1, x2, y2 = (int(v) for v in donor_box[:4])
    margin = (y2 - y1) // 4
    region = donor[max(y1 - margin, 0) : y2 + margin, max(x1 - margin, 0) : x2 + margin]
    scale = height / region.shape[0]
    region = cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    out = image.copy()
    x, y = at
    h = min(region.shape[0], out.shape[0] - y)
    w = min(region.shape[1], out.shape[1] - x)
    out[y : y + h, x : x + w] = region[:h, :w]
    return out


def close_eyes(image: Image, landmarks: npt.NDArray[np.floating]) -> Image:
    """Paint each eye over with the skin just below it, feathered (eyes closed)."""
    out = image.copy()
    for eye in ((35, 41, 40, 42, 39, 37, 33, 36), (93, 96, 94, 95, 89, 90, 87, 91)):
        pts = np.asarray(landmarks, dtype=np.float64)[list(eye)]
        x1, y1 = pts.min(axis=0)
        x2, y2 = pts.max(axis=0)
        w, h = x2 - x1, y2 - y1
        bx1, bx2 = int(x1 - 0.25 * w), int(x2 + 0.25 * w) + 1
        by1, by2 = int(y1 - 0.6 * h), int(y2 + 0.6 * h) + 1
        skin_y = by2 + int(0.3 * h)
        skin = image[skin_y : skin_y + (by2 - by1), bx1:bx2].astype(np.float32)
        alpha = np.zeros((by2 - by1, bx2 - bx1), np.float32)
        cv2.ellipse(
            alpha,
            (
                (alpha.shape[1] / 2, alpha.shape[0] / 2),
                (alpha.shape[1] * 0.9, alpha.shape[0] * 0.9),
                0.0,
            ),
            1.0,
            -1,
        )
        alpha = cv2.GaussianBlur(alpha, (0, 0), max(h / 4, 1.0))[..., None]
        region = out[by1:by2, bx1:bx2].astype(np.float32)
        out[by1:by2, bx1:bx2] = np.clip(alpha * skin + (1 - alpha) * region, 0, 255).astype(
            np.uint8
        )
        # a lash line where the lids meet
        lid_y = round(float(pts[[0, 4], 1].mean()))
        cv2.line(
            out, (int(x1), lid_y), (int(x2), lid_y), (40, 40, 50), max(1, int(h / 6)), cv2.LINE_AA
        )
    return out
