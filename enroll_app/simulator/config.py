"""How a simulated terminal is set up (`SimConfig`) and the faults it injects at run time."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from enroll_app.terminal.protocol import DEFAULT_PORT, MAX_PERSONS

PROFILES = ("spec", "acs-1.1.143", "acs-legacy-ms")  # see profiles.py


@dataclass
class SimConfig:
    """Everything a `SimulatedTerminal` needs to start.

    `port=0` binds an ephemeral port. `data_dir=None` uses `<station home>/simulator/<host>_<port>`.
    `serial=None` uses the serial stored in `data_dir` (generated once: 16 lowercase hex
    characters). Faults: `latency_ms` delays every protocol request, `fail_rate` answers
    status 1 without doing anything, `drop_rate` closes the connection without a reply AFTER
    the work is done (the reply is lost), `capacity` is the person limit before 128. `fast=True` drops the 1 s spacing between
    `photo` frames and shortens a reboot to about 0.1 s. `seed` makes fault injection repeatable.
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path | str | None = None
    profile: str = "spec"
    photos_dir: Path | str | None = None
    latency_ms: float = 0
    fail_rate: float = 0.0
    drop_rate: float = 0.0
    capacity: int = MAX_PERSONS
    fast: bool = True
    serial: str | None = None
    seed: int | None = None

    def folder(self) -> Path:
        """The data folder: `data_dir`, or one per address under the station home."""
        if self.data_dir is not None:
            return Path(self.data_dir)
        from enroll_app.home import station_path

        return station_path("simulator", f"{self.host}_{self.port}")

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"Unknown profile {self.profile!r}: use one of {', '.join(PROFILES)}")
        check_rate("fail_rate", self.fail_rate)
        check_rate("drop_rate", self.drop_rate)
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if self.capacity < 0:
            raise ValueError("capacity must be 0 or more")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be 0 or more")
        if self.serial is not None and not is_serial(self.serial):
            raise ValueError("serial must be 16 lowercase hex characters")


def check_rate(name: str, value: float) -> None:
    """Raise ValueError unless `value` is a probability."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1")


def is_serial(text: str) -> bool:
    """True for a terminal serial number: 16 lowercase hex characters."""
    return len(text) == 16 and all(c in "0123456789abcdef" for c in text)


@dataclass
class Faults:
    """Faults a running terminal injects; change the fields at any time."""

    latency_ms: float = 0
    fail_rate: float = 0.0
    drop_rate: float = 0.0
    capacity: int = MAX_PERSONS
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_config(cls, cfg: SimConfig) -> Faults:
        """The faults `cfg` asks for at start."""
        return cls(
            latency_ms=cfg.latency_ms,
            fail_rate=cfg.fail_rate,
            drop_rate=cfg.drop_rate,
            capacity=cfg.capacity,
            rng=random.Random(cfg.seed),
        )

    def should_drop(self) -> bool:
        """Roll the dice for a dropped connection."""
        return self.drop_rate > 0 and self.rng.random() < self.drop_rate

    def should_fail(self) -> bool:
        """Roll the dice for a status-1 failure."""
        return self.fail_rate > 0 and self.rng.random() < self.fail_rate
