"""`StationServices`: the long-lived services of one running station, composed once and closed in order.

Qt-free, runs on the app's event loop; the GUI keeps one in its AppContext, the CLI and tests
make their own. Pages and presenters take what they need from here instead of building
their own registry, key store, connection pool, store or face engine::

    station = StationServices()
    await station.start()                 # opens the store and keys, starts loading the engine
    engine = await station.face_engine()  # waits for the background load
    ...
    await station.aclose()                # clients, then the store

Services of later issues (sync, enrollment, visitors, import) are attached here as attributes
created in `start()`, each taking the pieces above.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from enroll_app.face.engine import FaceEngine
from enroll_app.face.gallery import Gallery
from enroll_app.face.models import DEFAULT_PACK
from enroll_app.services.discovery import DiscoveryService, TerminalRegistry
from enroll_app.services.enroll import EnrollmentService
from enroll_app.services.keys import KeyStore, KeyStoreError
from enroll_app.services.records import RecordsService
from enroll_app.services.sync import SyncService, SyncSettings
from enroll_app.services.terminals import TerminalService
from enroll_app.services.visitors import VisitorPolicy, VisitorSweeper
from enroll_app.store.api import Store
from enroll_app.terminal.connections import TerminalConnections

log = logging.getLogger(__name__)


class StationServices:
    """Owns the registry, keys, connection pool, store, face engine and gallery."""

    def __init__(
        self,
        *,
        db_path: Path | None = None,
        pack: str = DEFAULT_PACK,
        model_folder: Path | None = None,
        keys: KeyStore | None = None,
        registry: TerminalRegistry | None = None,
        clock: Callable[[], float] = time.time,
        visitor_policy: VisitorPolicy | None = None,
        sync_settings: SyncSettings | None = None,
    ) -> None:
        self.clock = clock
        self.visitor_policy = visitor_policy or VisitorPolicy()
        self.pack = pack
        self._db_path = db_path
        self._model_folder = model_folder
        self.keys = keys
        self.keys_problem = ""  # operator text when no secure key store is available
        self.registry = registry if registry is not None else TerminalRegistry()
        self.connections = TerminalConnections()
        self._store: Store | None = None
        self._engine_task: asyncio.Task[FaceEngine] | None = None
        self._gallery: Gallery | None = None
        self._enrollment: EnrollmentService | None = None
        self._sync: SyncService | None = None
        self._sync_settings = sync_settings
        self._visitors: VisitorSweeper | None = None
        self._records: RecordsService | None = None
        self._started = False

    @property
    def terminals(self) -> TerminalService:
        """Terminal management over the registry, keys and the shared pool."""
        return TerminalService(
            self.registry, self.keys, client_factory=self.connections.client, clock=self.clock
        )

    @property
    def discovery(self) -> DiscoveryService:
        """Scan / manual add over the registry and keys."""
        return DiscoveryService(self.registry, self.keys, client_factory=self.connections.client)

    @property
    def enrollment(self) -> EnrollmentService:
        """Enrollment (assess, terminal check, enroll, retry, remote photo) on this station."""
        if self._enrollment is None:
            self._enrollment = EnrollmentService(self)
        return self._enrollment

    @property
    def sync(self) -> SyncService:
        """The outbox workers delivering persons to terminals (after `start()`)."""
        if self._sync is None:
            raise RuntimeError("StationServices.start() has not run")
        return self._sync

    @property
    def visitors(self) -> VisitorSweeper:
        """The visitor expiry / retention sweeper, running on its schedule (after `start()`)."""
        if self._visitors is None:
            raise RuntimeError("StationServices.start() has not run")
        return self._visitors

    @property
    def records(self) -> RecordsService:
        """Pass records: the upload receiver's handler, polling, listing, export (after `start()`)."""
        if self._records is None:
            raise RuntimeError("StationServices.start() has not run")
        return self._records

    @property
    def store(self) -> Store:
        """The open store (after `start()`)."""
        if self._store is None:
            raise RuntimeError("StationServices.start() has not run")
        return self._store

    async def start(self, *, load_engine: bool = True) -> None:
        """Open keys and the store off the loop; start loading the face engine in the background."""
        if self._started:
            return
        self._started = True
        if self.keys is None:
            self.keys, self.keys_problem = await asyncio.to_thread(_open_keys)
        self._store = await Store.open_async(self._db_path)
        self._sync = SyncService(self, self._sync_settings)
        await self._sync.start()
        self._visitors = VisitorSweeper(self, self.visitor_policy, clock=self.clock)
        await self._visitors.start()
        self._records = RecordsService(self, clock=self.clock)
        await self._records.start()
        if load_engine:
            self._engine_task = asyncio.create_task(
                FaceEngine.load_async(self.pack, self._model_folder), name="face engine load"
            )

    async def face_engine(self) -> FaceEngine:
        """The face engine, waiting for its background load; `ModelPackError` if it failed."""
        if self._engine_task is None:
            self._engine_task = asyncio.create_task(
                FaceEngine.load_async(self.pack, self._model_folder), name="face engine load"
            )
        return await asyncio.shield(self._engine_task)

    async def gallery(self) -> Gallery:
        """The duplicate-search gallery of this pack, loaded from the store on first use."""
        if self._gallery is None:
            self.enrollment.follow_store()  # before loading: no change slips in between
            vectors = await self.store.all_embeddings(self.pack)
            gallery = Gallery(pack=self.pack)
            if len(vectors.ids):
                gallery.add_many(list(vectors.ids), vectors.matrix)
            self._gallery = gallery
        return self._gallery

    async def aclose(self) -> None:
        """Stop background work, release the face engine, close the pool, then the store.

        Runs once. The engine's sessions are freed in a worker thread: the preview's stopped
        workers may still hold the engine, and freeing them on the loop stalls the UI.
        """
        task, self._engine_task = self._engine_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        enrollment, self._enrollment = self._enrollment, None
        if enrollment is not None:
            await enrollment.aclose()
        for service in (self._visitors, self._records):
            if service is not None:
                await service.aclose()
        sync, self._sync = self._sync, None
        if sync is not None:
            await sync.aclose()
        engine = _loaded_engine(task)
        if engine is not None:  # after everything that may still run a model is closed
            await asyncio.to_thread(engine.close)
        await self.connections.aclose()
        store, self._store = self._store, None
        if store is not None:
            await store.aclose()


def _loaded_engine(task: asyncio.Task[FaceEngine] | None) -> FaceEngine | None:
    """The engine `task` loaded, or None (never started, cancelled, failed)."""
    if task is None or not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result()


def _open_keys() -> tuple[KeyStore | None, str]:
    try:
        return KeyStore(), ""
    except KeyStoreError as exc:
        log.warning("no secure key store: %s", exc)
        return None, str(exc)
