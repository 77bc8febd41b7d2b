"""A faithful simulated terminal for demos, training and integration tests."""

from enroll_app.simulator.config import PROFILES, Faults, SimConfig
from enroll_app.simulator.server import SimulatedTerminal

__all__ = ["PROFILES", "Faults", "SimConfig", "SimulatedTerminal"]
