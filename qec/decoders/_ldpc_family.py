"""Decoders built on Roffe's ``ldpc`` package: BP+OSD, belief-matching and union-find.

Each needs the ``decoders`` extra (``pip install 'qec[decoders]'``); without it, compiling (or
``check_decoder``) raises an ``ImportError`` that says so.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import sinter
import stim

from qec.decoders._dem import import_optional, require_graphlike


def _unpack(shots: np.ndarray, *, num_detectors: int) -> np.ndarray:
    return np.unpackbits(shots, axis=1, count=num_detectors, bitorder="little")


def _pack(predictions: np.ndarray) -> np.ndarray:
    return np.packbits(np.asarray(predictions, dtype=bool), axis=1, bitorder="little")


@dataclasses.dataclass(frozen=True)
class BpOsdDecoder(sinter.Decoder):
    """Belief propagation with ordered-statistics post-processing (BP+OSD), via ``stimbposd``.

    Decodes the full hypergraph of the model: ``^`` decomposition hints are ignored (each error
    is one column of the check matrix, its components XORed), so it also accepts models that
    stim could not decompose. Defaults are stimbposd's: 30 product-sum BP iterations, then
    combination-sweep OSD of order 60 when BP does not converge. Roffe et al., "Decoding across
    the quantum LDPC code landscape", Phys. Rev. Research 2, 043423 (2020).

    Args:
        max_bp_iters: maximum belief-propagation iterations.
        bp_method: ``"product_sum"`` or ``"minimum_sum"``.
        osd_order: OSD search depth (capped at the number of redundant columns).
        osd_method: ``"osd_cs"`` (combination sweep), ``"osd_e"`` (exhaustive) or ``"osd_0"``.

    Examples:
        >>> BpOsdDecoder().name
        'bposd'
    """

    max_bp_iters: int = 30
    bp_method: str = "product_sum"
    osd_order: int = 60
    osd_method: str = "osd_cs"

    def __post_init__(self) -> None:
        if isinstance(self.max_bp_iters, bool) or not isinstance(self.max_bp_iters, int):
            raise ValueError(f"max_bp_iters={self.max_bp_iters!r} must be a positive integer")
        if self.max_bp_iters < 1:
            raise ValueError(f"max_bp_iters={self.max_bp_iters!r} must be a positive integer")
        if isinstance(self.osd_order, bool) or not isinstance(self.osd_order, int):
            raise ValueError(f"osd_order={self.osd_order!r} must be a non-negative integer")
        if self.osd_order < 0:
            raise ValueError(f"osd_order={self.osd_order!r} must be a non-negative integer")
        if self.bp_method not in ("product_sum", "minimum_sum"):
            raise ValueError(f"bp_method={self.bp_method!r} must be 'product_sum' or 'minimum_sum'")
        if self.osd_method not in ("osd_cs", "osd_e", "osd_0"):
            raise ValueError(f"osd_method={self.osd_method!r} must be 'osd_cs', 'osd_e' or 'osd_0'")

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "bposd"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises ``ImportError`` if stimbposd is missing; any model is accepted."""
        import_optional("stimbposd", decoder=self.name)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the BP+OSD decoder for ``dem`` (see ``sinter.Decoder``)."""
        stimbposd = import_optional("stimbposd", decoder=self.name)
        bposd = stimbposd.BPOSD(
            model=dem,
            max_bp_iters=self.max_bp_iters,
            bp_method=self.bp_method,
            osd_order=self.osd_order,
            osd_method=self.osd_method,
        )
        return _CompiledBpOsd(bposd)


class _CompiledBpOsd(sinter.CompiledDecoder):
    def __init__(self, bposd) -> None:
        self._bposd = bposd

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray) -> np.ndarray:
        return self._bposd.decode_batch(
            bit_packed_detection_event_data, bit_packed_shots=True, bit_packed_predictions=True
        ).astype(np.uint8, copy=False)


@dataclasses.dataclass(frozen=True)
class BeliefMatchingDecoder(sinter.Decoder):
    """Belief-matching, via ``beliefmatching``: BP on the hypergraph, then matching.

    Runs belief propagation on the full hypergraph; when BP converges its solution is used,
    otherwise its posterior probabilities reweight the matching graph built from the ``^``
    decomposition, and PyMatching decodes. Higgott, Bohdanowicz, Kubica, Flammia, Campbell,
    "Improved decoding of circuit noise and fragile boundaries of tailored surface codes",
    Phys. Rev. X 13, 031007 (2023). The model must be decomposed into graphlike pieces.

    Args:
        max_bp_iters: maximum belief-propagation iterations (beliefmatching's default, 20).

    Examples:
        >>> BeliefMatchingDecoder().name
        'belief-matching'
    """

    max_bp_iters: int = 20

    def __post_init__(self) -> None:
        if isinstance(self.max_bp_iters, bool) or not isinstance(self.max_bp_iters, int):
            raise ValueError(f"max_bp_iters={self.max_bp_iters!r} must be a positive integer")
        if self.max_bp_iters < 1:
            raise ValueError(f"max_bp_iters={self.max_bp_iters!r} must be a positive integer")

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "belief-matching"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises if beliefmatching is missing or ``dem`` is not decomposed into graph edges."""
        import_optional("beliefmatching", decoder=self.name)
        require_graphlike(dem, decoder=self.name)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the belief-matching decoder for ``dem`` (see ``sinter.Decoder``)."""
        self.check_dem(dem)
        beliefmatching = import_optional("beliefmatching", decoder=self.name)
        return _CompiledBeliefMatching(
            beliefmatching.BeliefMatching(dem, max_bp_iters=self.max_bp_iters),
            num_detectors=dem.num_detectors,
        )


class _CompiledBeliefMatching(sinter.CompiledDecoder):
    def __init__(self, belief_matching, *, num_detectors: int) -> None:
        self._belief_matching = belief_matching
        self._num_detectors = num_detectors

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray) -> np.ndarray:
        shots = _unpack(bit_packed_detection_event_data, num_detectors=self._num_detectors)
        return _pack(self._belief_matching.decode_batch(shots))


@dataclasses.dataclass(frozen=True)
class UnionFindDecoder(sinter.Decoder):
    """A union-find decoder: ``ldpc.UnionFindDecoder`` on the matching graph of the model.

    Cluster growth and merging with a union-find forest (Delfosse and Nickerson, "Almost-linear
    time decoding algorithm for topological codes", Quantum 5, 595 (2021), arXiv 1709.06218):
    each cluster, seeded by a detection event, grows by all the edges on its border per step
    and merges with the clusters it touches, until every cluster can be neutralised by its own
    edges (its events are in the span of its edges: an even number, or a boundary edge). A
    correction is then found inside each cluster by Gaussian elimination with its edges ordered
    by weight, ``log((1 - p) / p)``, cheapest first. Growth is unweighted, so under noise with
    very uneven rates (SI1000) it falls behind matching as the distance grows; it is not a
    minimum-weight matching and is less accurate than PyMatching, as expected.

    Why this implementation:

    - fusion-blossom's Python API exposes only its blossom (MWPM) solvers; using it here would
      be MWPM under another name.
    - sinter's built-in ``hypergraph_union_find`` needs the separate ``mwpf`` package, which is
      not among qec's dependencies.
    - ``ldpc`` (Roffe) is already required by BP+OSD and belief-matching, and its C++
      union-find is maintained. Its ``"inversion"`` mode solves each grown cluster by Gaussian
      elimination (Delfosse, Londe, Beverland, arXiv 2103.08049). Its ``"peeling"`` mode (a
      spanning-forest peel) is not used: in ldpc 2.4.1 it never returns on some circuit-level
      syndromes of the d = 3 surface code.

    The graph is PyMatching's (``Matching.from_detector_error_model``: parallel edges merged,
    ``^`` decomposition applied), so the model must be graphlike, as for matching.

    Examples:
        >>> UnionFindDecoder().name
        'union-find'
    """

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "union-find"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises if ldpc is missing or ``dem`` is not decomposed into graphlike pieces."""
        import_optional("ldpc", decoder=self.name)
        require_graphlike(dem, decoder=self.name)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the union-find decoder on the matching graph of ``dem``."""
        import pymatching
        import scipy.sparse

        self.check_dem(dem)
        ldpc = import_optional("ldpc", decoder=self.name)
        edges = pymatching.Matching.from_detector_error_model(dem).edges()
        check_rows, check_cols, obs_rows, obs_cols = [], [], [], []
        weights = np.zeros(len(edges), dtype=np.float64)
        for column, (node, other, attributes) in enumerate(edges):
            for detector in (node, other):
                if detector is not None:
                    check_rows.append(detector)
                    check_cols.append(column)
            for observable in attributes["fault_ids"]:
                obs_rows.append(observable)
                obs_cols.append(column)
            weights[column] = max(0.0, attributes["weight"])  # p > 1/2: no negative growth
        check_matrix = scipy.sparse.csc_matrix(
            (np.ones(len(check_rows), dtype=np.uint8), (check_rows, check_cols)),
            shape=(dem.num_detectors, len(edges)),
        )
        observables_matrix = scipy.sparse.csr_matrix(
            (np.ones(len(obs_rows), dtype=np.uint8), (obs_rows, obs_cols)),
            shape=(dem.num_observables, len(edges)),
        )
        solver = ldpc.UnionFindDecoder(check_matrix, uf_method="inversion") if edges else None
        return _CompiledUnionFind(
            solver=solver,
            weights=weights,
            observables_matrix=observables_matrix,
            num_detectors=dem.num_detectors,
        )


class _CompiledUnionFind(sinter.CompiledDecoder):
    def __init__(self, *, solver, weights, observables_matrix, num_detectors: int) -> None:
        self._solver = solver
        self._weights = weights
        self._observables_matrix = observables_matrix
        self._num_detectors = num_detectors

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray) -> np.ndarray:
        shots = _unpack(bit_packed_detection_event_data, num_detectors=self._num_detectors)
        num_observables = self._observables_matrix.shape[0]
        predictions = np.zeros((shots.shape[0], num_observables), dtype=bool)
        if self._solver is not None:
            for index in np.flatnonzero(shots.any(axis=1)):
                correction = self._solver.decode(shots[index], llrs=self._weights)
                predictions[index] = (self._observables_matrix @ correction) % 2
        return _pack(predictions)
