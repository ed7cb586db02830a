"""Leakage: simulation on stim with multi-level reset and DQLR, and leakage-aware decoding."""

from qec.leakage._decoding import HeraldedMatching
from qec.leakage._sampler import HERALD_DECODER, CompiledLeakageSampler, LeakageSampler
from qec.leakage._simulator import (
    CompiledLeakageCircuit,
    LeakageSamples,
    compile_leakage_circuit,
    sample_leakage,
)
from qec.noise import LEAKED_READOUTS, PARTNER_ERRORS, LeakageModel

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
    "sample_leakage",
]
