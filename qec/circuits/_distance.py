"""Circuit-level distance: the graphlike check, the exact bound and the BP+OSD search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import stim

from qec._validate import int_at_least
from qec.circuits._memory import memory_circuit
from qec.codes import StabilizerCode, WeightBound, min_weight_odd_solution
from qec.noise import NoiseModel


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
