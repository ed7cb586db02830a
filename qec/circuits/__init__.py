"""Memory-experiment circuits generated from code objects under a noise model.

:func:`memory_circuit` walks the code's stabilizer schedule layer by layer. Each layer is one
moment of the hardware: resets, one-qubit gates, two-qubit gates or measurements. A layer writer
appends the operations and the noise the :class:`~qec.noise.NoiseModel` asks for after them,
including idle noise on every qubit that sits the layer out.

The package's modules, bottom to top:

* ``_writer``: the layer writer, the lowering of a gate set (CX or CZ-native), the data noise
  and the order of rounds;
* ``_annotations``: detectors, the observables of the final data readout, and the tags of a
  detector's (an observable's) check type;
* ``_standard``, ``_overlapped``, ``_superdense``: the three cycle families (each round in its
  own layers; the bivariate bicycle codes' depth-8 overlapped cycle; Gidney and Jones's
  superdense colour-code cycle), leakage removal with the standard one;
* ``_boundary``: the time boundary of Bravyi et al.'s simulations (``boundary="authors"``: a
  perfect start, noiseless final cycles, the logicals of both types checked);
* ``_memory``: argument checks, the cycle choice and :func:`memory_circuit` itself;
* ``_distance``: the circuit-distance tools (:func:`check_circuit_distance`,
  :func:`circuit_distance_bound`, :func:`circuit_distance_search`).
"""

from __future__ import annotations

from qec.circuits._annotations import check_tag, check_type_of_tag
from qec.circuits._boundary import BOUNDARIES
from qec.circuits._distance import (
    check_circuit_distance,
    circuit_distance_bound,
    circuit_distance_search,
)
from qec.circuits._memory import (
    CYCLES,
    DETECTOR_SETS,
    LEAKAGE_REMOVALS,
    memory_circuit,
    resolve_cycle,
    resolve_detectors,
)

# Not in __all__, but ``qec.circuits.MAX_QUBIT_ROUNDS`` stays where memory_circuit's docs point.
from qec.circuits._memory import MAX_QUBIT_ROUNDS as MAX_QUBIT_ROUNDS

__all__ = [
    "BOUNDARIES",
    "CYCLES",
    "DETECTOR_SETS",
    "LEAKAGE_REMOVALS",
    "check_circuit_distance",
    "check_tag",
    "check_type_of_tag",
    "circuit_distance_bound",
    "circuit_distance_search",
    "memory_circuit",
    "resolve_cycle",
    "resolve_detectors",
]
