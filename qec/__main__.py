"""``python -m qec`` runs the command line."""

from qec.cli import program

if __name__ == "__main__":
    program()
