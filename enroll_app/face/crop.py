"""The enrollment photo: 640x480 JPEG, eyes level and centred, face half the height, soft fill."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from enroll_app.face.pose import eye_centres, roll_degrees
from enroll_app.face.types import DetectedFace, FaceError, FloatArray, Image

if TYPE_CHECKING:
    from enroll_app.face.engine import FaceEngine

PHOTO_WIDTH = 640
PHOTO_HEIGHT = 480
# Terminals take the photo as base64 in a form field; 200 KB keeps a setPerson request small
# and the terminal's single-threaded photo handling quick.
DEFAULT_MAX_BYTES = 200 * 1024
# The detector's face box (hairline to chin) should fill half the height; the terminal
# accepts 1/3..2/3. The box runs from 0.40 box heights above the eye line to 0.60 below it
# (median over the shipped photos), so eyes at 0.45 of the height centre the box.
FACE_BOX_FRACTION = 0.5
EYE_LINE_FRACTION = 0.45
# Box height over the levelled landmarks' height (brows to chin), median 1.38 on the photos.
_BOX_OVER_LANDMARKS = 1.38
# Where the source ends, the photo fades over this many pixels into a heavy blur of itself.
_FEATHER_PX = 24
_FILL_BLUR_SIGMA = 24.0
_JPEG_QUALITIES = (95, 92, 90, 87, 85, 82, 80, 75, 70, 65, 60, 55, 50, 45, 40)

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EnrollmentPhoto:
    """The 640x480 enrollment photo: pixels, JPEG bytes, the JPEG quality used, and the face's
    landmarks (106) and five points mapped into the photo; `matrix` maps source to photo."""

    image: Image
    jpeg: bytes
    jpeg_quality: int
    landmarks: FloatArray
    kps: FloatArray
    matrix: Matrix


def photo_transform(face: DetectedFace) -> Matrix:
    """The 2x3 similarity from source pixels to the photo: rotate the eyes level, scale the face
    box to half the height, put the eye midpoint on the centre line at 45 % of the height."""
    import cv2

    if face.landmarks is None:
        raise ValueError("The face needs its 106 landmarks to be cropped")
    left, right = eye_centres(face.landmarks)
    roll = roll_degrees(left, right)
    centre = (left + right) / 2
    levelled = _rotate_about(np.asarray(face.landmarks, dtype=np.float64), centre, roll)
    box_height = _BOX_OVER_LANDMARKS * float(np.ptp(levelled[:, 1]))
    scale = FACE_BOX_FRACTION * PHOTO_HEIGHT / max(box_height, 1.0)
    matrix = np.asarray(
        cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), roll, scale),
        dtype=np.float64,
    )
    matrix[:, 2] += (PHOTO_WIDTH / 2 - centre[0], EYE_LINE_FRACTION * PHOTO_HEIGHT - centre[1])
    return matrix


def make_enrollment_photo(
    image: Image, face: DetectedFace, max_bytes: int = DEFAULT_MAX_BYTES
) -> EnrollmentPhoto:
    """Crop `face` (with its 106 landmarks) out of `image` into the enrollment photo.

    Raises `FaceError` if no JPEG quality down to 40 fits `max_bytes`.
    """
    matrix = photo_transform(face)
    pixels = _warp_with_soft_fill(_as_colour(image), matrix)
    jpeg, quality = encode_within(pixels, max_bytes)
    assert face.landmarks is not None
    return EnrollmentPhoto(
        image=pixels,
        jpeg=jpeg,
        jpeg_quality=quality,
        landmarks=_apply(matrix, face.landmarks),
        kps=_apply(matrix, face.kps),
        matrix=matrix,
    )


def crop_photo(
    engine: FaceEngine, image: Image, max_bytes: int = DEFAULT_MAX_BYTES
) -> EnrollmentPhoto:
    """Detect the largest face in `image` and crop it; `FaceError` if there is none."""
    from enroll_app.face.engine import STILL_DET_SIZE

    faces = engine.analyse(image, det_size=STILL_DET_SIZE, landmarks=True, embedding=False)
    if not faces:
        raise FaceError("No face found in the photo")
    return make_enrollment_photo(image, faces[0], max_bytes)


def encode_within(pixels: Image, max_bytes: int) -> tuple[bytes, int]:
    """JPEG bytes at the highest quality that fits `max_bytes`, and that quality."""
    import cv2

    for quality in _JPEG_QUALITIES:
        ok, buf = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and buf.size <= max_bytes:
            return buf.tobytes(), quality
    raise FaceError(f"The photo does not fit in {max_bytes} bytes even at JPEG quality 40")


def _as_colour(image: Image) -> Image:
    """Grey sources become three equal channels: terminals expect a colour JPEG."""
    import cv2

    if image.ndim == 3 and image.shape[2] == 3:
        return image
    grey = image if image.ndim == 2 else image[:, :, 0]
    return np.asarray(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), dtype=np.uint8)


def _warp_with_soft_fill(image: Image, matrix: Matrix) -> Image:
    """Warp into the photo; where the source ends, fade into a blur of the replicated edge."""
    import cv2

    size = (PHOTO_WIDTH, PHOTO_HEIGHT)
    warped = cv2.warpAffine(
        image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    inside = source_area(matrix, image.shape)
    if inside.all():
        return np.asarray(warped, dtype=np.uint8)
    # Replicated edges are continuous with the picture but streaky; blurring them and fading
    # in over a few pixels leaves no edge for the eye (or a detector) to catch. The blur runs
    # at 1/8 scale: a 24 px blur at full size costs 200 ms, this one about 1 ms.
    small = cv2.resize(warped, (PHOTO_WIDTH // 8, PHOTO_HEIGHT // 8), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), _FILL_BLUR_SIGMA / 8)
    blurred = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
    distance = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 3)
    alpha = np.clip(distance / _FEATHER_PX, 0.0, 1.0)[..., None]
    out = alpha * warped.astype(np.float32) + (1.0 - alpha) * blurred.astype(np.float32)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def source_area(matrix: Matrix, shape: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """Which photo pixels show the source (the rest is fill), from the source's corners."""
    import cv2

    height, width = shape[:2]
    corners = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], float)
    mapped = corners @ matrix[:, :2].T + matrix[:, 2]
    mask = np.zeros((PHOTO_HEIGHT, PHOTO_WIDTH), dtype=np.uint8)
    cv2.fillConvexPoly(mask, np.round(mapped * 16).astype(np.int32), 1, cv2.LINE_8, 4)
    return mask.astype(bool)


def _rotate_about(
    points: npt.NDArray[np.float64], centre: npt.NDArray[np.float64], degrees: float
) -> npt.NDArray[np.float64]:
    """Points rotated so a line at `degrees` (clockwise on screen) becomes horizontal."""
    angle = np.radians(-degrees)
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[c, -s], [s, c]])
    return np.asarray((points - centre) @ rotation.T + centre, dtype=np.float64)


def _apply(matrix: Matrix, points: FloatArray) -> FloatArray:
    pts = np.asarray(points, dtype=np.float64)
    return np.asarray(pts @ matrix[:, :2].T + matrix[:, 2], dtype=np.float32)
