"""`python -m enroll_app` runs the command line."""

import sys

from enroll_app.cli import main

sys.exit(main())
