"""Memory-experiment circuits generated from code objects under a noise model.

:func:`memory_circuit` walks the code's stabilizer schedule layer by layer. Each layer is one
moment of the hardware: resets, one-qubit gates, two-qubit gates or measurements. The
:class:`_LayerWriter` appends the operations and the noise the :class:`~qec.noise.NoiseModel`
asks for after them, including idle noise on every qubit that sits the layer out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import stim

from qec._validate import int_at_least
from qec.codes import StabilizerCode, WeightBound, min_weight_odd_solution
from qec.leakage import _tags
from qec.noise import LeakageModel, NoiseModel

__all__ = [
    "CYCLES",
    "DETECTOR_SETS",
    "LEAKAGE_REMOVALS",
    "check_circuit_distance",
    "circuit_distance_bound",
    "circuit_distance_search",
    "memory_circuit",
    "resolve_cycle",
]

LEAKAGE_REMOVALS: tuple[str, ...] = ("none", "mlr", "dqlr")
"""Leakage-removal strategies of :func:`memory_circuit`."""

CYCLES: tuple[str, ...] = ("standard", "overlapped", "superdense")
"""Syndrome-cycle layouts of :func:`memory_circuit` (see its docstring)."""

DETECTOR_SETS: tuple[str, ...] = ("all", "basis")
"""Which detectors :func:`memory_circuit` declares (see its docstring)."""


# Rounds x qubits above which a memory circuit would take gigabytes to build and analyse.
MAX_QUBIT_ROUNDS = 50_000_000


def resolve_cycle(code: StabilizerCode, cycle: str | None) -> str:
    """The syndrome cycle ``memory_circuit`` builds: ``cycle``, or the code's default.

    Examples:
        >>> from qec.codes import ColorCode, RotatedSurfaceCode
        >>> resolve_cycle(RotatedSurfaceCode(distance=3), None)
        'standard'
        >>> resolve_cycle(ColorCode(distance=3), None)
        'superdense'
        >>> resolve_cycle(ColorCode(distance=3), "fast")
        Traceback (most recent call last):
            ...
        ValueError: cycle='fast' must be one of 'standard', 'overlapped', 'superdense'
    """
    if cycle is None:
        return getattr(code, "default_cycle", "standard")
    if cycle not in CYCLES:
        raise ValueError(f"cycle={cycle!r} must be one of {', '.join(map(repr, CYCLES))}")
    return cycle


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


class _LayerWriter:
    """Appends layers of operations with their noise to a target circuit.

    Every layer starts with a TICK (except the first of the circuit) so that stim's tools see
    one moment per layer. The target can be swapped to write a REPEAT body.
    """

    def __init__(
        self,
        noise: NoiseModel,
        qubits: Sequence[int],
        *,
        leakage: LeakageModel | None = None,
        reset: str = "plain",
    ) -> None:
        self.noise = noise
        self.qubits = tuple(qubits)
        self.circuit = stim.Circuit()
        self._first_layer = True
        self._pending = stim.Circuit()
        # With a leakage model, gates and measurements carry leakage tags (see qec.leakage);
        # ``reset`` is what the reset of a measure-and-reset does to leakage ("mlr"/"plain").
        self.leakage = leakage
        self.leak_reset = reset

    def at_start_of_next_layer(self, block: stim.Circuit | None) -> None:
        """Queues noise (e.g. start-of-round data errors) to open the next layer."""
        if block is not None:
            self._pending += block

    def _tick(self) -> None:
        if not self._first_layer:
            self.circuit.append("TICK")
        self._first_layer = False
        if len(self._pending):
            self.circuit += self._pending
            self._pending = stim.Circuit()

    def _append(
        self, name: str, targets: Iterable[int], arg: float | None = None, *, tag: str = ""
    ) -> None:
        # Parsing one line of text is far faster than Circuit.append with a long Python list.
        text = " ".join(map(str, targets))
        if not text or (arg is not None and arg <= 0):
            return
        head = f"{name}[{tag}]" if tag else name
        head = head if arg is None else f"{head}({arg!r})"
        self.circuit += stim.Circuit(f"{head} {text}")

    def _idle(self, busy: Iterable[int], rate: float) -> None:
        if rate > 0:
            busy_set = set(busy)
            self._append("DEPOLARIZE1", [q for q in self.qubits if q not in busy_set], rate)

    @staticmethod
    def _flip(basis: str) -> str:
        return "X_ERROR" if basis == "Z" else "Z_ERROR"

    def reset(self, qubits_by_basis: dict[str, Sequence[int]]) -> None:
        """A layer of resets (``R`` / ``RX``) followed by flips of probability reset_flip."""
        self._tick()
        busy: list[int] = []
        for basis, qubits in qubits_by_basis.items():
            self._append("R" if basis == "Z" else "RX", qubits)
            self._append(self._flip(basis), qubits, self.noise.reset_flip)
            busy.extend(qubits)
        self._idle(busy, self.noise.idle_measure_reset)

    def one_qubit_layer(self, gate: str, qubits: Sequence[int]) -> None:
        """A layer of one-qubit gates (nothing at all when ``qubits`` is empty)."""
        if not qubits:
            return
        self._tick()
        self._append(gate, sorted(qubits))
        self._append("DEPOLARIZE1", sorted(qubits), self.noise.clifford_1q)
        self._idle(qubits, self.noise.idle_gate)

    def two_qubit_layer(self, gate: str, pairs: Sequence[tuple[int, int]]) -> None:
        """A layer of two-qubit gates, each pair ``(control, target)``."""
        if not pairs:
            return
        self._tick()
        flat = [q for pair in pairs for q in pair]
        leakage = self.leakage
        tag = "" if leakage is None else _tags.gate_tag(
            partner=leakage.partner_error, transport=leakage.transport)
        self._append(gate, flat, tag=tag)
        self._append("DEPOLARIZE2", flat, self.noise.clifford_2q)
        if leakage is not None:
            self._append("I_ERROR", flat, leakage.leakage_per_gate, tag=_tags.INJECT)
        self._idle(flat, self.noise.idle_gate)

    def leakage_removal(self, pairs: Sequence[tuple[int, int]], *, removal_error: float) -> None:
        """DQLR: LeakageISWAP on (data, measure) pairs, then multi-level reset of the measure
        qubits (two layers, with their idle noise)."""
        self._tick()
        flat = [q for pair in pairs for q in pair]
        self._append("II", flat, tag=_tags.ISWAP)
        self._append("DEPOLARIZE2", flat, removal_error)
        self._idle(flat, self.noise.idle_gate)
        self._tick()
        measure = sorted(m for _, m in pairs)
        self._append("R", measure, tag=_tags.MLR)
        self._append("X_ERROR", measure, self.noise.reset_flip)
        self._idle(measure, self.noise.idle_measure_reset)

    def mixed_layer(
        self,
        *,
        pairs: Sequence[tuple[int, int]] = (),
        measures: Sequence[tuple[str, Sequence[int], float]] = (),
        resets: dict[str, Sequence[int]] | None = None,
        idle: float = 0.0,
    ) -> None:
        """One moment holding CX gates, measurements and resets on disjoint qubits.

        ``measures`` holds ``(basis, qubits, flip)``: measurements flipped with probability
        ``flip`` before, recorded in the order given. Then resets (flipped with ``reset_flip``
        after), then the CX gates with their two-qubit depolarization; every other qubit idles
        with ``DEPOLARIZE1(idle)``.
        """
        self._tick()
        busy: list[int] = []
        for basis, qubits, flip in measures:
            self._append(self._flip(basis), qubits, flip)
            self._append("M" if basis == "Z" else "MX", qubits)
            busy.extend(qubits)
        for basis, qubits in (resets or {}).items():
            self._append("R" if basis == "Z" else "RX", qubits)
            self._append(self._flip(basis), qubits, self.noise.reset_flip)
            busy.extend(qubits)
        flat = [q for pair in pairs for q in pair]
        self._append("CX", flat)
        self._append("DEPOLARIZE2", flat, self.noise.clifford_2q)
        self._idle(busy + flat, idle)

    def measure(
        self,
        qubits: Sequence[int],
        *,
        basis: str,
        reset: bool,
        flip: float,
    ) -> None:
        """A layer of measurements (with reset when ``reset``), results flipped with ``flip``."""
        self._tick()
        self._append(self._flip(basis), qubits, flip)
        name = {("Z", False): "M", ("Z", True): "MR", ("X", False): "MX", ("X", True): "MRX"}
        tag = "" if self.leakage is None else _tags.measure_tag(
            readout=self.leakage.leaked_readout, reset=self.leak_reset if reset else None)
        self._append(name[(basis, reset)], qubits, tag=tag)
        if reset:
            self._append(self._flip(basis), qubits, self.noise.reset_flip)
        self._idle(qubits, self.noise.idle_measure_reset)


def _data_noise(noise: NoiseModel, data: Sequence[int], basis: str) -> stim.Circuit:
    """The start-of-round data noise: depolarization and the flip the memory detects."""
    circuit = stim.Circuit()
    if noise.before_round_data_depolarization > 0:
        circuit.append("DEPOLARIZE1", data, noise.before_round_data_depolarization)
    if noise.before_round_data_flip > 0:
        flip = "X_ERROR" if basis == "Z" else "Z_ERROR"
        circuit.append(flip, data, noise.before_round_data_flip)
    return circuit


def _detectors(specs: Iterable[tuple[Sequence[float], int, Sequence[int], Sequence[float]]]
               ) -> stim.Circuit:
    """DETECTOR instructions from (space coordinates, t, record offsets, annotations)."""
    return stim.Circuit(
        "\n".join(
            f"DETECTOR({', '.join(map(str, (*space, t, *extra)))}) "
            + " ".join(f"rec[{r}]" for r in recs)
            for space, t, recs, extra in specs
        )
    )


def _round(
    writer: _LayerWriter,
    code: StabilizerCode,
    *,
    data_noise: stim.Circuit | None,
    prepare_plus: Sequence[int] = (),
    removal_pairs: Sequence[tuple[int, int]] = (),
) -> None:
    """Appends one round of stabilizer measurement (without its detectors).

    ``prepare_plus`` (CZ gate set only) lists freshly reset data qubits to rotate to |+>: their
    Hadamard merges into the round's first Hadamard layer, where two Hadamards cancel.

    With leakage (``writer.leakage``), the round opens with seepage on every qubit, records the
    leakage population just before the measurement layer, and ends with DQLR on
    ``removal_pairs`` (data, measure) when given.
    """
    noise = writer.noise
    if writer.leakage is not None and writer.leakage.seepage_per_round > 0:
        seepage = stim.Circuit(
            f"I_ERROR[{_tags.SEEPAGE}]({writer.leakage.seepage_per_round!r}) "
            + " ".join(map(str, writer.qubits))
        )
        data_noise = seepage if data_noise is None else seepage + data_noise
    writer.at_start_of_next_layer(data_noise)
    stabilizers = code.stabilizers
    measure_qubits = [s.measure_qubit for s in stabilizers]
    layers = range(code.num_layers)
    if noise.two_qubit_gate == "CX":
        x_measure = [s.measure_qubit for s in stabilizers if s.basis == "X"]
        writer.one_qubit_layer("H", x_measure)
        for layer in layers:
            pairs = []
            for s in stabilizers:
                q = s.schedule[layer]
                if q is not None:
                    pairs.append((s.measure_qubit, q) if s.basis == "X" else (q, s.measure_qubit))
            writer.two_qubit_layer("CX", pairs)
        writer.one_qubit_layer("H", x_measure)
    else:
        # CZ-native: every measure qubit starts in |+> and ends with H before its Z readout. A
        # data qubit is Hadamard-conjugated while it interacts with X-type checks, so the CZ acts
        # as a CX from the measure qubit; consecutive Hadamards on a data qubit cancel.
        in_h_frame: dict[int, bool] = dict.fromkeys(code.data_qubits, False)
        hadamards: list[set[int]] = [set() for _ in range(code.num_layers + 1)]
        hadamards[0].update(measure_qubits)
        hadamards[-1].update(measure_qubits)
        hadamards[0].symmetric_difference_update(prepare_plus)
        cz_layers: list[list[tuple[int, int]]] = []
        for layer in layers:
            pairs = []
            for s in stabilizers:
                q = s.schedule[layer]
                if q is None:
                    continue
                pairs.append((s.measure_qubit, q))
                if in_h_frame[q] != (s.basis == "X"):
                    in_h_frame[q] = not in_h_frame[q]
                    hadamards[layer].symmetric_difference_update((q,))
            cz_layers.append(pairs)
        hadamards[-1].update(q for q, flipped in in_h_frame.items() if flipped)
        writer.one_qubit_layer("H", sorted(hadamards[0]))
        for layer, pairs in enumerate(cz_layers):
            if layer > 0:
                writer.one_qubit_layer("H", sorted(hadamards[layer]))
            writer.two_qubit_layer("CZ", pairs)
        writer.one_qubit_layer("H", sorted(hadamards[-1]))
    if writer.leakage is not None:
        writer.circuit.append(stim.CircuitInstruction("I_ERROR", [], [], tag=_tags.POPULATION))
    writer.measure(measure_qubits, basis="Z", reset=True, flip=noise.measure_flip)
    if removal_pairs:
        removal_error = (
            noise.clifford_2q if writer.leakage is None else writer.leakage.removal_error
        )
        writer.leakage_removal(removal_pairs, removal_error=removal_error)


def _removal_matchings(code: StabilizerCode) -> list[list[tuple[int, int]]]:
    """(data, measure) pairings for DQLR that together cover every data qubit.

    A data qubit pairs with the measure qubit of a stabilizer that contains it; each measure
    qubit takes at most one data qubit per step. The rotated surface code has one data qubit
    more than measure qubits, so one pairing cannot cover all: the pairings returned are used
    in turn, in successive removal steps (two for the surface and repetition codes).

    Raises:
        ValueError: if some data qubit is in no stabilizer, so no measure qubit can take its
            leakage.
    """
    import networkx as nx

    graph = nx.Graph()
    for s in code.stabilizers:
        for q in s.data_qubits:
            graph.add_edge(("d", q), ("m", s.measure_qubit))
    lonely = [q for q in code.data_qubits if ("d", q) not in graph]
    if lonely:
        raise ValueError(
            f"leakage_removal='dqlr' needs a measure qubit next to every data qubit, but data "
            f"qubit {lonely[0]} of {code!r} is in no stabilizer "
            f"({len(code.measure_qubits)} measure qubits)"
        )
    covered: set[int] = set()
    matchings: list[list[tuple[int, int]]] = []
    while len(covered) < len(code.data_qubits):
        for u, v in graph.edges:
            data = u if u[0] == "d" else v
            graph.edges[u, v]["weight"] = 1 + (len(code.data_qubits) if data[1] not in covered
                                               else 0)
        matching = nx.max_weight_matching(graph, maxcardinality=True)
        pairs = sorted(
            (a[1], b[1]) if a[0] == "d" else (b[1], a[1]) for a, b in matching
        )
        covered.update(d for d, _ in pairs)
        matchings.append(pairs)
    return matchings


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
    detectors: str = "all",
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
    schedule): X measure qubits are prepared in |+> (``RX``) during the first CX layer and read
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

    Args:
        code: the code, e.g. ``qec.codes.RotatedSurfaceCode(distance=3)``.
        rounds: number of stabilizer-measurement rounds, an integer >= 1.
        basis: ``"Z"`` (protects logical |0>) or ``"X"`` (logical |+>).
        noise: the noise model, e.g. ``qec.NoiseModel.si1000(0.001)``.
        leakage_removal: ``"none"``, ``"mlr"`` or ``"dqlr"`` (see above).
        removal_period: with ``"dqlr"``, remove data-qubit leakage every this many rounds.
        cycle: ``"standard"`` or ``"overlapped"`` (see above).
        detectors: ``"all"`` (every stabilizer comparison that is deterministic) or
            ``"basis"``: only those of the memory basis' stabilizers, the ones that see the
            errors the observables do (for a CSS code). That is how Bravyi et al. and the
            relay-bp examples decode BB codes: a smaller model without the other basis'
            detectors, on which belief propagation converges far more often.

    Returns:
        The circuit; rounds after the first are folded into a ``REPEAT`` block.

    Raises:
        ValueError: for a non-code, rounds < 1 (or more qubit-rounds than
            :data:`MAX_QUBIT_ROUNDS`), an unknown basis, a basis the code does not
            protect (``"X"`` for the repetition code), a noise argument of the wrong type, an
            unknown leakage-removal strategy, ``removal_period`` < 1, DQLR on a code with a
            data qubit that no measure qubit touches, an unknown cycle, or an overlapped cycle
            on a schedule, gate set or leakage model it does not fit.

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
        ...                     noise=NoiseModel.sd6(0.001), cycle="overlapped")
        >>> bb.num_detectors, bb.num_observables, bb.num_ticks
        (144, 12, 16)
        >>> memory_circuit(BivariateBicycleCode.published(72), rounds=2, basis="Z",
        ...                noise=NoiseModel.sd6(0.001), detectors="basis").num_detectors
        108
    """
    rounds = _validate(code, rounds, basis, noise)
    _check_removal(leakage_removal, removal_period)
    cycle = resolve_cycle(code, cycle)
    if detectors not in DETECTOR_SETS:
        raise ValueError(f"detectors={detectors!r} must be one of "
                         f"{', '.join(map(repr, DETECTOR_SETS))}")
    if cycle == "overlapped":
        return _overlapped_memory(code, rounds=rounds, basis=basis, noise=noise,
                                  leakage_removal=leakage_removal, detectors=detectors)
    if cycle == "superdense":
        return _superdense_memory(code, rounds=rounds, basis=basis, noise=noise,
                                  leakage_removal=leakage_removal, detectors=detectors)
    leaky = noise.leakage is not None or leakage_removal != "none"
    matchings = _removal_matchings(code) if leakage_removal == "dqlr" else []
    data = list(code.data_qubits)
    stabilizers = code.stabilizers
    measure_qubits = [s.measure_qubit for s in stabilizers]
    n_measure = len(measure_qubits)
    coords = code.qubit_coords
    leakage = noise.leakage
    if leaky and leakage is None:
        # Removal steps without leakage injection: tags, but nothing ever leaks.
        leakage = LeakageModel(leakage_per_gate=0.0, seepage_per_round=0.0,
                               removal_error=noise.clifford_2q)
    writer = _LayerWriter(
        noise,
        sorted(coords),
        leakage=leakage,
        reset="plain" if leakage_removal == "none" else "mlr",
    )

    def removal_pairs(round_index: int) -> list[tuple[int, int]]:
        if not matchings or (round_index + 1) % removal_period:
            return []
        step = (round_index + 1) // removal_period - 1
        return matchings[step % len(matchings)]

    # Rounds after the first repeat with this period (in the pattern of removal steps).
    cycle = removal_period * len(matchings) if matchings else 1

    writer.circuit = stim.Circuit(
        "\n".join(f"QUBIT_COORDS({', '.join(map(str, coords[q]))}) {q}" for q in sorted(coords))
    )

    cz = noise.two_qubit_gate == "CZ"
    data_basis = "Z" if cz else basis
    if data_basis == "Z":
        writer.reset({"Z": sorted(data + measure_qubits)})
    else:
        writer.reset({"X": data, "Z": measure_qubits})

    def data_noise(first: bool) -> stim.Circuit | None:
        if noise.data_noise_once and not first:
            return None
        block = _data_noise(noise, data, basis)
        return block if len(block) else None

    # First round: only the stabilizers of the memory basis are deterministic.
    _round(
        writer,
        code,
        data_noise=data_noise(True),
        prepare_plus=data if cz and basis == "X" else (),
        removal_pairs=removal_pairs(0),
    )
    annotations = [code.detector_annotations(s) for s in stabilizers]
    writer.circuit += _detectors(
        (coords[s.measure_qubit], 0, [k - n_measure], annotations[k])
        for k, s in enumerate(stabilizers)
        if s.basis == basis
    )
    circuit = writer.circuit

    def later_rounds(count: int, pairs: Callable[[int], list[tuple[int, int]]]) -> stim.Circuit:
        writer.circuit = stim.Circuit()
        for j in range(count):
            _round(writer, code, data_noise=data_noise(False), removal_pairs=pairs(1 + j))
            writer.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
            writer.circuit += _detectors(
                (coords[s.measure_qubit], 0, [k - n_measure, k - 2 * n_measure], annotations[k])
                for k, s in enumerate(stabilizers)
                if detectors == "all" or s.basis == basis
            )
        return writer.circuit

    repetitions, remainder = divmod(rounds - 1, cycle)
    if repetitions:
        body = later_rounds(cycle, removal_pairs)
        if repetitions == 1:
            circuit += body
        else:
            circuit.append(stim.CircuitRepeatBlock(repetitions, body))
    if remainder:
        circuit += later_rounds(remainder, removal_pairs)

    # Final readout of the data qubits.
    writer.circuit = stim.Circuit()
    if cz and basis == "X":
        writer.one_qubit_layer("H", data)
    writer.measure(data, basis=data_basis, reset=False, flip=noise.data_measure_flip)
    n_data = len(data)
    position = {q: i for i, q in enumerate(data)}
    writer.circuit += _detectors(
        (
            coords[s.measure_qubit],
            1,
            [position[q] - n_data for q in s.data_qubits] + [k - n_measure - n_data],
            annotations[k],
        )
        for k, s in enumerate(stabilizers)
        if s.basis == basis
    )
    for index, support in enumerate(code.logicals(basis)):
        writer.circuit.append(
            "OBSERVABLE_INCLUDE", [stim.target_rec(position[q] - n_data) for q in support], index)
    circuit += writer.circuit
    return circuit


def _overlapped_memory(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                       leakage_removal: str, detectors: str) -> stim.Circuit:
    """The depth-(L+1) overlapped cycle of :func:`memory_circuit` (``cycle="overlapped"``)."""
    if noise.two_qubit_gate != "CX":
        raise ValueError(f"cycle='overlapped' needs the CX gate set; this noise model's gate is "
                         f"{noise.two_qubit_gate} (use cycle='standard', or a CX model like SD6)")
    if noise.leakage is not None or leakage_removal != "none":
        raise ValueError("cycle='overlapped' does not model leakage; use cycle='standard'")
    stabilizers = code.stabilizers
    last = code.num_layers - 1
    late_x = [s for s in stabilizers if s.basis == "X" and s.schedule[0] is not None]
    early_z = [s for s in stabilizers if s.basis == "Z" and s.schedule[last] is not None]
    if code.num_layers < 2 or late_x or early_z:
        raise ValueError(
            f"cycle='overlapped' needs X checks idle in the first two-qubit layer and Z checks "
            f"idle in the last (like the bivariate bicycle schedule); {code!r} does not have "
            "that schedule")
    data = list(code.data_qubits)
    coords = code.qubit_coords
    x_anc = [s.measure_qubit for s in stabilizers if s.basis == "X"]
    z_anc = [s.measure_qubit for s in stabilizers if s.basis == "Z"]
    # Record order within a round: Z checks (read in the last CX layer), then X checks.
    order = [k for k, s in enumerate(stabilizers) if s.basis == "Z"] + [
        k for k, s in enumerate(stabilizers) if s.basis == "X"]
    position = {k: i for i, k in enumerate(order)}
    size = len(stabilizers)
    n_data = len(data)
    annotations = [code.detector_annotations(s) for s in stabilizers]
    writer = _LayerWriter(noise, sorted(coords))
    header = stim.Circuit(
        "\n".join(f"QUBIT_COORDS({', '.join(map(str, coords[q]))}) {q}" for q in sorted(coords)))
    resets = {"Z": sorted(data + z_anc)} if basis == "Z" else {"X": data, "Z": z_anc}
    writer.circuit = header
    writer.mixed_layer(resets=resets)

    def one_round(first: bool, final: bool) -> stim.Circuit:
        writer.circuit = stim.Circuit()
        if not (noise.data_noise_once and not first):
            block = _data_noise(noise, data, basis)
            writer.at_start_of_next_layer(block if len(block) else None)
        for layer in range(code.num_layers):
            pairs = []
            for s in stabilizers:
                q = s.schedule[layer]
                if q is not None:
                    pairs.append((s.measure_qubit, q) if s.basis == "X" else (q, s.measure_qubit))
            writer.mixed_layer(
                pairs=pairs,
                resets={"X": x_anc} if layer == 0 else None,
                measures=[("Z", z_anc, noise.measure_flip)] if layer == last else (),
                idle=noise.idle_gate)
        if final:
            writer.mixed_layer(measures=[("X", x_anc, noise.measure_flip),
                                         (basis, data, noise.data_measure_flip)],
                               idle=noise.idle_measure_reset)
        else:
            writer.mixed_layer(measures=[("X", x_anc, noise.measure_flip)], resets={"Z": z_anc},
                               idle=noise.idle_measure_reset)
        tail = n_data if final else 0
        if not first:
            writer.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
        writer.circuit += _detectors(
            (coords[s.measure_qubit], 0,
             [position[k] - size - tail] + ([] if first else [position[k] - 2 * size - tail]),
             annotations[k])
            for k, s in enumerate(stabilizers)
            if s.basis == basis or not (first or detectors == "basis"))
        return writer.circuit

    circuit = _rounds_in_order(header, one_round, rounds)
    return circuit + _data_readout_annotations(
        code, basis=basis, annotations=annotations,
        last_round=lambda k: [position[k] - size - n_data])


def check_circuit_distance(code: StabilizerCode, *, rounds: int | None = None,
                           noise: NoiseModel | None = None) -> None:
    """Checks that noisy memory circuits of ``code`` have its design distance.

    For each basis the code supports, builds :func:`memory_circuit` (by default with
    stim-generated noise at 0.1% and ``code.distance`` rounds) and compares the length of
    ``stim.Circuit.shortest_graphlike_error`` with ``code.distance``. This needs a code whose
    circuits have a graphlike (matchable) error model, like the surface and repetition codes.

    Args:
        code: the code, with a known distance.
        rounds: rounds of the memory (default: the code distance).
        noise: the noise model (default ``NoiseModel.stim_generated(0.001)``).

    Raises:
        ValueError: the code has no known distance, or a circuit's graphlike distance differs.

    Examples:
        >>> from qec.codes import RotatedSurfaceCode
        >>> check_circuit_distance(RotatedSurfaceCode(distance=3))
    """
    if code.distance is None:
        raise ValueError(f"{code!r} has no known distance to check")
    noise = NoiseModel.stim_generated(1e-3) if noise is None else noise
    rounds = code.distance if rounds is None else rounds
    for basis in code.supported_bases:
        circuit = memory_circuit(code, rounds=rounds, basis=basis, noise=noise)
        found = len(circuit.shortest_graphlike_error())
        if found != code.distance:
            raise ValueError(
                f"{code!r}: basis {basis} memory circuit has graphlike distance {found}, "
                f"not {code.distance}"
            )


def circuit_distance_bound(circuit: stim.Circuit, *, time_limit: float = 60.0,
                           observables: Sequence[int] | None = None) -> WeightBound:
    """The circuit-level distance: the fewest faults that flip an observable and no detector.

    Works on any error model, hyperedges included (where ``shortest_graphlike_error`` does
    not apply): for each observable, an integer program over the circuit's detector error
    model (:func:`qec.codes.min_weight_odd_solution`) finds the smallest set of error
    mechanisms whose detectors cancel and that flips it. Within ``time_limit`` seconds per
    observable the solver proves the minimum or returns the best set found, an upper bound
    (``proven`` False).

    Args:
        circuit: a stim circuit with detectors and observables.
        time_limit: seconds per observable, positive.
        observables: which observables to try (default: all).

    Returns:
        A :class:`~qec.codes.WeightBound`; ``support`` lists error indices of the detector
        error model (``circuit.detector_error_model()``, not decomposed).

    Raises:
        ValueError: no observable, an observable index out of range, or no silent logical
            error at all.
        TimeoutError: the solver found no silent logical error in the time allowed.

    Examples:
        >>> from qec.codes import RotatedSurfaceCode
        >>> from qec.noise import NoiseModel
        >>> circuit = memory_circuit(RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
        ...                          noise=NoiseModel.sd6(0.001))
        >>> bound = circuit_distance_bound(circuit)
        >>> bound.weight, bound.proven
        (3, True)
    """
    chosen = _observables(circuit, observables)
    checks, flips = _fault_matrices(circuit)
    results, timed_out = [], []
    for j in chosen:
        try:
            results.append(min_weight_odd_solution(checks, flips[j], time_limit=time_limit))
        except ValueError:
            continue  # this observable cannot be flipped silently
        except TimeoutError:
            timed_out.append(j)
    if not results:
        if timed_out:
            raise TimeoutError(f"no silent logical error found within time_limit={time_limit} s "
                               f"for observables {timed_out}; allow more time")
        raise ValueError("no set of faults flips an observable without a detection event")
    return WeightBound.least(results)


def _observables(circuit: stim.Circuit, observables: Sequence[int] | None) -> list[int]:
    if not isinstance(circuit, stim.Circuit):
        raise ValueError(f"circuit={circuit!r} must be a stim.Circuit")
    if circuit.num_observables == 0:
        raise ValueError("circuit has no observable: there is no logical error to find")
    chosen = list(range(circuit.num_observables)) if observables is None else list(observables)
    for j in chosen:
        if not 0 <= j < circuit.num_observables:
            raise ValueError(f"observable {j} is out of range: the circuit has "
                             f"{circuit.num_observables}")
    return chosen


def _fault_matrices(circuit: stim.Circuit) -> tuple[Any, Any]:
    """The detector-by-fault matrix (scipy CSR, mod 2) and observable-by-fault array of the
    circuit's undecomposed detector error model."""
    import numpy as np
    from scipy.sparse import csr_matrix

    dem = circuit.detector_error_model()
    rows, cols, obs_rows, obs_cols = [], [], [], []
    column = 0
    for instruction in dem.flattened():
        if instruction.type != "error":
            continue
        for target in instruction.targets_copy():
            if target.is_relative_detector_id():
                rows.append(target.val)
                cols.append(column)
            elif target.is_logical_observable_id():
                obs_rows.append(target.val)
                obs_cols.append(column)
        column += 1
    ones = np.ones(len(rows))
    checks = csr_matrix((ones, (rows, cols)), shape=(dem.num_detectors, column)) if rows else \
        csr_matrix((max(dem.num_detectors, 1), column))
    # A mechanism may repeat a detector; mod 2 is what matters.
    checks.data %= 2
    checks.eliminate_zeros()
    flips = np.zeros((dem.num_observables, column), dtype=np.uint8)
    for r, c in zip(obs_rows, obs_cols, strict=True):
        flips[r, c] ^= 1
    return checks, flips


def circuit_distance_search(circuit: stim.Circuit, *, tries: int = 50, seed: int = 0,
                            osd_order: int = 10, observables: Sequence[int] | None = None
                            ) -> WeightBound:
    """An upper bound on the circuit-level distance by randomised BP+OSD search.

    Bravyi et al.'s method (Nature 627, 778 (2024), Methods; the authors' public code): each
    try draws a random nonzero combination of the chosen observables, appends it to the
    detector-by-fault matrix of the circuit's detector error model as one more check, and asks
    BP+OSD (uniform priors, min-sum, OSD-CS of order ``osd_order``) for a light fault set whose
    syndrome is zero on every detector and one on that row: a set of faults that flips an
    observable without any detection event. The lightest over ``tries`` is returned, never
    proven minimal (``proven`` False, ``lower`` 0). It scales to circuits where the integer
    program of :func:`circuit_distance_bound` finds nothing in its time limit. Needs the
    ``decoders`` extra (ldpc).

    Args:
        circuit: a stim circuit with detectors and observables.
        tries: random combinations to try, positive.
        seed: seeds the combinations.
        osd_order: OSD-CS search depth, >= 0.
        observables: which observables to combine (default: all).

    Returns:
        A :class:`~qec.codes.WeightBound`; ``support`` lists error indices of the detector
        error model (``circuit.detector_error_model()``, not decomposed).

    Raises:
        ValueError: no observable, an observable out of range, bad ``tries``/``osd_order``,
            or no try found a silent logical error (the observables may be unflippable).
        ImportError: ldpc is missing.

    Examples:
        >>> from qec.codes import RotatedSurfaceCode
        >>> circuit = memory_circuit(RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
        ...                          noise=NoiseModel.sd6(0.001))
        >>> circuit_distance_search(circuit, tries=10).weight
        3
    """
    import time

    import numpy as np
    from scipy.sparse import csr_matrix, vstack

    tries = int_at_least("tries", tries, 1)
    osd_order = int_at_least("osd_order", osd_order, 0)
    chosen = _observables(circuit, observables)
    try:
        import ldpc
    except ImportError as exc:
        raise ImportError("circuit_distance_search needs ldpc: pip install 'qec-lab[decoders]'"
                          ) from exc
    start = time.monotonic()
    checks, flips = _fault_matrices(circuit)
    flips = flips[chosen].astype(bool)
    rng = np.random.default_rng(seed)
    syndrome = np.zeros(checks.shape[0] + 1, dtype=np.uint8)
    syndrome[-1] = 1
    best: np.ndarray | None = None
    for _ in range(tries):
        mix = rng.integers(0, 2, size=len(chosen)).astype(bool)
        if not mix.any():
            mix[rng.integers(len(chosen))] = True
        row = np.logical_xor.reduce(flips[mix], axis=0)
        if not row.any():
            continue
        matrix = vstack([checks, csr_matrix(row.astype(np.uint8))]).tocsr()
        decoder = ldpc.BpOsdDecoder(matrix, error_rate=0.01, max_iter=1000,
                                    bp_method="minimum_sum", ms_scaling_factor=0.0,
                                    osd_method="osd_cs", osd_order=osd_order,
                                    input_vector_type="syndrome")
        found = np.asarray(decoder.decode(syndrome), dtype=bool)
        silent = not ((checks @ found) % 2).any() and bool((flips @ found % 2).any())
        if silent and (best is None or found.sum() < best.sum()):
            best = found
    if best is None:
        raise ValueError(f"no silent logical error found in tries={tries}; the observables "
                         "may not be flippable without detection events")
    return WeightBound(weight=int(best.sum()), lower=0, proven=False,
                       support=tuple(int(i) for i in np.flatnonzero(best)),
                       seconds=time.monotonic() - start)


class _FrameLowering:
    """Writes CX-gate-set layers to a :class:`_LayerWriter`, natively or as CZ with Hadamards.

    With the CZ gate set (SI1000) a CX is H-CZ-H on its target, an X-basis reset is R then H
    and an X-basis measurement H then M. Each qubit carries a pending Hadamard until the next
    operation that needs the other frame, so two Hadamards in a row on a qubit cancel and the
    rest merge into one layer before each CZ or measurement layer.
    """

    def __init__(self, writer: _LayerWriter) -> None:
        self.writer = writer
        self.cz = writer.noise.two_qubit_gate == "CZ"
        self.pending: set[int] = set()

    def _hadamards(self, wanted: Iterable[int], involved: Iterable[int]) -> None:
        """Brings ``involved`` to the frame where exactly ``wanted`` get a Hadamard."""
        flips = set(wanted).symmetric_difference(self.pending.intersection(involved))
        self.pending.difference_update(involved)
        self.writer.one_qubit_layer("H", sorted(flips))

    def cx(self, pairs: Sequence[tuple[int, int]]) -> None:
        if not self.cz:
            self.writer.two_qubit_layer("CX", pairs)
            return
        targets = [t for _, t in pairs]
        self._hadamards(targets, [q for pair in pairs for q in pair])
        self.writer.two_qubit_layer("CZ", pairs)
        self.pending.update(targets)

    def measure_and_reset(self, *, measures: Sequence[tuple[str, Sequence[int], float]],
                          resets: dict[str, Sequence[int]], idle: float) -> None:
        """One layer of measurements (in record order), then resets of the given qubits."""
        if not self.cz:
            self.writer.mixed_layer(measures=measures, resets=resets, idle=idle)
            return
        measured = [q for _, qubits, _ in measures for q in qubits]
        self._hadamards([q for basis, qubits, _ in measures if basis == "X" for q in qubits],
                        measured)
        self.writer.mixed_layer(measures=[("Z", qubits, flip) for _, qubits, flip in measures],
                                resets={"Z": [q for qs in resets.values() for q in qs]},
                                idle=idle)
        self.pending.update(resets.get("X", ()))


def _superdense_flows(code: StabilizerCode, plan: Sequence[Any], basis: str
                      ) -> tuple[dict[int, list[int]], dict[int, list[int]], list[list[int]]]:
    """Which measurements of one noiseless superdense round reveal each check and logical.

    Returns ``(start, end, logical)``: ``start[k]`` the round's measurement indices whose parity
    is stabilizer ``k`` before the round, ``end[k]`` those whose parity is stabilizer ``k``
    after it, and ``logical[i]`` those that multiply logical ``i`` of ``basis`` on its way
    through the round. stim's flow solver finds them.
    """
    qubits = max(code.qubit_coords) + 1
    circuit = stim.Circuit()
    circuit.append("RX", [p.x_measure for p in plan])
    circuit.append("R", [p.z_measure for p in plan])
    for pairs in _superdense_layers(plan):
        circuit.append("CX", [q for pair in pairs for q in pair])
    circuit.append("MX", [p.x_measure for p in plan])
    circuit.append("M", [p.z_measure for p in plan])

    def pauli(kind: str, support: Iterable[int]) -> stim.PauliString:
        string = stim.PauliString(qubits)
        for q in support:
            string[q] = kind
        return string

    none = stim.PauliString(qubits)
    flows = []
    for s in code.stabilizers:
        flows.append(stim.Flow(input=pauli(s.basis, s.data_qubits), output=none))
        flows.append(stim.Flow(input=none, output=pauli(s.basis, s.data_qubits)))
    for support in code.logicals(basis):
        flows.append(stim.Flow(input=pauli(basis, support), output=pauli(basis, support)))
    solved = circuit.solve_flow_measurements(flows)
    if any(s is None for s in solved):
        raise ValueError(f"{code!r}: the superdense round does not preserve every check; its "
                         "superdense_schedule is not a valid one")
    size = len(code.stabilizers)
    start = {k: list(solved[2 * k]) for k in range(size)}
    end = {k: list(solved[2 * k + 1]) for k in range(size)}
    return start, end, [list(m) for m in solved[2 * size:]]


def _superdense_layers(plan: Sequence[Any]) -> list[list[tuple[int, int]]]:
    """The eight CX layers (control, target) of one superdense round."""
    bell = [(p.x_measure, p.z_measure) for p in plan]
    width = max(len(p.x_half) for p in plan)
    gather = [[(half[t], m) for p in plan for m, half in ((p.x_measure, p.x_half),
                                                           (p.z_measure, p.z_half))
               if half[t] is not None] for t in range(width)]
    spread = [[(c, t) for t, c in layer] for layer in gather]
    return [bell, *gather, *spread, bell]


def _superdense_memory(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                       leakage_removal: str, detectors: str) -> stim.Circuit:
    """The superdense cycle of :func:`memory_circuit` (``cycle="superdense"``)."""
    plan = getattr(code, "superdense_schedule", None)
    if plan is None:
        raise ValueError(f"cycle='superdense' needs a code with a superdense_schedule (like "
                         f"ColorCode); {code!r} has none: use cycle='standard'")
    if noise.leakage is not None or leakage_removal != "none":
        raise ValueError("cycle='superdense' does not model leakage; use cycle='standard'")
    stabilizers = code.stabilizers
    start, end, through = _superdense_flows(code, plan, basis)
    data = list(code.data_qubits)
    coords = code.qubit_coords
    x_anc = [p.x_measure for p in plan]
    z_anc = [p.z_measure for p in plan]
    size = len(x_anc) + len(z_anc)
    n_data = len(data)
    annotations = [code.detector_annotations(s) for s in stabilizers]
    layers = _superdense_layers(plan)
    writer = _LayerWriter(noise, sorted(coords))
    lowering = _FrameLowering(writer)
    header = stim.Circuit(
        "\n".join(f"QUBIT_COORDS({', '.join(map(str, coords[q]))}) {q}" for q in sorted(coords)))
    writer.circuit = header
    resets = {"X": list(x_anc), "Z": list(z_anc)}
    resets[basis] = resets[basis] + data
    lowering.measure_and_reset(measures=(), resets=resets, idle=noise.idle_measure_reset)

    def recs(indices: Iterable[int], back: int) -> list[int]:
        """Record offsets of this round's measurements ``back`` rounds ago."""
        return [i - size * (back + 1) for i in indices]

    def one_round(first: bool, final: bool) -> stim.Circuit:
        writer.circuit = stim.Circuit()
        if not (noise.data_noise_once and not first):
            block = _data_noise(noise, data, basis)
            writer.at_start_of_next_layer(block if len(block) else None)
        for pairs in layers:
            lowering.cx(pairs)
        measures = [("X", x_anc, noise.measure_flip), ("Z", z_anc, noise.measure_flip)]
        if final:
            lowering.measure_and_reset(measures=[*measures, (basis, data,
                                                             noise.data_measure_flip)],
                                       resets={}, idle=noise.idle_measure_reset)
        else:
            lowering.measure_and_reset(measures=measures, resets={"X": x_anc, "Z": z_anc},
                                       idle=noise.idle_measure_reset)
        tail = n_data if final else 0
        if not first:
            writer.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
        writer.circuit += _detectors(
            (coords[s.measure_qubit], 0,
             [r - tail for r in recs(start[k], 0)]
             + ([] if first else [r - tail for r in recs(end[k], 1)]),
             annotations[k])
            for k, s in enumerate(stabilizers)
            if s.basis == basis or not (first or detectors == "basis"))
        for index, indices in enumerate(through):
            if indices:
                writer.circuit.append("OBSERVABLE_INCLUDE",
                                      [stim.target_rec(r - tail) for r in recs(indices, 0)],
                                      index)
        return writer.circuit

    circuit = _rounds_in_order(header, one_round, rounds)
    return circuit + _data_readout_annotations(
        code, basis=basis, annotations=annotations,
        last_round=lambda k: [r - n_data for r in recs(end[k], 0)])


def _rounds_in_order(header: stim.Circuit, one_round: Callable[[bool, bool], stim.Circuit],
                     rounds: int) -> stim.Circuit:
    """The header, the first round, the middle rounds in a REPEAT block, the final round.

    ``one_round(first, final)`` writes one round; the final one also reads out the data.
    """
    circuit = header + one_round(True, rounds == 1)
    if rounds > 2:
        body = one_round(False, False)
        if rounds == 3:
            circuit += body
        else:
            circuit.append(stim.CircuitRepeatBlock(rounds - 2, body))
    if rounds > 1:
        circuit += one_round(False, True)
    return circuit


def _data_readout_annotations(code: StabilizerCode, *, basis: str,
                              annotations: Sequence[tuple[float, ...]],
                              last_round: Callable[[int], list[int]]) -> stim.Circuit:
    """The detectors that compare the data readout with each check of ``basis`` (whose value
    after the last round is the parity of the record offsets ``last_round(k)``), and the
    observables, after a data readout that is the circuit's last measurement."""
    data = list(code.data_qubits)
    n_data = len(data)
    at = {q: i for i, q in enumerate(data)}
    coords = code.qubit_coords
    circuit = _detectors(
        (coords[s.measure_qubit], 1,
         [at[q] - n_data for q in s.data_qubits] + last_round(k), annotations[k])
        for k, s in enumerate(code.stabilizers) if s.basis == basis)
    for index, support in enumerate(code.logicals(basis)):
        circuit.append("OBSERVABLE_INCLUDE", [stim.target_rec(at[q] - n_data) for q in support],
                       index)
    return circuit
