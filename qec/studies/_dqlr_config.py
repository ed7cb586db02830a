"""The parameters of the DQLR study (light: read by the command line to build its parser)."""

from __future__ import annotations

import dataclasses
from typing import Any

from qec._validate import int_at_least, one_of, positive_int, probability
from qec.noise import NoiseModel

__all__ = ["STRATEGIES", "StudyConfig"]

STRATEGIES: tuple[str, ...] = ("none", "mlr", "dqlr")
"""The leakage-removal strategies the study compares."""


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Parameters of the DQLR study (defaults: d = 3, 30 rounds, SI1000 at p = 0.1%).

    ``leakage_per_gate`` = 7e-4 with ``seepage_per_round`` = 0.02 puts about 5% of the data
    qubits in leakage after 30 rounds without removal, the level of the injected-leakage
    experiment of Miao et al. (Nature Physics 19, 1780 (2023)). The partner of a leaked qubit
    is dephased (``"random-z"``): a CZ with a leaked transmon puts a large conditional phase
    (about 0.65 pi) on its partner; ``transport`` = 0.03 lets CZ move a little leakage across
    (Miao et al. saw about 18% for ``|3>``; for ``|2>`` it is much smaller).

    Attributes:
        distance: code distance of the per-round profile (rotated surface code).
        rounds: rounds of the per-round profile.
        p: SI1000 physical error rate.
        leakage_per_gate, seepage_per_round, transport, partner_error, leaked_readout: the
            :class:`qec.noise.LeakageModel` parameters.
        shots: shots per strategy for the per-round profile.
        sweep_distances: distances of the sweep (empty: no sweep).
        sweep_rates: leakage rates (per gate per qubit) of the sweep; rate 0 is added.
        sweep_rounds: rounds per shot in the sweep.
        max_shots, max_errors: stopping conditions per sweep task.
        basis: memory basis.
    """

    distance: int = 3
    rounds: int = 30
    p: float = 0.001
    leakage_per_gate: float = 7e-4
    seepage_per_round: float = 0.02
    transport: float = 0.03
    partner_error: str = "random-z"
    leaked_readout: str = "herald"
    shots: int = 20_000
    sweep_distances: tuple[int, ...] = (3, 5, 7)
    sweep_rates: tuple[float, ...] = (5e-4, 1e-3, 2e-3)
    sweep_rounds: int = 10
    max_shots: int = 50_000
    max_errors: int = 500
    basis: str = "Z"

    def __post_init__(self) -> None:
        for name in ("distance", "rounds", "shots", "sweep_rounds", "max_shots", "max_errors"):
            value = positive_int(name, getattr(self, name))
            object.__setattr__(self, name, int_at_least(name, value, 2) if name == "distance"
                               else value)
        for name in ("p", "leakage_per_gate", "seepage_per_round", "transport"):
            object.__setattr__(self, name, probability(name, getattr(self, name)))
        object.__setattr__(self, "sweep_distances", tuple(
            int_at_least("sweep distance", d, 2) for d in self.sweep_distances))
        object.__setattr__(self, "sweep_rates", tuple(
            probability("sweep rate", rate) for rate in self.sweep_rates))
        one_of("basis", self.basis, ("X", "Z"))
        self.noise(self.leakage_per_gate)  # validates partner_error, leaked_readout, 5p <= 1

    def noise(self, rate: float) -> Any:
        """SI1000 at ``p`` with leakage ``rate`` per gate (and this config's other parameters)."""
        return NoiseModel.si1000(self.p).with_leakage(
            leakage_per_gate=rate, seepage_per_round=self.seepage_per_round,
            partner_error=self.partner_error, transport=self.transport,
            leaked_readout=self.leaked_readout)

