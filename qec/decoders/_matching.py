"""Minimum-weight perfect matching through PyMatching, plain and correlated."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import sinter
import stim

from qec.decoders._dem import require_graphlike


@dataclasses.dataclass(frozen=True)
class PyMatchingDecoder(sinter.Decoder):
    """PyMatching (sparse blossom) as a ``sinter.Decoder``, optionally with correlated matching.

    Builds ``pymatching.Matching.from_detector_error_model`` once per detector error model and
    decodes bit-packed batches with ``decode_batch``. With ``correlated=True`` it uses PyMatching's
    two-pass correlated matching (``enable_correlations=True``, PyMatching >= 2.3), which uses the
    ``^`` decomposition of hyperedges in the model to reweight edges.

    Args:
        correlated: use correlated matching.

    Raises:
        ValueError: (when compiling) the model has an error with a component of more than two
            detectors, which matching cannot represent.

    Examples:
        >>> decoder = PyMatchingDecoder(correlated=True)
        >>> decoder.name
        'pymatching-correlated'
        >>> dem = stim.DetectorErrorModel("error(0.1) D0 L0\\nerror(0.1) D0 D1\\nerror(0.1) D1")
        >>> compiled = decoder.compile_decoder_for_dem(dem=dem)
        >>> compiled.decode_shots_bit_packed(
        ...     bit_packed_detection_event_data=np.array([[0b01], [0b11], [0b00]], dtype=np.uint8))
        array([[1],
               [0],
               [0]], dtype=uint8)
    """

    correlated: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.correlated, bool):
            raise ValueError(f"correlated={self.correlated!r} must be True or False")

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "pymatching-correlated" if self.correlated else "pymatching"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises ``ValueError`` if this decoder cannot decode ``dem`` (it must be graphlike)."""
        require_graphlike(dem, decoder=self.name)
        if self.correlated:
            _require_correlated_matching_support()

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the matching graph of ``dem`` (see ``sinter.Decoder``)."""
        import pymatching

        self.check_dem(dem)
        if self.correlated:
            matching = pymatching.Matching.from_detector_error_model(dem, enable_correlations=True)
        else:
            matching = pymatching.Matching.from_detector_error_model(dem)
        return _CompiledPyMatching(
            matching=matching,
            correlated=self.correlated,
            num_observables=dem.num_observables,
        )


class _CompiledPyMatching(sinter.CompiledDecoder):
    def __init__(self, *, matching, correlated: bool, num_observables: int) -> None:
        self._matching = matching
        self._correlated = correlated
        self._num_observable_bytes = (num_observables + 7) // 8

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray) -> np.ndarray:
        shots = bit_packed_detection_event_data
        if shots.shape[1] == 0:  # no detectors: PyMatching has nothing to match
            return np.zeros((shots.shape[0], self._num_observable_bytes), dtype=np.uint8)
        kwargs = {"enable_correlations": True} if self._correlated else {}
        predictions = self._matching.decode_batch(
            shots, bit_packed_shots=True, bit_packed_predictions=True, **kwargs
        )
        if predictions.shape[1] == self._num_observable_bytes:
            return predictions
        # PyMatching sizes its output by the observables that some error flips: pad or trim.
        out = np.zeros((shots.shape[0], self._num_observable_bytes), dtype=np.uint8)
        width = min(predictions.shape[1], self._num_observable_bytes)
        out[:, :width] = predictions[:, :width]
        return out

    def matched_pairs(self, detection_events: np.ndarray) -> np.ndarray | None:
        """The detection events this decoder matches to each other in one shot, as rows
        ``(a, b)`` (``b = -1``: matched to the boundary), or None for correlated matching,
        whose second pass may match differently from what this returns. Rare-event
        estimators use it only to choose which configurations to decode, never as the
        decoder's answer."""
        if self._correlated:
            return None
        return np.asarray(self._matching.decode_to_matched_dets_array(detection_events))

    def relevant_detectors(self, num_detectors: int) -> np.ndarray | None:
        """The detectors whose events can change this decoder's prediction (see
        :func:`qec.decoders.relevant_detectors`), or None (correlated matching: all of them).

        Plain matching solves each connected component of its graph (edges between detectors;
        matches to the boundary are unconstrained) on its own, and a component none of whose
        edges flips an observable contributes nothing to the prediction: its detectors are not
        relevant. In a memory experiment those are the checks of the other basis. This holds
        exactly, ties included, for this decoder object and its detector numbering (read in
        PyMatching 2's source: its radix-heap event queue pops equal-time events in the order
        their own component queued them, its weight scale is fixed by the graph, not the
        syndrome, and the matches' observables are XORed); measured, 0 of 3 million shots of
        surface-code memories differ, equal-weight code-capacity graphs included.
        """
        if self._correlated:  # the second pass reweights edges across components
            return None
        return _observable_components(self._matching, num_detectors)


def _observable_components(matching: Any, num_detectors: int) -> np.ndarray:
    """The detectors in connected components of ``matching``'s graph (boundary edges left out)
    that have an edge flipping some observable (a boundary edge counts)."""
    import scipy.sparse
    from scipy.sparse.csgraph import connected_components

    heads, tails, flips = [], [], []
    for head, tail, data in matching.edges():
        if data.get("fault_ids"):
            flips.append(head)
        if tail is not None:
            heads.append(head)
            tails.append(tail)
    size = max([num_detectors, *(n + 1 for n in heads + tails + flips)])
    graph = scipy.sparse.coo_matrix((np.ones(len(heads)), (heads, tails)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    relevant = np.isin(labels, labels[np.asarray(flips, dtype=np.int64)])
    return relevant[:num_detectors]


def _require_correlated_matching_support() -> None:
    import pymatching

    parts = pymatching.__version__.split(".")
    try:
        version = (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        return  # an unusual (development) version string: let PyMatching decide
    if version < (2, 3):
        raise ImportError(
            "decoder 'pymatching-correlated' needs PyMatching >= 2.3, but "
            f"{pymatching.__version__} is installed. "
            "To fix this: pip install --upgrade 'pymatching>=2.3'"
        )
