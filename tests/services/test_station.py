"""The station composition: opens its store, loads the real engine in the background, closes."""

from __future__ import annotations

import asyncio
import threading
import weakref
from pathlib import Path

import pytest

from enroll_app.face.engine import FaceEngine
from enroll_app.face.samples import sample_photo
from enroll_app.face.types import ModelPackError, read_image
from enroll_app.services.station import StationServices


@pytest.mark.asyncio
async def test_station_starts_loads_engine_and_gallery_then_closes(station_home: Path) -> None:
    station = StationServices()
    await station.start()
    try:
        engine = await station.face_engine()
        assert engine.pack_name == "buffalo_s"
        gallery = await station.gallery()
        assert len(gallery) == 0
        assert (station_home / "station.db").is_file()
        assert station.terminals.registry is station.registry
    finally:
        await station.aclose()
    with pytest.raises(RuntimeError, match="start"):
        _ = station.store


@pytest.mark.asyncio
async def test_a_missing_model_pack_is_reported_when_the_engine_is_needed(tmp_path: Path) -> None:
    station = StationServices(model_folder=tmp_path / "no-models")
    await station.start()
    try:
        with pytest.raises(ModelPackError):
            await station.face_engine()
    finally:
        await station.aclose()


@pytest.mark.asyncio
async def test_closing_frees_the_engine_sessions_on_a_worker_thread(station_home: Path) -> None:
    # Freeing ONNX Runtime sessions takes tens of ms: on the loop's thread it froze the window.
    station = StationServices()
    await station.start()
    try:
        engine = await station.face_engine()
        photo = read_image(str(sample_photo("t1.jpg")))
        # One more detector session, for this shape: closing frees every session.
        assert await asyncio.to_thread(engine.detect, photo, det_size=480)
        freed = _watch_sessions(engine)
    finally:
        await station.aclose()
    assert sorted(freed) == ["detector", "landmarks", "recognition"]
    assert threading.get_ident() not in freed.values()  # the test's loop runs on this thread
    with pytest.raises(ModelPackError, match="closed"):
        engine.detect(photo)  # whoever still holds the engine gets a clear error
    assert engine.pack_name == "buffalo_s"


def _watch_sessions(engine: FaceEngine) -> dict[str, int]:
    """Role -> thread that freed the role's ONNX Runtime session (filled as they go)."""
    freed: dict[str, int] = {}
    for role, model in (
        ("detector", engine._detector),
        ("landmarks", engine._landmarker),
        ("recognition", engine._recogniser),
    ):
        weakref.finalize(model.session, lambda r=role: freed.setdefault(r, threading.get_ident()))
    return freed
