"""`enroll-station photo check | crop | compare` run as a real process: exit codes and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import skimage.data

from enroll_app.face.samples import sample_photo
from enroll_app.face.types import read_image

CODES = {
    "face_count",
    "face_size",
    "inside_frame",
    "pose_yaw",
    "pose_pitch",
    "pose_roll",
    "sharpness",
    "brightness",
    "contrast",
    "illumination_uniformity",
    "eyes_open",
    "detection_confidence",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a child process, with the test's station home."""
    return subprocess.run(
        [sys.executable, "-m", "enroll_app", "photo", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        check=False,
    )


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The astronaut (passes), a blurred copy (fails sharpness), t1.jpg (six faces), a
    tilted Yao Ming, a blank picture, a corrupt file."""
    folder = tmp_path_factory.mktemp("photos")
    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    yaoming = read_image(str(sample_photo("yaoming.jpg")))
    paths = {
        name: folder / f"{name}.png" for name in ("astronaut", "blurred", "blank", "yao_tilted")
    }
    cv2.imwrite(str(paths["astronaut"]), astronaut)
    cv2.imwrite(str(paths["blurred"]), cv2.GaussianBlur(astronaut, (0, 0), 2.5))
    cv2.imwrite(str(paths["blank"]), np.full((480, 640, 3), 128, np.uint8))
    matrix = cv2.getRotationMatrix2D((116, 140), 12, 0.9)
    cv2.imwrite(
        str(paths["yao_tilted"]),
        cv2.warpAffine(yaoming, matrix, (233, 287), borderMode=cv2.BORDER_REPLICATE),
    )
    paths["corrupt"] = folder / "corrupt.jpg"
    paths["corrupt"].write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    paths["t1"] = sample_photo("t1.jpg")
    paths["yaoming"] = sample_photo("yaoming.jpg")
    return paths


def as_json(out: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(out.stdout)


def test_check_passing_photo_exits_0_with_every_check(photos: dict[str, Path]) -> None:
    out = run("check", str(photos["astronaut"]), "--json")
    assert out.returncode == 0, out.stderr
    data = as_json(out)
    assert data["ok"] is True
    assert data["faces"] == 1
    assert data["model"] == "buffalo_s"
    assert {c["code"] for c in data["checks"]} == CODES
    for check in data["checks"]:
        assert set(check) >= {"code", "passed", "value", "threshold", "message"}
        assert check["passed"] is True
        assert isinstance(check["value"], float)


def test_check_failing_photo_exits_3_and_names_the_check(photos: dict[str, Path]) -> None:
    out = run("check", str(photos["blurred"]), "--json", "--lang", "zh_CN")
    assert out.returncode == 3, out.stderr
    data = as_json(out)
    assert data["ok"] is False
    assert [c["code"] for c in data["checks"] if not c["passed"]] == ["sharpness"]
    assert data["hint"] == "请保持不动"
    assert "模糊" in next(c["message"] for c in data["checks"] if c["code"] == "sharpness")


def test_check_group_photo_fails_face_count(photos: dict[str, Path]) -> None:
    out = run("check", str(photos["t1"]), "--json")
    assert out.returncode == 3
    data = as_json(out)
    assert data["faces"] == 6
    face_count = next(c for c in data["checks"] if c["code"] == "face_count")
    assert face_count["passed"] is False
    assert face_count["value"] == 6


def test_check_text_output(photos: dict[str, Path]) -> None:
    out = run("check", str(photos["blurred"]))
    assert out.returncode == 3
    assert "FAIL sharpness" in out.stdout
    assert "REJECTED" in out.stdout


@pytest.mark.parametrize("name", ["corrupt", "missing"])
def test_check_unreadable_input_exits_2_with_a_reason(photos: dict[str, Path], name: str) -> None:
    path = photos.get(name, photos["astronaut"].parent / "missing.jpg")
    out = run("check", str(path), "--json")
    assert out.returncode == 2
    assert "error" in as_json(out)
    reason = "not an image" if name == "corrupt" else "No such file"
    assert reason in out.stderr


def test_check_unknown_pack_exits_2(photos: dict[str, Path]) -> None:
    out = run("check", str(photos["astronaut"]), "--pack", "no_such_pack")
    assert out.returncode == 2
    assert "no_such_pack" in out.stderr


def test_crop_writes_the_enrollment_photo(photos: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"
    out = run("crop", str(photos["yao_tilted"]), "-o", str(target))
    assert out.returncode == 0, out.stderr
    data = target.read_bytes()
    assert data[:3] == b"\xff\xd8\xff"
    assert len(data) <= 200 * 1024
    assert read_image(str(target)).shape == (480, 640, 3)


def test_crop_without_a_face_fails_with_a_reason(photos: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"
    out = run("crop", str(photos["blank"]), "-o", str(target))
    assert out.returncode == 3
    assert "No face found" in out.stderr
    assert not target.exists()


def test_crop_strict_refuses_a_failing_photo(photos: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"
    out = run("crop", str(photos["blurred"]), "-o", str(target), "--strict")
    assert out.returncode == 3
    assert "Blurred" in out.stderr
    assert not target.exists()


def test_compare_same_and_different_people(photos: dict[str, Path]) -> None:
    same = run("compare", str(photos["yaoming"]), str(photos["yao_tilted"]), "--json")
    assert same.returncode == 0, same.stderr
    data = as_json(same)
    assert set(data) >= {"similarity", "same_person", "threshold", "model"}
    assert data["same_person"] is True
    assert data["similarity"] >= data["threshold"]
    assert data["model"] == "buffalo_s"

    other = run("compare", str(photos["yaoming"]), str(photos["astronaut"]), "--json")
    assert other.returncode == 0
    assert as_json(other)["same_person"] is False
    assert as_json(other)["similarity"] < as_json(other)["threshold"]


def test_compare_without_a_face_exits_3(photos: dict[str, Path]) -> None:
    out = run("compare", str(photos["yaoming"]), str(photos["blank"]))
    assert out.returncode == 3
    assert "No face found" in out.stderr
    assert str(photos["blank"]) in out.stderr
