"""Photo quality checks for enrollment and the live preview; thresholds: docs/quality-thresholds.md.

Two entry points share one set of checks:
- `assess_faces(image, faces)`: from detections with 106 landmarks, any image size (a preview
  frame at detection size 320, say); image measures run on the face region only, ~2 ms.
- `check_photo(engine, image)`: the enrollment decision on a still: detection at 640 first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from enroll_app.face.measures import FaceRegionMeasures, eye_openness, measure_face
from enroll_app.face.pose import HeadPose, estimate_pose
from enroll_app.face.quality_text import Text, check_text
from enroll_app.face.types import DetectedFace, Image

if TYPE_CHECKING:
    from enroll_app.face.engine import FaceEngine

# Every check, in the order the single preview hint is chosen: what the person must fix first.
CHECK_ORDER = (
    "face_count",
    "face_size",
    "inside_frame",
    "pose_yaw",
    "pose_pitch",
    "pose_roll",
    "eyes_open",
    "brightness",
    "illumination_uniformity",
    "contrast",
    "sharpness",
    "detection_confidence",
)

Threshold = float | tuple[float, float]


@dataclass(frozen=True)
class QualityConfig:
    """The limits every check compares against; defaults and their sources in
    docs/quality-thresholds.md (the code constants must match that table)."""

    face_size_min: float = 40.0  # px between the eye centres in the source image
    face_size_good: float = 60.0  # below this the message says the face is small
    other_face_ratio: float = 0.5  # other faces at least this size (eye distance) compete
    frame_margin_min: float = 0.1  # eye distances from the face box to the image border
    yaw_max: float = 15.0  # degrees
    pitch_max: float = 15.0
    roll_max: float = 25.0
    sharpness_min: float = 2.2
    brightness_min: float = 60.0  # mean face luma, 0..255
    brightness_max: float = 215.0
    contrast_min: float = 0.20
    uniformity_min: float = 0.60
    eyes_open_min: float = 0.12
    detection_confidence_min: float = 0.60

    def __post_init__(self) -> None:
        for f in fields(self):
            if not math.isfinite(getattr(self, f.name)) or getattr(self, f.name) < 0:
                raise ValueError(f"QualityConfig.{f.name} must be a non-negative number")
        if self.brightness_min >= self.brightness_max:
            raise ValueError("QualityConfig.brightness_min must be below brightness_max")

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> QualityConfig:
        """A config from settings (unknown keys are an error, so a typo is not ignored)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"Unknown quality settings: {', '.join(unknown)}")
        return cls(**{k: float(v) for k, v in values.items()})


@dataclass(frozen=True)
class QualityCheck:
    """One check's outcome: stable `code`, `passed`, the measured `value` against `threshold`
    (a (low, high) pair for brightness; a ± limit for the signed pose angles), operator text
    in zh_CN and en, a hint for the person in front of the camera when it failed, and a
    0..1 `score` (1 = ideal) used to rank preview frames."""

    code: str
    passed: bool
    value: float
    threshold: Threshold
    text: Text
    score: float

    def message(self, lang: str = "en") -> str:
        """The operator message in `lang` ("zh_CN" or "en"; other zh variants read zh_CN)."""
        return self.text.message(lang)

    def hint(self, lang: str = "en") -> str | None:
        """A short instruction for the live preview, when the check failed."""
        return None if self.passed else self.text.hint_in(lang)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The JSON shape of `photo check --json`."""
        threshold = list(self.threshold) if isinstance(self.threshold, tuple) else self.threshold
        return {
            "code": self.code,
            "passed": self.passed,
            "value": round(self.value, 4),
            "threshold": threshold,
            "message": self.message(lang),
        }


@dataclass(frozen=True)
class QualityReport:
    """All checks on one image's main (largest) face, plus what they were measured on.

    With no face at all, only `face_count` is reported (nothing else can be measured).
    `score` is 0..100: a photo that passes every check scores 50..100, one that fails scores
    below 50, so picking the highest score always prefers a passing frame.
    """

    checks: tuple[QualityCheck, ...]
    faces: int
    face: DetectedFace | None = None
    pose: HeadPose | None = None
    measures: FaceRegionMeasures | None = None
    score: float = 0.0
    config: QualityConfig = field(default_factory=QualityConfig)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[QualityCheck]:
        """The failing checks, most important first."""
        return [c for c in self.checks if not c.passed]

    def check(self, code: str) -> QualityCheck:
        """The check with `code`; KeyError if it was not measured."""
        for c in self.checks:
            if c.code == code:
                return c
        raise KeyError(code)

    def hint(self, lang: str = "en") -> str | None:
        """The most important failing check's hint, or None when the photo passes."""
        failed = self.failed
        return failed[0].hint(lang) if failed else None

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The JSON shape of `photo check --json` (without the model name)."""
        result: dict[str, Any] = {
            "ok": self.ok,
            "faces": self.faces,
            "checks": [c.to_dict(lang) for c in self.checks],
            "score": round(self.score, 1),
            "hint": self.hint(lang),
        }
        if self.pose is not None:
            result["pose"] = {k: round(v, 1) for k, v in vars(self.pose).items()}
        if self.face is not None:
            result["face"] = {
                "bbox": [round(float(v), 1) for v in self.face.bbox],
                "inter_eye_distance": round(self.face.inter_eye_distance, 1),
            }
        return result


def assess_faces(
    image: Image,
    faces: Sequence[DetectedFace],
    config: QualityConfig | None = None,
    *,
    source_scale: float = 1.0,
) -> QualityReport:
    """Run every check on the largest face of `faces` (as `FaceEngine.analyse` returns them:
    largest first, the first with its 106 landmarks).

    `source_scale` converts `image` pixels to source pixels for `face_size`: a preview frame
    shrunk from 1920 to 640 pixels wide passes 3.0, so the photo taken from the full frame is
    judged. Fast enough for every preview frame: image measures touch the face region only.
    """
    cfg = config or QualityConfig()
    if not faces:
        check = _face_count(0)
        return QualityReport(checks=(check,), faces=0, score=0.0, config=cfg)
    main = faces[0]
    if main.landmarks is None:
        raise ValueError("The main face needs its 106 landmarks (analyse with landmarks=True)")
    pose = estimate_pose(main.landmarks)
    measures = measure_face(image, main.landmarks)
    checks = _all_checks(
        image, faces, cfg=cfg, source_scale=source_scale, pose=pose, measures=measures
    )
    return QualityReport(
        checks=checks,
        faces=len(faces),
        face=main,
        pose=pose,
        measures=measures,
        score=overall_score(checks),
        config=cfg,
    )


def check_photo(
    engine: FaceEngine, image: Image, config: QualityConfig | None = None
) -> QualityReport:
    """The enrollment decision on a still photo: detect at full size, landmark, run every check."""
    from enroll_app.face.engine import STILL_DET_SIZE

    faces = engine.analyse(image, det_size=STILL_DET_SIZE, landmarks=True, embedding=False)
    return assess_faces(image, faces, config)


def overall_score(checks: Sequence[QualityCheck]) -> float:
    """0..100 for ranking frames: 50 + 50 x mean component score when all pass, else below 50
    in proportion to the mean component score and the share of checks that passed."""
    if not checks:
        return 0.0
    mean = sum(c.score for c in checks) / len(checks)
    passed = sum(c.passed for c in checks)
    if passed == len(checks):
        return 50.0 + 50.0 * mean
    return 49.0 * mean * passed / len(checks)


def _all_checks(
    image: Image,
    faces: Sequence[DetectedFace],
    *,
    cfg: QualityConfig,
    source_scale: float,
    pose: HeadPose,
    measures: FaceRegionMeasures,
) -> tuple[QualityCheck, ...]:
    main = faces[0]
    assert main.landmarks is not None
    eye_distance = main.inter_eye_distance
    competing = sum(f.inter_eye_distance >= cfg.other_face_ratio * eye_distance for f in faces)
    built = {
        "face_count": _face_count(competing),
        "face_size": _face_size(eye_distance * source_scale, cfg),
        "inside_frame": _inside_frame(image, main, cfg),
        "pose_yaw": _angle("pose_yaw", pose.yaw, cfg.yaw_max),
        "pose_pitch": _angle("pose_pitch", pose.pitch, cfg.pitch_max),
        "pose_roll": _angle("pose_roll", pose.roll, cfg.roll_max),
        "eyes_open": _at_least("eyes_open", eye_openness(main.landmarks), cfg.eyes_open_min, 0.25),
        "brightness": _brightness(measures.brightness, cfg),
        "illumination_uniformity": _at_least(
            "illumination_uniformity", measures.uniformity, cfg.uniformity_min, 1.0
        ),
        "contrast": _at_least("contrast", measures.contrast, cfg.contrast_min, 0.35),
        "sharpness": _at_least("sharpness", measures.sharpness, cfg.sharpness_min, 3.3),
        "detection_confidence": _at_least(
            "detection_confidence", main.score, cfg.detection_confidence_min, 0.85
        ),
    }
    return tuple(built[code] for code in CHECK_ORDER)


def _face_count(count: int) -> QualityCheck:
    passed = count == 1
    text = check_text("face_count", count, 1.0, passed, variant="none" if count == 0 else "many")
    return QualityCheck("face_count", passed, float(count), 1.0, text, float(passed))


def _face_size(eye_distance: float, cfg: QualityConfig) -> QualityCheck:
    # ISO/IEC 29794-5 (OFIQ) maps inter-eye distance by a sigmoid: 70 px -> 50, 90 px -> 73.
    score = 1.0 / (1.0 + math.exp(-(eye_distance - 70.0) / 20.0))
    passed = eye_distance >= cfg.face_size_min
    variant = "small" if eye_distance < cfg.face_size_good else "good"
    text = check_text(
        "face_size",
        eye_distance,
        cfg.face_size_min,
        passed,
        variant=variant,
        extra=cfg.face_size_good,
    )
    return QualityCheck("face_size", passed, eye_distance, cfg.face_size_min, text, score)


def _inside_frame(image: Image, face: DetectedFace, cfg: QualityConfig) -> QualityCheck:
    # The detector's box reaches from the hairline to the chin; it ends at the border when the
    # face is cut, so a margin of a tenth of the eye distance tells cut from merely close.
    height, width = image.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in face.bbox)
    margin = min(x1, y1, width - x2, height - y2) / max(face.inter_eye_distance, 1.0)
    passed = margin >= cfg.frame_margin_min
    text = check_text("inside_frame", margin, cfg.frame_margin_min, passed)
    return QualityCheck("inside_frame", passed, margin, cfg.frame_margin_min, text, float(passed))


def _angle(code: str, degrees: float, limit: float) -> QualityCheck:
    # OFIQ maps each pose angle to 100 cos^2(angle); 15 degrees still scores 93.
    score = math.cos(math.radians(degrees)) ** 2
    passed = abs(degrees) <= limit
    text = check_text(code, degrees, limit, passed, variant="plus" if degrees >= 0 else "minus")
    return QualityCheck(code, passed, degrees, limit, text, score)


def _brightness(value: float, cfg: QualityConfig) -> QualityCheck:
    low, high = cfg.brightness_min, cfg.brightness_max
    variant = "dark" if value < low else "bright" if value > high else "good"
    middle, half = (low + high) / 2, (high - low) / 2
    score = max(0.0, 1.0 - abs(value - middle) / (2 * half))
    text = check_text("brightness", value, low, variant == "good", variant=variant, extra=high)
    return QualityCheck("brightness", variant == "good", value, (low, high), text, score)


def _at_least(code: str, value: float, minimum: float, ideal: float) -> QualityCheck:
    # The component score grows linearly to 1 at `ideal` (a typical good photo's value).
    passed = value >= minimum
    score = min(1.0, max(value, 0.0) / ideal) if ideal > 0 else 1.0
    return QualityCheck(
        code, passed, value, minimum, check_text(code, value, minimum, passed), score
    )
