"""Leakage: simulation on stim with multi-level reset and DQLR, and leakage-aware decoding.

Leakage is part of the noise model (:meth:`qec.NoiseModel.with_leakage`, a
:class:`LeakageModel`); :func:`qec.memory_circuit` writes it into an ordinary stim circuit as
instruction tags that stim ignores (``leakage_removal="none" | "mlr" | "dqlr"``); the tags are
listed in ``qec.leakage._tags``. :func:`sample_leakage` simulates such a circuit in batches on
``stim.FlipSimulator`` and returns detection events, observable flips, heralds and the leakage
population per round; :class:`LeakageSampler` does the same as a ``sinter.Sampler`` for
``sinter.collect`` and :func:`qec.sampling.collect`; :class:`HeraldedMatching` is the
leakage-aware (herald-using) matching decoder. ``qec leakage`` runs the DQLR study
(:mod:`qec.studies`).

Examples:
    >>> import qec
    >>> noise = qec.NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=0.002)
    >>> circuit = qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=3), rounds=10,
    ...                              basis="Z", noise=noise, leakage_removal="dqlr")
    >>> from qec.leakage import sample_leakage
    >>> samples = sample_leakage(circuit, shots=2000, seed=7)
    >>> data = list(qec.codes.RotatedSurfaceCode(distance=3).data_qubits)
    >>> bool(samples.leakage_population[:, data].mean() < 0.02)
    True
"""

from qec._lazy import lazy_attributes
from qec.leakage._tags import pauli_equivalent
from qec.noise import LEAKED_READOUTS, PARTNER_ERRORS, LeakageModel

# The simulator, sampler and decoder load on first use (they import PyMatching and sinter), so
# that writing a circuit with leakage tags (qec.memory_circuit, `qec circuit`) stays quick.
_LAZY = {
    "HeraldedMatching": "qec.leakage._decoding",
    "HERALD_DECODER": "qec.leakage._sampler",
    "CompiledLeakageSampler": "qec.leakage._sampler",
    "LeakageSampler": "qec.leakage._sampler",
    "CompiledLeakageCircuit": "qec.leakage._simulator",
    "LeakageSamples": "qec.leakage._simulator",
    "compile_leakage_circuit": "qec.leakage._simulator",
    "sample_leakage": "qec.leakage._simulator",
}


__all__ = [
    "HERALD_DECODER",
    "LEAKED_READOUTS",
    "PARTNER_ERRORS",
    "CompiledLeakageCircuit",
    "CompiledLeakageSampler",
    "HeraldedMatching",
    "LeakageModel",
    "LeakageSampler",
    "LeakageSamples",
    "compile_leakage_circuit",
    "pauli_equivalent",
    "sample_leakage",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
