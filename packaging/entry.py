"""Frozen entry point: the `enroll-station` command line (the GUI is its default command)."""

import multiprocessing
import sys

from enroll_app.cli import main

if __name__ == "__main__":
    # Harmless when unused; required on Windows if any library ever spawns a worker process.
    multiprocessing.freeze_support()
    sys.exit(main())
