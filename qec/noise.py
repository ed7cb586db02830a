"""Named noise models: code capacity, phenomenological, SD6, SI1000 and stim's own knobs.

A :class:`NoiseModel` is a frozen set of per-operation error rates. The circuit generator
(:func:`qec.memory_circuit`) asks it which channels to append after each layer of gates, resets
and measurements; the model itself knows nothing about codes.

Definitions follow Gidney, Newman, Fowler, Broughton, "A fault-tolerant honeycomb memory"
(arXiv 2108.10457) for SD6 and Gidney, Newman, McEwen, "Benchmarking the planar honeycomb code"
(arXiv 2202.11845) for SI1000. In both, measurement noise only flips the reported result (no
depolarization after measurement): that is the variant implemented here.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import stim

from qec._registry import Registry
from qec._validate import is_real

__all__ = [
    "LEAKED_READOUTS",
    "NOISE_MODEL_NAMES",
    "PARTNER_ERRORS",
    "LeakageModel",
    "NoiseModel",
    "add_noise",
    "canonical_noise_name",
    "scale_noise",
]

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


def _check_probability(name: str, value: object, *, scale: str = "") -> float:
    """Returns ``value`` as a plain float (numpy scalars too) if it is a probability."""
    if not is_real(value):
        raise ValueError(f"{name}={value!r} must be a probability, a number in [0, 1]")
    number = float(value)  # type: ignore[arg-type]
    if not (0.0 <= number <= 1.0) or math.isnan(number):
        detail = f" ({scale})" if scale else ""
        shown = value.item() if hasattr(value, "item") else value  # numpy scalars as typed
        raise ValueError(f"{name}={shown!r}{detail} must be a probability in [0, 1]")
    return number


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


_RESET_FLIPS = {"R": "X_ERROR", "RZ": "X_ERROR", "RX": "Z_ERROR", "RY": "X_ERROR"}
_MEASURE_FLIPS = {"M": "X_ERROR", "MZ": "X_ERROR", "MX": "Z_ERROR", "MY": "X_ERROR",
                  "MR": "X_ERROR", "MRZ": "X_ERROR", "MRX": "Z_ERROR", "MRY": "X_ERROR"}


def add_noise(circuit: stim.Circuit, noise: NoiseModel) -> stim.Circuit:
    """Places ``noise``'s channels on any circuit, moment by moment (between ``TICK``\\ s).

    For circuits that :func:`qec.memory_circuit` did not write, a device's ideal circuit
    among them: ``DEPOLARIZE1(clifford_1q)`` after one-qubit unitary gates,
    ``DEPOLARIZE2(clifford_2q)`` after two-qubit ones, the flip of the basis after every reset
    (``reset_flip``) and before every measurement (``measure_flip``, data qubits included:
    the circuit does not say which qubits hold data), and on every qubit a moment leaves
    alone ``DEPOLARIZE1`` of ``idle_measure_reset`` (a moment that measures or resets) or
    ``idle_gate``. Noise already in the circuit stays; other instructions (``MPP``,
    annotations) get none. The before-round data channels, which need to know the rounds,
    are not placed.

    Args:
        circuit: the circuit (repeat blocks are kept).
        noise: the model; its ``two_qubit_gate`` is not used (the circuit has its own gates).

    Returns:
        The noisy circuit.

    Raises:
        ValueError: ``noise`` carries leakage (its channels need qec's own circuits).

    Examples:
        >>> ideal = stim.Circuit("R 0 1\\nTICK\\nH 0\\nTICK\\nCZ 0 1\\nTICK\\nM 0 1")
        >>> print(add_noise(ideal, NoiseModel.si1000(0.001)))
        R 0 1
        X_ERROR(0.002) 0 1
        TICK
        H 0
        DEPOLARIZE1(0.0001) 0 1
        TICK
        CZ 0 1
        DEPOLARIZE2(0.001) 0 1
        TICK
        X_ERROR(0.005) 0 1
        M 0 1
    """
    if noise.leakage is not None:
        raise ValueError("noise carries leakage; add_noise places Pauli channels only")
    qubits = sorted(range(circuit.num_qubits))
    return _noisy_block(circuit, noise, qubits)


def _noisy_block(circuit: stim.Circuit, noise: NoiseModel, qubits: list[int]) -> stim.Circuit:
    out = stim.Circuit()
    moment = stim.Circuit()
    touched: set[int] = set()
    measures_or_resets = False

    def close_moment(*, tick: bool) -> None:
        nonlocal moment, touched, measures_or_resets
        idle = [q for q in qubits if q not in touched]
        rate = noise.idle_measure_reset if measures_or_resets else noise.idle_gate
        if len(moment) or tick:
            out.__iadd__(moment)
            if idle and rate > 0 and touched:
                out.append("DEPOLARIZE1", idle, rate)
        if tick:
            out.append("TICK")
        moment = stim.Circuit()
        touched = set()
        measures_or_resets = False

    for instruction in circuit:
        if isinstance(instruction, stim.CircuitRepeatBlock):
            close_moment(tick=False)
            out.append(stim.CircuitRepeatBlock(
                instruction.repeat_count, _noisy_block(instruction.body_copy(), noise, qubits)))
            continue
        name = instruction.name
        if name == "TICK":
            close_moment(tick=True)
            continue
        data = stim.gate_data(name)
        targets = instruction.targets_copy()
        qubit_targets = [t.value for t in targets if t.is_qubit_target]
        if name in _MEASURE_FLIPS and noise.measure_flip > 0:
            moment.append(_MEASURE_FLIPS[name], qubit_targets, noise.measure_flip)
        moment.append(instruction)
        is_channel = data.is_noisy_gate and not data.produces_measurements
        if not qubit_targets or is_channel or not (data.is_unitary or data.is_reset
                                                   or data.produces_measurements):
            continue
        touched.update(qubit_targets)
        if name in _MEASURE_FLIPS or name in _RESET_FLIPS:
            measures_or_resets = True
            flip = _RESET_FLIPS.get(name) or (_RESET_FLIPS.get("R" + name[2:]) if
                                              name.startswith("MR") else None)
            if flip is not None and noise.reset_flip > 0:
                moment.append(flip, qubit_targets, noise.reset_flip)
        elif data.is_unitary and data.is_two_qubit_gate and noise.clifford_2q > 0:
            moment.append("DEPOLARIZE2", qubit_targets, noise.clifford_2q)
        elif data.is_unitary and data.is_single_qubit_gate and noise.clifford_1q > 0:
            moment.append("DEPOLARIZE1", qubit_targets, noise.clifford_1q)
    close_moment(tick=False)
    return out


def scale_noise(circuit: stim.Circuit, *, qubit_factors: dict[int, float] | None = None,
                pair_factors: dict[tuple[int, int], float] | None = None,
                clip: bool = False) -> stim.Circuit:
    """Multiplies the probability of every noise channel by factors of the qubits it acts on.

    A one-qubit channel on qubit ``q`` (or a noisy measurement's flip) is scaled by
    ``qubit_factors[q]``; a two-qubit channel on ``(a, b)`` by the geometric mean of its two
    qubits' factors times ``pair_factors[(min, max)]``. Missing qubits and pairs have factor 1.
    A device whose qubits and gates are not all alike, from a uniform model.

    Args:
        circuit: a noisy circuit.
        qubit_factors: non-negative factor per qubit.
        pair_factors: non-negative factor per qubit pair (smaller index first).
        clip: cap a scaled probability at its channel's maximum instead of raising.

    Returns:
        The circuit with scaled channels (split per target where the factors differ).

    Raises:
        ValueError: a negative factor, or a scaled probability above its channel's maximum.

    Examples:
        >>> noisy = stim.Circuit("DEPOLARIZE1(0.01) 0 1\\nDEPOLARIZE2(0.01) 0 1\\nM(0.02) 1")
        >>> print(scale_noise(noisy, qubit_factors={1: 4.0}))
        DEPOLARIZE1(0.01) 0
        DEPOLARIZE1(0.04) 1
        DEPOLARIZE2(0.02) 0 1
        M(0.08) 1
    """
    qubit_factors = dict(qubit_factors or {})
    pair_factors = dict(pair_factors or {})
    for key, value in [*qubit_factors.items(), *pair_factors.items()]:
        if not is_real(value) or value < 0:
            raise ValueError(f"factor {key!r}: {value!r} must be a non-negative number")

    def factor(group: list[int]) -> float:
        if len(group) == 1:
            return float(qubit_factors.get(group[0], 1.0))
        a, b = sorted(group)
        return math.sqrt(qubit_factors.get(a, 1.0) * qubit_factors.get(b, 1.0)) * float(
            pair_factors.get((a, b), 1.0))

    out = stim.Circuit()
    for instruction in circuit:
        if isinstance(instruction, stim.CircuitRepeatBlock):
            out.append(stim.CircuitRepeatBlock(
                instruction.repeat_count,
                scale_noise(instruction.body_copy(), qubit_factors=qubit_factors,
                            pair_factors=pair_factors, clip=clip)))
            continue
        data = stim.gate_data(instruction.name)
        args = instruction.gate_args_copy()
        # Noise channels, and measurements with a flip probability (M(0.01)); not
        # annotations or noiseless measurements.
        if not args or not (data.is_noisy_gate or data.produces_measurements) or (
                data.is_unitary or instruction.name in ("DETECTOR", "OBSERVABLE_INCLUDE",
                                                        "SHIFT_COORDS", "QUBIT_COORDS")):
            out.append(instruction)
            continue
        width = 2 if data.is_two_qubit_gate else 1
        targets = instruction.targets_copy()
        for start in range(0, len(targets), width):
            group = targets[start:start + width]
            f = factor([t.value for t in group])
            scaled = [a * f for a in args]
            limit = {"DEPOLARIZE1": 0.75, "DEPOLARIZE2": 0.9375}.get(instruction.name, 0.5)
            if (data.produces_measurements or len(scaled) == 1) and scaled[0] > limit:
                if clip:
                    scaled = [limit]
                    out.append(instruction.name, group, scaled)
                    continue
                raise ValueError(f"{instruction.name} on {[t.value for t in group]}: "
                                 f"{args[0]} scaled by {f:g} is {scaled[0]:g}, above {limit}")
            out.append(instruction.name, group, scaled)
    return out
