"""Real portrait files for import tests: three different people from the shipped photos, a
mirrored copy of one (the same face: a duplicate), a blurred copy (fails quality)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from enroll_app.face.samples import sample_photo

# Crops (x1, y1, x2, y2) of the shipped group photos holding one sharp, frontal face each.
_CROPS = {"players": ("players.jpg", (594, 373, 763, 559)), "gdp": ("gdp.jpg", (34, 0, 288, 217))}
KINDS = ("yao", "player", "gdp", "yao_mirrored", "yao_blurred")


def portrait(kind: str) -> npt.NDArray[np.uint8]:
    """A BGR portrait: "yao", "player", "gdp" (three people), "yao_mirrored", "yao_blurred"."""
    if kind.startswith("yao"):
        image = cv2.imread(str(sample_photo("yaoming.jpg")))
        if kind == "yao_mirrored":
            image = cv2.flip(image, 1)
        elif kind == "yao_blurred":
            image = cv2.GaussianBlur(image, (0, 0), 4)
        return np.asarray(image, dtype=np.uint8)
    name, (x1, y1, x2, y2) = _CROPS["players" if kind == "player" else "gdp"]
    image = cv2.imread(str(sample_photo(name)))
    crop = cv2.resize(image[y1:y2, x1:x2], (640, 480), interpolation=cv2.INTER_CUBIC)
    return np.asarray(crop, dtype=np.uint8)


def write_photo(folder: Path, stem: str, kind: str, suffix: str = ".jpg") -> Path:
    """Write `portrait(kind)` as `<folder>/<stem><suffix>`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}{suffix}"
    ok, data = cv2.imencode(suffix, portrait(kind))
    assert ok
    path.write_bytes(data.tobytes())
    return path
