"""Image measures on the face region only: brightness, contrast, sharpness, lighting balance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from enroll_app.face.pose import eye_centres, roll_degrees
from enroll_app.face.types import Image

# The face is measured at most this many pixels between the eyes: large faces are scaled down
# so that measures mean the same at every distance, and so the work stays under a millisecond.
# 40 px is what ArcFace's 112x112 crop gives a face, which is what a terminal matches on.
MEASURE_EYE_DISTANCE = 40.0
# The patch spans this many eye distances left/right of, above and below the eye midpoint.
_PATCH_HALF_WIDTH = 1.7
_PATCH_ABOVE = 1.4
_PATCH_BELOW = 2.4
# Landmarks on the nose ridge: their mean x splits the face into its left and right halves.
_NOSE_RIDGE = (72, 73, 74, 86, 80)
# Sharpness compares detail at the finest scale with detail at this blur (pixels of the patch):
# blur removes the first and keeps the second; light level and contrast scale both alike.
_COARSE_SIGMA = 1.5

Landmarks = npt.NDArray[np.floating]


@dataclass(frozen=True)
class FaceRegionMeasures:
    """Measures of one face's skin region (brows to chin, inside the landmark hull).

    brightness: mean luma 0..255; contrast: (p95 - p5) / (p95 + p5) of luma, independent of
    exposure level; sharpness: finest-scale detail over coarser detail (blur lowers it; light level,
    contrast and a light gradient do not); uniformity: darker half's mean luma over the brighter half's.
    """

    brightness: float
    contrast: float
    sharpness: float
    uniformity: float


def face_patch(image: Image, landmarks: Landmarks) -> tuple[Image, npt.NDArray[np.float64]]:
    """The face levelled and scaled to at most `MEASURE_EYE_DISTANCE`, grey, with its landmarks."""
    import cv2

    left, right = eye_centres(landmarks)
    distance = float(np.linalg.norm(right - left))
    scale = min(1.0, MEASURE_EYE_DISTANCE / max(distance, 1.0))
    size_x = round(2 * _PATCH_HALF_WIDTH * distance * scale)
    size_y = round((_PATCH_ABOVE + _PATCH_BELOW) * distance * scale)
    centre = (left + right) / 2
    matrix = cv2.getRotationMatrix2D(
        (float(centre[0]), float(centre[1])), roll_degrees(left, right), scale
    )
    matrix[:, 2] += (size_x / 2 - centre[0], _PATCH_ABOVE * distance * scale - centre[1])
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    patch = cv2.warpAffine(grey, matrix, (size_x, size_y), flags=cv2.INTER_AREA)
    points = np.asarray(landmarks, dtype=np.float64) @ matrix[:, :2].T + matrix[:, 2]
    return np.asarray(patch, dtype=np.uint8), points


def face_mask(shape: tuple[int, ...], points: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Pixels inside the convex hull of the landmarks (the face from brows to chin)."""
    import cv2

    mask = np.zeros(shape[:2], dtype=np.uint8)
    hull = cv2.convexHull(np.round(points).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def visible_mask(image: Image, landmarks: Landmarks) -> npt.NDArray[np.bool_]:
    """In the face patch: which pixels come from inside the source image (not border fill)."""
    import cv2

    ones = np.full(image.shape[:2], 255, dtype=np.uint8)
    patch, _ = face_patch(ones, landmarks)
    return np.asarray(cv2.erode(patch, np.ones((3, 3), np.uint8)) > 0)


def measure_face(image: Image, landmarks: Landmarks) -> FaceRegionMeasures:
    """Brightness, contrast, sharpness and lighting balance of the face in `image`."""
    import cv2

    patch, points = face_patch(image, landmarks)
    mask = face_mask(patch.shape, points) & visible_mask(image, landmarks)
    if mask.sum() < 16:
        return FaceRegionMeasures(brightness=0.0, contrast=0.0, sharpness=0.0, uniformity=0.0)
    luma = patch.astype(np.float32)
    values = luma[mask]
    p5, p95 = np.percentile(values, [5, 95])
    fine = cv2.Laplacian(luma, cv2.CV_32F, ksize=3)
    coarse = cv2.Laplacian(cv2.GaussianBlur(luma, (0, 0), _COARSE_SIGMA), cv2.CV_32F, ksize=3)
    # The hull's edge is not an image edge, but the Laplacian there sees the pixels beyond it.
    inner = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    coarse_energy = float(coarse[inner].std()) if inner.any() else 0.0
    sharpness = float(fine[inner].std()) / coarse_energy if coarse_energy > 1e-3 else 0.0
    return FaceRegionMeasures(
        brightness=float(values.mean()),
        contrast=float((p95 - p5) / max(p95 + p5, 1e-3)),
        sharpness=sharpness,
        uniformity=_uniformity(luma, mask, points),
    )


def _uniformity(
    luma: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_], points: npt.NDArray[np.float64]
) -> float:
    """Mean luma of the darker face half over the brighter one (1.0 = evenly lit)."""
    split = round(float(points[list(_NOSE_RIDGE), 0].mean()))
    split = min(max(split, 1), luma.shape[1] - 1)
    halves = [luma[:, :split][mask[:, :split]], luma[:, split:][mask[:, split:]]]
    if min(h.size for h in halves) < 8:
        return 0.0
    means = sorted(float(h.mean()) for h in halves)
    return means[0] / max(means[1], 1e-3)
