"""`EnrollmentService`: photo → quality, crop, duplicates → terminal check → save → deliver.

Qt-free, runs on the station's event loop; face work runs in a worker thread. The GUI's Enroll
page, the `enroll-station enroll` command and the bench all use it::

    svc = EnrollmentService(station)
    a = await svc.assess(image_bgr)                  # quality, 640x480 crop, embedding, matches
    checks = await svc.check_on_terminals(a.jpeg, serials)
    res = await svc.enroll(EnrollRequest(person, a, targets), on_progress=cb)
    if not res.all_ok:
        res = await svc.retry(res.person_id, res.failed_serials, on_progress=cb)

`enroll` writes the person, photo, embedding and one outbox entry per terminal in one
transaction and only then asks the sync service to deliver, so a crash half-way leaves the
outbox to finish the job.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from enroll_app.face.crop import EnrollmentPhoto, make_enrollment_photo
from enroll_app.face.engine import STILL_DET_SIZE
from enroll_app.face.gallery import Gallery, PersonNotInGallery
from enroll_app.face.quality import QualityConfig, QualityReport, assess_faces
from enroll_app.face.types import DetectedFace, FaceError, Image, decode_image
from enroll_app.services.discovery import RegistryError
from enroll_app.services.person_fields import DEFAULT_ID_PATTERN, IdPattern
from enroll_app.services.sync import DeliveryOutcome, ProgressCallback
from enroll_app.store.db import PersonsChanged
from enroll_app.store.errors import InvalidRecordError
from enroll_app.store.persons import PersonFilter
from enroll_app.store.records import Embedding, PersonId, PersonRecord, TerminalSerial
from enroll_app.terminal.errors import InvalidInput, TerminalError
from enroll_app.terminal.records import CheckResult
from enroll_app.terminal.validation import (
    card_from_decimal,
    check_pass_count,
    check_person_id,
    check_window,
)

if TYPE_CHECKING:
    from enroll_app.face.engine import FaceEngine
    from enroll_app.services.station import StationServices
    from enroll_app.terminal.client import TerminalClient

log = logging.getLogger(__name__)

T = TypeVar("T")
TOP_MATCHES = 5
ENROLL_ACTOR = "enroll"

Verdict = Literal["duplicate", "review"]


# ---- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateCandidate:
    """Someone the station already knows whose face is close to the new photo."""

    person_id: PersonId
    name: str
    similarity: float
    verdict: Verdict
    valid_until: float  # end_ts, -1 for unlimited
    photo_jpeg: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Assessment:
    """What the station thinks of one photo: its quality report, the 640x480 crop as it will
    be sent (None without a usable face), the main face's embedding and the close matches
    (best first). `seconds` is the machine time the assessment took."""

    report: QualityReport
    photo: EnrollmentPhoto | None
    embedding: npt.NDArray[np.float32] | None = field(repr=False)
    matches: list[DuplicateCandidate]
    model_pack: str
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every quality check passed and the photo could be cropped."""
        return self.report.ok and self.photo is not None and self.embedding is not None

    @property
    def failed_codes(self) -> list[str]:
        """Codes of the failing quality checks, most important first."""
        return [c.code for c in self.report.failed]

    @property
    def jpeg(self) -> bytes:
        """The enrollment JPEG; `EnrollmentRefused` when there is none (no face)."""
        if self.photo is None:
            raise EnrollmentRefused("quality", "There is no face to enroll", codes=["face_count"])
        return self.photo.jpeg

    @property
    def duplicate(self) -> DuplicateCandidate | None:
        """The best match that is probably the same person, if any."""
        return next((m for m in self.matches if m.verdict == "duplicate"), None)


@dataclass(frozen=True)
class TerminalCheck:
    """A terminal's own `check` of the photo; `error_text` says why it could not be asked.

    `is_valid` 0 means usable (1 size, 2 format, 3 no face, 4 features); None when the
    terminal was not reached. `is_exist` True: the face matches someone on that terminal.
    """

    serial: str
    name: str
    is_valid: int | None
    is_exist: bool = False
    error_text: str = ""

    @property
    def usable(self) -> bool:
        """True when the terminal answered and can enroll the photo."""
        return self.is_valid == 0


@dataclass(frozen=True)
class EnrollRequest:
    """One enrollment: the person's fields (photo and embedding come from `assessment`), the
    terminals to write to, and the operator's decisions about duplicates.

    `update_existing`: the id may already exist (renewing a returning person). `allow_duplicate`:
    enroll even though the face matches someone else. `terminal_checks`: results the operator
    already saw (those terminals are not asked again); `check_terminals` False skips asking.
    """

    person: PersonRecord
    assessment: Assessment
    targets: Sequence[str]
    update_existing: bool = False
    allow_duplicate: bool = False
    terminal_checks: Sequence[TerminalCheck] = ()
    check_terminals: bool = True
    actor: str = ENROLL_ACTOR


@dataclass(frozen=True)
class TargetOutcome:
    """How delivery to one terminal ended: `ok` means written and read back."""

    serial: str
    name: str
    ok: bool
    state: str
    error_text: str = ""


@dataclass(frozen=True)
class EnrollResult:
    """The enrolled person's id and, per terminal serial, how delivery went."""

    person_id: PersonId
    outcomes: dict[str, TargetOutcome]
    checks: list[TerminalCheck] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def all_ok(self) -> bool:
        """True when every target terminal holds the person, verified."""
        return all(o.ok for o in self.outcomes.values())

    @property
    def failed_serials(self) -> list[str]:
        """The terminals to retry."""
        return [s for s, o in self.outcomes.items() if not o.ok]


RefusalReason = Literal["invalid", "quality", "duplicate", "id_taken", "terminal_check", "target"]


class EnrollmentRefused(Exception):
    """Enrollment refused before anything was written; nothing reached any terminal.

    `reason` says which rule refused, `codes` the failed quality check codes (or
    `terminal_<serial>` for terminal checks), `person_id` the already-enrolled person a
    duplicate matches, `field` the form field an invalid value is in.
    """

    def __init__(
        self,
        reason: RefusalReason,
        message: str,
        *,
        codes: Sequence[str] = (),
        person_id: str | None = None,
        field: str | None = None,
        zh: str = "",
    ) -> None:
        super().__init__(message)
        self.reason: RefusalReason = reason
        self.codes = list(codes)
        self.person_id = person_id
        self.field = field
        self.zh = zh or message


# ---- the service ----------------------------------------------------------------------------


class EnrollmentService:
    """Enrollment use cases over one station's engine, gallery, store, terminals and sync.

    Runs on the event loop; model work goes to a worker thread. Keeps the station's gallery
    in step with the store (adds after each save, removals and imports through `subscribe`).
    """

    def __init__(
        self,
        station: StationServices,
        *,
        quality: QualityConfig | None = None,
        id_pattern: str = DEFAULT_ID_PATTERN,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._station = station
        self.quality = quality or QualityConfig()
        self.id_pattern = IdPattern(id_pattern)
        self._clock = clock or station.clock
        self._unsubscribe: Callable[[], None] | None = None
        self._refreshes: set[asyncio.Task[None]] = set()

    # ---- assess ------------------------------------------------------------------------

    async def assess(self, image_bgr: Image, face: DetectedFace | None = None) -> Assessment:
        """Judge a still photo for enrollment: every quality check, the crop, the embedding
        and the top matches in the station's gallery.

        `face` (a detection in the same image, e.g. from the preview) picks which face is
        the main one when several are found; the decision is still made on a fresh full-size
        detection. Raises `ImageError` for an image that cannot be analysed.
        """
        started = time.perf_counter()
        engine = await self._station.face_engine()
        gallery = await self._gallery()
        photo, report, embedding, hits = await asyncio.to_thread(
            _assess_in_worker, engine, gallery, image_bgr, face, self.quality
        )
        matches = await self._candidates(gallery, hits)
        return Assessment(
            report=report,
            photo=photo,
            embedding=embedding,
            matches=matches,
            model_pack=gallery.pack,
            seconds=time.perf_counter() - started,
        )

    async def assess_jpeg(self, data: bytes) -> Assessment:
        """`assess` for encoded image bytes (a file, a terminal's photo)."""
        image = await asyncio.to_thread(decode_image, data)
        return await self.assess(image)

    async def _candidates(
        self, gallery: Gallery, hits: list[tuple[str, float]]
    ) -> list[DuplicateCandidate]:
        out: list[DuplicateCandidate] = []
        for person_id, similarity in hits:
            verdict = gallery.classify(similarity)
            if verdict == "new":
                continue
            person = await self._station.store.find_person(PersonId(person_id))
            if person is None:  # removed since the gallery was loaded
                continue
            photo = await self._station.store.person_photo(person.id)
            out.append(
                DuplicateCandidate(
                    person_id=person.id,
                    name=person.name,
                    similarity=similarity,
                    verdict="duplicate" if verdict == "duplicate" else "review",
                    valid_until=person.end_ts,
                    photo_jpeg=photo,
                )
            )
        return out

    # ---- terminal check ----------------------------------------------------------------

    async def check_on_terminals(self, jpeg: bytes, serials: Iterable[str]) -> list[TerminalCheck]:
        """Ask each terminal (in parallel) whether it can use the photo and knows the face.

        Never raises for a terminal problem: an unreachable or refusing terminal comes back
        with `is_valid` None and its reason in `error_text`.
        """
        wanted = list(dict.fromkeys(serials))
        return list(await asyncio.gather(*(self._check_one(jpeg, s) for s in wanted)))

    async def _check_one(self, jpeg: bytes, serial: str) -> TerminalCheck:
        name = self._terminal_name(serial)

        async def check(client: TerminalClient) -> CheckResult:
            return await client.check(jpeg)

        try:
            result = await self._on_terminal(serial, check)
        except (TerminalError, RegistryError) as exc:
            return TerminalCheck(serial, name, None, False, _problem(exc))
        return TerminalCheck(serial, name, result.is_valid, result.is_exist)

    # ---- enroll ------------------------------------------------------------------------

    async def enroll(
        self, request: EnrollRequest, on_progress: ProgressCallback | None = None
    ) -> EnrollResult:
        """Refuse what must not be enrolled, then save and deliver to every target.

        Raises `EnrollmentRefused` (nothing written anywhere) for invalid fields, a failing
        photo, a duplicate face or an id already taken (unless the request allows it), or a
        terminal that says it cannot use the photo. Terminal trouble during delivery does
        not raise: it is in the result's outcomes, and the outbox keeps the work.
        """
        timings: dict[str, float] = {"assess": request.assessment.seconds}
        person = _validated(request.person)
        targets = self._targets(request.targets)
        await self._refuse_before_writing(request, person)
        started = time.perf_counter()
        checks = await self._terminal_checks(request, targets)
        timings["check"] = time.perf_counter() - started
        _refuse_terminal_checks(request, checks)
        started = time.perf_counter()
        saved = await self._save(request, person, targets)
        timings["save"] = time.perf_counter() - started
        started = time.perf_counter()
        outcomes = await self._deliver(saved.id, targets, on_progress)
        timings["deliver"] = time.perf_counter() - started
        return EnrollResult(saved.id, outcomes, checks, timings)

    async def retry(
        self,
        person_id: str,
        serials: Iterable[str],
        on_progress: ProgressCallback | None = None,
    ) -> EnrollResult:
        """Deliver again to terminals that failed (the outbox still holds their entries)."""
        pid = PersonId(person_id)
        targets = self._targets(serials)
        await self._register_in_store(targets)
        started = time.perf_counter()
        pushed = await self._station.sync.retry(pid, targets, on_progress)
        outcomes: dict[str, TargetOutcome] = {s: self._outcome(s, pushed.get(s)) for s in targets}
        return EnrollResult(pid, outcomes, timings={"deliver": time.perf_counter() - started})

    async def with_new_photo(
        self, person: PersonRecord, assessment: Assessment, *, allow_duplicate: bool = False
    ) -> PersonRecord:
        """`person` with the assessed photo and its embedding, ready to save (an edit that
        replaces the photo: the duplicate search then knows the new face, not the old one).

        `EnrollmentRefused` when the photo fails a quality check, was assessed with another
        model pack, or (unless `allow_duplicate`) shows someone else already enrolled.
        """
        _refuse_quality(assessment)
        if assessment.model_pack != self._station.pack:
            raise EnrollmentRefused(
                "quality", "The photo was assessed with another face model: choose it again"
            )
        duplicate = await self._current_duplicate(assessment, person.id)
        if duplicate is not None and not allow_duplicate:
            raise _duplicate_refusal(duplicate)
        assert assessment.embedding is not None  # ok() above
        return dataclasses.replace(
            person,
            photo=assessment.jpeg,
            embedding=Embedding.from_array(assessment.model_pack, assessment.embedding),
        )

    async def _refuse_before_writing(self, request: EnrollRequest, person: PersonRecord) -> None:
        assessment = request.assessment
        _refuse_quality(assessment)
        if assessment.model_pack != self._station.pack:
            raise EnrollmentRefused(
                "quality", "The photo was assessed with another face model: assess it again"
            )
        duplicate = await self._current_duplicate(assessment, person.id)
        if duplicate is not None and not request.allow_duplicate:
            raise _duplicate_refusal(duplicate)
        existing = await self._station.store.find_person(person.id)
        if existing is not None and not request.update_existing:
            raise EnrollmentRefused(
                "id_taken",
                f"The id {person.id} already belongs to {existing.name or 'someone'}: "
                "choose another id or update that person",
                person_id=existing.id,
                field="id",
                zh=f"ID {person.id} 已被 {existing.name or '他人'} 使用",
            )

    async def _current_duplicate(
        self, assessment: Assessment, person_id: str
    ) -> DuplicateCandidate | None:
        """The best duplicate of another person, searched again: someone may have been
        enrolled since the photo was assessed (the same visitor at two desks)."""
        assert assessment.embedding is not None
        gallery = await self._gallery()
        hits = await asyncio.to_thread(
            gallery.search, assessment.embedding, TOP_MATCHES, pack=gallery.pack
        )
        others = [(h.person_id, h.similarity) for h in hits if h.person_id != person_id]
        matches = await self._candidates(gallery, others)
        return next((m for m in matches if m.verdict == "duplicate"), None)

    async def _terminal_checks(
        self, request: EnrollRequest, targets: list[TerminalSerial]
    ) -> list[TerminalCheck]:
        known = {c.serial: c for c in request.terminal_checks if c.serial in targets}
        missing = [s for s in targets if s not in known]
        if request.check_terminals and missing:
            for check in await self.check_on_terminals(request.assessment.jpeg, missing):
                known[check.serial] = check
        return [known[s] for s in targets if s in known]

    async def _save(
        self, request: EnrollRequest, person: PersonRecord, targets: list[TerminalSerial]
    ) -> PersonRecord:
        assessment = request.assessment
        assert assessment.embedding is not None
        record = dataclasses.replace(
            person,
            photo=assessment.jpeg,
            embedding=Embedding.from_array(assessment.model_pack, assessment.embedding),
        )
        await self._register_in_store(targets)
        try:
            saved = await self._station.store.save_person(record, targets, request.actor)
        except InvalidRecordError as exc:
            raise EnrollmentRefused("invalid", str(exc)) from exc
        gallery = await self._gallery()
        _put_in_gallery(gallery, saved.id, assessment.embedding)
        return saved

    async def _register_in_store(self, targets: list[TerminalSerial]) -> None:
        """The store owes outbox entries only to terminals it knows: add registry ones."""
        known = {t.serial for t in await self._station.store.list_terminals()}
        for serial in targets:
            if serial in known:
                continue
            terminal = self._station.registry.get(serial)
            await self._station.store.upsert_terminal(
                serial, terminal.host, terminal.port, name=terminal.name, actor=ENROLL_ACTOR
            )

    async def _deliver(
        self,
        person_id: PersonId,
        targets: list[TerminalSerial],
        on_progress: ProgressCallback | None,
    ) -> dict[str, TargetOutcome]:
        pushed = await self._station.sync.push(person_id, targets, on_progress)
        return {s: self._outcome(s, pushed.get(s)) for s in targets}

    def _outcome(self, serial: TerminalSerial, pushed: DeliveryOutcome | None) -> TargetOutcome:
        name = self._terminal_name(serial)
        if pushed is None:
            return TargetOutcome(serial, name, False, "pending", "Not delivered yet")
        error = "" if pushed.ok else pushed.message
        return TargetOutcome(serial, name, pushed.ok, pushed.state.value, error)

    # ---- remote photo ------------------------------------------------------------------

    async def remote_photos(
        self, serial: str, count: int = 1, tips_before: str = "", tips_after: str = ""
    ) -> list[RemotePhoto]:
        """Take 1..3 photos with a terminal's camera and assess each; best first.

        Raises the terminal's `TerminalError` when it cannot take them and `FaceError` when
        none of the frames is an image.
        """

        async def take(client: TerminalClient) -> list[bytes]:
            return await client.take_photos(count, tips_before=tips_before, tips_after=tips_after)

        frames = await self._on_terminal(serial, take)
        photos: list[RemotePhoto] = []
        for jpeg in frames:
            try:
                photos.append(RemotePhoto(jpeg, await self.assess_jpeg(jpeg)))
            except FaceError as exc:
                log.warning("terminal %s sent a frame that is not an image: %s", serial, exc)
        if not photos:
            raise FaceError(f"Terminal {serial} sent no usable image")
        return sorted(photos, key=lambda p: p.assessment.report.score, reverse=True)

    # ---- ids ---------------------------------------------------------------------------

    async def next_person_id(self, now: float | None = None) -> PersonId:
        """The next free id of the configured pattern (e.g. `V20260301-004`) for today."""
        when = dt.datetime.fromtimestamp(self._clock() if now is None else now)
        prefix = self.id_pattern.prefix(when)
        taken: set[str] = set()
        offset, page = 0, 1000
        while True:
            rows = await self._station.store.list_persons(PersonFilter(search=prefix), offset, page)
            taken.update(p.id for p in rows)
            if len(rows) < page:
                break
            offset += page
        return PersonId(self.id_pattern.first_free(when, taken))

    # ---- gallery upkeep ----------------------------------------------------------------

    def follow_store(self) -> None:
        """Keep the station's gallery in step with the store from now on (saves, imports,
        removals). Idempotent; call on the event loop before the gallery is loaded."""
        if self._unsubscribe is not None:
            return
        loop = asyncio.get_running_loop()

        def hand_over(change: PersonsChanged) -> None:  # on the store thread
            loop.call_soon_threadsafe(self._on_persons_changed, change)

        self._unsubscribe = self._station.store.subscribe(hand_over)

    async def _gallery(self) -> Gallery:
        self.follow_store()
        return await self._station.gallery()

    def _on_persons_changed(self, change: PersonsChanged) -> None:
        task = asyncio.create_task(self._refresh_gallery(change), name="gallery refresh")
        self._refreshes.add(task)
        task.add_done_callback(self._refreshed)

    def _refreshed(self, task: asyncio.Task[None]) -> None:
        self._refreshes.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # The next change or restart reloads; the preview must not die of it meanwhile.
            log.warning("the duplicate gallery could not follow a change: %s", exc)

    async def _refresh_gallery(self, change: PersonsChanged) -> None:
        gallery = await self._station.gallery()
        for person_id in change.removed:
            if person_id in gallery:
                gallery.remove(person_id)
        if not change.saved:
            return
        vectors = await self._station.store.all_embeddings(gallery.pack, change.saved)
        for row, person_id in enumerate(vectors.ids):
            _put_in_gallery(gallery, person_id, vectors.matrix[row])
        # Saved without an embedding of this pack: a new photo, or being forgotten.
        for person_id in change.saved - set(vectors.ids):
            if person_id in gallery:
                gallery.remove(person_id)

    async def gallery_in_step(self) -> None:
        """Wait until every person change the store has committed so far is in the gallery."""
        # A store round trip: listeners of earlier commits have handed over by its end.
        await self._station.store.count_persons()
        while self._refreshes:
            await asyncio.gather(*list(self._refreshes), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop following the store and wait for pending gallery updates."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await asyncio.gather(*self._refreshes, return_exceptions=True)

    # ---- terminals ---------------------------------------------------------------------

    def _targets(self, serials: Iterable[str]) -> list[TerminalSerial]:
        targets = [TerminalSerial(s) for s in dict.fromkeys(serials)]
        known = set(self._station.registry.serials())
        if unknown := [s for s in targets if s not in known]:
            raise EnrollmentRefused(
                "target",
                f"Unknown terminal(s): {', '.join(unknown)}",
                zh=f"未知终端：{', '.join(unknown)}",
            )
        return targets

    def _terminal_name(self, serial: str) -> str:
        try:
            return self._station.registry.get(serial).name
        except RegistryError:
            return ""

    async def _on_terminal(
        self, serial: str, operation: Callable[[TerminalClient], Awaitable[T]]
    ) -> T:
        """Run `operation` with a client holding a key the terminal accepts."""
        return await self._station.terminals._with_key(serial, operation)


@dataclass(frozen=True)
class RemotePhoto:
    """One frame a terminal's camera took, as it sent it, with its assessment."""

    jpeg: bytes = field(repr=False)
    assessment: Assessment


# ---- helpers (plain functions; the worker-thread part first) --------------------------------


def _assess_in_worker(
    engine: FaceEngine,
    gallery: Gallery,
    image: Image,
    hint: DetectedFace | None,
    config: QualityConfig,
) -> tuple[
    EnrollmentPhoto | None, QualityReport, npt.NDArray[np.float32] | None, list[tuple[str, float]]
]:
    """Detect at full size, measure the main face, crop, embed and search. Worker thread."""
    faces = engine.detect(image, det_size=STILL_DET_SIZE)
    if not faces:
        return None, assess_faces(image, faces, config), None, []
    main_index = _closest(faces, hint) if hint is not None else 0
    main = faces[main_index]
    main = dataclasses.replace(
        main, landmarks=engine.landmarks(image, main), embedding=engine.embed(image, main)
    )
    ordered = [main, *(f for i, f in enumerate(faces) if i != main_index)]
    report = assess_faces(image, ordered, config)
    photo = make_enrollment_photo(image, main)
    assert main.embedding is not None
    hits = gallery.search(main.embedding, TOP_MATCHES, pack=gallery.pack)
    return photo, report, main.embedding, [(h.person_id, h.similarity) for h in hits]


def _closest(faces: Sequence[DetectedFace], hint: DetectedFace) -> int:
    """Index of the detection that overlaps `hint` most (intersection over union)."""

    def iou(face: DetectedFace) -> float:
        ax1, ay1, ax2, ay2 = (float(v) for v in face.bbox)
        bx1, by1, bx2, by2 = (float(v) for v in hint.bbox)
        w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
        h = max(0.0, min(ay2, by2) - max(ay1, by1))
        union = face.area + hint.area - w * h
        return w * h / union if union > 0 else 0.0

    return max(range(len(faces)), key=lambda i: iou(faces[i]))


def _put_in_gallery(gallery: Gallery, person_id: str, embedding: Any) -> None:
    try:
        gallery.update(person_id, embedding, pack=gallery.pack)
    except PersonNotInGallery:
        gallery.add(person_id, embedding, pack=gallery.pack)


def _validated(person: PersonRecord) -> PersonRecord:
    """The person as the terminal will take it; `EnrollmentRefused` naming the bad field."""
    try:
        check_person_id(person.id)
        check_pass_count(person.pass_count)
        check_window(person.start_ts, person.end_ts)
        ic_no = card_from_decimal(person.ic_no) if person.ic_no else ""
    except InvalidInput as exc:
        raise EnrollmentRefused(
            "invalid", exc.operator_text, field=exc.field, zh=exc.zh or ""
        ) from exc
    return dataclasses.replace(person, ic_no=ic_no, source=person.source or "enroll")


def _refuse_quality(assessment: Assessment) -> None:
    if not assessment.ok:
        codes = assessment.failed_codes or ["face_count"]
        raise EnrollmentRefused(
            "quality",
            f"The photo fails these checks: {', '.join(codes)}",
            codes=codes,
            zh=f"照片未通过以下检查：{', '.join(codes)}",
        )


def _duplicate_refusal(duplicate: DuplicateCandidate) -> EnrollmentRefused:
    return EnrollmentRefused(
        "duplicate",
        f"This face is already enrolled as {duplicate.person_id} ({duplicate.name}), "
        f"similarity {duplicate.similarity:.2f}",
        person_id=duplicate.person_id,
        zh=f"此人脸已登记为 {duplicate.person_id}（{duplicate.name}）",
    )


def _refuse_terminal_checks(request: EnrollRequest, checks: Sequence[TerminalCheck]) -> None:
    rejected = [c for c in checks if c.is_valid not in (None, 0)]
    if rejected:
        raise EnrollmentRefused(
            "terminal_check",
            "The terminal cannot use this photo: "
            + ", ".join(f"{c.name or c.serial} (isValid {c.is_valid})" for c in rejected),
            codes=[f"terminal_{c.serial}" for c in rejected],
            zh="终端无法使用此照片",
        )
    known = [c for c in checks if c.is_exist]
    if known and not (request.allow_duplicate or request.update_existing):
        raise EnrollmentRefused(
            "duplicate",
            "The terminal already knows this face: " + ", ".join(c.name or c.serial for c in known),
            codes=[f"terminal_{c.serial}" for c in known],
            zh="终端上已存在此人脸",
        )


def _problem(exc: BaseException) -> str:
    if isinstance(exc, TerminalError):
        return exc.operator_text
    return str(exc) or type(exc).__name__
