"""The simulated camera: 640x480 JPEG frames from a folder, in a loop, which tests can pause."""

from __future__ import annotations

import asyncio
from pathlib import Path

FRAMES_DIR = Path(__file__).with_name("frames")
FRAME_SUFFIXES = (".jpg", ".jpeg")


class Camera:
    """Hands out JPEG frames from `folder` (default: the bundled portraits), cycling.

    `paused` reproduces a camera that gives no frames: a capture waits until it resumes.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or FRAMES_DIR
        self._frames = _read_frames(self.folder)
        self._next = 0
        self._running = asyncio.Event()
        self._running.set()
        self._starved = asyncio.Event()

    @property
    def paused(self) -> bool:
        """True while the camera gives no frames."""
        return not self._running.is_set()

    def pause(self) -> None:
        """Stop giving frames (a capture in progress waits)."""
        self._running.clear()

    def resume(self) -> None:
        """Give frames again."""
        self._running.set()

    async def wait_starved(self) -> None:
        """Wait until a capture is waiting for a frame from the paused camera."""
        await self._starved.wait()

    async def frame(self) -> bytes:
        """The next frame, waiting while the camera is paused."""
        if not self._running.is_set():
            self._starved.set()
        await self._running.wait()
        self._starved.clear()
        frame = self._frames[self._next % len(self._frames)]
        self._next += 1
        return frame


def _read_frames(folder: Path) -> list[bytes]:
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in FRAME_SUFFIXES)
    frames = [p.read_bytes() for p in paths]
    if not frames:
        raise ValueError(f"No JPEG frames in {folder}")
    return frames
