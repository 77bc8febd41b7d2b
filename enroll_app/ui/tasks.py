"""`TaskRunner`: the one way UI code starts coroutines; it keeps them, tracks busy state, routes errors.

Runs on the UI thread (the qasync loop). Use from a slot, giving the coroutine FUNCTION and its
arguments (the runner creates the coroutine only once it accepts the job, so a job refused
while the station closes leaves no coroutine that was never awaited)::

    self._tasks.start(self._refresh, serial, label=self.tr("Reading terminals"), on_error=...)

Errors are routed once, here:

- `asyncio.CancelledError`: silent (the user or shutdown cancelled the work);
- an *expected* error (our typed errors: `TerminalError`, `FaceError`, `CameraError`,
  `OperatorError`, `OSError` from disk or sockets): `on_error(exc)` when given (show it inline),
  otherwise the `problem` signal (the window shows it in the status bar);
- anything else is a bug: logged with its traceback and sent to `crashed` (the crash dialog).

Coroutines report progress with `report_progress(done, total)` (or pass
`progress_callback()` to a service); the status bar shows the newest job's label and progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar, TypeVarTuple, Unpack

from PySide6.QtCore import QObject, Signal

from enroll_app.camera.sources import CameraError
from enroll_app.face.types import FaceError
from enroll_app.terminal.errors import TerminalError

logger = logging.getLogger(__name__)

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class OperatorError(Exception):
    """An expected failure with a message meant for the operator (shown, never a crash)."""


ErrorHandler = Callable[[BaseException], None]
Progress = Callable[[int, int], None]


# Our typed errors: shown to the operator as they are, never as a crash.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    OperatorError,
    TerminalError,
    FaceError,
    CameraError,
    OSError,
    TimeoutError,
)


def operator_text(exc: BaseException, language: str = "en") -> str:
    """The message of an expected error in the operator's language when the error has one."""
    text = getattr(exc, "text", None)
    if callable(text):
        with contextlib.suppress(TypeError):
            return str(text(language))
    return str(exc) or type(exc).__name__


@dataclass
class Job:
    """One piece of background work the status bar can show."""

    label: str
    task: asyncio.Task[Any] | None = None
    done: int = 0
    total: int = 0  # 0: no progress known (the status bar shows a busy indicator)
    on_error: ErrorHandler | None = field(default=None, repr=False)


class TaskRunner(QObject):
    """Starts coroutines on the running loop and keeps a reference to each until it ends."""

    busy_changed = Signal(int, str)  # number of labelled jobs running, label of the newest
    progress_changed = Signal(str, int, int)  # label, done, total (total 0: unknown)
    idle = Signal()
    problem = Signal(str)  # an expected error nobody handled inline
    crashed = Signal(str, str)  # summary, traceback text: a bug

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[asyncio.Task[Any], Job] = {}
        self._closed = False
        self.language = "en"

    @property
    def busy_count(self) -> int:
        """How many jobs are running."""
        return len(self._jobs)

    @property
    def is_idle(self) -> bool:
        """True when no job runs."""
        return not self._jobs

    @property
    def accepting(self) -> bool:
        """False once the station has begun closing: `start` refuses every job then."""
        return not self._closed

    def start(
        self,
        work: Callable[[Unpack[Ts]], Coroutine[Any, Any, T]],
        *args: *Ts,
        label: str = "",
        on_error: ErrorHandler | None = None,
        on_success: Callable[[T], None] | None = None,
    ) -> asyncio.Task[T] | None:
        """Run `work(*args)` as a job; `label` is what the status bar says while it runs.

        Returns the job's task, or None when the station is closing (a late timer or click
        must not start work, nor show a crash). A job without a label (e.g. one that awaits
        a dialog) is not shown as background work.
        """
        if asyncio.iscoroutine(work):
            work.close()  # never awaited, but never warned about either: the caller's bug
            raise TypeError("start() takes a coroutine function and its arguments")
        if self._closed:
            logger.debug("not started, the station is closing: %s", label)
            return None
        task = asyncio.get_running_loop().create_task(work(*args))
        self._jobs[task] = Job(label=label, task=task, on_error=on_error)
        task.add_done_callback(lambda t: self._finished(t, on_success))
        self._announce()
        return task

    def current_job(self) -> Job | None:
        """The job of the running coroutine (None outside the runner's jobs)."""
        task = asyncio.current_task()
        return self._jobs.get(task) if task is not None else None

    def report_progress(self, done: int, total: int) -> None:
        """Called from inside a job: `done` of `total` steps finished."""
        job = self.current_job()
        if job is not None and job.label:
            job.done, job.total = done, total
            self.progress_changed.emit(job.label, done, total)

    def progress_callback(self) -> Progress:
        """A `Progress` callable bound to the current job, to hand to a service."""
        job = self.current_job()

        def report(done: int, total: int) -> None:
            if job is not None and job.label and job.task is not None and not job.task.done():
                job.done, job.total = done, total
                self.progress_changed.emit(job.label, done, total)

        return report

    async def wait_idle(self) -> None:
        """Return when no job runs (jobs started meanwhile are waited for too)."""
        while self._jobs:
            await asyncio.wait(list(self._jobs))

    async def aclose(self) -> None:
        """Cancel every job and wait for them; no job can start afterwards."""
        self._closed = True
        tasks = list(self._jobs)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    def _finished(self, task: asyncio.Task[T], on_success: Callable[[T], None] | None) -> None:
        job = self._jobs.pop(task)
        try:
            result = task.result()
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # routing every error is this class's job
            self._route(exc, job)
        else:
            if on_success is not None:
                self._call_safely(lambda: on_success(result), job)
        self._announce()

    def _route(self, exc: Exception, job: Job) -> None:
        if not isinstance(exc, EXPECTED_ERRORS):
            self.report_bug(exc, job.label)
            return
        logger.info("%s failed: %s", job.label or "background job", exc)
        handler = job.on_error
        if handler is not None:
            self._call_safely(lambda: handler(exc), job)
        else:
            self.problem.emit(self._prefixed(job.label, operator_text(exc, self.language)))

    def report_bug(self, exc: BaseException, context: str = "") -> None:
        """Log a bug with its traceback and send it to the crash dialog."""
        logger.error("bug in %s", context or "background job", exc_info=exc)
        text = "".join(traceback.format_exception(exc))
        self.crashed.emit(self._prefixed(context, f"{type(exc).__name__}: {exc}"), text)

    def _call_safely(self, callback: Callable[[], object], job: Job) -> None:
        try:
            callback()
        except Exception as exc:  # a failing handler is a bug, never a lost error
            self.report_bug(exc, job.label)

    def _announce(self) -> None:
        shown = [job for job in self._jobs.values() if job.label]
        newest = shown[-1] if shown else None
        self.busy_changed.emit(len(shown), newest.label if newest else "")
        if newest is not None:
            self.progress_changed.emit(newest.label, newest.done, newest.total)
        if not self._jobs:
            self.idle.emit()

    @staticmethod
    def _prefixed(label: str, text: str) -> str:
        return f"{label}: {text}" if label else text
