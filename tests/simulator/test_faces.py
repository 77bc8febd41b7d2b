"""The simulator's face judge over the real engine and real photos; the JPEG size reader."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from enroll_app.face.samples import sample_photo
from enroll_app.simulator.faces import EngineJudge, is_jpeg, jpeg_size, similarity
from tests.simulator.rawhttp import as_png, blank_jpeg, frame


@pytest.mark.parametrize("name", ["yaoming.jpg", "t1.jpg", "gdp.jpg", "players.jpg"])
def test_jpeg_size_matches_the_decoder(name: str) -> None:
    data = sample_photo(name).read_bytes()
    height, width = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape[:2]
    assert jpeg_size(data) == (width, height)


def test_jpeg_size_refuses_what_is_not_a_jpeg() -> None:
    png = as_png(frame(1))
    assert not is_jpeg(png)
    assert jpeg_size(png) is None
    assert jpeg_size(frame(1)[:100]) is None  # cut before the frame header
    assert jpeg_size(b"\xff\xd8\xff") is None


def test_judge_counts_faces_and_measures_the_main_one() -> None:
    judge = EngineJudge()
    crowd = judge.analyse(sample_photo("t1.jpg").read_bytes())
    assert (crowd.decoded, crowd.width, crowd.height, crowd.faces) == (True, 1280, 886, 6)
    assert crowd.embedding is not None
    assert crowd.embedding.shape == (512,)
    assert abs(float(np.linalg.norm(crowd.embedding)) - 1.0) < 1e-3
    wall = judge.analyse(blank_jpeg())
    assert (wall.decoded, wall.faces, wall.embedding) == (True, 0, None)
    assert not judge.analyse(b"\xff\xd8\xff not a picture").decoded


def test_same_person_is_similar_and_strangers_are_not() -> None:
    judge = EngineJudge()
    original = judge.analyse(frame(1)).embedding
    # Yao Ming again, from the source photo rather than the 640x480 frame made from it.
    again = judge.analyse(sample_photo("yaoming.jpg").read_bytes()).embedding
    stranger = judge.analyse(frame(2)).embedding
    assert original is not None
    assert again is not None
    assert stranger is not None
    assert similarity(original, again) >= 0.6  # the terminal's default threshold
    assert similarity(original, stranger) < 0.6
