"""Duplicate search: an in-memory embedding index per model pack, with per-pack match thresholds."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from enroll_app.face.models import RECOGNITION, pack_spec
from enroll_app.face.types import FaceError, ModelPackError

Verdict = Literal["duplicate", "review", "new"]
FloatArray = npt.NDArray[np.float32]

# Below this many embeddings an exact float32 scan is already well under a millisecond; above
# it the scan is memory-bound, so a coarse int8 pass (a quarter of the bytes) picks candidates
# that are then re-scored exactly in float32.
_COARSE_FROM_ROWS = 4096
# Extra coarse candidates re-scored exactly. The int8 pass errs by < 0.003 in cosine, so a true
# top-k row can only fall behind rows scoring within 0.006 of it; among 100k random 512-d unit
# vectors (the hardest case) the 5th and the 69th best lie ~0.03 apart, so 64 spare rows leave
# a wide margin (bench/gallery_bench.py checks top-5 agreement with exact float32 search).
_RERANK_SPARE = 64
_INITIAL_CAPACITY = 256
# The scan is memory-bound: a second thread nearly halves it; more only contend with the UI,
# the camera and the face engine for memory bandwidth.
_SCAN_THREADS = 2
_MIN_NORM = 1e-6


class GalleryError(FaceError):
    """Base of the gallery's errors; `str()` is operator text."""


class PackMismatch(GalleryError):
    """An embedding from one model pack was offered to a gallery of another pack."""


class EmbeddingError(GalleryError, ValueError):
    """An embedding has the wrong size, is all zeros, or contains NaN/inf."""


class PersonNotInGallery(GalleryError, KeyError):
    """`update`, `extend` or `remove` named a person the gallery does not hold."""

    def __str__(self) -> str:
        # KeyError would quote the message; this is operator text.
        return str(self.args[0]) if self.args else ""


class PersonAlreadyInGallery(GalleryError, ValueError):
    """`add` named a person the gallery already holds (use `update` to replace)."""


@dataclass(frozen=True)
class MatchThresholds:
    """Cosine-similarity cut-offs for one model pack; see docs/match-thresholds.md.

    `review`: at or above, the operator is asked to compare the two photos.
    `duplicate`: at or above, the station says the person is probably already enrolled.
    `design_gallery_size`: the gallery size the cut-offs were chosen for; expected false hits
    per search grow as gallery size x false-match rate.
    """

    review: float
    duplicate: float
    recognition_model: str
    design_gallery_size: int = 10_000

    def classify(self, similarity: float) -> Verdict:
        """'duplicate', 'review' or 'new' for one similarity."""
        if similarity >= self.duplicate:
            return "duplicate"
        if similarity >= self.review:
            return "review"
        return "new"


# Keyed by recognition model, not pack: packs sharing a model share its score distribution.
# Sources, measurements and the gallery-size reasoning: docs/match-thresholds.md.
_BY_RECOGNITION_MODEL: dict[str, MatchThresholds] = {
    "w600k_mbf": MatchThresholds(review=0.40, duplicate=0.50, recognition_model="w600k_mbf"),
    "w600k_r50": MatchThresholds(review=0.35, duplicate=0.45, recognition_model="w600k_r50"),
}


def thresholds_for(pack: str) -> MatchThresholds:
    """The review/duplicate thresholds of a model pack's recognition model.

    `ModelPackError` for an unknown pack or a recognition model without thresholds.
    """
    model = Path(pack_spec(pack).file(RECOGNITION).name).stem
    try:
        return _BY_RECOGNITION_MODEL[model]
    except KeyError:
        raise ModelPackError(
            f"No match thresholds are known for recognition model {model} (pack {pack})"
        ) from None


@dataclass(frozen=True)
class Match:
    """One search hit: a person and the cosine similarity of their closest embedding."""

    person_id: str
    similarity: float


def normalise(embedding: Any, dim: int) -> FloatArray:
    """`embedding` as a contiguous float32 unit vector of length `dim`, or `EmbeddingError`."""
    vec = np.asarray(embedding, dtype=np.float32).reshape(-1)
    if vec.shape != (dim,):
        raise EmbeddingError(f"An embedding must have {dim} values, this one has {vec.size}")
    unit: FloatArray = normalise_rows(vec[None, :], dim)[0]
    return unit


def normalise_rows(embeddings: Any, dim: int) -> FloatArray:
    """A (count, dim) block of embeddings as contiguous float32 unit rows, or `EmbeddingError`."""
    block = np.asarray(embeddings, dtype=np.float32)
    if block.ndim != 2 or block.shape[1] != dim:
        raise EmbeddingError(f"Embeddings must be rows of {dim} values, not shape {block.shape}")
    if not np.all(np.isfinite(block)):
        raise EmbeddingError("The embedding contains NaN or infinite values")
    norms = np.linalg.norm(block, axis=1, keepdims=True)
    if np.any(norms < _MIN_NORM):
        raise EmbeddingError("The embedding is all zeros")
    return np.ascontiguousarray(block / norms, dtype=np.float32)


def cosine(a: Any, b: Any) -> float:
    """Cosine similarity of two embeddings of the same length (re-normalised defensively)."""
    va = np.asarray(a, dtype=np.float32).reshape(-1)
    vb = normalise(b, va.size)
    return float(np.clip(np.dot(normalise(va, va.size), vb), -1.0, 1.0))


def _check_person_id(person_id: object) -> str:
    # An int would silently lose leading zeros ("007" -> 7), and terminals treat ids as strings.
    if not isinstance(person_id, str):
        raise TypeError(f"A person id must be a str, not {type(person_id).__name__}")
    if not person_id:
        raise ValueError("A person id must not be empty")
    return person_id


class _Int8Scan:
    """The coarse pass: the rows whose int8 codes score highest against a query.

    numpy has no fast int8 or float16 matrix product (casting a 100k x 512 block to float32
    costs more than the float32 scan it would save), so the scan is a four-node onnxruntime
    graph: `MatMulInteger` reads the uint8 codes with SIMD kernels (a quarter of the float32
    bytes: the scan is memory-bound), then the per-row scale and `TopK` run in the same call.
    Thread-safe: `InferenceSession.run` may be called concurrently.
    """

    _session: Any = None
    _lock = threading.Lock()

    @classmethod
    def session(cls) -> Any:
        """The shared session, built on first use (tens of milliseconds)."""
        with cls._lock:
            if cls._session is None:
                cls._session = cls._build()
            return cls._session

    @staticmethod
    def _build() -> Any:
        import onnxruntime as ort
        from onnx import TensorProto as T
        from onnx import helper

        nodes = [
            helper.make_node("MatMulInteger", ["codes", "query", "offset"], ["dots"]),
            helper.make_node("Cast", ["dots"], ["dots_f"], to=T.FLOAT),
            helper.make_node("Mul", ["dots_f", "scales"], ["scores"]),
            helper.make_node("Flatten", ["scores"], ["flat"], axis=0),
            helper.make_node("TopK", ["flat", "count"], ["best", "rows"], sorted=0),
        ]
        inputs = [
            helper.make_tensor_value_info("codes", T.UINT8, ["n", "dim"]),
            helper.make_tensor_value_info("query", T.INT8, ["dim", 1]),
            helper.make_tensor_value_info("offset", T.UINT8, []),
            helper.make_tensor_value_info("scales", T.FLOAT, ["n", 1]),
            helper.make_tensor_value_info("count", T.INT64, [1]),
        ]
        output = helper.make_tensor_value_info("rows", T.INT64, [1, "count"])
        graph = helper.make_graph(nodes, "gallery_scan", inputs, [output])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        options = ort.SessionOptions()
        options.intra_op_num_threads = _SCAN_THREADS
        # A desktop app shares the CPU with the UI and the camera: don't spin idle threads.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    @staticmethod
    def encode(rows: FloatArray) -> tuple[npt.NDArray[np.uint8], FloatArray]:
        """Per-row symmetric int8 codes stored as uint8 (+128), and (count, 1) row scales."""
        scales = np.abs(rows).max(axis=1, keepdims=True) / 127.0
        codes = np.rint(rows / scales) + 128.0
        return codes.astype(np.uint8), scales.astype(np.float32)

    @classmethod
    def top_rows(
        cls, codes: npt.NDArray[np.uint8], scales: FloatArray, query: FloatArray, count: int
    ) -> npt.NDArray[np.intp]:
        """The `count` rows (unordered) with the highest approximate cosine to `query`."""
        # The query's own scale is one positive factor for every row: it cannot change the order.
        q_codes = np.rint(query * (127.0 / float(np.abs(query).max()))).astype(np.int8)
        feeds = {
            "codes": codes,
            "query": q_codes.reshape(-1, 1),
            "offset": np.array(128, dtype=np.uint8),
            "scales": scales,
            "count": np.array([count], dtype=np.int64),
        }
        rows: npt.NDArray[np.intp] = cls.session().run(None, feeds)[0].reshape(-1)
        return rows


class Gallery:
    """Embeddings of enrolled persons made by ONE model pack, searchable by cosine similarity.

    A person normally has one embedding (`add`, `update` replaces it); `extend` adds more
    (another photo of the same person), and a search scores a person by their closest one.
    Rows live in one preallocated float32 matrix (plus int8 codes for large galleries) that
    grows geometrically, so `add` is amortised O(1) and `remove` swaps the last row in.
    Thread-safe: every method takes one lock; a search holds it for a few milliseconds.
    """

    def __init__(self, pack: str, dim: int = 512) -> None:
        if dim < 1:
            raise ValueError("The embedding dimension must be positive")
        self.pack = pack
        self.dim = dim
        self.thresholds = thresholds_for(pack)
        self._lock = threading.Lock()
        self._rows = 0
        self._vectors = np.zeros((_INITIAL_CAPACITY, dim), dtype=np.float32)
        self._codes = np.zeros((_INITIAL_CAPACITY, dim), dtype=np.uint8)
        self._scales = np.zeros((_INITIAL_CAPACITY, 1), dtype=np.float32)
        self._owner: list[str] = []  # row -> person id
        self._rows_of: dict[str, list[int]] = {}  # person id -> rows

    def __len__(self) -> int:
        """Number of persons (not embeddings)."""
        with self._lock:
            return len(self._rows_of)

    def __contains__(self, person_id: object) -> bool:
        with self._lock:
            return person_id in self._rows_of

    @property
    def embedding_count(self) -> int:
        """Number of stored embeddings (a person may have several, see `extend`)."""
        with self._lock:
            return self._rows

    def classify(self, similarity: float) -> Verdict:
        """'duplicate', 'review' or 'new' under this gallery's pack thresholds."""
        return self.thresholds.classify(similarity)

    def add(self, person_id: str, embedding: Any, *, pack: str | None = None) -> None:
        """Add a new person with one embedding; `PersonAlreadyInGallery` if already held."""
        vec = self._accept(person_id, embedding, pack)
        with self._lock:
            if person_id in self._rows_of:
                raise PersonAlreadyInGallery(f"Person {person_id} is already in the gallery")
            self._rows_of[person_id] = []
            self._append([person_id], vec[None, :])

    def add_many(
        self, person_ids: Sequence[str], embeddings: Any, *, pack: str | None = None
    ) -> None:
        """Add persons in bulk (loading a store): row i of `embeddings` belongs to
        `person_ids[i]`; an id repeated in the batch gives that person several embeddings.

        All or nothing: if any id is already held or any row is bad, nothing is added.
        """
        ids = [_check_person_id(pid) for pid in person_ids]
        self._check_pack(pack)
        block = normalise_rows(embeddings, self.dim)
        if len(block) != len(ids):
            raise ValueError(f"{len(ids)} person ids but {len(block)} embeddings")
        with self._lock:
            held = next((pid for pid in ids if pid in self._rows_of), None)
            if held is not None:
                raise PersonAlreadyInGallery(f"Person {held} is already in the gallery")
            for pid in ids:
                self._rows_of.setdefault(pid, [])
            self._append(ids, block)

    def update(self, person_id: str, embedding: Any, *, pack: str | None = None) -> None:
        """Replace all embeddings of a held person by this one."""
        vec = self._accept(person_id, embedding, pack)
        with self._lock:
            self._drop_person(person_id)
            self._rows_of[person_id] = []
            self._append([person_id], vec[None, :])

    def extend(self, person_id: str, embedding: Any, *, pack: str | None = None) -> None:
        """Add another embedding (another photo) to a held person."""
        vec = self._accept(person_id, embedding, pack)
        with self._lock:
            self._require(person_id)
            self._append([person_id], vec[None, :])

    def remove(self, person_id: str) -> None:
        """Forget a person and all their embeddings; `PersonNotInGallery` if not held."""
        _check_person_id(person_id)
        with self._lock:
            self._drop_person(person_id)

    def search(self, embedding: Any, k: int = 5, *, pack: str) -> list[Match]:
        """The `k` persons closest to `embedding` (made by `pack`), best first.

        Fewer than `k` when the gallery holds fewer persons; empty for an empty gallery.
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        query = self._accept(None, embedding, pack)
        with self._lock:
            if not self._rows:
                return []
            return self._search(query, k)

    # --- internals (called with the lock held unless noted) ---

    def _accept(self, person_id: str | None, embedding: Any, pack: str | None) -> FloatArray:
        """Validate arguments before taking the lock; returns the normalised embedding."""
        if person_id is not None:
            _check_person_id(person_id)
        self._check_pack(pack)
        return normalise(embedding, self.dim)

    def _check_pack(self, pack: str | None) -> None:
        if pack is not None and pack != self.pack:
            raise PackMismatch(
                f"This embedding was made by model pack {pack!r} but the gallery holds "
                f"{self.pack!r} embeddings; embeddings of different packs cannot be compared. "
                f"Re-compute it with {self.pack!r}."
            )

    def _require(self, person_id: str) -> list[int]:
        try:
            return self._rows_of[person_id]
        except KeyError:
            raise PersonNotInGallery(f"Person {person_id} is not in the gallery") from None

    def _append(self, person_ids: list[str], block: FloatArray) -> None:
        """Append normalised rows; `_rows_of` already has an entry for every id."""
        start, end = self._rows, self._rows + len(block)
        if end > len(self._vectors):
            self._grow(end)
        self._vectors[start:end] = block
        self._codes[start:end], self._scales[start:end] = _Int8Scan.encode(block)
        for row, pid in enumerate(person_ids, start):
            self._owner.append(pid)
            self._rows_of[pid].append(row)
        self._rows = end

    def _grow(self, needed: int) -> None:
        # Doubling keeps a series of adds amortised O(1) per row.
        capacity = max(needed, len(self._vectors) * 2)
        self._vectors = _resized(self._vectors, capacity)
        self._codes = _resized(self._codes, capacity)
        self._scales = _resized(self._scales, capacity)

    def _drop_person(self, person_id: str) -> None:
        # Highest rows first: the row swapped in from the end is then never one still to drop.
        for row in sorted(self._require(person_id), reverse=True):
            self._drop_row(row)
        del self._rows_of[person_id]

    def _drop_row(self, row: int) -> None:
        last = self._rows - 1
        if row != last:
            mover = self._owner[last]
            self._vectors[row] = self._vectors[last]
            self._codes[row] = self._codes[last]
            self._scales[row] = self._scales[last]
            self._owner[row] = mover
            rows = self._rows_of[mover]
            rows[rows.index(last)] = row
        self._owner.pop()
        self._rows -= 1

    def _search(self, query: FloatArray, k: int) -> list[Match]:
        # A person with m embeddings can occupy m rows ahead of the next person, so the best
        # rows of the top-k persons are within the top k + (rows - persons) rows.
        wanted = k + self._rows - len(self._rows_of)
        n = self._rows
        if n < _COARSE_FROM_ROWS or wanted + _RERANK_SPARE >= n:
            return self._best_per_person(np.arange(n), self._vectors[:n] @ query, k)
        candidates = _Int8Scan.top_rows(
            self._codes[:n], self._scales[:n], query, wanted + _RERANK_SPARE
        )
        return self._best_per_person(candidates, self._vectors[candidates] @ query, k)

    def _best_per_person(
        self, rows: npt.NDArray[np.intp], exact: FloatArray, k: int
    ) -> list[Match]:
        matches: list[Match] = []
        seen: set[str] = set()
        for i in np.argsort(-exact, kind="stable"):
            person = self._owner[int(rows[i])]
            if person not in seen:
                seen.add(person)
                matches.append(Match(person, float(np.clip(exact[i], -1.0, 1.0))))
                if len(matches) == k:
                    break
        return matches


def _resized(array: npt.NDArray[Any], capacity: int) -> npt.NDArray[Any]:
    grown = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown
