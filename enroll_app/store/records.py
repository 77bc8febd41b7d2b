"""Typed records the store hands out and takes in: persons, terminals, placements, outbox, audit."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NewType

import numpy as np
import numpy.typing as npt

from enroll_app.store.errors import InvalidRecordError

PersonId = NewType("PersonId", str)
"""A person's id as the terminals know it: text, leading zeros kept ("007" is not "7")."""

TerminalSerial = NewType("TerminalSerial", str)
"""A terminal's serial number (`sn`): the one identity that survives a change of address."""

OutboxEntryId = NewType("OutboxEntryId", int)
"""The id of one outbox entry; a replaced entry gets a new id, so stale completions miss."""

UNLIMITED_PASSES = 10000
"""`pass_count` that means "any number of passes" (same value as the protocol's)."""

UNLIMITED_TS = -1.0
"""`start_ts` / `end_ts` that means "no limit" (same value as the protocol's)."""

EMBEDDING_DIM = 512
PHOTO_SIZE = (640, 480)

_DIGITS = re.compile(r"[0-9]*")
_ID_TEXT = re.compile(r"[^\x00-\x1f\x7f]+")


class PersonKind(StrEnum):
    """Staff stay until removed; visitors expire and their personal data is deleted later."""

    STAFF = "staff"
    VISITOR = "visitor"


class PlacementState(StrEnum):
    """Where one person stands on one terminal.

    pending → synced (or failed_*); removing → removed (or failed_*). A failed placement keeps
    its outbox entry, so the state says why it waits and the entry says what is still owed.
    """

    PENDING = "pending"
    SYNCED = "synced"
    FAILED_KEY = "failed_key"
    FAILED_FULL = "failed_full"
    FAILED_PHOTO = "failed_photo"
    FAILED_OTHER = "failed_other"
    REMOVING = "removing"
    REMOVED = "removed"

    @property
    def failed(self) -> bool:
        """True for the four failure states."""
        return self.value.startswith("failed_")


FAILED_STATES = frozenset(s for s in PlacementState if s.failed)


class OutboxOp(StrEnum):
    """What an outbox entry owes a terminal: the person's current data, or their removal."""

    UPSERT = "upsert"
    REMOVE = "remove"


class KeyStatus(StrEnum):
    """Whether the station's key for a terminal works (the key itself lives in the keyring)."""

    UNKNOWN = "unknown"
    OK = "ok"
    REFUSED = "refused"


@dataclass(frozen=True)
class Embedding:
    """A face embedding (float32[512], little-endian bytes) and the model pack that made it."""

    model_pack: str
    vector: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.model_pack:
            raise InvalidRecordError("an embedding needs the name of its model pack")
        if len(self.vector) != EMBEDDING_DIM * 4:
            raise InvalidRecordError(
                f"an embedding has {EMBEDDING_DIM} float32 values, got {len(self.vector)} bytes"
            )

    @classmethod
    def from_array(cls, model_pack: str, values: npt.ArrayLike) -> Embedding:
        """Build from any 512-value array (converted to little-endian float32)."""
        array = np.asarray(values, dtype="<f4").reshape(-1)
        if not np.all(np.isfinite(array)):
            raise InvalidRecordError("an embedding holds a value that is not a finite number")
        return cls(model_pack, array.tobytes())

    def as_array(self) -> npt.NDArray[np.float32]:
        """The vector as a read-only float32 array of 512 values."""
        return np.frombuffer(self.vector, dtype="<f4").astype(np.float32, copy=False)


@dataclass(frozen=True)
class PersonRecord:
    """A person as the station keeps them (what terminals get, plus embedding and history).

    `ic_no` is the card number (decimal digits), `id_no` the ID-card number (personal: never
    log it). `start_ts`/`end_ts` are epoch seconds, -1 for unlimited; `pass_count` 10000 is
    unlimited. `photo` is the 640x480 enrollment JPEG; lists leave it None (`has_photo` says
    whether there is one). `created_at`, `updated_at` and `revision` are set by the store.
    `source` is "enroll", "import" or "terminal:<serial>".
    """

    id: PersonId
    name: str = ""
    ic_no: str = ""
    id_no: str = field(default="", repr=False)
    pass_count: int = UNLIMITED_PASSES
    start_ts: float = UNLIMITED_TS
    end_ts: float = UNLIMITED_TS
    kind: PersonKind = PersonKind.STAFF
    source: str = "enroll"
    photo: bytes | None = field(default=None, repr=False)
    embedding: Embedding | None = field(default=None, repr=False)
    has_photo: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    revision: int = 0
    forgetting: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.kind, PersonKind):  # "visitor" from a form or a sheet
            try:
                object.__setattr__(self, "kind", PersonKind(self.kind))
            except ValueError:
                raise InvalidRecordError(
                    f"a person is staff or visitor, not {self.kind!r}"
                ) from None
        validate_person(self)

    def expired(self, now: float) -> bool:
        """True when the validity window has ended."""
        return self.end_ts != UNLIMITED_TS and self.end_ts < now

    def payload_hash(self, photo_sha256: str) -> str:
        """Digest of everything a terminal receives: equal hashes mean nothing to resend."""
        digest = hashlib.sha256()
        for value in self.terminal_fields():
            digest.update(repr(value).encode("utf-8") + b"\x1f")
        digest.update(photo_sha256.encode("ascii"))
        return digest.hexdigest()

    def terminal_fields(self) -> tuple[str, str, str, str, int, float, float]:
        """The fields a terminal stores besides the photo, for comparing with listPerson."""
        return (
            self.id,
            self.name,
            self.ic_no,
            self.id_no,
            self.pass_count,
            float(self.start_ts),
            float(self.end_ts),
        )


def validate_person(person: PersonRecord) -> None:
    """Raise InvalidRecordError naming the first field a terminal would refuse."""
    if not person.id or not _ID_TEXT.fullmatch(person.id):
        raise InvalidRecordError("a person needs an id without control characters")
    if not _DIGITS.fullmatch(person.ic_no):
        raise InvalidRecordError("the card number (IC_NO) may only hold the digits 0-9")
    if type(person.pass_count) is not int or not 0 <= person.pass_count <= UNLIMITED_PASSES:
        raise InvalidRecordError(f"passCount must be 0..{UNLIMITED_PASSES}")
    _validate_window(person.start_ts, person.end_ts)
    if not person.source:
        raise InvalidRecordError("a person needs a source (enroll, import, terminal:<serial>)")
    if person.photo is not None:
        check_photo(person.photo)


def _validate_window(start_ts: float, end_ts: float) -> None:
    for name, value in (("startTs", start_ts), ("endTs", end_ts)):
        if not math.isfinite(value) or (value < 0 and value != UNLIMITED_TS):
            raise InvalidRecordError(f"{name} must be epoch seconds or -1 (unlimited)")
    if UNLIMITED_TS not in (start_ts, end_ts) and end_ts < start_ts:
        raise InvalidRecordError("endTs lies before startTs")


def check_photo(photo: bytes) -> None:
    """Raise InvalidRecordError unless `photo` is a 640x480 JPEG (read from its frame header)."""
    size = jpeg_size(photo)
    if size is None:
        raise InvalidRecordError("the photo is not a readable JPEG")
    if b"\xff\xd9" not in photo[-32:]:  # a half-written file or upload still has its header
        raise InvalidRecordError("the photo is cut short (its JPEG end marker is missing)")
    if size != PHOTO_SIZE:
        raise InvalidRecordError(f"the photo must be 640x480, it is {size[0]}x{size[1]}")


_SOF_MARKERS = frozenset(
    {*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), 0xCD, 0xCE, 0xCF}
)


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame header; None when it is not a JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker in _SOF_MARKERS and pos + 9 <= len(data):
            height = int.from_bytes(data[pos + 5 : pos + 7], "big")
            width = int.from_bytes(data[pos + 7 : pos + 9], "big")
            return (width, height)
        pos += 2 + length
    return None


@dataclass(frozen=True)
class TerminalRecord:
    """A terminal the station knows, found again by serial when its address changes.

    `capacity` and `persons_stored` come from the terminal (None until read); the key itself
    is never here, only whether it worked (`key_status`).
    """

    serial: TerminalSerial
    host: str
    port: int
    name: str = ""
    capacity: int | None = None
    persons_stored: int | None = None
    app_version: str = ""
    last_seen: float | None = None
    key_status: KeyStatus = KeyStatus.UNKNOWN

    def __post_init__(self) -> None:
        if not self.serial:
            raise InvalidRecordError("a terminal needs its serial number")
        if not self.host:
            raise InvalidRecordError("a terminal needs an address")
        if not 0 < self.port < 65536:
            raise InvalidRecordError(f"port {self.port} is not a TCP port")


@dataclass(frozen=True)
class Placement:
    """One person on one terminal: state, why it failed, tries so far, last read-back."""

    person_id: PersonId
    serial: TerminalSerial
    state: PlacementState
    revision: int
    last_error: str = ""
    attempts: int = 0
    verified_at: float | None = None
    updated_at: float = 0.0


@dataclass(frozen=True)
class OutboxEntry:
    """What is still owed to one terminal for one person.

    `revision`/`payload_hash` name the person's data the entry was made for; `next_attempt_at`
    None means parked (waits for the operator or a new save, no automatic retry).
    """

    id: OutboxEntryId
    serial: TerminalSerial
    person_id: PersonId
    op: OutboxOp
    revision: int
    payload_hash: str
    attempts: int
    next_attempt_at: float | None
    last_error: str
    created_at: float


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when, to whom and on which terminal (no personal data in `detail`)."""

    ts: float
    actor: str
    action: str
    person_id: PersonId | None = None
    serial: TerminalSerial | None = None
    detail: str = ""


@dataclass(frozen=True)
class PassRecordRow:
    """One pass at a door, as stored: unique on (serial, person_id, ts to the millisecond).

    `photo` (the terminal's snapshot) is only read on input; lists leave it None and say
    `has_photo`.
    """

    serial: TerminalSerial
    person_id: PersonId
    ts: float
    pass_type: int = 0
    name: str = ""
    photo: bytes | None = field(default=None, repr=False)
    has_photo: bool = False
    received_at: float = 0.0


@dataclass(frozen=True)
class GalleryVectors:
    """All embeddings of one model pack: `ids[i]` owns row `matrix[i]` (float32, n x 512)."""

    model_pack: str
    ids: list[PersonId]
    matrix: npt.NDArray[np.float32] = field(repr=False)
