"""Which webcams are connected: indexes 0..4 probed on a worker thread, for the settings dialog."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject

from enroll_app.camera.sources import CameraError, WebcamSource
from enroll_app.ui.preview_presenter import Mailbox

PROBED_INDEXES = range(5)


def probe_webcams(indexes: Sequence[int] = PROBED_INDEXES) -> list[int]:
    """The indexes whose camera opens (slow: opens each device; call it off the UI thread)."""
    found = []
    for index in indexes:
        source = WebcamSource(index)
        try:
            source.open()
        except CameraError:
            continue
        finally:
            source.close()
        found.append(index)
    return found


class CameraProbe(QObject):
    """Runs `probe_webcams` on its own thread; `on_done(found)` is called on the UI thread."""

    def __init__(self, on_done: Callable[[list[int]], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._box = Mailbox(on_done, self)
        self._thread = threading.Thread(target=self._run, name="camera probe", daemon=True)

    def start(self) -> None:
        """Begin probing."""
        self._thread.start()

    @property
    def running(self) -> bool:
        """True while the probe runs."""
        return self._thread.is_alive()

    def wait(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the probe to end (a closed dialog needs no answer)."""
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        found = probe_webcams()
        with contextlib.suppress(RuntimeError):  # the dialog was closed and deleted meanwhile
            self._box.post(found)
