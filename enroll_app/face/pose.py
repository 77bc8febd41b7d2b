"""Head pose (yaw, pitch, roll in degrees) from the 106 two-dimensional landmarks of 2d106det."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Indices into insightface's 2d106det markup (image-left/image-right as seen in the picture).
LEFT_EYE_CENTRE = 38
RIGHT_EYE_CENTRE = 88
LEFT_EYE = (
    35,
    41,
    40,
    42,
    39,
    37,
    33,
    36,
)  # outer corner, upper lid x3, inner corner, lower lid x3
RIGHT_EYE = (93, 96, 94, 95, 89, 90, 87, 91)
NOSE_TIP = 86
CHIN = 0

# A generic face in millimetres (x to the image right, y down, z away from the camera), used
# for a least-squares fit of a scaled-orthographic camera. x and y are the median landmark
# positions of the near-frontal faces in the shipped photos (scaled to a 64 mm eye distance,
# symmetrised); z is the usual adult depth relief relative to the pupils: nose tip 26 mm in
# front, outer eye corners 14 mm behind. Only points that stay put when a person talks or
# smiles or looks aside are used (no pupils, lids, lips, or jaw contour but the chin).
_MODEL_POINTS: dict[int, tuple[float, float, float]] = {
    39: (-18.7, 2.4, 6.0),
    89: (18.7, 2.4, 6.0),
    35: (-45.5, 0.8, 14.0),
    93: (45.5, 0.8, 14.0),
    72: (0.0, -2.4, -8.0),
    73: (0.0, 10.4, -14.0),
    74: (0.0, 22.8, -20.0),
    86: (0.0, 35.2, -26.0),
    80: (0.0, 48.1, -14.0),
    76: (-15.4, 29.5, -2.0),
    82: (15.4, 29.5, -2.0),
    78: (-14.2, 44.5, -6.0),
    84: (14.2, 44.5, -6.0),
    52: (-25.4, 71.2, -2.0),
    61: (25.4, 71.2, -2.0),
    0: (0.0, 116.5, 2.0),
}
_MODEL_INDEX = np.array(list(_MODEL_POINTS), dtype=np.intp)
_MODEL = np.array(list(_MODEL_POINTS.values()), dtype=np.float64)
_DESIGN = np.hstack([_MODEL, np.ones((len(_MODEL), 1))])

Points = npt.NDArray[np.floating]


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees.

    yaw > 0: the nose points to the image's right (the person turned to their own left on an
    unmirrored camera); pitch > 0: the chin is up; roll > 0: the head leans clockwise on
    screen (the eye on the image's right is lower). Roll is the angle of the line between the
    eye centres, so it is exact; yaw and pitch come from a generic face model.
    """

    yaw: float
    pitch: float
    roll: float


def eye_centres(landmarks: Points) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Centres of the image-left and image-right eye: the mean of each eye's contour points."""
    pts = np.asarray(landmarks, dtype=np.float64)
    return pts[list(LEFT_EYE)].mean(axis=0), pts[list(RIGHT_EYE)].mean(axis=0)


def roll_degrees(left_eye: Points, right_eye: Points) -> float:
    """Angle of the eye line against the horizontal, clockwise on screen positive."""
    dx, dy = (np.asarray(right_eye, dtype=np.float64) - np.asarray(left_eye, dtype=np.float64))[:2]
    return math.degrees(math.atan2(dy, dx))


def estimate_pose(landmarks: Points) -> HeadPose:
    """Yaw, pitch and roll of a face from its 106 landmarks (any pixel scale).

    Fits the generic face with a scaled-orthographic camera by linear least squares and reads
    yaw and pitch from the nearest rotation; at desk distances perspective changes the result
    by well under a degree. Takes microseconds.
    """
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.shape != (106, 2):
        raise ValueError(f"expected 106x2 landmarks, got {pts.shape}")
    projection, *_ = np.linalg.lstsq(_DESIGN, pts[_MODEL_INDEX], rcond=None)
    rotation = _nearest_rotation(projection[:3, 0], projection[:3, 1])
    yaw = math.degrees(math.asin(float(np.clip(rotation[2, 0], -1.0, 1.0))))
    pitch = math.degrees(math.atan2(-rotation[2, 1], rotation[2, 2]))
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll_degrees(*eye_centres(pts)))


def _nearest_rotation(row_x: Points, row_y: Points) -> npt.NDArray[np.float64]:
    """The rotation matrix closest to the two fitted camera rows (they share one scale)."""
    r1 = row_x / np.linalg.norm(row_x)
    r2 = row_y / np.linalg.norm(row_y)
    approx = np.stack([r1, r2, np.cross(r1, r2)])
    u, _, vt = np.linalg.svd(approx)
    rotation: npt.NDArray[np.float64] = u @ vt
    return rotation
