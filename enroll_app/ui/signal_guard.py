"""`emit()`: SignalInstance.emit without PySide6 6.12.0's lost reference to `True` on every call.

PySide6 6.12.0 returns `True` from `SignalInstance.emit` without taking a reference, so every
emit from Python lowers `True`'s reference count by one; after some thousand emits the
interpreter aborts ("bool_dealloc: deallocating True or False"). Measured once per process:
when emitting loses a reference, `emit()` gives it back; on a fixed PySide6 it is a plain emit.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBES = 8
_lost: int | None = None  # references to True lost per emit (0 on a correct PySide6)


class _Probe(QObject):
    ping = Signal()


def _measure() -> int:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.ping.emit()
    lost = max(0, before - sys.getrefcount(True)) // _PROBES
    _give_back(lost * _PROBES)
    return lost


def _give_back(count: int) -> None:
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    for _ in range(count):
        incref(True)


def emit(signal: SignalInstance, *args: Any) -> None:
    """`signal.emit(*args)`, repairing the reference count of `True` where PySide6 breaks it."""
    global _lost  # noqa: PLW0603 - measured once per process
    if _lost is None:
        _lost = _measure()
    signal.emit(*args)
    if _lost:
        _give_back(_lost)
