"""What a simulated terminal remembers, and its storage: a snapshot, a journal, photo files.

The data folder is the simulated device's own flash: `state.json` (a snapshot of settings, key,
persons, records and events; written atomically), `journal-<n>.jsonl` (each change since that
snapshot, one fsynced JSON line per commit), `photos/<sha1>.jpg` (enrollment photos and pass
snapshots, shared by content) and `faces/<sha1>.f32` (the embedding of each photo, so a reboot
needs no model). A change is durable once its journal line is synced, so a reply sent after
`Storage.commit` survives a power cut. The journal is folded into a new snapshot when it
outgrows the last one, and at boot; a folder from before the journal (a lone `state.json`) is
migrated at its first boot.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field, fields, replace
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
JOURNAL_PREFIX = "journal-"
FORMAT = 2  # 1 (no "format" key): state.json alone, rewritten on every change
COMPACT_MIN_BYTES = 1 << 20  # a journal below this size is never folded (boot aside)
EVENTS_KEPT = 100


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


@dataclass(frozen=True)
class Change:
    """One change to the state, as journaled: `op` names it, `value` carries it.

    Ops: person (Person, stored whole), remove (list of ids), settings (Settings), record
    (PassRecord), records_until (ts: records at or before it go), record_gone (index),
    record_rejected (index), event (dict).
    """

    op: str
    value: Any

    def to_json(self) -> dict[str, Any]:
        """The journal form of this change."""
        value = self.value
        if isinstance(value, Person | PassRecord | Settings):
            value = dict(vars(value))  # flat dataclasses: far cheaper than asdict
        return {"op": self.op, "v": value}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Change:
        """A change read back from the journal; ValueError if it is not one."""
        op, value = raw["op"], raw["v"]
        kinds: dict[str, type[Any]] = {
            "person": Person,
            "settings": Settings,
            "record": PassRecord,
        }
        if op in kinds:
            value = _build(kinds[op], value)
        elif op not in _PLAIN_OPS:
            raise ValueError(f"unknown change {op!r}")
        return cls(op, value)


_PLAIN_OPS = frozenset({"remove", "records_until", "record_gone", "record_rejected", "event"})


def person_saved(person: Person) -> Change:
    """`person` as they are now (created or updated)."""
    return Change("person", replace(person))


def persons_removed(ids: list[str]) -> Change:
    """These persons are gone (unknown ids are skipped)."""
    return Change("remove", list(ids))


def settings_saved(settings: Settings) -> Change:
    """The settings as they are now."""
    return Change("settings", replace(settings))


def record_added(record: PassRecord) -> Change:
    """A new pass record."""
    return Change("record", record)


def records_until(ts: float) -> Change:
    """Every record at or before `ts` is deleted."""
    return Change("records_until", ts)


def record_gone(index: int) -> Change:
    """The record at `index` was delivered and is deleted."""
    return Change("record_gone", index)


def record_rejected(index: int) -> Change:
    """The receiver refused the record at `index`."""
    return Change("record_rejected", index)


def event_logged(event: dict[str, Any]) -> Change:
    """A side effect that leaves no record (open, updateAPK) was logged."""
    return Change("event", dict(event))


@dataclass
class TerminalState:
    """Everything the terminal remembers; `photo_uses` counts the references to each photo."""

    settings: Settings = field(default_factory=Settings)
    persons: dict[str, Person] = field(default_factory=dict)
    records: list[PassRecord] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # open, updateAPK: for tests
    photo_uses: Counter[str] = field(default_factory=Counter, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.photo_uses = Counter(p.photo for p in self.persons.values() if p.photo)
        self.photo_uses.update(r.photo for r in self.records if r.photo)

    def to_json(self) -> dict[str, Any]:
        """The snapshot form (without the journal generation)."""
        return {
            "settings": asdict(self.settings),
            "persons": [dict(vars(p)) for p in self.persons.values()],
            "records": [dict(vars(r)) for r in self.records],
            "events": self.events[-EVENTS_KEPT:],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> TerminalState:
        """Read a snapshot (both formats)."""
        persons = [_build(Person, p) for p in raw.get("persons", [])]
        return cls(
            settings=_build(Settings, raw.get("settings", {})),
            persons={p.id: p for p in persons},
            records=[_build(PassRecord, r) for r in raw.get("records", [])],
            events=list(raw.get("events", [])),
        )

    def apply(self, change: Change) -> set[str]:
        """Make `change` in memory; returns the photos nothing refers to any more."""
        before: list[str] = []
        after: list[str] = []
        op, value = change.op, change.value
        if op == "person":
            old = self.persons.get(value.id)
            before.append(old.photo if old else "")
            self.persons[value.id] = value
            after.append(value.photo)
        elif op == "remove":
            before.extend(self.persons.pop(i).photo for i in value if i in self.persons)
        elif op == "settings":
            self.settings = replace(value)
        elif op == "record":
            self.records.append(value)
            after.append(value.photo)
        elif op == "records_until":
            before.extend(r.photo for r in self.records if r.ts <= value)
            self.records = [r for r in self.records if r.ts > value]
        elif op == "record_gone":
            before.append(self.records.pop(value).photo)
        elif op == "record_rejected":
            self.records[value].upload = "rejected"
        elif op == "event":
            self.events.append(value)
            del self.events[:-EVENTS_KEPT]
        return self._recount(before, after)

    def _recount(self, released: list[str], taken: list[str]) -> set[str]:
        self.photo_uses.update(d for d in taken if d)
        self.photo_uses.subtract(d for d in released if d)
        unused = {d for d in released if d and self.photo_uses[d] <= 0}
        for digest in unused:
            del self.photo_uses[digest]
        return unused


def _build(kind: type[T], raw: dict[str, Any]) -> T:
    names = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    return kind(**{k: v for k, v in raw.items() if k in names})


class Storage:
    """The data folder: snapshot plus journal, photo and embedding files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.photos = folder / "photos"
        self.faces = folder / "faces"
        for path in (self.folder, self.photos, self.faces):
            path.mkdir(parents=True, exist_ok=True)
        self._generation = 0
        self._journal_bytes = 0
        self._snapshot_bytes = 0

    @property
    def journal(self) -> Path:
        """The journal file of the current snapshot."""
        return self.folder / f"{JOURNAL_PREFIX}{self._generation}.jsonl"

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
        """The stored state (snapshot plus journal), or a factory-fresh one.

        A ValueError names a damaged file, which is left as it is. A journal line cut short by
        a crash was never acknowledged and is dropped. Afterwards the folder holds one fresh
        snapshot and no journal, old-format folders included, and no orphaned photo files.
        """
        state, generation, migrate = self._read_snapshot()
        self._generation = generation
        replayed = self._replay(state)
        if migrate or replayed or not (self.folder / STATE_FILE).exists():
            self.checkpoint(state)
        self._drop_stale_journals()
        self._collect_garbage(state)
        return state

    def commit(self, state: TerminalState, *changes: Change) -> None:
        """Journal `changes` durably (one line, fsynced), then make them in `state`.

        Photo files nobody refers to any more are deleted afterwards; the journal is folded
        into a new snapshot once it outgrows the last one.
        """
        line = json.dumps([c.to_json() for c in changes], ensure_ascii=False) + "\n"
        data = line.encode()
        self._append(data)
        unused: set[str] = set()
        for change in changes:
            unused |= state.apply(change)
        unused -= set(state.photo_uses)
        self.discard_photos(unused)
        if self._journal_bytes > max(COMPACT_MIN_BYTES, self._snapshot_bytes):
            self.checkpoint(state)

    def checkpoint(self, state: TerminalState) -> None:
        """Write `state` as a new snapshot and start an empty journal (old one deleted)."""
        old_journal = self.journal
        raw = {"format": FORMAT, "journal": self._generation + 1, **state.to_json()}
        data = json.dumps(raw, ensure_ascii=False).encode()
        write_atomic(self.folder / STATE_FILE, data)
        self._generation += 1
        self._snapshot_bytes = len(data)
        self._journal_bytes = 0
        old_journal.unlink(missing_ok=True)

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

    def discard_photos(self, digests: set[str]) -> None:
        """Delete these photos and their embeddings (after the change freeing them is durable:
        a crash in between leaves an orphan, swept at the next boot, never a dangling name)."""
        for digest in digests:
            (self.photos / f"{digest}.jpg").unlink(missing_ok=True)
            (self.faces / f"{digest}.f32").unlink(missing_ok=True)

    # -- inside ------------------------------------------------------------------------------

    def _read_snapshot(self) -> tuple[TerminalState, int, bool]:
        path = self.folder / STATE_FILE
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return TerminalState(), 0, False
        try:
            raw = json.loads(data.decode("utf-8"))
            state = TerminalState.from_json(raw)
            generation = int(raw.get("journal", 0))
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path} is not a simulated terminal's state file: {exc}") from exc
        self._snapshot_bytes = len(data)
        return state, generation, raw.get("format") != FORMAT

    def _replay(self, state: TerminalState) -> int:
        """Apply the journal's complete lines to `state`; returns how many there were."""
        try:
            data = self.journal.read_bytes()
        except FileNotFoundError:
            return 0
        lines = data.split(b"\n")
        complete, torn = lines[:-1], lines[-1]  # no newline at the end: cut short by a crash
        for number, line in enumerate(complete, 1):
            try:
                changes = [Change.from_json(c) for c in json.loads(line.decode("utf-8"))]
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                if number == len(complete) and not torn:  # the last line, garbled by a crash
                    return len(complete)
                raise ValueError(f"{self.journal} line {number} is damaged: {exc}") from exc
            for change in changes:
                state.apply(change)
        return len(complete) + bool(torn)

    def _append(self, data: bytes) -> None:
        created = not self.journal.exists()
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            try:
                written = os.write(fd, data)
                if written != len(data):
                    raise OSError(errno.ENOSPC, "journal line written in part", str(self.journal))
                os.fsync(fd)
            except OSError:  # e.g. a full disk: no half line for the next one to follow
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
                raise
        finally:
            os.close(fd)
        if created:  # the new file's name must survive a power cut too
            sync_folder(self.folder)
        self._journal_bytes += len(data)

    def _drop_stale_journals(self) -> None:
        for path in self.folder.glob(f"{JOURNAL_PREFIX}*.jsonl"):
            if path != self.journal:
                path.unlink(missing_ok=True)

    def _collect_garbage(self, state: TerminalState) -> None:
        used = set(state.photo_uses)
        for folder, suffix in ((self.photos, ".jpg"), (self.faces, ".f32")):
            for path in folder.glob(f"*{suffix}"):
                if path.stem not in used:
                    path.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write temp file, fsync, rename, sync the folder: a crash leaves the old file or the
    new one, and a power cut after return keeps the new one."""
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
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """fsync a directory, so the names created or renamed in it are durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
