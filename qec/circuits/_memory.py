"""The memory experiment: argument checks, the cycle choice, and :func:`memory_circuit`."""

from __future__ import annotations

import stim

from qec._validate import int_at_least
from qec.circuits._boundary import BOUNDARIES, _authors_memory
from qec.circuits._overlapped import _overlapped_memory
from qec.circuits._standard import _standard_memory
from qec.circuits._superdense import _superdense_memory
from qec.codes import StabilizerCode
from qec.noise import NoiseModel

LEAKAGE_REMOVALS: tuple[str, ...] = ("none", "mlr", "dqlr")
"""Leakage-removal strategies of :func:`memory_circuit`."""

CYCLES: tuple[str, ...] = ("standard", "overlapped", "superdense")
"""Syndrome-cycle layouts of :func:`memory_circuit` (see its docstring)."""

DETECTOR_SETS: tuple[str, ...] = ("all", "basis")
"""Which detectors :func:`memory_circuit` declares (see its docstring)."""


# Rounds x qubits above which a memory circuit would take gigabytes to build and analyse.
MAX_QUBIT_ROUNDS = 50_000_000


def resolve_cycle(code: StabilizerCode, cycle: str | None, noise: NoiseModel | None = None
                  ) -> str:
    """The syndrome cycle ``memory_circuit`` builds: ``cycle``, or the code's default.

    A bivariate bicycle code's default is the paper's overlapped cycle, which is written for
    the CX gate set without leakage; under a CZ-native model (SI1000) or one with leakage, the
    default is the standard cycle instead (asking for ``cycle="overlapped"`` there is an error).

    Examples:
        >>> from qec.codes import ColorCode, RotatedSurfaceCode
        >>> resolve_cycle(RotatedSurfaceCode(distance=3), None)
        'standard'
        >>> resolve_cycle(ColorCode(distance=3), None)
        'superdense'
        >>> from qec.codes import BivariateBicycleCode
        >>> bb = BivariateBicycleCode.published(72)
        >>> resolve_cycle(bb, None, NoiseModel.sd6(0.001)), resolve_cycle(bb, None,
        ...                                                               NoiseModel.si1000(0.001))
        ('overlapped', 'standard')
        >>> resolve_cycle(ColorCode(distance=3), "fast")
        Traceback (most recent call last):
            ...
        ValueError: cycle='fast' must be one of 'standard', 'overlapped', 'superdense'
    """
    if cycle is None:
        cycle = getattr(code, "default_cycle", "standard")
        cx_only = noise is not None and (noise.two_qubit_gate != "CX" or noise.leakage is not None)
        return "standard" if cycle == "overlapped" and cx_only else cycle
    if cycle not in CYCLES:
        raise ValueError(f"cycle={cycle!r} must be one of {', '.join(map(repr, CYCLES))}")
    return cycle


def resolve_detectors(code: StabilizerCode, detectors: str | None, *,
                      boundary: str = "noisy") -> str:
    """The detectors ``memory_circuit`` declares: ``detectors``, or the default.

    The default is the code's own (``code.default_detectors``), except with
    ``boundary="authors"``, whose observables are of both types: ``"all"`` there.

    Examples:
        >>> from qec.codes import BivariateBicycleCode, RotatedSurfaceCode
        >>> resolve_detectors(RotatedSurfaceCode(distance=3), None)
        'all'
        >>> bb = BivariateBicycleCode.published(72)
        >>> resolve_detectors(bb, None), resolve_detectors(bb, None, boundary="authors")
        ('basis', 'all')
        >>> resolve_detectors(RotatedSurfaceCode(distance=3), "some")
        Traceback (most recent call last):
            ...
        ValueError: detectors='some' must be one of 'all', 'basis'
    """
    if detectors is None:
        if boundary == "authors":
            return "all"
        return getattr(code, "default_detectors", "all")
    if detectors not in DETECTOR_SETS:
        raise ValueError(f"detectors={detectors!r} must be one of "
                         f"{', '.join(map(repr, DETECTOR_SETS))}")
    return detectors


def _check_boundary(boundary: object) -> str:
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary={boundary!r} must be one of "
                         f"{', '.join(map(repr, BOUNDARIES))}")
    return str(boundary)


def _validate(code: object, rounds: object, basis: object, noise: object) -> int:
    if not isinstance(code, StabilizerCode):
        raise ValueError(
            f"code={code!r} must be a code object such as qec.codes.RotatedSurfaceCode(distance=3)"
        )
    rounds = int_at_least("rounds", rounds, 1)
    if rounds * code.num_qubits > MAX_QUBIT_ROUNDS:
        raise ValueError(
            f"rounds={rounds} with {code.num_qubits} qubits is {rounds * code.num_qubits:,} "
            f"qubit-rounds, more than the {MAX_QUBIT_ROUNDS:,} a memory circuit may have "
            "(its detector error model would not fit in memory)")
    if basis not in ("X", "Z"):
        raise ValueError(f"basis={basis!r} must be 'X' or 'Z'")
    if basis not in code.supported_bases:
        raise ValueError(
            f"basis={basis!r} is not supported by {type(code).__name__}: it protects only "
            f"against bit flips, so only a {' or '.join(code.supported_bases)}-basis memory "
            f"is meaningful; use basis={code.supported_bases[0]!r}"
        )
    if not isinstance(noise, NoiseModel):
        raise ValueError(
            f"noise={noise!r} must be a qec.NoiseModel, for example qec.NoiseModel.si1000(0.001)"
        )
    return rounds


def _check_removal(leakage_removal: object, removal_period: object) -> None:
    if leakage_removal not in LEAKAGE_REMOVALS:
        raise ValueError(
            f"leakage_removal={leakage_removal!r} is not a known strategy; choose one of "
            f"{', '.join(LEAKAGE_REMOVALS)}"
        )
    if isinstance(removal_period, bool) or not isinstance(removal_period, int) or (
        removal_period < 1
    ):
        raise ValueError(f"removal_period={removal_period!r} must be an integer >= 1")


def memory_circuit(
    code: StabilizerCode,
    *,
    rounds: int,
    basis: str,
    noise: NoiseModel,
    leakage_removal: str = "none",
    removal_period: int = 1,
    cycle: str | None = None,
    detectors: str | None = None,
    boundary: str = "noisy",
) -> stim.Circuit:
    """Builds a noisy memory experiment: prepare, measure stabilizers ``rounds`` times, read out.

    The data qubits are prepared in the ``basis`` eigenstate of the logical operator; each round
    measures every stabilizer through its measure qubit (reset after each measurement); the data
    qubits are finally measured in ``basis``. Detectors compare each stabilizer with its previous
    value (the first round only for stabilizers of ``basis``, which the preparation fixes; the
    last from the data readout). ``OBSERVABLE_INCLUDE(i)`` is the i-th logical operator of
    ``basis`` (:meth:`~qec.codes.StabilizerCode.logicals`): a code with k logical qubits has k
    observables.

    Gate set: with ``noise.two_qubit_gate == "CX"`` (SD6, phenomenological, code capacity,
    stim-generated) X checks are H-CX-H and Z checks plain CX, as in ``stim.Circuit.generated``,
    with ``R``/``RX`` and ``M``/``MX`` on the data qubits. With ``"CZ"`` (SI1000) every check is
    H-CZ-H on its measure qubit with Hadamards on the data qubits around the X-type interactions,
    and only Z-basis resets and measurements (X-basis preparation and readout use Hadamards).
    The two-qubit gate order is stim's "N"/"Z" order, so hook errors do not reduce the distance.

    Leakage: when ``noise.leakage`` is set (:meth:`NoiseModel.with_leakage`) or a removal
    strategy is chosen, the circuit carries leakage as instruction tags (:mod:`qec.leakage`
    documents them) that stim ignores, so stim sees the same Pauli circuit, and
    :class:`qec.leakage.LeakageSampler` also simulates the leakage. Leakage is injected after
    every two-qubit gate, seepage opens every round, the leakage population is recorded just
    before every measurement layer, and measurements read leaked qubits per
    ``noise.leakage.leaked_readout``. ``leakage_removal``:

    * ``"none"``: ordinary resets, which leave leaked qubits leaked;
    * ``"mlr"``: the reset after each stabilizer measurement is a multi-level reset;
    * ``"dqlr"``: MLR, and after every ``removal_period``-th round a data-qubit leakage removal
      step: a LeakageISWAP layer (``II[leak-iswap]``, then ``DEPOLARIZE2`` with
      ``noise.leakage.removal_error``) between data qubits and neighbouring freshly reset
      measure qubits, then MLR of those measure qubits, with idle noise in both layers. A
      pairing covers all data qubits but one (the surface code has one measure qubit fewer),
      so successive steps alternate between two pairings; the ``REPEAT`` body then holds
      ``2 * removal_period`` rounds (remaining rounds are written out).

    With no leakage model and ``leakage_removal="none"`` the circuit is exactly the
    leakage-free one.

    Cycle: ``"standard"`` gives each round its own layers: Hadamards, the schedule's two-qubit
    layers, Hadamards, then measure-and-reset of every measure qubit. ``"overlapped"`` is the
    depth-8 cycle of Bravyi et al. (Nature 627, 778 (2024)) for codes whose X checks sit out
    the first two-qubit layer and whose Z checks sit out the last (the bivariate bicycle
    schedule): X measure qubits are prepared in ``|+>`` (``RX``) during the first CX layer and read
    out with ``MX``; Z measure qubits are read out during the last CX layer; one more layer
    reads the X checks and re-prepares the Z ones while the data qubits idle. Every qubit that
    sits out a CX layer idles with ``idle_gate``, the data qubits in the last layer with
    ``idle_measure_reset``; with SD6 this is the paper's "every operation fails with
    probability p" model. The data readout shares the last round's final layer. It needs the CX
    gate set and no leakage.

    Coordinates: ``QUBIT_COORDS`` are the code's; detectors carry the coordinates of their
    measure qubit and the round, ``(x, y, round)``, with the round counted from 0 through
    ``SHIFT_COORDS`` (the final data-readout detectors have round ``rounds``), followed by the
    code's :meth:`~qec.codes.StabilizerCode.detector_annotations` if it has any.

    Boundary: ``"noisy"`` (the default) is the experiment above, whose preparation and data
    readout are as noisy as the rest. ``"authors"`` is the time boundary of Bravyi et al.'s
    simulations (their ``decoder_setup.py`` and ``decoder_run.py``): a perfect code state,
    ``rounds`` noisy cycles, then two noiseless cycles, with every logical of both types
    checked at the end, and no data readout. It is written as one circuit: k noiseless
    reference qubits (numbered after the code's) hold the other half of a Bell pair with each
    logical qubit, made by a noiseless ``MPP`` of every check and of the products
    ``X_L(i) X_ref(i)`` and ``Z_L(i) Z_ref(i)``; the same products are measured, noiselessly,
    after the last cycle. The circuit has 2k observables, the k logicals of ``basis`` then the
    k of the other basis (``basis`` orders them and chooses the flip of the phenomenological
    and code-capacity models; the circuits of the two bases measure the same thing), and a
    detector for every check in every cycle, the first against the noiseless start. Detectors
    and observables carry their check type as a stim tag (``DETECTOR[basis=X]``,
    ``OBSERVABLE_INCLUDE[basis=Z]``), which a split decoder (``NAME:split=xz``, see
    :class:`qec.decoders.SplitDecoder`) reads to decode the X and Z parts apart, as the authors
    did: a shot then fails when either part does. It needs a code that protects both bases,
    the standard or overlapped cycle and no leakage.

    Args:
        code: the code, e.g. ``qec.codes.RotatedSurfaceCode(distance=3)``.
        rounds: number of stabilizer-measurement rounds, an integer >= 1.
        basis: ``"Z"`` (protects logical ``|0>``) or ``"X"`` (logical ``|+>``).
        noise: the noise model, e.g. ``qec.NoiseModel.si1000(0.001)``.
        leakage_removal: ``"none"``, ``"mlr"`` or ``"dqlr"`` (see above).
        removal_period: with ``"dqlr"``, remove data-qubit leakage every this many rounds.
        cycle: ``"standard"`` or ``"overlapped"`` (see above).
        detectors: ``"all"`` (every stabilizer comparison that is deterministic) or
            ``"basis"``: only those of the memory basis' stabilizers, the ones that see the
            errors the observables do (for a CSS code). That is how Bravyi et al. and the
            relay-bp examples decode BB codes: a smaller model without the other basis'
            detectors, on which belief propagation converges far more often. None (the
            default): the code's own (``code.default_detectors``: ``"basis"`` for bivariate
            bicycle codes, whose default cycle is also the paper's, ``"all"`` otherwise;
            ``"all"`` with ``boundary="authors"``, the only set it takes).
        boundary: ``"noisy"`` or ``"authors"`` (see above).

    Returns:
        The circuit; rounds after the first are folded into a ``REPEAT`` block.

    Raises:
        ValueError: for a non-code, rounds < 1 (or more qubit-rounds than
            :data:`MAX_QUBIT_ROUNDS`), an unknown basis, a basis the code does not
            protect (``"X"`` for the repetition code), a noise argument of the wrong type, an
            unknown leakage-removal strategy, ``removal_period`` < 1, DQLR on a code with a
            data qubit that no measure qubit touches, an unknown cycle, or an overlapped cycle
            on a schedule, gate set or leakage model it does not fit; an unknown boundary, or
            ``boundary="authors"`` with a code, cycle, detector set or leakage it does not
            take.

    Examples:
        >>> from qec.codes import RotatedSurfaceCode
        >>> circuit = memory_circuit(
        ...     RotatedSurfaceCode(distance=3), rounds=3, basis="Z", noise=NoiseModel.sd6(0.001)
        ... )
        >>> circuit.num_detectors, circuit.num_observables
        (24, 1)
        >>> len(circuit.shortest_graphlike_error())
        3
        >>> leaky = memory_circuit(
        ...     RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
        ...     noise=NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=1e-3),
        ...     leakage_removal="dqlr",
        ... )
        >>> leaky.num_detectors, len(leaky.shortest_graphlike_error())
        (24, 3)
        >>> from qec.codes import BivariateBicycleCode
        >>> bb = memory_circuit(BivariateBicycleCode.published(72), rounds=2, basis="Z",
        ...                     noise=NoiseModel.sd6(0.001), detectors="all")
        >>> bb.num_detectors, bb.num_observables, bb.num_ticks  # the overlapped cycle
        (144, 12, 16)
        >>> memory_circuit(BivariateBicycleCode.published(72), rounds=2, basis="Z",
        ...                noise=NoiseModel.sd6(0.001)).num_detectors  # the paper's: Z only
        108
        >>> authors = memory_circuit(BivariateBicycleCode.published(72), rounds=6, basis="Z",
        ...                          noise=NoiseModel.sd6(0.004), boundary="authors")
        >>> authors.num_detectors, authors.num_observables  # 72 checks x (6 + 2) cycles
        (576, 24)
        >>> memory_circuit(RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
        ...                noise=NoiseModel.sd6(0.001), boundary="perfect")
        Traceback (most recent call last):
            ...
        ValueError: boundary='perfect' must be one of 'noisy', 'authors'
    """
    rounds = _validate(code, rounds, basis, noise)
    _check_removal(leakage_removal, removal_period)
    boundary = _check_boundary(boundary)
    cycle = resolve_cycle(code, cycle, noise)
    detectors = resolve_detectors(code, detectors, boundary=boundary)
    if boundary == "authors":
        return _authors_memory(code, rounds=rounds, basis=basis, noise=noise,
                               leakage_removal=leakage_removal, cycle=cycle,
                               detectors=detectors)
    if cycle == "overlapped":
        return _overlapped_memory(code, rounds=rounds, basis=basis, noise=noise,
                                  leakage_removal=leakage_removal, detectors=detectors)
    if cycle == "superdense":
        return _superdense_memory(code, rounds=rounds, basis=basis, noise=noise,
                                  leakage_removal=leakage_removal, detectors=detectors)
    return _standard_memory(code, rounds=rounds, basis=basis, noise=noise,
                            leakage_removal=leakage_removal, removal_period=removal_period,
                            detectors=detectors)
