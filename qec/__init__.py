"""qec: quantum error-correction experiments on stim, PyMatching and sinter.

Codes and their stim memory circuits under named noise models, decoders behind sinter's
``Decoder`` protocol, durable adaptive sampling, threshold and Lambda analysis, and
leakage simulation with multi-level reset and data-qubit leakage removal.

Examples:
    >>> import qec
    >>> code = qec.codes.RotatedSurfaceCode(distance=3)
    >>> circuit = qec.memory_circuit(code, rounds=3, basis="X", noise=qec.NoiseModel.si1000(0.001))
    >>> circuit.num_detectors
    24
"""

__version__ = "0.2.0"

import importlib
from typing import Any

from qec import codes
from qec.circuits import memory_circuit
from qec.codes import RepetitionCode, RotatedSurfaceCode, UnrotatedSurfaceCode, code_from_name
from qec.noise import NoiseModel


def __getattr__(name: str) -> Any:
    # qec.decoders and qec.leakage load on first use: they import PyMatching and sinter, which
    # the command line does not need for `qec circuit` or `qec --help`.
    if name in ("decoders", "leakage"):
        return importlib.import_module(f"qec.{name}")
    raise AttributeError(f"module 'qec' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

__all__ = [
    "NoiseModel",
    "RepetitionCode",
    "RotatedSurfaceCode",
    "UnrotatedSurfaceCode",
    "__version__",
    "code_from_name",
    "codes",
    "decoders",
    "leakage",
    "memory_circuit",
]
