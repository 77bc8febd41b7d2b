"""What a simulated terminal remembers, and its storage: one JSON file plus photo files.

The data folder is the simulated device's own flash: `state.json` (settings, key, persons,
records; written atomically), `photos/<sha1>.jpg` (enrollment photos and pass snapshots, shared
by content) and `faces/<sha1>.f32` (the embedding of each photo, so a reboot needs no model).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from enroll_app.simulator.config import is_serial
from enroll_app.terminal.protocol import DEFAULT_KEY, UNLIMITED_PASSES

Embedding = npt.NDArray[np.float32]
T = TypeVar("T")
STATE_FILE = "state.json"
SERIAL_FILE = "serial"


@dataclass
class Person:
    """One person as the terminal stores them; `photo` is a photo file's sha1 or ''."""

    id: str
    name: str = ""
    ic_no: str = ""
    id_no: str = ""
    pass_count: int = UNLIMITED_PASSES
    start_ts: float = -1.0
    end_ts: float = -1.0
    photo: str = ""
    permissions: str = ""

    def may_pass(self, now: float) -> bool:
        """Whether the door opens for this person at terminal time `now` (seconds)."""
        if self.pass_count <= 0:
            return False
        if self.start_ts != -1 and now < self.start_ts:
            return False
        return self.end_ts == -1 or now <= self.end_ts


@dataclass
class PassRecord:
    """One pass through the door; `upload` is "pending", "rejected" (receiver said no)."""

    person_id: str
    name: str
    ts: float
    pass_type: int
    photo: str
    upload: str = "pending"


@dataclass
class Settings:
    """The setDeviceInfo fields, the upload targets and the clock offset."""

    cameraDetectType: int = 1
    faceFeaturePairNumber: float = 0.6
    faceFeaturePairSuccessOrFailWaitTime: float = 3.0
    openDoorType: int = 0
    openDoorContinueTime: float = 5.0
    doorType: int = 26
    idCardFaceFeaturePairNumber: float = 0.5
    appWelcomeMsg: str = "请通行,@"
    deviceSoundSize: int = 80
    deviceDefendTime: str = "23:50"
    deviceName: str = "模拟终端"
    appFailMsg: str = "抱歉，识别失败"
    picQualityRate: float = 0.6
    beginRecoDistance: float = 0.2
    pairSuccessOpenDoor: int = 1
    visitorPassValue: str = ""
    visitorPassType: int = 0
    record_callback: str = ""
    heartbeat_url: str = ""
    heartbeat_period: float = -1
    clock_skew_s: float = 0.0
    key: str = DEFAULT_KEY
    registered_at: float = 0.0


@dataclass
class TerminalState:
    """Everything in `state.json`."""

    settings: Settings = field(default_factory=Settings)
    persons: dict[str, Person] = field(default_factory=dict)
    records: list[PassRecord] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # open, updateAPK: for tests

    def to_json(self) -> dict[str, Any]:
        return {
            "settings": asdict(self.settings),
            "persons": [asdict(p) for p in self.persons.values()],
            "records": [asdict(r) for r in self.records],
            "events": self.events[-100:],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> TerminalState:
        persons = [_build(Person, p) for p in raw.get("persons", [])]
        return cls(
            settings=_build(Settings, raw.get("settings", {})),
            persons={p.id: p for p in persons},
            records=[_build(PassRecord, r) for r in raw.get("records", [])],
            events=list(raw.get("events", [])),
        )


def _build(kind: type[T], raw: dict[str, Any]) -> T:
    names = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    return kind(**{k: v for k, v in raw.items() if k in names})


class Storage:
    """The data folder: atomic state writes, photo and embedding files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.photos = folder / "photos"
        self.faces = folder / "faces"
        for path in (self.folder, self.photos, self.faces):
            path.mkdir(parents=True, exist_ok=True)

    def serial(self) -> str:
        """This device's serial: read from the folder, or generated once and stored."""
        path = self.folder / SERIAL_FILE
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = path.read_text().strip()
            if is_serial(text):
                return text
        serial = secrets.token_hex(8)
        write_atomic(path, serial.encode())
        return serial

    def load(self) -> TerminalState:
        """The stored state, or a factory-fresh one; ValueError naming the file if unreadable
        (the file is left as it is)."""
        path = self.folder / STATE_FILE
        try:
            raw = json.loads(path.read_text("utf-8"))
            return TerminalState.from_json(raw)
        except FileNotFoundError:
            return TerminalState()
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path} is not a simulated terminal's state file: {exc}") from exc

    def save(self, state: TerminalState, *, collect: bool = False) -> None:
        """Write `state` atomically; with `collect`, delete photo files nothing refers to."""
        data = json.dumps(state.to_json(), ensure_ascii=False).encode()
        write_atomic(self.folder / STATE_FILE, data)
        if collect:
            self._collect_garbage(state)

    def put_photo(self, jpeg: bytes) -> str:
        """Store photo bytes; returns the sha1 that names them."""
        digest = hashlib.sha1(jpeg).hexdigest()
        path = self.photos / f"{digest}.jpg"
        if not path.exists():
            write_atomic(path, jpeg)
        return digest

    def photo(self, digest: str) -> bytes | None:
        """Photo bytes by sha1, None if missing."""
        try:
            return (self.photos / f"{digest}.jpg").read_bytes() if digest else None
        except OSError:
            return None

    def put_embedding(self, digest: str, embedding: Embedding) -> None:
        """Remember the embedding of photo `digest`."""
        write_atomic(self.faces / f"{digest}.f32", embedding.astype(np.float32).tobytes())

    def embedding(self, digest: str) -> Embedding | None:
        """The stored embedding of photo `digest`, None if there is none."""
        try:
            raw = (self.faces / f"{digest}.f32").read_bytes()
        except OSError:
            return None
        return np.frombuffer(raw, dtype=np.float32).copy() if raw else None

    def _collect_garbage(self, state: TerminalState) -> None:
        used = {p.photo for p in state.persons.values()} | {r.photo for r in state.records}
        for folder, suffix in ((self.photos, ".jpg"), (self.faces, ".f32")):
            for path in folder.glob(f"*{suffix}"):
                if path.stem not in used:
                    path.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write temp file, fsync, rename: a crash leaves the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
