"""Self-test without hardware: model files, quality checks, and a full enrollment on a simulator.

`await run_selftest()` runs the steps in order and returns a `SelftestReport`; each step has a
name, a duration, pass/fail and a one-line detail. A step whose inputs are missing (an earlier
step failed) is reported as failed with "skipped". Nothing touches the station's own data:
enrollment goes through a throw-away station (store, terminal list and keys in a temporary
folder and in memory) with the real `EnrollmentService` and sync service, onto a simulated
terminal in the same process; everything is closed and deleted at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from enroll_app import logs
from enroll_app.face.engine import FaceEngine
from enroll_app.face.models import DEFAULT_PACK, ModelPack, find_pack
from enroll_app.face.quality import check_photo
from enroll_app.face.types import decode_image
from enroll_app.services.discovery import TerminalRegistry
from enroll_app.services.enroll import Assessment, EnrollRequest
from enroll_app.services.keys import KeyStore, SessionKeys
from enroll_app.services.station import StationServices
from enroll_app.simulator import SimConfig, SimulatedTerminal
from enroll_app.store.records import PersonId, PersonRecord, TerminalSerial
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import PersonNotFound
from enroll_app.terminal.protocol import DEFAULT_KEY

ACTOR = "selftest"
STEP_TIMEOUT_S = 60.0
PORTRAIT = "frame-1.jpg"  # a bundled 640x480 one-face portrait (simulator/frames)
PERSON_NAME = "Self test 自检"


@dataclass(frozen=True)
class StepResult:
    """One step of the self-test."""

    name: str
    ok: bool
    seconds: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }


@dataclass
class SelftestReport:
    """Every step's result; `ok` only when all passed."""

    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every step passed (and there was at least one)."""
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def seconds(self) -> float:
        """Total time of the steps."""
        return sum(step.seconds for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: `ok`, `seconds`, `steps`."""
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "steps": [step.to_dict() for step in self.steps],
        }


class StepFailed(Exception):
    """A step's check did not hold; the message is the step's detail."""


@dataclass
class _Context:
    """What the steps hand to each other."""

    workdir: Path
    pack: ModelPack | None = None
    station: StationServices | None = None
    engine: FaceEngine | None = None
    assessment: Assessment | None = None
    terminal: SimulatedTerminal | None = None
    key: str = DEFAULT_KEY
    person_id: str = ""


Step = Callable[[_Context], Awaitable[str]]


async def _model_files(ctx: _Context) -> str:
    ctx.pack = await asyncio.to_thread(find_pack, DEFAULT_PACK)
    return f"{ctx.pack.name} verified (sha256) in {ctx.pack.folder} [{ctx.pack.source}]"


async def _face_engine(ctx: _Context) -> str:
    if ctx.pack is None:
        raise StepFailed("skipped: the model files did not verify")
    ctx.station = StationServices(
        db_path=ctx.workdir / "station.db",
        model_folder=ctx.pack.folder,
        keys=KeyStore(SessionKeys()),  # in memory: the self-test never writes the keyring
        registry=TerminalRegistry(ctx.workdir / "terminals.json"),
    )
    await ctx.station.start()
    ctx.engine = await ctx.station.face_engine()
    info = ctx.engine.info()
    return f"{info.pack_name} loaded in {info.load_seconds:.1f} s, {info.threads} threads"


def portrait_bytes() -> bytes:
    """The bundled portrait the quality step checks."""
    return resources.files("enroll_app.simulator").joinpath("frames", PORTRAIT).read_bytes()


async def _quality(ctx: _Context) -> str:
    engine, station = ctx.engine, ctx.station
    if engine is None or station is None:
        raise StepFailed("skipped: no face engine")
    image = decode_image(portrait_bytes())
    # The checks must also say no: the portrait turned upside down and darkened.
    spoiled = await asyncio.to_thread(check_photo, engine, (image[::-1] // 8).copy())
    assessment = await station.enrollment.assess(image)
    if not assessment.ok:
        failed = ", ".join(assessment.failed_codes)
        raise StepFailed(f"the bundled portrait failed the quality checks: {failed}")
    if spoiled.ok:
        raise StepFailed("a dark, upside-down portrait passed the quality checks")
    ctx.assessment = assessment
    size = len(assessment.jpeg) // 1024
    return f"{PORTRAIT} passes, a spoiled copy fails; enrollment photo {size} KB"


async def _start_terminal(ctx: _Context) -> str:
    if ctx.station is None or ctx.station.keys is None:
        raise StepFailed("skipped: no station")
    config = SimConfig(host="127.0.0.1", port=0, data_dir=ctx.workdir / "terminal", fast=True)
    ctx.terminal = SimulatedTerminal(config)
    await ctx.terminal.start()
    # A non-default key, as on a real site: the station's key handling is part of the test.
    key = secrets.token_urlsafe(9)
    logs.remember_secret(key)
    async with _client(ctx) as client:
        await client.set_device_key(key)
    ctx.key = key
    await ctx.station.keys.set_site_key(key)
    found = await ctx.station.discovery.add(f"{ctx.terminal.host}:{ctx.terminal.port}")
    if found.sn != ctx.terminal.serial:
        raise StepFailed("the station could not identify the terminal with the site key")
    return f"terminal {found.sn} on {ctx.terminal.base_url} found with the site key"


async def _enroll(ctx: _Context) -> str:
    station, terminal, assessment = ctx.station, ctx.terminal, ctx.assessment
    if station is None or terminal is None or assessment is None:
        raise StepFailed("skipped: no terminal or no enrollment photo")
    ctx.person_id = f"selftest-{secrets.token_hex(4)}"
    person = PersonRecord(id=PersonId(ctx.person_id), name=PERSON_NAME)
    result = await station.enrollment.enroll(
        EnrollRequest(person, assessment, [terminal.serial], actor=ACTOR)
    )
    if not result.all_ok:
        problems = "; ".join(f"{o.state} {o.error_text}" for o in result.outcomes.values())
        raise StepFailed(f"delivery to the terminal failed: {problems}")
    return f"person {ctx.person_id} checked, saved and delivered (verified)"


async def _read_back(ctx: _Context) -> str:
    if not ctx.person_id or ctx.assessment is None:
        raise StepFailed("skipped: nobody was enrolled")
    async with _client(ctx) as client:
        person = await client.get_person(ctx.person_id)
        listed = {p.id for p in await client.list_persons()}
    if person.name != PERSON_NAME:
        raise StepFailed(f"the terminal returned the name {person.name!r}")
    if person.photo != ctx.assessment.jpeg:
        raise StepFailed("the terminal returned another photo than the one enrolled")
    if ctx.person_id not in listed:
        raise StepFailed("the person is missing from the terminal's list")
    return f"name and photo ({len(person.photo) // 1024} KB) read back; listed"


async def _remove(ctx: _Context) -> str:
    station, terminal = ctx.station, ctx.terminal
    if not ctx.person_id or station is None or terminal is None:
        raise StepFailed("skipped: nobody was enrolled")
    serial = TerminalSerial(terminal.serial)
    await station.store.remove_person_from(PersonId(ctx.person_id), [serial], ACTOR)
    await station.sync.push(ctx.person_id, [serial])
    async with _client(ctx) as client:
        try:
            await client.get_person(ctx.person_id)
        except PersonNotFound:
            return f"person {ctx.person_id} removed; the terminal no longer knows them"
    raise StepFailed("the person is still on the terminal after removal")


STEPS: tuple[tuple[str, Step], ...] = (
    ("model files", _model_files),
    ("face engine", _face_engine),
    ("quality checks", _quality),
    ("simulated terminal", _start_terminal),
    ("enroll", _enroll),
    ("read back", _read_back),
    ("remove", _remove),
)


@contextlib.asynccontextmanager
async def _client(ctx: _Context) -> AsyncIterator[TerminalClient]:
    assert ctx.terminal is not None
    async with TerminalClient(ctx.terminal.host, ctx.terminal.port, ctx.key) as client:
        yield client


async def _run_step(name: str, step: Step, ctx: _Context) -> StepResult:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(STEP_TIMEOUT_S):
            detail = await step(ctx)
    except TimeoutError:
        return StepResult(name, False, time.perf_counter() - started, "timed out")
    except StepFailed as exc:
        return StepResult(name, False, time.perf_counter() - started, str(exc))
    except Exception as exc:  # every failure is a reported result, never a crash
        detail = f"{type(exc).__name__}: {exc}"
        return StepResult(name, False, time.perf_counter() - started, detail)
    return StepResult(name, True, time.perf_counter() - started, detail)


async def run_selftest(
    on_step: Callable[[StepResult], None] | None = None,
) -> SelftestReport:
    """Run every step in order (reporting each to `on_step` as it ends) and return the report."""
    report = SelftestReport()
    with tempfile.TemporaryDirectory(prefix="enroll-selftest-") as folder:
        ctx = _Context(workdir=Path(folder))
        try:
            for name, step in STEPS:
                result = await _run_step(name, step, ctx)
                report.steps.append(result)
                if on_step is not None:
                    on_step(result)
        finally:
            if ctx.station is not None:
                await ctx.station.aclose()
            if ctx.terminal is not None:
                await ctx.terminal.stop()
    return report
