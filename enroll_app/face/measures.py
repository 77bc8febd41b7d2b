"""Image measures on the face region only: brightness, contrast, sharpness, lighting balance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from enroll_app.face.pose import LEFT_EYE, RIGHT_EYE, eye_centres, roll_degrees
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


def face_patch(
    image: Image, landmarks: Landmarks
) -> tuple[Image, npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The face levelled and scaled to at most `MEASURE_EYE_DISTANCE` between the eyes, in grey;
    its landmarks in the patch; and which patch pixels lie inside the source image."""
    import cv2

    left, right = eye_centres(landmarks)
    distance = float(np.linalg.norm(right - left))
    scale = min(1.0, MEASURE_EYE_DISTANCE / max(distance, 1.0))
    size_x = max(round(2 * _PATCH_HALF_WIDTH * distance * scale), 8)
    size_y = max(round((_PATCH_ABOVE + _PATCH_BELOW) * distance * scale), 8)
    centre = (left + right) / 2
    matrix = np.asarray(
        cv2.getRotationMatrix2D(
            (float(centre[0]), float(centre[1])), roll_degrees(left, right), scale
        ),
        dtype=np.float64,
    )
    matrix[:, 2] += (size_x / 2 - centre[0], _PATCH_ABOVE * distance * scale - centre[1])
    patch: Any = _warp_region(image, matrix, (size_x, size_y), scale)
    if patch.ndim == 3:
        patch = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY)
    points = np.asarray(landmarks, dtype=np.float64) @ matrix[:, :2].T + matrix[:, 2]
    return (
        np.asarray(patch, dtype=np.uint8),
        points,
        _inside_source(matrix, patch.shape, image.shape),
    )


def _warp_region(
    image: Image, matrix: npt.NDArray[np.float64], size: tuple[int, int], scale: float
) -> Image:
    """`warpAffine` of the face region only; when shrinking, area-average first (warpAffine
    itself samples, and would alias fine texture into false sharpness on large faces)."""
    import cv2

    if scale >= 0.9:
        return np.asarray(cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR))
    corners = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], float)
    inverse = cv2.invertAffineTransform(matrix)
    source = corners @ inverse[:, :2].T + inverse[:, 2]
    height, width = image.shape[:2]
    x1, y1 = np.clip(np.floor(source.min(axis=0)) - 2, 0, None).astype(int)
    x2 = int(min(np.ceil(source[:, 0].max()) + 2, width))
    y2 = int(min(np.ceil(source[:, 1].max()) + 2, height))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return np.asarray(cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR))
    region = cv2.resize(image[y1:y2, x1:x2], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    # matrix = [sR | t]; on the shrunk region q = s (p - origin) it is [R | sR origin + t]
    local = matrix.copy()
    local[:, :2] /= scale
    local[:, 2] = matrix[:, :2] @ np.array([x1, y1], float) + matrix[:, 2]
    return np.asarray(cv2.warpAffine(region, local, size, flags=cv2.INTER_LINEAR))


def _inside_source(
    matrix: npt.NDArray[np.float64], patch_shape: tuple[int, ...], image_shape: tuple[int, ...]
) -> npt.NDArray[np.bool_]:
    """Patch pixels whose source position lies inside the image (not border fill)."""
    import cv2

    height, width = image_shape[:2]
    corners = np.array([[1, 1], [width - 2, 1], [width - 2, height - 2], [1, height - 2]], float)
    mapped = corners @ matrix[:, :2].T + matrix[:, 2]
    mask = np.zeros(patch_shape[:2], dtype=np.uint8)
    cv2.fillConvexPoly(mask, np.round(mapped * 16).astype(np.int32), 1, cv2.LINE_8, 4)
    return mask.astype(bool)


def face_mask(shape: tuple[int, ...], points: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Pixels inside the convex hull of the landmarks (the face from brows to chin)."""
    import cv2

    mask = np.zeros(shape[:2], dtype=np.uint8)
    hull = cv2.convexHull(np.round(points).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def measure_face(image: Image, landmarks: Landmarks) -> FaceRegionMeasures:
    """Brightness, contrast, sharpness and lighting balance of the face in `image`."""
    import cv2

    patch, points, inside = face_patch(image, landmarks)
    mask = face_mask(patch.shape, points) & inside
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


def eye_openness(landmarks: Landmarks) -> float:
    """How open the less open eye is: mean lid gap over eye width (about 0.3 open, 0.1 shut)."""
    pts = np.asarray(landmarks, dtype=np.float64)
    return min(_openness(pts[list(eye)]) for eye in (LEFT_EYE, RIGHT_EYE))


def _openness(eye: npt.NDArray[np.float64]) -> float:
    # Contour order: outer corner, three upper-lid points, inner corner, three lower-lid points
    # running back; pairs (1, 7), (2, 6), (3, 5) face each other across the eye.
    gaps = [np.linalg.norm(eye[a] - eye[b]) for a, b in ((1, 7), (2, 6), (3, 5))]
    width = float(np.linalg.norm(eye[0] - eye[4]))
    return float(np.mean(gaps)) / max(width, 1e-6)
