"""The per-operation error rates: :class:`NoiseModel` with its presets (SD6, SI1000,
phenomenological, code capacity, stim's own knobs, noiseless), scaling and the adding of leakage,
and the preset names (:data:`NOISE_MODEL_NAMES`, :func:`canonical_noise_name`)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from qec._registry import Registry
from qec.noise._leakage import LeakageModel
from qec.noise._probability import _check_probability

NOISE_MODEL_NAMES: tuple[str, ...] = (
    "sd6",
    "si1000",
    "phenomenological",
    "code-capacity",
    "stim-generated",
    "noiseless",
)

_NOISE_MODELS: Registry[str] = Registry("noise model", parameter="noise")
for _name in NOISE_MODEL_NAMES:
    _NOISE_MODELS.register(_name, _name)


def canonical_noise_name(name: str) -> str:
    """The canonical name of a noise-model preset (normalised like every qec name).

    Raises:
        ValueError: an unknown name; the message lists the presets.

    Examples:
        >>> canonical_noise_name("Code_Capacity")
        'code-capacity'
    """
    return _NOISE_MODELS.canonical(name)


_RATE_FIELDS: tuple[str, ...] = (
    "clifford_1q",
    "clifford_2q",
    "reset_flip",
    "measure_flip",
    "data_measure_flip",
    "idle_gate",
    "idle_measure_reset",
    "before_round_data_depolarization",
    "before_round_data_flip",
)


@dataclasses.dataclass(frozen=True)
class NoiseModel:
    """Per-operation error rates of a circuit-level (or simpler) noise model.

    Every rate is a probability. Channels are placed by :func:`qec.memory_circuit`:

    * ``clifford_1q``: ``DEPOLARIZE1`` after every one-qubit Clifford gate.
    * ``clifford_2q``: ``DEPOLARIZE2`` after every two-qubit Clifford gate.
    * ``reset_flip``: ``X_ERROR`` (``Z_ERROR`` for an X-basis reset) after every reset.
    * ``measure_flip``: the result of every stabilizer (measure-qubit) measurement is flipped,
      as ``X_ERROR`` (``Z_ERROR`` for X basis) just before the measurement.
    * ``data_measure_flip``: the same for the final data-qubit measurement.
    * ``idle_gate``: ``DEPOLARIZE1`` on every qubit that sits out a layer of gates.
    * ``idle_measure_reset``: ``DEPOLARIZE1`` on every qubit that sits out a measure/reset layer.
    * ``before_round_data_depolarization``: ``DEPOLARIZE1`` on every data qubit at the start
      of each round (stim's knob of the same name; the depolarizing code-capacity variant).
    * ``before_round_data_flip``: at the start of each round, every data qubit suffers the flip
      the memory detects (``X_ERROR`` for a Z-basis memory, ``Z_ERROR`` for an X-basis one).
    * ``data_noise_once``: apply the two before-round data channels before the first round only
      (code capacity) instead of before every round.
    * ``two_qubit_gate``: the native entangling gate, ``"CX"`` or ``"CZ"`` (CZ circuits use
      Hadamards around it, as on superconducting hardware).
    * ``leakage``: a :class:`LeakageModel`, or None (the default) for no leakage; set it with
      :meth:`with_leakage`. The repr omits it when None.

    Attributes:
        name: the preset the rates came from (``"custom"`` for hand-made models).
        p: the nominal physical error rate the preset was scaled from.

    Examples:
        >>> noise = NoiseModel.si1000(0.001)
        >>> noise.measure_flip, noise.two_qubit_gate
        (0.005, 'CZ')
        >>> eval(repr(noise)) == noise
        True
        >>> NoiseModel.from_name("sd6", 0.002) == NoiseModel.sd6(0.002)
        True
    """

    name: str = "custom"
    p: float = 0.0
    clifford_1q: float = 0.0
    clifford_2q: float = 0.0
    reset_flip: float = 0.0
    measure_flip: float = 0.0
    data_measure_flip: float = 0.0
    idle_gate: float = 0.0
    idle_measure_reset: float = 0.0
    before_round_data_depolarization: float = 0.0
    before_round_data_flip: float = 0.0
    data_noise_once: bool = False
    two_qubit_gate: str = "CX"
    leakage: LeakageModel | None = None

    _SCALES: ClassVar[dict[str, dict[str, str]]] = {
        "si1000": {
            "clifford_1q": "p/10",
            "reset_flip": "2p",
            "measure_flip": "5p",
            "data_measure_flip": "5p",
            "idle_gate": "p/10",
            "idle_measure_reset": "2p",
        },
    }

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name={self.name!r} must be a non-empty string")
        object.__setattr__(self, "p", _check_probability("p", self.p))
        scales = self._SCALES.get(self.name, {})
        for field in _RATE_FIELDS:
            value = getattr(self, field)
            scale = f"{scales[field]} with p={self.p!r}" if field in scales else ""
            object.__setattr__(self, field, _check_probability(field, value, scale=scale))
        if not isinstance(self.data_noise_once, bool):
            raise ValueError(f"data_noise_once={self.data_noise_once!r} must be True or False")
        if self.two_qubit_gate not in ("CX", "CZ"):
            raise ValueError(f"two_qubit_gate={self.two_qubit_gate!r} must be 'CX' or 'CZ'")
        if self.leakage is not None and not isinstance(self.leakage, LeakageModel):
            raise ValueError(
                f"leakage={self.leakage!r} must be None or a qec.noise.LeakageModel; "
                "use noise.with_leakage(leakage_per_gate=...)"
            )

    def __repr__(self) -> str:
        fields = [f for f in dataclasses.fields(self) if f.name != "leakage" or self.leakage]
        inner = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields)
        return f"{type(self).__name__}({inner})"

    # ----------------------------------------------------------------------------- presets

    @staticmethod
    def sd6(p: float) -> NoiseModel:
        """Standard depolarizing circuit noise (SD6): every operation and idle suffers rate p.

        Args:
            p: the physical error rate.

        Returns:
            A CX-based model: DEP1(p) after one-qubit gates and on idle qubits (gate and
            measure/reset layers), DEP2(p) after two-qubit gates, flips with probability p after
            resets and on measurement results.

        Raises:
            ValueError: if p is not in [0, 1].

        Examples:
            >>> NoiseModel.sd6(0.001).idle_measure_reset
            0.001
        """
        _check_probability("p", p)
        return NoiseModel(
            name="sd6",
            p=p,
            clifford_1q=p,
            clifford_2q=p,
            reset_flip=p,
            measure_flip=p,
            data_measure_flip=p,
            idle_gate=p,
            idle_measure_reset=p,
        )

    @staticmethod
    def si1000(p: float) -> NoiseModel:
        """Superconducting-inspired circuit noise (SI1000), CZ-native.

        Rates: DEP2(p) after CZ, DEP1(p/10) after one-qubit gates and on idle qubits in gate
        layers, DEP1(2p) on qubits idle during measure/reset layers, FLIP(2p) after resets,
        results flipped with probability 5p. Measurements only flip the result (the variant of
        later work, no depolarization after measurement).

        Args:
            p: the physical error rate; 5p must not exceed 1.

        Returns:
            The SI1000 model at rate p.

        Raises:
            ValueError: if p or a scaled rate (2p, 5p) is outside [0, 1].

        Examples:
            >>> NoiseModel.si1000(0.002).reset_flip
            0.004
            >>> NoiseModel.si1000(0.3)
            Traceback (most recent call last):
                ...
            ValueError: measure_flip=1.5 (5p with p=0.3) must be a probability in [0, 1]
        """
        _check_probability("p", p)
        return NoiseModel(
            name="si1000",
            p=p,
            clifford_1q=p / 10,
            clifford_2q=p,
            reset_flip=2 * p,
            measure_flip=5 * p,
            data_measure_flip=5 * p,
            idle_gate=p / 10,
            idle_measure_reset=2 * p,
            two_qubit_gate="CZ",
        )

    @staticmethod
    def phenomenological(p: float, *, depolarizing: bool = False) -> NoiseModel:
        """Phenomenological noise: perfect gates, noisy data before each round, noisy results.

        Before every round each data qubit suffers, with probability p, the flip the memory
        detects (or DEPOLARIZE1(p) if ``depolarizing``), and every stabilizer measurement result
        is flipped with probability p. The final data readout is perfect. MWPM threshold 2.9%
        (Wang, Harrington, Preskill 2003).

        Args:
            p: the physical error rate.
            depolarizing: use DEPOLARIZE1(p) on the data qubits instead of the detected flip.

        Returns:
            The phenomenological model at rate p.

        Raises:
            ValueError: if p is not in [0, 1].

        Examples:
            >>> NoiseModel.phenomenological(0.02).before_round_data_flip
            0.02
        """
        _check_probability("p", p)
        return NoiseModel(
            name="phenomenological",
            p=p,
            measure_flip=p,
            before_round_data_flip=0.0 if depolarizing else p,
            before_round_data_depolarization=p if depolarizing else 0.0,
        )

    @staticmethod
    def code_capacity(p: float, *, depolarizing: bool = False) -> NoiseModel:
        """Code-capacity noise: one layer of data errors between perfect stabilizer measurements.

        Each data qubit suffers, once (before the first round), the flip the memory detects with
        probability p (or DEPOLARIZE1(p) if ``depolarizing``); every measurement is perfect.
        MWPM threshold 10.3% for independent flips, 15.5% for the depolarizing variant.

        Args:
            p: the physical error rate.
            depolarizing: use DEPOLARIZE1(p) on the data qubits instead of the detected flip.

        Returns:
            The code-capacity model at rate p.

        Raises:
            ValueError: if p is not in [0, 1].

        Examples:
            >>> NoiseModel.code_capacity(0.1).data_noise_once
            True
        """
        _check_probability("p", p)
        return NoiseModel(
            name="code-capacity",
            p=p,
            before_round_data_flip=0.0 if depolarizing else p,
            before_round_data_depolarization=p if depolarizing else 0.0,
            data_noise_once=True,
        )

    @staticmethod
    def stim_generated(
        p: float,
        *,
        after_clifford_depolarization: float | None = None,
        before_round_data_depolarization: float | None = None,
        before_measure_flip_probability: float | None = None,
        after_reset_flip_probability: float | None = None,
    ) -> NoiseModel:
        """Exactly the noise ``stim.Circuit.generated`` adds with its four knobs.

        The knobs are ``after_clifford_depolarization`` (after every 1- and 2-qubit Clifford),
        ``before_round_data_depolarization`` (on the data qubits at the start of each round),
        ``before_measure_flip_probability`` (before every measurement, data and measure qubits)
        and ``after_reset_flip_probability`` (after every reset); each defaults to p, and any
        can be set on its own, as in stim. There is no idle noise, so this is not SD6; it
        exists to compare with stim's own generator and with papers that used it.

        Args:
            p: the physical error rate: the model's nominal rate and every knob's default.
            after_clifford_depolarization: stim's knob of the same name (default p).
            before_round_data_depolarization: stim's knob of the same name (default p).
            before_measure_flip_probability: stim's knob of the same name (default p).
            after_reset_flip_probability: stim's knob of the same name (default p).

        Returns:
            The stim-knobs model.

        Raises:
            ValueError: if p or a knob is not in [0, 1] (the message names it).

        Examples:
            >>> NoiseModel.stim_generated(0.001).idle_gate
            0.0
            >>> model = NoiseModel.stim_generated(0.001, before_measure_flip_probability=0.01)
            >>> model.clifford_2q, model.measure_flip, model.data_measure_flip
            (0.001, 0.01, 0.01)
        """
        _check_probability("p", p)
        knobs = {
            "after_clifford_depolarization": after_clifford_depolarization,
            "before_round_data_depolarization": before_round_data_depolarization,
            "before_measure_flip_probability": before_measure_flip_probability,
            "after_reset_flip_probability": after_reset_flip_probability,
        }
        for name, value in knobs.items():
            if value is None:
                knobs[name] = p
            else:
                _check_probability(name, value)
        return NoiseModel(
            name="stim-generated",
            p=p,
            clifford_1q=knobs["after_clifford_depolarization"],
            clifford_2q=knobs["after_clifford_depolarization"],
            reset_flip=knobs["after_reset_flip_probability"],
            measure_flip=knobs["before_measure_flip_probability"],
            data_measure_flip=knobs["before_measure_flip_probability"],
            before_round_data_depolarization=knobs["before_round_data_depolarization"],
        )

    @staticmethod
    def noiseless() -> NoiseModel:
        """A model with every rate zero.

        Examples:
            >>> NoiseModel.noiseless().is_noiseless
            True
        """
        return NoiseModel(name="noiseless", p=0.0)

    @staticmethod
    def from_name(name: str, p: float) -> NoiseModel:
        """Builds a preset by name, as the command line does.

        Args:
            name: one of ``"sd6"``, ``"si1000"``, ``"phenomenological"``, ``"code-capacity"``,
                ``"stim-generated"``, ``"noiseless"`` (underscores are accepted for hyphens).
            p: the physical error rate (ignored by ``"noiseless"``).

        Returns:
            The preset at rate p.

        Raises:
            ValueError: for an unknown name, or a rate outside [0, 1].

        Examples:
            >>> NoiseModel.from_name("code_capacity", 0.05).name
            'code-capacity'
            >>> NoiseModel.from_name("sd7", 0.01)  # doctest: +ELLIPSIS
            Traceback (most recent call last):
                ...
            ValueError: noise='sd7' is not a known noise model; choose one of sd6, si1000, ...
        """
        key = canonical_noise_name(name)
        if key == "noiseless":
            return NoiseModel.noiseless()
        return getattr(NoiseModel, key.replace("-", "_"))(p)

    # --------------------------------------------------------------------------- queries

    @property
    def is_noiseless(self) -> bool:
        """True when every rate is zero (leakage injection included)."""
        leaks = self.leakage is not None and self.leakage.leakage_per_gate > 0
        return not leaks and all(getattr(self, field) == 0 for field in _RATE_FIELDS)

    def with_leakage(
        self,
        *,
        leakage_per_gate: float,
        seepage_per_round: float = 0.02,
        partner_error: str = "random-pauli",
        transport: float = 0.0,
        leaked_readout: str = "herald",
        removal_error: float | None = None,
    ) -> NoiseModel:
        """Returns this model with leakage added (see :class:`LeakageModel` for the physics).

        Args:
            leakage_per_gate: leakage probability per qubit per two-qubit gate.
            seepage_per_round: probability per round that a leaked qubit decays back.
            partner_error: ``"random-pauli"`` or ``"random-z"`` on the partner of a leaked qubit.
            transport: probability that a gate moves leakage onto its partner.
            leaked_readout: ``"herald"`` (random bit plus a herald), ``"random"`` or ``"one"``.
            removal_error: ``DEPOLARIZE2`` probability after each DQLR LeakageISWAP; None (the
                default) uses this model's two-qubit gate error ``clifford_2q``.

        Returns:
            A new model; every Pauli rate is unchanged.

        Raises:
            ValueError: a rate outside [0, 1], or an unknown partner error or readout model.

        Examples:
            >>> noise = NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=5e-4)
            >>> noise.leakage.removal_error, noise.leakage.leaked_readout
            (0.001, 'herald')
            >>> eval(repr(noise)) == noise
            True
            >>> NoiseModel.sd6(0.001).with_leakage(leakage_per_gate=1.5)
            Traceback (most recent call last):
                ...
            ValueError: leakage_per_gate=1.5 must be a probability in [0, 1]
        """
        leakage = LeakageModel(
            leakage_per_gate=leakage_per_gate,
            seepage_per_round=seepage_per_round,
            partner_error=partner_error,
            transport=transport,
            leaked_readout=leaked_readout,
            removal_error=self.clifford_2q if removal_error is None else removal_error,
        )
        return dataclasses.replace(self, leakage=leakage)

    def scaled(self, factor: float) -> NoiseModel:
        """Returns the same model with every rate (and p) multiplied by ``factor``.

        The leakage parameters, if any, are kept as they are.

        Args:
            factor: a non-negative multiplier.

        Raises:
            ValueError: if factor is negative or a scaled rate leaves [0, 1].

        Examples:
            >>> NoiseModel.sd6(0.001).scaled(2) == NoiseModel.sd6(0.002)
            True
        """
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor < 0:
            raise ValueError(f"factor={factor!r} must be a non-negative number")
        changes = {field: getattr(self, field) * factor for field in _RATE_FIELDS}
        return dataclasses.replace(self, p=self.p * factor, **changes)
