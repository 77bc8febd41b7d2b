"""Simulator tests use the same `sim_factory` as the integration tests."""

from tests.integration.conftest import SimFactory, sim_factory

__all__ = ["SimFactory", "sim_factory"]
