"""`enroll-station selftest`: every step passes on a good install; a damaged model pack fails."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from enroll_app.cli import main
from enroll_app.face.models import MODELS_DIR_ENV, find_pack
from enroll_app.face.types import ModelPackError
from enroll_app.services.selftest import STEPS, run_selftest

STEP_NAMES = [name for name, _ in STEPS]


@pytest.mark.asyncio
async def test_every_step_passes_and_is_reported_as_it_ends() -> None:
    seen: list[str] = []
    report = await run_selftest(on_step=lambda step: seen.append(step.name))
    failed = [step.to_dict() for step in report.steps if not step.ok]
    assert failed == []
    assert report.ok
    assert seen == STEP_NAMES
    assert [step.name for step in report.steps] == STEP_NAMES
    assert all(step.seconds > 0 for step in report.steps)
    assert "removed" in report.steps[-1].detail


def test_cli_json_report_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [step["name"] for step in report["steps"]] == STEP_NAMES


def test_damaged_model_file_fails_the_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = find_pack("buffalo_s")
    damaged = tmp_path / "models" / "buffalo_s"
    damaged.mkdir(parents=True)
    for path in good.paths.values():
        shutil.copyfile(path, damaged / path.name)
    recognition = damaged / good.paths["recognition"].name
    data = bytearray(recognition.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the weights
    recognition.write_bytes(bytes(data))
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "models"))

    assert main(["selftest"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("FAIL  model files")
    assert "does not match its checksum" in lines[0]
    # Every later step needs the models, so each says it was skipped; the report still ends.
    assert lines[1].startswith("FAIL  face engine")
    assert all(line.startswith("FAIL") and "skipped" in line for line in lines[1:7])
    assert lines[-1] == next(line for line in lines if line.startswith("selftest: FAILED"))


def test_frozen_bundle_finds_its_own_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the PyInstaller bundle the pack sits in `<bundle>/models/buffalo_s` (see the spec)."""
    installed = find_pack("buffalo_s")
    bundled = tmp_path / "models" / "buffalo_s"
    bundled.mkdir(parents=True)
    for path in installed.paths.values():
        shutil.copyfile(path, bundled / path.name)
    monkeypatch.setattr("enroll_app.face.models.vectron_dir", lambda: None)
    for home in ("HOME", "USERPROFILE"):  # no ~/.insightface copy may answer instead
        monkeypatch.setenv(home, str(tmp_path / "user"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    found = find_pack("buffalo_s")
    assert (found.source, found.folder) == ("bundled", bundled)
    monkeypatch.setattr(sys, "frozen", False)
    with pytest.raises(ModelPackError):  # not frozen: the bundle folder is not looked at
        find_pack("buffalo_s")
