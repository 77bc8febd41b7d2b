"""The station's SQLite store: persons, photos, embeddings, terminals, outbox, audit log."""

from enroll_app.store.api import Store
from enroll_app.store.audit import AuditFilter
from enroll_app.store.db import Database, Db, PersonsChanged, replayable
from enroll_app.store.errors import (
    InvalidRecordError,
    MigrationError,
    NotFoundError,
    StorageError,
    StoreClosedError,
    StoreError,
    StoreThreadError,
)
from enroll_app.store.outbox import backoff_delay
from enroll_app.store.passes import PassFilter
from enroll_app.store.persons import PersonFilter, PersonOrder
from enroll_app.store.reconcile import ReconcileReport, reconcile
from enroll_app.store.records import (
    UNLIMITED_PASSES,
    UNLIMITED_TS,
    AuditEntry,
    Embedding,
    GalleryVectors,
    KeyStatus,
    OutboxEntry,
    OutboxEntryId,
    OutboxOp,
    PassRecordRow,
    PersonId,
    PersonKind,
    PersonRecord,
    Placement,
    PlacementState,
    TerminalRecord,
    TerminalSerial,
)
from enroll_app.store.redact import redact

__all__ = [
    "UNLIMITED_PASSES",
    "UNLIMITED_TS",
    "AuditEntry",
    "AuditFilter",
    "Database",
    "Db",
    "Embedding",
    "GalleryVectors",
    "InvalidRecordError",
    "KeyStatus",
    "MigrationError",
    "NotFoundError",
    "OutboxEntry",
    "OutboxEntryId",
    "OutboxOp",
    "PassFilter",
    "PassRecordRow",
    "PersonFilter",
    "PersonId",
    "PersonKind",
    "PersonOrder",
    "PersonRecord",
    "PersonsChanged",
    "Placement",
    "PlacementState",
    "ReconcileReport",
    "StorageError",
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreThreadError",
    "TerminalRecord",
    "TerminalSerial",
    "backoff_delay",
    "reconcile",
    "redact",
    "replayable",
]
