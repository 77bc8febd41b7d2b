"""The station composition: opens its store, loads the real engine in the background, closes."""

from __future__ import annotations

from pathlib import Path

import pytest

from enroll_app.face.types import ModelPackError
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
