"""A faithful simulated terminal for demos, training and integration tests."""
