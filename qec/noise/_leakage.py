"""Leakage out of the qubit subspace: :class:`LeakageModel`, the parameters a
:class:`~qec.noise.NoiseModel` carries for it, and the vocabularies of its two choices,
:data:`PARTNER_ERRORS` (what a gate with one leaked qubit does to the other) and
:data:`LEAKED_READOUTS` (what measuring a leaked qubit reports)."""

from __future__ import annotations

import dataclasses

from qec.noise._probability import _check_probability

PARTNER_ERRORS: tuple[str, ...] = ("random-pauli", "random-z")
"""What a two-qubit gate with one leaked qubit does to its partner (:class:`LeakageModel`)."""

LEAKED_READOUTS: tuple[str, ...] = ("herald", "random", "one")
"""What measuring a leaked qubit reports (:class:`LeakageModel`)."""


@dataclasses.dataclass(frozen=True)
class LeakageModel:
    """Leakage out of the qubit subspace, as carried by a :class:`NoiseModel`.

    A stabilizer simulator cannot represent a third level, so leakage follows the usual
    approximations of open leakage simulators (Miao et al., Nature Physics 19, 1780 (2023), for
    the physics), each a parameter here:

    * after every two-qubit gate, each of its qubits that is not leaked becomes leaked with
      probability ``leakage_per_gate``;
    * a leaked qubit ignores gates; a two-qubit gate with exactly one leaked qubit applies
      ``partner_error`` to the other: ``"random-pauli"`` (one of I, X, Y, Z uniformly, i.e. full
      depolarization) or ``"random-z"`` (Z with probability 1/2, the dephasing of the large
      conditional phase a leaked transmon puts on its CZ partner); with probability
      ``transport`` the gate instead moves the leakage onto the partner (the leaked qubit
      returns to a random computational state);
    * once per round each leaked qubit decays back to a random computational state (maximally
      mixed) with probability ``seepage_per_round``;
    * measuring a leaked qubit reports a random bit and, with ``leaked_readout="herald"``,
      also flags the measurement (three-level readout sees "2"); ``"random"`` is a random bit
      with no flag; ``"one"`` always reports 1 (a leaked transmon discriminated as "not 0");
    * an ordinary reset leaves a leaked qubit leaked; multi-level reset (MLR) and the
      LeakageISWAP step of data-qubit leakage removal (DQLR) return it (see
      :func:`qec.memory_circuit`); each LeakageISWAP is followed by ``DEPOLARIZE2`` with
      probability ``removal_error``, the extra Pauli error of the removal step.

    Attributes:
        leakage_per_gate: leakage probability per qubit per two-qubit gate.
        seepage_per_round: probability per round that a leaked qubit returns.
        partner_error: ``"random-pauli"`` or ``"random-z"``.
        transport: probability that a gate with one leaked qubit moves the leakage across.
        leaked_readout: ``"herald"``, ``"random"`` or ``"one"``.
        removal_error: ``DEPOLARIZE2`` probability after each LeakageISWAP of DQLR.

    Raises:
        ValueError: a rate outside [0, 1] or an unknown partner error or readout model.

    Examples:
        >>> model = LeakageModel(leakage_per_gate=1e-3)
        >>> model.partner_error, model.leaked_readout
        ('random-pauli', 'herald')
        >>> eval(repr(model)) == model
        True
        >>> LeakageModel(leakage_per_gate=1e-3, leaked_readout="2")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: leaked_readout='2' is not a known readout model; choose one of herald, ...
    """

    leakage_per_gate: float
    seepage_per_round: float = 0.02
    partner_error: str = "random-pauli"
    transport: float = 0.0
    leaked_readout: str = "herald"
    removal_error: float = 0.0

    def __post_init__(self) -> None:
        for field in ("leakage_per_gate", "seepage_per_round", "transport", "removal_error"):
            object.__setattr__(self, field, _check_probability(field, getattr(self, field)))
        if self.partner_error not in PARTNER_ERRORS:
            raise ValueError(
                f"partner_error={self.partner_error!r} is not a known partner error; "
                f"choose one of {', '.join(PARTNER_ERRORS)}"
            )
        if self.leaked_readout not in LEAKED_READOUTS:
            raise ValueError(
                f"leaked_readout={self.leaked_readout!r} is not a known readout model; "
                f"choose one of {', '.join(LEAKED_READOUTS)}"
            )
