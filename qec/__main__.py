"""``python -m qec`` runs the command line."""

import sys

from qec.cli import main

if __name__ == "__main__":
    sys.exit(main())
