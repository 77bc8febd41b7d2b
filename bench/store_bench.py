"""Store speed: persons-view page queries and saves, each against a naive baseline.

Usage: python -m bench.store_bench [--persons 10000] [--repeat 30] [--saves 100]

A temp station database gets `--persons` persons (each with a real 640x480 JPEG and an
embedding, two terminals, a tenth of them visitors, some failed placements). Page query: count
plus one page of 100 for several filters, through `store.run` (thread hop included); the
baseline is what a model without store queries would do: read every person with their photo
and filter, sort and slice in Python (results checked equal). Save: `save_person` to two terminals (WAL, FULL sync, on
the store thread); the baseline runs the same SQL on a rollback-journal database (SQLite's
default) on the caller's thread. Rounds alternate so machine load hits both alike; medians in
ms (wall, and CPU of the store thread, which machine load inflates less), ratios
baseline/ours (wall), and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from enroll_app.face.samples import sample_photo
from enroll_app.store import (
    Db,
    Embedding,
    PersonFilter,
    PersonId,
    PersonKind,
    PersonOrder,
    PersonRecord,
    PlacementState,
    Store,
    TerminalSerial,
    changes,
    outbox,
    persons,
    terminals,
)
from enroll_app.store.migrations import migrate

DOORS = [TerminalSerial("SN-A"), TerminalSerial("SN-B")]
NAMES = ["Zhang", "Li", "Wang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu"]
NOW = 1_800_000_000.0


def make_photos(count: int) -> list[bytes]:
    """Distinct 640x480 JPEGs cut from a shipped sample photo."""
    image = cv2.imread(str(sample_photo("t1.jpg")))
    assert image is not None
    out = []
    for n in range(count):
        shifted = np.roll(image, n * 7, axis=1)
        frame = cv2.resize(shifted, (640, 480))
        out.append(bytes(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 70])[1]))
    return out


def make_person(n: int, photo: bytes, rng: np.random.Generator) -> PersonRecord:
    """Person number `n`: a tenth are visitors, half of those expired."""
    visitor = n % 10 == 0
    vector = rng.standard_normal(512).astype(np.float32)
    return PersonRecord(
        id=PersonId(f"{n:06d}"),
        name=f"{NAMES[n % 10]} {NAMES[(n // 10) % 10]}{n}",
        ic_no=str(10_000_000 + n * 7),
        id_no=f"110105{19500101 + n:08d}{n % 10000:04d}",
        kind=PersonKind.VISITOR if visitor else PersonKind.STAFF,
        end_ts=(NOW - 3600 if n % 20 == 0 else NOW + 86400) if visitor else -1.0,
        photo=photo,
        embedding=Embedding.from_array("buffalo_s", vector / np.linalg.norm(vector)),
    )


def fill(db: Db, people: list[PersonRecord]) -> None:
    """Save everyone in one transaction, then fail every 50th placement on door A."""
    with db.transaction():
        for person in people:
            changes.save_person(db, person, DOORS, "bench")
        for entry in outbox.next_outbox_batch(db, DOORS[0], NOW * 2, len(people)):
            if int(entry.person_id) % 50 == 0:
                outbox.fail_outbox(db, entry.id, PlacementState.FAILED_FULL, "128", None)
            else:
                outbox.complete_outbox(db, entry.id, NOW)


FILTERS: dict[str, tuple[PersonFilter, int]] = {
    "all, page at 5000": (PersonFilter(), 5000),
    "search name 'li'": (PersonFilter(search="li"), 0),
    "search card digits": (PersonFilter(search="10000"), 0),
    "search ID-number end": (PersonFilter(search="0123"), 0),
    "search, no match": (PersonFilter(search="nobody"), 0),
    "visitors": (PersonFilter(kind=PersonKind.VISITOR), 0),
    "expired": (PersonFilter(expired_at=NOW), 0),
    "failed sync": (PersonFilter(failed_sync=True), 0),
}


def page(db: Db, where: PersonFilter, offset: int) -> tuple[int, list[PersonRecord]]:
    """What the persons view asks for: the count and one page."""
    return persons.count_persons(db, where), persons.list_persons(
        db, where, offset, 100, PersonOrder.NAME
    )


def page_cpu_ms(db: Db, where: PersonFilter, offset: int) -> float:
    """CPU ms the store thread spends on one page (what machine load does not inflate)."""
    start = time.thread_time()
    page(db, where, offset)
    return (time.thread_time() - start) * 1000


def naive_page(db: Db, where: PersonFilter, offset: int) -> tuple[int, list[str]]:
    """Baseline: every person with their photo, filtered, sorted and sliced in Python."""
    rows = db.conn.execute(
        "SELECT p.*, ph.jpeg, (SELECT group_concat(state) FROM placements pl"
        " WHERE pl.person_id = p.id) AS states FROM persons p"
        " LEFT JOIN person_photos ph ON ph.person_id = p.id"
    ).fetchall()
    query = " ".join(where.search.split()).casefold()

    def keep(row: Any) -> bool:
        fields = (row["name"], row["id"], row["ic_no"], row["id_no"])
        if query and not any(query in " ".join(f.split()).casefold() for f in fields):
            return False
        if where.kind is not None and row["kind"] != where.kind.value:
            return False
        if where.expired_at is not None and not (-1 != row["end_ts"] < where.expired_at):
            return False
        return not (where.failed_sync and "failed" not in (row["states"] or ""))

    kept = sorted((r for r in rows if keep(r)), key=lambda r: (r["name"].casefold(), r["id"]))
    return len(kept), [r["id"] for r in kept[offset : offset + 100]]


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def bench_pages(store: Store, repeat: int) -> dict[str, dict[str, float]]:
    """Median ms per page query and per baseline query, per filter."""
    out: dict[str, dict[str, float]] = {}
    for label, (where, offset) in FILTERS.items():
        ours_count, ours_page = store.run(page, where, offset)
        naive_count, naive_ids = store.run(naive_page, where, offset)
        assert (ours_count, [p.id for p in ours_page]) == (naive_count, naive_ids), label
        ours: list[float] = []
        naive: list[float] = []
        cpu: list[float] = []
        for _ in range(repeat):
            ours.append(timed(partial(store.run, page, where, offset)))
            cpu.append(store.run(page_cpu_ms, where, offset))
            if len(naive) < max(3, repeat // 10):  # the baseline is slow; fewer rounds do
                naive.append(timed(partial(store.run, naive_page, where, offset)))
        out[label] = {
            "matches": ours_count,
            "ms": statistics.median(ours),
            "cpu_ms": statistics.median(cpu),
            "naive_ms": statistics.median(naive),
        }
        out[label]["ratio"] = out[label]["naive_ms"] / out[label]["ms"]
    return out


def rollback_journal_db(path: Path) -> Db:
    """The baseline database: SQLite's defaults (rollback journal, FULL sync), same schema."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    db = Db(conn, time.time)
    for n, door in enumerate(DOORS, start=2):
        terminals.upsert_terminal(db, door, f"127.0.0.{n}", 8090)
    return db


def bench_saves(store: Store, baseline: Db, people: list[PersonRecord]) -> dict[str, float]:
    """Median ms per save to two terminals: ours vs the rollback-journal baseline."""
    ours: list[float] = []
    naive: list[float] = []
    for person in people:
        ours.append(timed(partial(store.run, changes.save_person, person, DOORS, "bench")))
        naive.append(timed(partial(changes.save_person, baseline, person, DOORS, "bench")))
    return {
        "ms": statistics.median(ours),
        "naive_ms": statistics.median(naive),
        "ratio": statistics.median(naive) / statistics.median(ours),
    }


def main() -> None:
    """Build the database, run both benchmarks, print a table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--saves", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    photos = make_photos(16)
    people = [make_person(n, photos[n % 16], rng) for n in range(args.persons)]
    extra = [make_person(n, photos[n % 16], rng) for n in range(900_000, 900_000 + args.saves)]
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "station.db", clock=lambda: NOW)
        try:
            for n, door in enumerate(DOORS, start=2):
                store.run(terminals.upsert_terminal, door, f"127.0.0.{n}", 8090)
            fill_ms = timed(lambda: store.run(fill, people))
            gallery_ms = timed(lambda: store.run(persons.all_embeddings, "buffalo_s"))
            pages = bench_pages(store, args.repeat)
            baseline = rollback_journal_db(Path(folder) / "baseline.db")
            saves = bench_saves(store, baseline, extra)
            baseline.conn.close()
        finally:
            store.close()
    for label, numbers in pages.items():
        print(
            f"{label:26s} {numbers['matches']:6.0f} matches  {numbers['ms']:7.2f} ms"
            f" (cpu {numbers['cpu_ms']:5.2f})"
            f"  naive {numbers['naive_ms']:8.1f} ms  x{numbers['ratio']:.0f}"
        )
    print(
        f"save to 2 terminals: {saves['ms']:.2f} ms (rollback journal {saves['naive_ms']:.2f} ms)"
    )
    print(f"fill {args.persons} persons: {fill_ms:.0f} ms; gallery load: {gallery_ms:.1f} ms")
    result = {
        "persons": args.persons,
        "page_ms": {k: round(v["ms"], 3) for k, v in pages.items()},
        "page_cpu_ms": {k: round(v["cpu_ms"], 3) for k, v in pages.items()},
        "page_naive_ms": {k: round(v["naive_ms"], 1) for k, v in pages.items()},
        "page_ratio_min": round(min(v["ratio"] for v in pages.values()), 1),
        "save_ms": round(saves["ms"], 3),
        "save_naive_ms": round(saves["naive_ms"], 3),
        "save_ratio": round(saves["ratio"], 2),
        "gallery_load_ms": round(gallery_ms, 1),
        "fill_ms": round(fill_ms),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
