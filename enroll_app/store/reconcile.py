"""Compare what the station expects on a terminal with what the terminal reports."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from enroll_app.store.records import PersonId


@dataclass(frozen=True)
class ReconcileReport:
    """Each person id in exactly one bucket, each bucket sorted."""

    same: list[PersonId]
    different: list[PersonId]
    only_on_terminal: list[PersonId]
    only_on_station: list[PersonId]

    @property
    def in_step(self) -> bool:
        """True when the terminal holds exactly what the station expects."""
        return not (self.different or self.only_on_terminal or self.only_on_station)


def reconcile(
    station: Mapping[PersonId, Hashable], terminal: Mapping[PersonId, Hashable]
) -> ReconcileReport:
    """Sort ids into same / different / only on terminal / only on station.

    The values are whatever both sides can compute alike, e.g. `PersonRecord.terminal_fields()`
    (listPerson carries no photo and, on some firmware, a skewed validity window: the caller
    picks the comparable fields).
    """
    both = station.keys() & terminal.keys()
    return ReconcileReport(
        same=sorted(i for i in both if station[i] == terminal[i]),
        different=sorted(i for i in both if station[i] != terminal[i]),
        only_on_terminal=sorted(terminal.keys() - station.keys()),
        only_on_station=sorted(station.keys() - terminal.keys()),
    )
