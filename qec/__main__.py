"""``python -m qec`` runs the command line."""

import sys

from qec.cli import main

sys.exit(main())
