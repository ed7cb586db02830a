"""qLDPC decoders of the ecosystem: IBM's Relay-BP and Google's Tesseract.

Each is an optional extra (``pip install 'qec-lab[decoders]'``); without it, compiling (or
``check_decoder``) raises an ``ImportError`` that says how to install it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import sinter
import stim

from qec._validate import int_at_least, number_in, one_of
from qec.data import CHUNK_SHOTS
from qec.decoders._dem import import_optional, merge_parallel_errors


@dataclasses.dataclass(frozen=True)
class RelayBpDecoder(sinter.Decoder):
    """Relay-BP: chained rounds of memory belief propagation with disordered memory strengths.

    Müller et al. (IBM), "Improved belief propagation is sufficient for real-time decoding of
    quantum memory", arXiv 2506.01779 (2025); the ``relay-bp`` package's sinter decoder, on the
    full hypergraph of the model. A first BP pass of ``pre_iter`` iterations (memory strength
    ``gamma0``) is followed by up to ``num_sets`` relay legs of ``set_max_iter`` iterations,
    each with memory strengths drawn from ``gamma_interval``; it stops after ``stop_nconv``
    converged solutions and keeps the lightest. Defaults are the package's.

    The memory strengths come from a random stream that relay-bp's decoder advances with every
    shot it decodes, so a decoder kept between calls answers a shot according to everything it
    decoded before. qec restarts the stream from ``seed`` at the start of every call and every
    :data:`qec.data.CHUNK_SHOTS` shots into it (by building relay-bp's decoder afresh, about
    6 ms on the gross code): the sampling engine decodes whole seeded chunks of that size, so a
    shot's prediction depends only on its chunk, its place in it and ``seed``, never on how
    chunks were batched, on the worker, or on what the worker decoded before.

    Args:
        gamma0: memory strength of the first pass.
        pre_iter: iterations of the first pass, positive.
        num_sets: relay legs, positive.
        set_max_iter: iterations per leg, positive.
        gamma_interval: the (low, high) range the legs' memory strengths are drawn from.
        stop_nconv: converged solutions to collect before stopping, positive.
        seed: the seed of the memory strengths' stream, restarted for every chunk of shots;
            0 is relay-bp's own default.
        peel: first decide the errors that are the only cause of a detector (the detector
            fired exactly when the error happened), repeatedly, and give Relay-BP the rest of
            the model. Exact under the model; without it, Relay-BP stalls on such detectors
            (Bravyi et al.'s boundary: 2-3% of the gross code's shots at p = 0.3% never
            converged in 300 legs, and converge all with it).

    Examples:
        >>> RelayBpDecoder().name
        'relay-bp'
    """

    gamma0: float = 0.1
    pre_iter: int = 60
    num_sets: int = 60
    set_max_iter: int = 60
    gamma_interval: tuple[float, float] = (-0.24, 0.66)
    stop_nconv: int = 5
    seed: int = 0
    peel: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "seed", int_at_least("seed", self.seed, 0))
        if not isinstance(self.peel, bool):
            raise ValueError(f"peel={self.peel!r} must be True or False")
        for name in ("pre_iter", "num_sets", "set_max_iter", "stop_nconv"):
            object.__setattr__(self, name, int_at_least(name, getattr(self, name), 1))
        object.__setattr__(self, "gamma0", number_in("gamma0", self.gamma0, -1, 1))
        low, high = (number_in("gamma_interval", v, -1, 1) for v in self.gamma_interval)
        if not low <= high:
            raise ValueError(f"gamma_interval={self.gamma_interval!r} must be (low, high) with "
                             "low <= high")
        object.__setattr__(self, "gamma_interval", (low, high))

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "relay-bp"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises ``ImportError`` if relay-bp is missing; any model is accepted."""
        import_optional("relay_bp", decoder=self.name)

    def _sinter_decoder(self) -> Any:
        relay = import_optional("relay_bp.stim", decoder=self.name)
        return relay.SinterDecoder_RelayBP(
            gamma0=self.gamma0, pre_iter=self.pre_iter, num_sets=self.num_sets,
            set_max_iter=self.set_max_iter, gamma_dist_interval=self.gamma_interval,
            stop_nconv=self.stop_nconv)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the Relay-BP decoder for ``dem`` (see ``sinter.Decoder``).

        The check matrices and the decoder are relay-bp's own; the conversion of sinter's
        bit-packed detection events is qec's (relay-bp 0.2.1's adapter passes the padding bits
        of the last byte as extra syndrome bits, and takes its observable offsets for errors of
        probability 1 from the check matrix), and errors that differ only in their observables
        are merged first (:func:`qec.decoders._dem.merge_parallel_errors`). The decoder is
        rebuilt from ``seed`` for every chunk of shots (see the class).
        """
        relay = self._sinter_decoder()
        relay_bp = import_optional("relay_bp", decoder=self.name)
        check_matrices = import_optional("relay_bp.stim", decoder=self.name).CheckMatrices
        full = check_matrices.from_dem(merge_parallel_errors(dem),
                                       decomposed_hyperedges=relay.decomposed_hyperedges,
                                       prune_decided_errors=False)
        matrices = full.prune_decided_errors(threshold=relay.threshold)
        # Errors of probability 1 flip fixed detectors and observables. relay-bp 0.2.1 takes
        # both offsets from the check matrix; the observables' come from the observables matrix.
        certain = np.flatnonzero(np.asarray(full.error_priors) >= 1.0 - relay.threshold)
        detector_offsets = _offsets(full.check_matrix, certain)
        observable_offsets = _offsets(full.observables_matrix, certain)
        check, priors, observables = (matrices.check_matrix, np.asarray(matrices.error_priors),
                                      matrices.observables_matrix)
        peeled = _Peeling.of(check, observables) if self.peel else None
        if peeled is not None:
            check = check.tocsc()[peeled.rows][:, peeled.columns].tocsr()
            priors = priors[peeled.columns]
            observables = observables.tocsc()[:, peeled.columns].tocsr()

        def build() -> Any:
            # The settings of relay-bp's own adapter (``build_observable_decoder``), and a seed.
            decoder = relay_bp.RelayDecoderF64(
                check, error_priors=priors,
                alpha=None if relay.alpha == 0.0 else relay.alpha, gamma0=relay.gamma0,
                pre_iter=relay.pre_iter, num_sets=relay.num_sets,
                set_max_iter=relay.set_max_iter, gamma_dist_interval=relay.gamma_dist_interval,
                explicit_gammas=relay.explicit_gammas, stop_nconv=relay.stop_nconv,
                stopping_criterion=relay.stopping_criterion, logging=relay.logging,
                seed=self.seed)
            return relay_bp.ObservableDecoderRunner(decoder, observables,
                                                    include_decode_result=False)

        build()  # settings relay-bp refuses fail here, at compile time
        return _RelayBpCompiled(
            build=build, num_detectors=dem.num_detectors,
            num_observables=dem.num_observables, detector_offsets=detector_offsets,
            observable_offsets=observable_offsets, peeling=peeled)


@dataclasses.dataclass(frozen=True)
class _Peeling:
    """Errors decided by their detectors: each ``steps`` entry ``(row, detectors, observables)``
    says that the error of the step is the only remaining cause of detector ``row``, so it
    happened exactly when that detector (as updated by the steps before) fired, and then flips
    ``detectors`` and ``observables``. ``rows`` and ``columns`` are what is left to decode."""

    steps: tuple[tuple[int, np.ndarray, np.ndarray], ...]
    rows: np.ndarray
    columns: np.ndarray
    # Detectors left with no cause are dropped too: under the model they never fire, and a
    # detection event there (data the model does not explain) would stall BP for nothing.

    @staticmethod
    def of(check: Any, observables: Any) -> _Peeling | None:
        """The peeling of a check matrix (detectors x errors), or None if nothing is decided.

        Examples:
            >>> import scipy.sparse as sp
            >>> # D0 has one cause (error 0); once it is decided, D1 has one (error 1).
            >>> check = sp.csr_matrix(np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 1],
            ...                                 [0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0]]))
            >>> peeling = _Peeling.of(check, sp.csr_matrix(np.array([[0, 1, 0, 1]])))
            >>> [row for row, _, _ in peeling.steps]
            [0, 1]
            >>> peeling.rows.tolist(), peeling.columns.tolist()  # D5 has no cause: dropped
            ([2, 3, 4], [2, 3])
            >>> # The syndromes of e0 alone, of e0 and e1 (which flips L0), of e0 and e2.
            >>> syndromes = np.array([[1, 1, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0],
            ...                       [1, 1, 1, 1, 1, 0]], dtype=np.uint8)
            >>> rest, flips = peeling.apply(syndromes, 1)
            >>> rest.tolist(), flips.tolist()
            ([[0, 0, 0], [0, 0, 0], [1, 1, 1]], [[0], [1], [0]])
        """
        columns_of = check.tocsr()
        rows_of = check.tocsc()
        observed = observables.tocsc()
        degree = np.diff(columns_of.indptr).astype(np.int64)
        alive = np.ones(check.shape[1], dtype=bool)
        queue = list(np.flatnonzero(degree == 1))
        steps = []
        peeled_rows = np.zeros(check.shape[0], dtype=bool)
        while queue:
            row = int(queue.pop())
            if degree[row] != 1:
                continue
            candidates = columns_of.indices[columns_of.indptr[row]:columns_of.indptr[row + 1]]
            column = int(next(c for c in candidates if alive[c]))
            alive[column] = False
            detectors = rows_of.indices[rows_of.indptr[column]:rows_of.indptr[column + 1]]
            flips = observed.indices[observed.indptr[column]:observed.indptr[column + 1]]
            steps.append((row, detectors.copy(), flips.copy()))
            peeled_rows[row] = True
            for other in detectors:
                degree[other] -= 1
                if degree[other] == 1:
                    queue.append(int(other))
        if not steps:
            return None
        return _Peeling(steps=tuple(steps), rows=np.flatnonzero(~peeled_rows & (degree > 0)),
                        columns=np.flatnonzero(alive))

    def apply(self, syndromes: np.ndarray, num_observables: int
              ) -> tuple[np.ndarray, np.ndarray]:
        """The syndromes left to decode (``rows`` only) and the decided errors' flips."""
        syndromes = syndromes.copy()
        flips = np.zeros((len(syndromes), num_observables), dtype=np.uint8)
        for row, detectors, observables in self.steps:
            happened = syndromes[:, row].copy()
            syndromes[:, detectors] ^= happened[:, None]
            flips[:, observables] ^= happened[:, None]
        return syndromes[:, self.rows], flips


def _offsets(matrix: Any, columns: np.ndarray) -> np.ndarray | None:
    """The parity of ``matrix``'s ``columns`` per row, as uint8; None when there are none."""
    if len(columns) == 0:
        return None
    return (np.asarray(matrix[:, columns].sum(axis=1)).reshape(-1) % 2).astype(np.uint8)


class _RelayBpCompiled(sinter.CompiledDecoder):
    """relay-bp's observable decoder, fed exactly ``num_detectors`` syndrome bits a shot and
    built afresh by ``build`` for every :data:`qec.data.CHUNK_SHOTS` shots of a call."""

    def __init__(self, *, build: Any, num_detectors: int, num_observables: int,
                 peeling: _Peeling | None,
                 detector_offsets: np.ndarray | None,
                 observable_offsets: np.ndarray | None) -> None:
        self._build = build
        self._peeling = peeling
        self._num_detectors = num_detectors
        self._num_observables = num_observables
        self._syndrome_bias = detector_offsets
        self._observables_bias = observable_offsets

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray
                                ) -> np.ndarray:
        """Predicted observable flips, bit-packed (see ``sinter.CompiledDecoder``)."""
        syndromes = np.unpackbits(bit_packed_detection_event_data, axis=1, bitorder="little",
                                  count=self._num_detectors)
        if self._syndrome_bias is not None:
            syndromes ^= self._syndrome_bias
        decided = None
        if self._peeling is not None:
            syndromes, decided = self._peeling.apply(syndromes, self._num_observables)
        if syndromes.shape[1] == 0 or len(syndromes) == 0:
            predictions = np.zeros((len(syndromes), self._num_observables), dtype=np.uint8)
        else:
            predictions = np.concatenate([
                np.asarray(self._build().decode_observables_batch(
                    syndromes[start:start + CHUNK_SHOTS], parallel=False, progress_bar=False),
                    dtype=np.uint8).reshape(-1, self._num_observables)
                for start in range(0, len(syndromes), CHUNK_SHOTS)])
        if decided is not None:
            predictions ^= decided
        if self._observables_bias is not None:
            predictions ^= self._observables_bias
        return np.packbits(predictions, axis=1, bitorder="little")


@dataclasses.dataclass(frozen=True)
class TesseractDecoder(sinter.Decoder):
    """Tesseract: A* search for the most likely error, with beam pruning (Google).

    Beni, Higgott, Shutty, "Tesseract: a search-based decoder for quantum error correction",
    arXiv 2503.10988 (2025); the ``tesseract-decoder`` package's sinter decoder. It searches
    over error sets in order of likelihood, pruning search states with more than ``det_beam``
    residual detection events; a larger beam is slower and closer to maximum likelihood. With
    ``num_det_orders`` > 0 the search runs once per detector ordering (``det_order``, shuffled
    from ``seed``) and keeps the best. Accepts any model. The defaults are the package's
    configuration defaults (beam 5, one ordering); the profiles ``tesseract-long-beam`` and
    ``tesseract-short-beam`` are the two the authors published.

    Args:
        det_beam: the beam (residual detection events kept), positive.
        pqlimit: the most search states it keeps, positive.
        num_det_orders: detector orderings tried (0: the package's single default order).
        beam_climbing: raise the beam step by step until a solution is found.
        no_revisit_dets: never revisit a syndrome pattern.
        det_order: how orderings are made: ``"index"``, ``"bfs"`` or ``"coordinate"``.
        seed: the seed of the orderings.

    Examples:
        >>> TesseractDecoder().name
        'tesseract'
    """

    det_beam: int = 5
    pqlimit: int = 200_000
    num_det_orders: int = 0
    beam_climbing: bool = False
    no_revisit_dets: bool = True
    det_order: str = "index"
    seed: int = 2384753

    def __post_init__(self) -> None:
        object.__setattr__(self, "det_beam", int_at_least("det_beam", self.det_beam, 1))
        object.__setattr__(self, "pqlimit", int_at_least("pqlimit", self.pqlimit, 1))
        object.__setattr__(self, "num_det_orders",
                           int_at_least("num_det_orders", self.num_det_orders, 0))
        object.__setattr__(self, "seed", int_at_least("seed", self.seed, 0))
        for flag in ("beam_climbing", "no_revisit_dets"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{flag}={getattr(self, flag)!r} must be True or False")
        one_of("det_order", self.det_order, ("index", "bfs", "coordinate"))

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "tesseract"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises ``ImportError`` if tesseract-decoder is missing; any model is accepted."""
        import_optional("tesseract_decoder", decoder=self.name)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the Tesseract decoder for ``dem`` (see ``sinter.Decoder``)."""
        tesseract = import_optional("tesseract_decoder", decoder=self.name)
        orders = {"index": "DetIndex", "bfs": "DetBFS", "coordinate": "DetCoordinate"}
        method = getattr(tesseract.utils.DetOrder, orders[self.det_order])
        decoder = tesseract.TesseractSinterDecoder(
            det_beam=self.det_beam, pqlimit=self.pqlimit, num_det_orders=self.num_det_orders,
            beam_climbing=self.beam_climbing, no_revisit_dets=self.no_revisit_dets,
            det_order_method=method, seed=self.seed)
        return decoder.compile_decoder_for_dem(dem=dem)
