"""Duplicate-search speed: `Gallery` against FAISS `IndexFlatIP` and numpy float32, same data."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from enroll_app.face.gallery import Gallery

PACK = "buffalo_s"
Vectors = npt.NDArray[np.float32]
Search = Callable[[Vectors], list[int]]


def unit_rows(count: int, dim: int, rng: np.random.Generator) -> Vectors:
    """Random unit vectors: the worst case for ranking (top scores lie very close together)."""
    rows = rng.standard_normal((count, dim), dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def numpy_search(data: Vectors, k: int) -> Search:
    """Exact float32 scan with numpy (BLAS sgemv), the reference ranking."""

    def search(query: Vectors) -> list[int]:
        scores = data @ query
        top = np.argpartition(scores, -k)[-k:]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]

    return search


def faiss_search(data: Vectors, k: int) -> Search:
    """FAISS exact inner-product index over the same float32 rows."""
    import faiss

    index = faiss.IndexFlatIP(data.shape[1])
    index.add(data)

    def search(query: Vectors) -> list[int]:
        _, found = index.search(query[None, :], k)
        return [int(i) for i in found[0]]

    return search


def gallery_search(data: Vectors, k: int) -> Search:
    """Our gallery; person ids are row numbers written with leading zeros."""
    gallery = Gallery(PACK, dim=data.shape[1])
    gallery.add_many([f"{i:07d}" for i in range(len(data))], data, pack=PACK)

    def search(query: Vectors) -> list[int]:
        return [int(m.person_id) for m in gallery.search(query, k, pack=PACK)]

    return search


def ms_per_query(search: Search, queries: Vectors) -> float:
    start = time.perf_counter()
    for query in queries:
        search(query)
    return (time.perf_counter() - start) * 1000.0 / len(queries)


def disagreements(search: Search, reference: list[list[int]], queries: Vectors) -> int:
    """Queries whose top-k (ids and order) differ from the exact float32 ranking."""
    return sum(search(q) != ref for q, ref in zip(queries, reference, strict=True))


def smallest_gap(data: Vectors, queries: Vectors, k: int) -> float:
    """Smallest score gap between consecutive ranks 1..k+1 over all queries (how hard it is)."""
    gaps = []
    for q in queries:
        top = np.sort(data @ q)[-(k + 1) :]
        gaps.append(float(np.min(np.diff(top))))
    return min(gaps)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (spread)")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20240601)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    data = unit_rows(args.rows, args.dim, rng)
    queries = unit_rows(args.queries, args.dim, rng)
    engines = {
        "numpy_f32": numpy_search(data, args.k),
        "faiss_flat": faiss_search(data, args.k),
        "gallery": gallery_search(data, args.k),
    }
    reference = [engines["numpy_f32"](q) for q in queries]
    wrong = {name: disagreements(s, reference, queries) for name, s in engines.items()}
    timings: dict[str, list[float]] = {name: [] for name in engines}
    names = list(engines)
    for round_no in range(args.rounds):
        # Rotate the order so a burst of load from other processes hits each engine alike.
        for name in names[round_no % 3 :] + names[: round_no % 3]:
            timings[name].append(ms_per_query(engines[name], queries))
        row = "  ".join(f"{n} {timings[n][-1]:6.2f}" for n in names)
        print(f"round {round_no + 1}: ms/query  {row}")
    return report(args, timings, wrong, smallest_gap(data, queries[:50], args.k))


def report(
    args: argparse.Namespace,
    timings: dict[str, list[float]],
    wrong: dict[str, int],
    gap: float,
) -> int:
    median = {name: statistics.median(ts) for name, ts in timings.items()}
    ratio_faiss = median["faiss_flat"] / median["gallery"]
    ratio_numpy = median["numpy_f32"] / median["gallery"]
    for name, ts in timings.items():
        print(f"{name:10s} median {median[name]:6.2f} ms  min {min(ts):6.2f}  max {max(ts):6.2f}")
    print(f"gallery is {ratio_faiss:.2f}x faster than FAISS flat, {ratio_numpy:.2f}x numpy")
    print(f"top-{args.k} disagreements with exact float32 (of {args.queries}): {wrong}")
    print(f"smallest gap between consecutive top scores (50 queries): {gap:.5f}")
    result = {
        "bench": "gallery",
        "rows": args.rows,
        "dim": args.dim,
        "queries": args.queries,
        "rounds": args.rounds,
        "k": args.k,
        "ms_per_query": {n: round(v, 3) for n, v in median.items()},
        "ms_per_query_min": {n: round(min(ts), 3) for n, ts in timings.items()},
        "ms_per_query_max": {n: round(max(ts), 3) for n, ts in timings.items()},
        "ratio_faiss_over_gallery": round(ratio_faiss, 2),
        "ratio_numpy_over_gallery": round(ratio_numpy, 2),
        "gallery_top_k_agrees": wrong["gallery"] == 0,
        "faiss_top_k_agrees": wrong["faiss_flat"] == 0,
        "disagreements": wrong,
        "smallest_top_gap": round(gap, 6),
    }
    print(json.dumps(result))
    return 0 if wrong["gallery"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
