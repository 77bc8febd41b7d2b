"""Quality checks on real photos and degraded versions of them, pose estimation, thresholds doc."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import cv2
import degrade
import numpy as np
import pytest
import skimage.data

from enroll_app.face.engine import FaceEngine
from enroll_app.face.pose import estimate_pose, eye_centres, roll_degrees
from enroll_app.face.quality import (
    CHECK_ORDER,
    QualityConfig,
    QualityReport,
    assess_faces,
    check_photo,
)
from enroll_app.face.samples import sample_photo
from enroll_app.face.types import DetectedFace, Image, ImageError, decode_image, read_image

DOC = Path(__file__).resolve().parents[2] / "docs" / "quality-thresholds.md"


@pytest.fixture(scope="module")
def astronaut() -> Image:
    """scikit-image's astronaut: a sharp frontal portrait, 43 px between the eyes."""
    return np.ascontiguousarray(cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))


@pytest.fixture(scope="module")
def portraits(astronaut: Image, yaoming_image: Image) -> dict[str, Image]:
    return {"astronaut": astronaut, "yaoming": yaoming_image}


def failed(report: QualityReport) -> set[str]:
    return {c.code for c in report.failed}


def main_face(engine: FaceEngine, image: Image) -> DetectedFace:
    faces = engine.analyse(image, embedding=False)
    assert faces, "expected a face"
    return faces[0]


# -- good portraits ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["astronaut", "yaoming"])
def test_good_portraits_pass_every_check(
    engine: FaceEngine, portraits: dict[str, Image], name: str
) -> None:
    for image in (portraits[name], degrade.mirror(portraits[name])):
        report = check_photo(engine, image)
        assert report.ok, [(c.code, c.value) for c in report.failed]
        assert [c.code for c in report.checks] == list(CHECK_ORDER)
        assert report.hint() is None
        assert report.score >= 50


def test_small_but_sharp_portrait_passes_and_says_it_is_small(
    engine: FaceEngine, astronaut: Image
) -> None:
    size = check_photo(engine, astronaut).check("face_size")
    assert size.passed
    assert 40 <= size.value < 60
    assert "small" in size.message("en")
    assert "60" in size.message("en")
    assert "偏小" in size.message("zh_CN")


# -- each degradation fails its own check and nothing else -------------------------------------

Degradation = Callable[[Image, DetectedFace], Image]


def _too_bright(image: Image, face: DetectedFace) -> Image:
    # Raise the face's mean luma to about 230 (washed out, not yet flat)
    from enroll_app.face.measures import measure_face

    assert face.landmarks is not None
    return degrade.exposure(image, 1.0, 230 - measure_face(image, face.landmarks).brightness)


def _box(face: DetectedFace) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in face.bbox)
    return x1, y1, x2 - x1, y2 - y1


DEGRADATIONS: dict[str, tuple[Degradation, set[str]]] = {
    "blurred": (lambda im, f: degrade.blur(im, 2.5), {"sharpness"}),
    "dark": (lambda im, f: degrade.exposure(im, 0.3), {"brightness"}),
    "overexposed": (_too_bright, {"brightness"}),
    "hazy": (lambda im, f: degrade.flatten(im, 0.25), {"contrast"}),
    "side-lit": (lambda im, f: degrade.side_light(im, f.bbox, 0.1), {"illumination_uniformity"}),
    "rotated": (
        lambda im, f: degrade.rotate(im, 35, tuple(f.kps[:2].mean(axis=0))),
        {"pose_roll"},
    ),
    "shrunk": (lambda im, f: degrade.shrink(im, 0.7), {"face_size"}),
    "cut-right": (
        lambda im, f: degrade.cut(im, x2=int(_box(f)[0] + 0.9 * _box(f)[2])),
        {"inside_frame"},
    ),
    "cut-bottom": (
        lambda im, f: degrade.cut(im, y2=int(_box(f)[1] + 0.9 * _box(f)[3])),
        {"inside_frame"},
    ),
    "cut-top": (
        lambda im, f: degrade.cut(im, y1=int(_box(f)[1] + 0.1 * _box(f)[3])),
        {"inside_frame"},
    ),
    "eyes-closed": (
        lambda im, f: degrade.close_eyes(im, f.landmarks if f.landmarks is not None else f.kps),
        {"eyes_open"},
    ),
}


@pytest.mark.parametrize("name", ["astronaut", "yaoming"])
@pytest.mark.parametrize("degradation", list(DEGRADATIONS))
def test_each_degradation_fails_only_its_own_check(
    engine: FaceEngine, portraits: dict[str, Image], name: str, degradation: str
) -> None:
    image = portraits[name]
    make, expected = DEGRADATIONS[degradation]
    report = check_photo(engine, make(image, main_face(engine, image)))
    assert failed(report) == expected, [(c.code, round(c.value, 2)) for c in report.failed]
    assert report.hint() == report.check(CHECK_ORDER[_first(expected)]).hint()
    assert report.score < 50


def _first(codes: set[str]) -> int:
    return min(CHECK_ORDER.index(c) for c in codes)


def test_second_face_composited_fails_face_count_only(
    engine: FaceEngine, astronaut: Image, yaoming_image: Image
) -> None:
    donor = main_face(engine, yaoming_image)
    image = degrade.paste_face(astronaut, yaoming_image, donor.bbox, (300, 60), 150)
    report = check_photo(engine, image)
    assert failed(report) == {"face_count"}
    assert report.check("face_count").value == 2
    assert report.hint() == "Only one person in front of the camera"
    assert report.hint("zh_CN") == "镜头前只能有一个人"


def test_small_face_far_behind_does_not_count(engine: FaceEngine, astronaut: Image) -> None:
    # a second face under half the main face's size is background, not a second enrollee
    image = degrade.paste_face(
        astronaut, astronaut, main_face(engine, astronaut).bbox, (400, 20), 60
    )
    report = check_photo(engine, image)
    assert report.faces == 2
    assert report.check("face_count").passed


def test_overexposed_says_too_bright_and_dark_says_more_light(
    engine: FaceEngine, astronaut: Image
) -> None:
    face = main_face(engine, astronaut)
    bright = check_photo(engine, _too_bright(astronaut, face)).check("brightness")
    dark = check_photo(engine, degrade.exposure(astronaut, 0.3)).check("brightness")
    assert bright.value > 215
    assert "bright" in bright.message()
    assert dark.value < 60
    assert dark.hint() == "More light"
    assert bright.threshold == dark.threshold == (60.0, 215.0)


# -- real photos that fail for real reasons ----------------------------------------------------


def _t1_faces(engine: FaceEngine, t1_image: Image) -> list[QualityReport]:
    """A report for each face of t1.jpg, each cropped out with room around it."""
    reports = []
    for face in engine.detect(t1_image):
        x1, y1, x2, y2 = (int(v) for v in face.bbox)
        m = y2 - y1
        crop = degrade.cut(t1_image, max(x1 - m, 0), max(y1 - m, 0), x2 + m, y2 + m)
        reports.append(check_photo(engine, crop))
    return reports


def test_real_closed_eyes_turned_and_bowed_heads_fail(engine: FaceEngine, t1_image: Image) -> None:
    reports = _t1_faces(engine, t1_image)
    assert len(reports) == 6
    # two people laugh with their eyes shut, one turns away, two bow their heads
    assert sum("eyes_open" in failed(r) for r in reports) == 2
    assert sum("pose_yaw" in failed(r) for r in reports) >= 2
    assert sum("pose_pitch" in failed(r) for r in reports) == 2
    for r in reports:
        assert r.check("sharpness").passed
        assert r.check("brightness").passed


def test_group_photo_fails_face_count(engine: FaceEngine, t1_image: Image) -> None:
    report = check_photo(engine, t1_image)
    assert report.faces == 6
    assert "face_count" in failed(report)
    assert report.hint("en") == "Only one person in front of the camera"


def test_no_face_reports_only_face_count(engine: FaceEngine) -> None:
    blank = np.full((480, 640, 3), 128, dtype=np.uint8)
    report = check_photo(engine, blank)
    assert report.faces == 0
    assert [c.code for c in report.checks] == ["face_count"]
    assert not report.ok
    assert report.score == 0
    assert report.hint() == "Step in front of the camera"
    assert report.hint("zh_CN") == "请站到摄像头前"
    assert report.to_dict()["checks"][0]["message"] == "No face found"


# -- pose --------------------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-30.0, -15.0, 10.0, 30.0])
def test_roll_follows_in_plane_rotation(engine: FaceEngine, astronaut: Image, angle: float) -> None:
    base = main_face(engine, astronaut)
    assert base.landmarks is not None
    centre = tuple(float(v) for v in base.kps[:2].mean(axis=0))
    rotated = main_face(engine, degrade.rotate(astronaut, angle, centre))
    assert rotated.landmarks is not None
    before, after = estimate_pose(base.landmarks), estimate_pose(rotated.landmarks)
    # cv2 turns positive angles counter-clockwise on screen; roll counts clockwise
    assert after.roll == pytest.approx(before.roll - angle, abs=1.0)
    assert after.pitch == pytest.approx(before.pitch, abs=3.0)
    assert after.yaw == pytest.approx(before.yaw, abs=3.0)


def test_roll_is_exact_on_rotated_landmarks(engine: FaceEngine, astronaut: Image) -> None:
    face = main_face(engine, astronaut)
    assert face.landmarks is not None
    points = face.landmarks.astype(np.float64)
    for angle in (-40.0, 7.5, 25.0):
        matrix = degrade.rotation_matrix(astronaut, angle)
        turned = points @ matrix[:, :2].T + matrix[:, 2]
        left, right = eye_centres(points)
        assert estimate_pose(turned).roll == pytest.approx(
            roll_degrees(left, right) - angle, abs=1e-6
        )
        assert estimate_pose(turned).yaw == pytest.approx(estimate_pose(points).yaw, abs=1e-6)


@pytest.mark.parametrize(("photo", "min_abs_yaw"), [("gdp.jpg", 40.0), ("t1.jpg", 40.0)])
def test_yaw_flips_sign_in_the_mirror_and_pitch_does_not(
    engine: FaceEngine, photo: str, min_abs_yaw: float
) -> None:
    image = read_image(str(sample_photo(photo)))
    poses = []
    for candidate in (image, degrade.mirror(image)):
        faces = [f for f in engine.detect(candidate) if f.inter_eye_distance > 15]
        turned = []
        for f in faces:
            landmarks = engine.landmarks(candidate, f)
            turned.append(estimate_pose(landmarks))
        poses.append(max(turned, key=lambda p: abs(p.yaw)))
    original, mirrored = poses
    assert abs(original.yaw) >= min_abs_yaw
    assert mirrored.yaw == pytest.approx(-original.yaw, abs=5.0)
    assert mirrored.pitch == pytest.approx(original.pitch, abs=3.0)
    # the far eye of a face turned 50 degrees is half hidden: its landmarks wander a little
    assert mirrored.roll == pytest.approx(-original.roll, abs=4.0)


@pytest.mark.parametrize("name", ["astronaut", "yaoming"])
def test_frontal_portraits_read_near_zero_yaw(
    engine: FaceEngine, portraits: dict[str, Image], name: str
) -> None:
    face = main_face(engine, portraits[name])
    assert face.landmarks is not None
    pose = estimate_pose(face.landmarks)
    assert abs(pose.yaw) < 5
    assert abs(pose.pitch) < 12
    assert abs(pose.roll) < 4


def test_pose_needs_106_points() -> None:
    with pytest.raises(ValueError, match="106"):
        estimate_pose(np.zeros((5, 2)))


# -- preview use -------------------------------------------------------------------------------


def test_preview_frame_uses_source_scale_for_face_size(
    engine: FaceEngine, astronaut: Image
) -> None:
    frame = degrade.shrink(astronaut, 0.5)  # a preview at half the camera's resolution
    faces = engine.analyse(frame, det_size=320, embedding=False)
    as_preview = assess_faces(frame, faces, source_scale=2.0)
    as_source = assess_faces(frame, faces)
    assert as_preview.ok, [(c.code, c.value) for c in as_preview.failed]
    assert failed(as_source) == {"face_size"}
    assert as_source.hint("zh_CN") == "请靠近一点"
    assert as_preview.check("face_size").value == pytest.approx(
        2 * as_source.check("face_size").value
    )


def test_preview_needs_landmarks(engine: FaceEngine, astronaut: Image) -> None:
    faces = engine.detect(astronaut)
    with pytest.raises(ValueError, match="landmarks"):
        assess_faces(astronaut, faces)


def test_score_picks_the_good_frame(engine: FaceEngine, astronaut: Image) -> None:
    frames = {
        "blurred": degrade.blur(astronaut, 2.5),
        "dark": degrade.exposure(astronaut, 0.3),
        "good": astronaut,
        "far": degrade.shrink(astronaut, 0.7),
    }
    scores = {name: check_photo(engine, f).score for name, f in frames.items()}
    assert max(scores, key=lambda k: scores[k]) == "good"
    assert scores["good"] >= 50 > max(v for k, v in scores.items() if k != "good")


def test_hint_follows_the_most_important_failure(engine: FaceEngine, astronaut: Image) -> None:
    # far away AND dark: moving closer comes first
    report = check_photo(engine, degrade.exposure(degrade.shrink(astronaut, 0.7), 0.3))
    assert failed(report) == {"face_size", "brightness"}
    assert report.hint() == "Move closer"
    assert report.hint("zh_CN") == "请靠近一点"


# -- configuration and the thresholds table ----------------------------------------------------


def test_config_changes_the_verdict(engine: FaceEngine, astronaut: Image) -> None:
    strict = QualityConfig(face_size_min=50.0, yaw_max=0.5)
    report = check_photo(engine, astronaut, strict)
    assert failed(report) == {"face_size", "pose_yaw"}
    assert report.check("face_size").threshold == 50.0


def test_config_from_settings_rejects_typos_and_nonsense() -> None:
    assert QualityConfig.from_mapping({"yaw_max": 20}).yaw_max == 20.0
    with pytest.raises(ValueError, match="yaw_maxx"):
        QualityConfig.from_mapping({"yaw_maxx": 20})
    with pytest.raises(ValueError, match="brightness_min"):
        QualityConfig(brightness_min=200, brightness_max=100)
    with pytest.raises(ValueError, match="sharpness_min"):
        QualityConfig(sharpness_min=float("nan"))


def test_thresholds_table_matches_the_code() -> None:
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    documented: dict[str, float] = {}
    codes = []
    for row in rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]
        codes.append(cells[0].strip("`"))
        names = re.findall(r"`(\w+)`", cells[4])
        values = [float(v) for v in re.findall(r"\d+(?:\.\d+)?", cells[3])]
        assert len(names) == len(values), row
        documented.update(zip(names, values, strict=True))
    defaults = QualityConfig()
    assert codes == list(CHECK_ORDER)
    assert documented == {f.name: getattr(defaults, f.name) for f in fields(QualityConfig)}


def test_report_json_shape(engine: FaceEngine, astronaut: Image) -> None:
    data = check_photo(engine, astronaut).to_dict("zh_CN")
    assert {"ok", "faces", "checks", "score", "hint", "pose", "face"} <= set(data)
    for check in data["checks"]:
        assert set(check) == {"code", "passed", "value", "threshold", "message"}
    brightness = next(c for c in data["checks"] if c["code"] == "brightness")
    assert brightness["threshold"] == [60.0, 215.0]
    assert "亮度" in brightness["message"]


def test_grey_photo_is_checked_like_a_colour_one(engine: FaceEngine, astronaut: Image) -> None:
    grey = cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY)
    report = check_photo(engine, grey)
    assert report.ok, [(c.code, c.value) for c in report.failed]


def test_corrupt_pixels_are_a_clear_error(engine: FaceEngine) -> None:
    with pytest.raises(ImageError, match="too small"):
        check_photo(engine, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ImageError, match="not an image"):
        decode_image(b"GIF89a not really")


@pytest.mark.parametrize("zoom", [2.0, 3.5])
def test_sharpness_means_the_same_for_a_large_face(
    engine: FaceEngine, astronaut: Image, zoom: float
) -> None:
    # the same portrait from closer up: measures run on the face scaled to 40 px between the eyes
    large = cv2.resize(astronaut, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    assert check_photo(engine, large).ok
    blurred = check_photo(engine, degrade.blur(large, 2.5 * zoom))
    assert failed(blurred) == {"sharpness"}
