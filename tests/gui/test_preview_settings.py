"""Camera choice and capture timing in Settings, the default camera, and hints in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from gui_harness import QLoop
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from enroll_app.camera.sources import ImageFolderSource, VideoFileSource, WebcamSource
from enroll_app.simulator.camera import FRAMES_DIR
from enroll_app.ui.context import AppContext
from enroll_app.ui.preview import PreviewPresenter, PreviewView, default_source
from enroll_app.ui.preview_cameras import probe_webcams
from enroll_app.ui.settings import Preferences, StationSettings
from enroll_app.ui.settings_dialog import SettingsDialog

WAIT_MS = 30_000


@pytest.fixture(scope="module", autouse=True)
def _face_runtime_imported() -> None:
    """The model runtime's first import holds the GIL ~100 ms: not inside a test's loop step."""
    import insightface.model_zoo  # noqa: F401
    import onnxruntime  # noqa: F401


@pytest.fixture
def context(qloop: QLoop) -> Iterator[AppContext]:
    """A station context of its own, closed like on quit (see test_preview.py)."""
    ctx = AppContext(StationSettings())
    yield ctx
    engine = qloop.run(qloop.run(ctx.station_ready(), timeout=30).face_engine(), timeout=30)
    qloop.run(ctx.aclose(), timeout=30)
    del engine


@pytest.fixture
def plain_context(qloop: QLoop) -> Iterator[AppContext]:
    """A station context whose services are never started."""
    ctx = AppContext(StationSettings())
    yield ctx
    qloop.run(ctx.aclose(), timeout=30)


def test_the_dialog_offers_every_kind_of_camera(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Preferences())
    qtbot.addWidget(dialog)
    kinds = [str(dialog.camera.itemData(row)) for row in range(dialog.camera.count())]
    assert kinds[:2] == ["webcam:0", "webcam:1"]
    assert kinds[-3:] == ["virtual", "folder", "video"]
    assert not dialog.camera_path.isEnabled()  # only a folder or a video needs a path
    dialog.camera.setCurrentIndex(dialog.camera.findData("folder"))
    assert dialog.camera_path.isEnabled()
    dialog.camera_path.setText(str(tmp_path))
    dialog.steady.setValue(1.5)
    dialog.auto_capture.setChecked(False)
    chosen = dialog.preferences()
    assert (chosen.camera_source, chosen.camera_path) == ("folder", str(tmp_path))
    assert (chosen.steady_ms, chosen.auto_capture) == (1500, False)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()


def test_find_cameras_marks_the_webcams_that_do_not_open(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Preferences())
    qtbot.addWidget(dialog)
    assert "not found" not in dialog.camera.itemText(0)  # nothing probed on opening
    qtbot.mouseClick(dialog.find_cameras, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.find_cameras.text().endswith("found"), timeout=10_000)
    webcams = [
        dialog.camera.itemText(row)
        for row in range(dialog.camera.count())
        if str(dialog.camera.itemData(row)).startswith("webcam:")
    ]
    opened = [title for title in webcams if "(not found)" not in title]
    assert dialog.find_cameras.text() == f"{len(opened)} found"
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()


def test_a_missing_webcam_is_not_listed() -> None:
    assert probe_webcams([63]) == []  # no PC has 64 cameras: opening it fails, quietly


def test_default_source_follows_the_settings(plain_context: AppContext, tmp_path: Path) -> None:
    context = plain_context
    settings = context.settings
    assert isinstance(default_source(context), WebcamSource)
    settings.save_preferences(Preferences(camera_source="virtual"))
    assert isinstance(default_source(context), ImageFolderSource)
    settings.save_preferences(Preferences(camera_source="folder", camera_path=str(tmp_path)))
    assert isinstance(default_source(context), ImageFolderSource)
    video = tmp_path / "visitor.mp4"
    settings.save_preferences(Preferences(camera_source="video", camera_path=str(video)))
    assert isinstance(default_source(context), VideoFileSource)
    settings.save_preferences(Preferences(camera_source="webcam", camera_index=3, steady_ms=1200))
    source = default_source(context)
    assert isinstance(source, WebcamSource)
    assert source.index == 3
    assert PreviewPresenter(context).steady_seconds == pytest.approx(1.2)


def test_hints_speak_the_operators_language(
    context: AppContext, qloop: QLoop, qtbot: QtBot, tmp_path: Path
) -> None:
    dark = (cv2.imread(str(FRAMES_DIR / "frame-1.jpg")) * 0.12).astype("uint8")
    folder = tmp_path / "dark"
    folder.mkdir()
    cv2.imwrite(str(folder / "face.png"), dark)
    context.tasks.language = "zh_CN"
    presenter = PreviewPresenter(context)
    view = PreviewView(presenter)
    qtbot.addWidget(view)
    view.show()
    presenter.start(ImageFolderSource(folder))
    qtbot.waitUntil(lambda: presenter.analyses_received >= 10, timeout=WAIT_MS)
    assert view.hint_text() == "光线太暗，请增加照明"
    presenter.stop()
