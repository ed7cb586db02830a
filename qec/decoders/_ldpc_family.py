"""Decoders built on Roffe's ``ldpc`` package: BP+OSD and belief-matching.

Each needs the ``decoders`` extra (``pip install 'qec-lab[decoders]'``); without it, compiling (or
``check_decoder``) raises an ``ImportError`` that says so.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import sinter
import stim

from qec._validate import int_at_least, number_in, one_of
from qec.decoders._dem import import_optional, merge_parallel_errors, require_graphlike


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
        ms_scaling_factor: min-sum messages are scaled by this, in [0, 1]; 0 selects ldpc's
            iteration-dependent factor ``1 - 2^-t``, as Bravyi et al. used (only read with
            ``bp_method="minimum_sum"``).

    Examples:
        >>> BpOsdDecoder().name
        'bposd'
        >>> BpOsdDecoder(ms_scaling_factor=2)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: ms_scaling_factor=2 must be a number in [0, 1]
        >>> BpOsdDecoder(osd_order=np.int64(7)).osd_order  # numpy integers are integers
        7
    """

    max_bp_iters: int = 30
    bp_method: str = "product_sum"
    osd_order: int = 60
    osd_method: str = "osd_cs"
    ms_scaling_factor: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_bp_iters", int_at_least("max_bp_iters", self.max_bp_iters, 1))
        object.__setattr__(self, "osd_order", int_at_least("osd_order", self.osd_order, 0))
        one_of("bp_method", self.bp_method, ("product_sum", "minimum_sum"))
        one_of("osd_method", self.osd_method, ("osd_cs", "osd_e", "osd_0"))
        object.__setattr__(self, "ms_scaling_factor",
                           number_in("ms_scaling_factor", self.ms_scaling_factor, 0, 1))

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
            model=merge_parallel_errors(dem),
            max_bp_iters=self.max_bp_iters,
            bp_method=self.bp_method,
            osd_order=self.osd_order,
            osd_method=self.osd_method,
            ms_scaling_factor=self.ms_scaling_factor,
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
class BpLsdDecoder(sinter.Decoder):
    """Belief propagation with localised statistics post-processing (BP+LSD), via ``stimbposd``.

    Hillmann et al., "Localized statistics decoding: a parallel decoding algorithm for quantum
    low-density parity-check codes", arXiv 2406.18655 (2024); ldpc's ``BpLsdDecoder``. Defaults
    are ldpc's own sinter decoder's (``ldpc.sinter_decoders.SinterLsdDecoder``): min-sum with
    scaling 0.625, as many iterations as the model has errors (``max_bp_iters=0``), LSD of
    order 0. Decodes the full hypergraph, like :class:`BpOsdDecoder`.

    Args:
        max_bp_iters: maximum belief-propagation iterations; 0 for ldpc's default (the number
            of error mechanisms).
        bp_method: ``"product_sum"`` or ``"minimum_sum"``.
        ms_scaling_factor: min-sum scaling in [0, 1] (0: ldpc's iteration-dependent factor).
        lsd_order: LSD search depth, non-negative.
        lsd_method: ``"lsd_0"``, ``"lsd_cs"`` or ``"lsd_e"``.

    Examples:
        >>> BpLsdDecoder().name
        'bplsd'
    """

    max_bp_iters: int = 0
    bp_method: str = "minimum_sum"
    ms_scaling_factor: float = 0.625
    lsd_order: int = 0
    lsd_method: str = "lsd_0"

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_bp_iters", int_at_least("max_bp_iters", self.max_bp_iters, 0))
        object.__setattr__(self, "lsd_order", int_at_least("lsd_order", self.lsd_order, 0))
        one_of("bp_method", self.bp_method, ("product_sum", "minimum_sum"))
        one_of("lsd_method", self.lsd_method, ("lsd_0", "lsd_cs", "lsd_e"))
        object.__setattr__(self, "ms_scaling_factor",
                           number_in("ms_scaling_factor", self.ms_scaling_factor, 0, 1))

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "bplsd"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises ``ImportError`` if stimbposd is missing; any model is accepted."""
        import_optional("stimbposd", decoder=self.name)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the BP+LSD decoder for ``dem`` (see ``sinter.Decoder``)."""
        stimbposd = import_optional("stimbposd", decoder=self.name)
        merged = merge_parallel_errors(dem)
        bplsd = stimbposd.BPLSD(
            model=merged, max_bp_iters=self.max_bp_iters or merged.num_errors,
            bp_method=self.bp_method, lsd_order=self.lsd_order, lsd_method=self.lsd_method,
            ms_scaling_factor=self.ms_scaling_factor)
        return _CompiledBpOsd(bplsd)


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
        object.__setattr__(self, "max_bp_iters", int_at_least("max_bp_iters", self.max_bp_iters, 1))

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
            beliefmatching.BeliefMatching(merge_parallel_errors(dem),
                                          max_bp_iters=self.max_bp_iters),
            num_detectors=dem.num_detectors,
        )


class _CompiledBeliefMatching(sinter.CompiledDecoder):
    def __init__(self, belief_matching, *, num_detectors: int) -> None:
        self._belief_matching = belief_matching
        self._num_detectors = num_detectors

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray) -> np.ndarray:
        shots = _unpack(bit_packed_detection_event_data, num_detectors=self._num_detectors)
        return _pack(self._belief_matching.decode_batch(shots))
