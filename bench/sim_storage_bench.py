"""Simulator storage: setPerson with photos over HTTP, journaled data folder vs whole-file rewrites.

Usage: python -m bench.sim_storage_bench [--persons 2000]

One simulated terminal (spec profile, fast) runs in this process on 127.0.0.1 with a fresh data
folder and gets `--persons` setPerson requests, one after another, each with its own photo
(one of the six bundled 640x480 portraits with the person's number in a JPEG comment, so every
person has distinct photo bytes, a photo file and an embedding file). Photos are judged by the
real face engine once per portrait (the verdict is reused for its variants: the bench measures
storage, not onnxruntime). Baseline: the previous version's write strategy (`WholeFileStorage`,
only here): the whole `state.json` rewritten atomically after every change and both photo
folders swept after every setPerson with a photo. Ours: `Storage` (one fsynced journal line per
change, folded into the snapshot when it outgrows it). Prints ms per person by quarter of the
run (flat = cost does not grow with the count), bytes the process wrote to disk
(/proc/self/io), the ratio baseline/ours, and a final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from enroll_app.simulator import EngineJudge, FaceVerdict, SimConfig, SimulatedTerminal
from enroll_app.simulator.camera import FRAMES_DIR
from enroll_app.simulator.state import STATE_FILE, Change, Embedding, Storage, TerminalState

QUARTERS = 4


class PortraitJudge:
    """The real engine's verdict per bundled portrait, shared by that portrait's variants."""

    def __init__(self) -> None:
        self._engine = EngineJudge()
        self._lock = threading.Lock()
        self._verdicts: dict[bytes, FaceVerdict] = {}

    def analyse(self, photo: bytes) -> FaceVerdict:
        """The verdict of the portrait `photo` was made from (the engine runs once each)."""
        original = without_comment(photo)
        with self._lock:
            known = self._verdicts.get(original)
        if known is None:
            known = self._engine.analyse(original)
            with self._lock:
                self._verdicts[original] = known
        return known


def with_comment(jpeg: bytes, text: str) -> bytes:
    """`jpeg` with a COM segment right after SOI: other bytes, the same picture."""
    payload = text.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def without_comment(jpeg: bytes) -> bytes:
    """Undo `with_comment` (other JPEGs come back unchanged)."""
    if jpeg[2:4] != b"\xff\xfe":
        return jpeg
    length = int.from_bytes(jpeg[4:6], "big")
    return jpeg[:2] + jpeg[4 + length :]


class WholeFileStorage(Storage):
    """Baseline only: how the previous version persisted (no journal, no dir syncs)."""

    def commit(self, state: TerminalState, *changes: Change) -> None:
        """Change memory, rewrite all of `state.json`, sweep the folders after person changes."""
        for change in changes:
            state.apply(change)
        raw = {
            "settings": asdict(state.settings),
            "persons": [asdict(p) for p in state.persons.values()],
            "records": [asdict(r) for r in state.records],
            "events": state.events[-100:],
        }
        _old_write_atomic(self.folder / STATE_FILE, json.dumps(raw, ensure_ascii=False).encode())
        if any(c.op in ("person", "remove", "records_until", "record_gone") for c in changes):
            self._sweep(state)

    def put_photo(self, jpeg: bytes) -> str:
        """Like ours, written the old way."""
        digest = _sha1(jpeg)
        path = self.photos / f"{digest}.jpg"
        if not path.exists():
            _old_write_atomic(path, jpeg)
        return digest

    def put_embedding(self, digest: str, embedding: Embedding) -> None:
        """Like ours, written the old way."""
        _old_write_atomic(self.faces / f"{digest}.f32", embedding.tobytes())

    def _sweep(self, state: TerminalState) -> None:
        used = {p.photo for p in state.persons.values()} | {r.photo for r in state.records}
        for folder, suffix in ((self.photos, ".jpg"), (self.faces, ".f32")):
            for path in folder.glob(f"*{suffix}"):
                if path.stem not in used:
                    path.unlink(missing_ok=True)


def _sha1(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(data).hexdigest()


def _old_write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


async def set_person(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes
) -> dict[str, object]:
    """One keep-alive `POST /setPerson` and its JSON answer. A lean client on purpose: httpx
    on the same event loop would take a third of the time the simulator is measured by."""
    head = (
        "POST /setPerson?key=abc HTTP/1.1\r\nHost: terminal\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    reply_head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    length = next(
        int(line.split(":", 1)[1])
        for line in reply_head.split("\r\n")
        if line.startswith("content-length:")
    )
    answer = json.loads(await reader.readexactly(length))
    return answer if isinstance(answer, dict) else {}


def form(n: int, photo: bytes) -> bytes:
    """The setPerson form of person `n`, percent-encoded in C (urlencode would spend more
    time here than the simulator spends on the request)."""
    text = base64.b64encode(photo).replace(b"+", b"%2B").replace(b"/", b"%2F")
    return b"id=E%05d&name=Employee+%d&photo=" % (n, n) + text.replace(b"=", b"%3D")


@dataclass
class Run:
    """One strategy's run: seconds in all, ms per person by quarter, bytes written."""

    name: str
    seconds: float
    quarter_ms: list[float]
    bytes_written: int


def disk_bytes_written() -> int:
    """This process's bytes sent to the storage layer so far (0 where /proc lacks it)."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def run(name: str, persons: int, folder: Path, judge: PortraitJudge) -> Run:
    """Enroll `persons` persons with photos into a fresh simulator using strategy `name`."""
    portraits = [(FRAMES_DIR / f"frame-{n}.jpg").read_bytes() for n in range(1, 7)]
    config = SimConfig(host="127.0.0.1", port=0, fast=True, data_dir=folder, capacity=persons)
    term = SimulatedTerminal(config, judge=judge)
    if name == "whole-file":
        term.storage = WholeFileStorage(folder)
    await term.start()
    quarter = max(persons // QUARTERS, 1)
    marks: list[float] = []
    reader, writer = await asyncio.open_connection(term.host, term.port)
    try:
        os.sync()
        written = disk_bytes_written()
        start = time.perf_counter()
        for n in range(persons):
            photo = with_comment(portraits[n % len(portraits)], f"person {n}")
            answer = await set_person(reader, writer, form(n, photo))
            if answer.get("status") != 0:
                raise RuntimeError(f"setPerson {n} answered {answer}")
            if (n + 1) % quarter == 0:
                marks.append(time.perf_counter())
        seconds = time.perf_counter() - start
        os.sync()
        written = disk_bytes_written() - written
    finally:
        writer.close()
        await term.stop()
    edges = [start, *marks[:QUARTERS]]
    quarter_ms = [(b - a) * 1000 / quarter for a, b in itertools.pairwise(edges)]
    return Run(name, seconds, quarter_ms, written)


def report(result: Run) -> None:
    """One strategy's numbers."""
    quarters = " ".join(f"{ms:6.2f}" for ms in result.quarter_ms)
    print(
        f"{result.name:>10}: {result.seconds:7.2f} s, ms/person by quarter [{quarters}], "
        f"disk writes {result.bytes_written / 1e6:8.1f} MB"
    )


async def main_async(persons: int) -> dict[str, object]:
    """Baseline, then ours, each on its own fresh folder; the engine is loaded first."""
    judge = PortraitJudge()
    for n in range(1, 7):  # load the engine and judge each portrait outside the timing
        await asyncio.to_thread(judge.analyse, (FRAMES_DIR / f"frame-{n}.jpg").read_bytes())
    with tempfile.TemporaryDirectory(prefix="sim-storage-bench-") as tmp:
        old = await run("whole-file", persons, Path(tmp) / "old", judge)
        report(old)
        new = await run("journal", persons, Path(tmp) / "new", judge)
        report(new)
    ratio = old.seconds / new.seconds
    flat = new.quarter_ms[-1] / new.quarter_ms[0]
    print(f"speedup baseline/ours: {ratio:.1f}x; ours last/first quarter: {flat:.2f}")
    return {
        "bench": "sim_storage",
        "persons": persons,
        "baseline_s": round(old.seconds, 2),
        "ours_s": round(new.seconds, 2),
        "speedup": round(ratio, 2),
        "baseline_ms_per_person_by_quarter": [round(ms, 2) for ms in old.quarter_ms],
        "ours_ms_per_person_by_quarter": [round(ms, 2) for ms in new.quarter_ms],
        "ours_last_over_first_quarter": round(flat, 2),
        "baseline_disk_mb": round(old.bytes_written / 1e6, 1),
        "ours_disk_mb": round(new.bytes_written / 1e6, 1),
    }


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--persons", type=int, default=2000, help="setPerson calls (2000)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args.persons))))


if __name__ == "__main__":
    main()
